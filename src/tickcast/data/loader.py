"""``load``: any spec -> a tidy series, through the cache with fallbacks.

``source="auto"`` for a live series (Yahoo ticker, ``fred:``, ``ecb:``) tries, in order: the
cache if fresh (younger than :data:`tickcast.data.cache.MAX_AGE`), the network, the cache
however old, the bundled snapshot (for aliases such as ``"DBK.DE"``). Each fallback emits a
:class:`~tickcast.errors.FallbackWarning` naming what was used and its date span.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tickcast.data import cache, csvfile, ecb, fred, yahoo
from tickcast.data.bundled import DATASETS, read_frame
from tickcast.data.calendars import WEEKDAYS, check_calendar, infer_calendar
from tickcast.data.spec import Target, resolve, series_kind
from tickcast.data.validate import (
    parse_freq,
    parse_range,
    resample_last,
    slice_range,
    span_text,
)
from tickcast.errors import ConfigError, DataError, FallbackWarning, InputTypeError

__all__ = ["SOURCES", "clear_cache", "load", "load_bundled"]

#: Accepted values of ``load(source=...)``.
SOURCES = ("auto", "bundled", "cache", "network")


@dataclass(frozen=True)
class _Got:
    frame: pd.DataFrame
    via: str  # "bundled" | "cache" | "network" | "file"
    meta: dict[str, Any]


def load(
    spec: str | os.PathLike[str],
    start: Any = None,
    end: Any = None,
    *,
    field: str | None = "close",
    freq: str | None = None,
    source: str = "auto",
    refresh: bool = False,
    calendar: str | None = None,
) -> pd.Series | pd.DataFrame:
    """Load a price or rate series by name, ticker, FRED/ECB id or CSV path.

    Parameters
    ----------
    spec : str or PathLike
        * a bundled name (``"sp500"``, ``"msft"``, ``"dax"``, ``"dbk"``, ``"dgs10"``,
          ``"dgs2"``, ``"dgs3mo"``, ``"wti"``): the shipped file, never the network;
        * a Yahoo ticker (``"AAPL"``, ``"DBK.DE"``, ``"^GSPC"``; ``"yahoo:T"`` to force);
        * ``"fred:SERIES"`` (``"fred:DGS10"``, percent) or ``"ecb:FLOW/KEY"``;
        * ``"csv:PATH"``, an existing file or a path ending in ``.csv``.
    start, end : str, date or Timestamp, optional
        First and last date kept, both inclusive.
    field : str or None, default "close"
        Column to return: ``"open"``, ``"high"``, ``"low"``, ``"close"``, ``"adj_close"``,
        ``"volume"`` for prices, ``"value"`` for one-column series (``"close"`` and
        ``"value"`` stand in for each other). None returns the DataFrame of all fields.
    freq : str, optional
        Aggregate to ``"W"``, ``"M"``, ``"Q"``, ``"Y"`` (or any daily-or-coarser pandas rule):
        the period's last value, dated on the period's last observation (never after the
        data); empty periods dropped.
    source : {"auto", "bundled", "cache", "network"}, default "auto"
        ``"auto"``: fresh cache -> network -> stale cache -> bundled snapshot. The others
        use only that one (``"network"`` refreshes the cache).
    refresh : bool, default False
        With ``"auto"``: skip the fresh-cache step and ask the network first.
    calendar : str, optional
        Market calendar on whose sessions forecasts of this series are dated: ``"XNYS"``,
        ``"XETR"`` or any ``exchange_calendars`` name, ``"US-BOND"`` or ``"weekdays"``.
        Default: the bundled dataset's calendar, else inferred from the ticker or FRED id
        (:func:`tickcast.data.calendars.infer_calendar`; unknown series: ``"weekdays"``).

    Returns
    -------
    pandas.Series of shape (n_obs,) or DataFrame of shape (n_obs, n_fields)
        float64 on a sorted, unique, tz-naive DatetimeIndex named ``date``, without missing
        rows (a DataFrame drops rows where every field is missing). Named after the spec.
        ``attrs`` hold ``kind`` ("price"/"rate"), ``units``, ``source`` (e.g.
        ``"yahoo:DBK.DE"``), ``via`` ("bundled", "cache", "network" or "file") and
        ``calendar`` (e.g. ``"XETR"``).

    Raises
    ------
    ConfigError
        Bad option values, ``start`` after ``end``, a field the data do not have, or an
        option that does not apply (``source="network"`` for a bundled name).
    DataError
        Unknown dataset or ticker, unreadable or invalid data, no observations in the range.
    NetworkError
        The network failed and nothing could stand in (a subclass of DataError).

    Warns
    -----
    FallbackWarning
        When ``source="auto"`` used a stale cache or the bundled snapshot.
    CacheWarning
        When the cache was corrupt (refetched) or could not be written.

    Examples
    --------
    >>> import tickcast as tc
    >>> y = tc.load("sp500", "2018-12-01", "2018-12-31")
    >>> float(y.iloc[-1]), y.attrs["kind"]
    (2506.850098, 'price')
    """
    _check_options(field=field, source=source, refresh=refresh)
    calendar = None if calendar is None else check_calendar(calendar)
    lo, hi = parse_range(start, end)
    rule = parse_freq(freq)
    target = resolve(spec)
    got = _obtain(target, source=source, refresh=refresh)
    what = f"{target.name!r}"
    frame = slice_range(got.frame, lo, hi, what=what)
    if field is None:
        out: pd.Series | pd.DataFrame = frame.dropna(how="all")
    else:
        out = frame[_pick_field(frame, field, target)].dropna().rename(target.name)
    if len(out) == 0:
        raise DataError(f"{what} has no {field or ''} observations between `start` and `end`.")
    if rule is not None:
        out = resample_last(out, rule)
    out.attrs = {
        "kind": got.meta.get("kind") or series_kind(target.name),
        "units": got.meta.get("units", "unknown"),
        "source": got.meta.get("source", target.key),
        "via": got.via,
        "calendar": calendar or _calendar_of(target, got.via),
    }
    return out


def load_bundled(name: str, *, field: str | None = "close") -> pd.Series | pd.DataFrame:
    """Load a bundled dataset by name; same as ``load(name, field=field, source="bundled")``.

    Parameters
    ----------
    name : str
        ``"sp500"``, ``"msft"``, ``"dax"``, ``"dbk"``, ``"dgs10"``, ``"dgs2"``, ``"dgs3mo"``
        or ``"wti"`` (see :func:`list_datasets`).
    field : str or None, default "close"
        As in :func:`load`.

    Returns
    -------
    pandas.Series of shape (n_obs,) or DataFrame of shape (n_obs, n_fields)

    Raises
    ------
    DataError
        If ``name`` is not a bundled dataset (the message lists them).
    """
    from tickcast.data.bundled import get_dataset

    return load(get_dataset(name).name, field=field, source="bundled")


def clear_cache() -> int:
    """Delete every cached download; return the number of series removed."""
    return cache.clear()


# --------------------------------------------------------------------------------------------
def _check_options(*, field: Any, source: Any, refresh: Any) -> None:
    if field is not None and not isinstance(field, str):
        raise ConfigError(f"`field` must be a column name like 'close' or None; got {field!r}.")
    if source not in SOURCES:
        raise ConfigError(f"`source` must be one of {', '.join(SOURCES)}; got {source!r}.")
    if not isinstance(refresh, bool):
        raise InputTypeError(f"`refresh` must be True or False; got {refresh!r}.")


def _calendar_of(target: Target, via: str) -> str:
    if target.dataset is not None and (via == "bundled" or target.provider == "bundled"):
        return target.dataset.calendar
    return infer_calendar(target.name) if target.networked else WEEKDAYS


def _pick_field(frame: pd.DataFrame, field: str, target: Target) -> str:
    name = field.strip().lower().replace(" ", "_")
    if name in frame.columns:
        return name
    for a, b in (("close", "value"), ("value", "close")):
        if name == a and b in frame.columns:
            return b
    raise ConfigError(
        f"`field` {field!r} is not in {target.name!r}; its fields are "
        f"{', '.join(map(str, frame.columns))}. Pass one of them, or field=None for all."
    )


def _meta(target: Target, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    kind = series_kind(target.name)
    units = "percent" if kind == "rate" and target.provider in ("yahoo", "fred") else "unknown"
    if target.provider == "yahoo" and kind == "price":
        units = "quote currency"
    if target.dataset is not None and target.dataset.kind == kind:
        units = target.dataset.units
    meta = {"kind": kind, "units": units, "source": target.key}
    meta.update(extra or {})
    return meta


def _bundled(target: Target) -> _Got:
    ds = target.dataset
    if ds is None:  # pragma: no cover - callers check
        raise DataError(f"{target.name!r} has no bundled snapshot.")
    meta = {"kind": ds.kind, "units": ds.units, "source": f"bundled:{ds.name}"}
    return _Got(read_frame(ds.name), "bundled", meta)


def _fetch(target: Target) -> _Got:
    extra: dict[str, Any] = {}
    if target.provider == "yahoo":
        frame = yahoo.fetch(target.ident)
    elif target.provider == "fred":
        frame = fred.fetch(target.ident)
    else:
        frame, extra = ecb.fetch(target.ident)
    meta = _meta(target, extra)
    cache.write(target.key, frame, meta=meta)
    return _Got(frame, "network", meta)


def _from_cache(entry: cache.Entry, target: Target) -> _Got:
    meta = {**_meta(target), **entry.meta}
    return _Got(entry.frame, "cache", meta)


def _obtain(target: Target, *, source: str, refresh: bool) -> _Got:
    if not target.networked:
        if source in ("cache", "network") or refresh:
            what = "a bundled dataset" if target.provider == "bundled" else "a local file"
            live = f" Its live series is {target.dataset.aliases[0]!r}." if target.dataset else ""
            raise ConfigError(
                f"{target.name!r} is {what}, read directly: `source` must be 'auto' or "
                f"'bundled' and `refresh` False; got source={source!r}, refresh={refresh}.{live}"
            )
        if target.provider == "bundled":
            return _bundled(target)
        if source == "bundled":
            raise ConfigError(f"`source='bundled'` does not apply to the file {target.ident!r}.")
        return _Got(csvfile.read(target.ident), "file", {"source": f"csv:{target.ident}"})
    if source == "bundled":
        if target.dataset is None:
            raise DataError(
                f"there is no bundled snapshot of {target.name!r}; bundled aliases: "
                + ", ".join(f"{a} ({d.name})" for d in DATASETS.values() for a in d.aliases)
                + ". Use source='auto' to fetch it."
            )
        return _bundled(target)
    if source == "cache":
        if refresh:
            raise ConfigError("`refresh=True` contradicts source='cache'; use source='auto'.")
        entry = cache.read(target.key)
        if entry is None:
            raise DataError(
                f"nothing is cached for {target.name!r} in {cache.cache_dir()}; load it once "
                "with source='auto' or 'network'."
            )
        return _from_cache(entry, target)
    if source == "network":
        return _fetch(target)
    return _auto(target, refresh=refresh)


def _auto(target: Target, *, refresh: bool) -> _Got:
    entry = cache.read(target.key)
    if entry is not None and entry.fresh and not refresh:
        return _from_cache(entry, target)
    try:
        return _fetch(target)
    except DataError as exc:  # NetworkError, or Yahoo's "no data" (offline looks the same)
        failure = exc
    if entry is not None:
        warnings.warn(
            f"could not fetch {target.name!r} ({failure}); using the cached copy fetched "
            f"{entry.fetched:%Y-%m-%d %H:%M} UTC, {span_text(entry.frame.index)}.",
            FallbackWarning,
            stacklevel=4,
        )
        return _from_cache(entry, target)
    if target.dataset is not None:
        got = _bundled(target)
        warnings.warn(
            f"could not fetch {target.name!r} ({failure}); using the bundled snapshot "
            f"{target.dataset.name!r}, {span_text(got.frame.index)}, not live data.",
            FallbackWarning,
            stacklevel=4,
        )
        return got
    if target.provider == "yahoo":
        raise type(failure)(
            f"{failure} ({target.name!r} is not a bundled dataset either; bundled: "
            f"{', '.join(DATASETS)}.)"
        ) from failure
    raise failure
