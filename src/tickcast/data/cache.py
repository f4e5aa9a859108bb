"""On-disk cache of fetched series: one CSV file per series, written atomically.

Layout: ``<cache dir>/v1/<key>-<hash>.csv`` where the cache dir is ``TICKCAST_CACHE_DIR`` or
``platformdirs.user_cache_dir("tickcast")``. Each file is one header line
``# tickcast-cache {json}`` (key, fetch time, row count, column names, SHA-256 of the body,
metadata such as units) followed by the frame as CSV. A file whose header, checksum or row
count does not match, or whose data break the loaders' guarantees (unsorted or duplicate dates,
infinite values, a fetch time in the future; checked even when the checksum matches, since a
checksum can be recomputed), is corrupt: it is reported with a
:class:`~tickcast.errors.CacheWarning`, removed, and the series is fetched again.

Writers take an exclusive lock on ``<file>.lock`` (``fcntl.flock``; no lock where ``fcntl``
is missing), merge the new rows into what is already cached, write a temporary file in the
same folder and ``os.replace`` it over the old one, so readers never see half a file and
concurrent writers to one key lose no rows. An unwritable cache folder is a warning, never
an error: the data are returned uncached.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import json
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from tickcast._files import follow_umask
from tickcast.errors import CacheWarning

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["MAX_AGE", "Entry", "cache_dir", "clear", "path_for", "read", "write"]

#: Cached data younger than this is used without asking the network (``source="auto"``).
MAX_AGE = _dt.timedelta(days=1)
_MAGIC = b"# tickcast-cache "
_VERSION = 1


class _Corrupt(Exception):
    """Internal: a cache file failed a check."""


@dataclass(frozen=True)
class Entry:
    """A series read back from the cache.

    Attributes
    ----------
    frame : DataFrame of shape (n_rows, n_fields)
        float64 columns on a tz-naive DatetimeIndex named ``date``.
    fetched : pandas.Timestamp
        When the data were fetched from the network (UTC).
    meta : dict
        What the writer stored besides the data (``kind``, ``units``, ``description``...).
    path : Path
        The cache file.
    """

    frame: pd.DataFrame
    fetched: pd.Timestamp
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path = Path()

    @property
    def age(self) -> _dt.timedelta:
        """Time since the fetch."""
        return cast("_dt.timedelta", pd.Timestamp.now(tz="UTC") - self.fetched)

    @property
    def fresh(self) -> bool:
        """True while :attr:`age` is at most :data:`MAX_AGE`."""
        return self.age <= MAX_AGE


def cache_dir() -> Path:
    """The cache root: ``$TICKCAST_CACHE_DIR`` or the platform's user cache folder."""
    env = os.environ.get("TICKCAST_CACHE_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("tickcast", appauthor=False))


def _series_dir() -> Path:
    return cache_dir() / f"v{_VERSION}"


def path_for(key: str) -> Path:
    """The file that holds ``key`` (e.g. ``'yahoo:DBK.DE'``); safe on every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._")[:80] or "series"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return _series_dir() / f"{safe}-{digest}.csv"


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def read(key: str) -> Entry | None:
    """The cached entry of ``key``; None when absent or corrupt (corrupt: CacheWarning)."""
    path = path_for(key)
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        warnings.warn(
            f"cannot read the cache file {path} ({exc}); ignoring it.", CacheWarning, stacklevel=3
        )
        return None
    try:
        return _decode(data, key, path)
    except _Corrupt as exc:
        warnings.warn(
            f"the cache file {path} for {key!r} is corrupt ({exc}); it was removed and the "
            "data will be fetched again.",
            CacheWarning,
            stacklevel=3,
        )
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def _decode(data: bytes, key: str, path: Path) -> Entry:
    head, newline, body = data.partition(b"\n")
    if not head.startswith(_MAGIC) or not newline:
        raise _Corrupt("missing header line")
    try:
        meta = json.loads(head[len(_MAGIC) :])
        version, stored_key = meta["version"], meta["key"]
        rows, columns, digest = int(meta["rows"]), list(meta["columns"]), meta["sha256"]
        fetched = pd.Timestamp(meta["fetched"])
    except (ValueError, KeyError, TypeError) as exc:
        raise _Corrupt(f"unreadable header: {exc}") from None
    if version != _VERSION or stored_key != key:
        raise _Corrupt(f"header is for {stored_key!r} version {version}")
    if hashlib.sha256(body).hexdigest() != digest:
        raise _Corrupt("checksum mismatch: truncated or edited")
    try:
        frame = pd.read_csv(io.BytesIO(body), index_col=0, **_ROUND_TRIP)
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, format="ISO8601"), name="date")
        frame = frame.astype("float64")
    except (ValueError, TypeError, pd.errors.ParserError) as exc:
        raise _Corrupt(f"unreadable data: {exc}") from None
    if len(frame) != rows or list(frame.columns) != columns:
        raise _Corrupt(f"expected {rows} rows of {columns}, found {len(frame)}")
    if fetched.tz is None:
        fetched = fetched.tz_localize("UTC")
    _check_served(frame, fetched, meta.get("meta", {}))
    return Entry(frame=frame, fetched=fetched, meta=meta.get("meta", {}), path=path)


#: pandas < 3 parses floats with a fast but inexact routine unless asked for round trips;
#: pandas 3 always round-trips and deprecates the option.
_ROUND_TRIP: dict[str, str] = (
    {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
)


def _check_served(frame: pd.DataFrame, fetched: pd.Timestamp, meta: Any) -> None:
    """What the cache serves meets the loaders' guarantees, checksum or not.

    A file can be edited and its checksum recomputed; it is then served only if it is what a
    writer could have written: sorted unique dates, finite values, at least one observation,
    a fetch time that is not in the future, a mapping of metadata.
    """
    index = frame.index
    if len(frame) == 0 or frame.shape[1] == 0 or frame.isna().all(axis=None):
        raise _Corrupt("no observations")
    if index.hasnans:
        raise _Corrupt("a missing date")
    if not index.is_unique:
        raise _Corrupt(f"duplicate dates, first {index[index.duplicated()][0]:%Y-%m-%d}")
    if not index.is_monotonic_increasing:
        raise _Corrupt("dates not in increasing order")
    values = frame.to_numpy(dtype="float64")
    if np.isinf(values).any():
        row = int(np.argwhere(np.isinf(values))[0][0])
        raise _Corrupt(f"an infinite value on {index[row]:%Y-%m-%d}")
    if frame.isna().all(axis=1).any():
        raise _Corrupt("a row without any value")
    if pd.isna(fetched) or fetched > pd.Timestamp.now(tz="UTC") + pd.Timedelta(minutes=5):
        raise _Corrupt(f"fetch time {fetched} is in the future")
    if not isinstance(meta, dict):
        raise _Corrupt(f"metadata is a {type(meta).__name__}, not a mapping")
    if meta.get("kind") not in (None, "price", "rate"):
        raise _Corrupt(f"kind {meta['kind']!r} is neither 'price' nor 'rate'")


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
def _encode(key: str, frame: pd.DataFrame, meta: dict[str, Any], fetched: pd.Timestamp) -> bytes:
    body = frame.to_csv(index_label="date", lineterminator="\n").encode()
    header = {
        "version": _VERSION,
        "key": key,
        "fetched": fetched.isoformat(),
        "rows": len(frame),
        "columns": [str(c) for c in frame.columns],
        "sha256": hashlib.sha256(body).hexdigest(),
        "meta": meta,
    }
    return cast("bytes", _MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + body)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover - Windows: atomic replace only
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write(
    key: str,
    frame: pd.DataFrame,
    *,
    meta: dict[str, Any] | None = None,
    fetched: pd.Timestamp | None = None,
    merge: bool = True,
) -> bool:
    """Store ``frame`` under ``key``; return False (with a CacheWarning) if it could not.

    Parameters
    ----------
    key : str
        The series' identity, e.g. ``'fred:DGS10'``.
    frame : DataFrame of shape (n_rows, n_fields)
        float64 columns on a DatetimeIndex.
    meta : dict, optional
        JSON-serialisable facts kept with the data (units, description).
    fetched : pandas.Timestamp, optional
        Fetch time; default now (UTC).
    merge : bool, default True
        Keep rows (and columns) already cached that ``frame`` lacks; where both have a value,
        ``frame`` wins.
    """
    fetched = pd.Timestamp.now(tz="UTC") if fetched is None else pd.Timestamp(fetched)
    path = path_for(key)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            if merge:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", CacheWarning)
                    old = read(key)
                if old is not None:
                    frame = frame.combine_first(old.frame)
            data = _encode(key, frame, dict(meta or {}), fetched)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                follow_umask(tmp)  # mkstemp made it 0600
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
            tmp = None
    except OSError as exc:
        warnings.warn(
            f"cannot write to the cache folder {path.parent} ({exc}); continuing without "
            "caching. Set TICKCAST_CACHE_DIR to a writable folder.",
            CacheWarning,
            stacklevel=3,
        )
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return True


def clear() -> int:
    """Delete every cached series; return how many files were removed."""
    folder = _series_dir()
    removed = 0
    if not folder.is_dir():
        return 0
    for item in folder.iterdir():
        if item.is_file() and item.suffix in {".csv", ".lock", ".tmp"}:
            with contextlib.suppress(FileNotFoundError):
                item.unlink()
                removed += item.suffix == ".csv"
    return removed
