"""``load``: any spec -> a tidy series, through the cache with fallbacks.

``source="auto"`` for a live series (Yahoo ticker, ``fred:``, ``ecb:``) tries, in order: the
cache if fresh (younger than :data:`tickcast.data.cache.MAX_AGE`), the network, the cache
however old, the bundled snapshot (for aliases such as ``"DB"``). Each fallback emits a
:class:`~tickcast.errors.FallbackWarning` naming what was used and its date span.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tickcast.data import cache, csvfile, ecb, fred, yahoo
from tickcast.data.bundled import DATASETS, read_frame
from tickcast.data.calendars import WEEKDAYS, check_calendar, infer_calendar
from tickcast.data.spec import (
    Source,
    check_kind,
    fred_kind,
    guess_kind,
    known_kind,
    resolve,
    series_kind,
    warn_kind_guess,
)
from tickcast.data.validate import (
    parse_freq,
    parse_range,
    resample_last,
    slice_range,
    span_text,
)
from tickcast.errors import ConfigError, DataError, FallbackWarning, InputTypeError

__all__ = [
    "DEFAULT_WINDOW",
    "SOURCES",
    "clear_cache",
    "last_window",
    "load",
    "load_bundled",
    "window_offset",
]

#: Accepted values of ``load(source=...)``.
SOURCES = ("auto", "bundled", "cache", "network")
#: Estimation window of ``tickcast forecast`` and :func:`tickcast.prob_hit`: ten years.
DEFAULT_WINDOW = "10Y"
_WINDOW_RE = re.compile(r"^\s*(\d+)\s*([DWMY])\s*$", re.IGNORECASE)
_WINDOW_UNITS = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}


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
    kind: str | None = None,
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
    kind : {"price", "rate"}, optional
        What the series is: prices are modelled in log returns, rates (interest rates,
        yields, spreads in percent) in differences. Overrides what the source says. By
        default: bundled data, Yahoo and ECB as listed in
        :func:`~tickcast.data.spec.series_kind`; FRED ids by name (``DGS*``, ``DTB*``,
        ``T10Y2Y``... rates; ``DCOILWTICO``, ``SP500``, ``DEX*``... prices; other ids rate,
        with a warning). For a CSV file, first match wins: a FRED download (header
        ``DATE,ID`` or ``observation_date,ID``) by its id as for FRED; a value column or file
        named after a known series (``DGS30``, ``dgs10``, ``^TNX``...); else the sign, all
        positive -> price, with a :class:`~tickcast.errors.KindGuessWarning`.
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
    KindGuessWarning
        When ``kind`` is None and the kind had to be guessed (see ``kind``).
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
    kind = check_kind(kind)
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
    if kind is None:
        kind, reason = _kind(target, got, out)
        if reason:
            warn_kind_guess(f"{target.name!r}", kind, reason)
    units = got.meta.get("units", "unknown")
    if got.meta.get("fred_id") and kind == "rate":
        units = "percent"  # FRED publishes its rates in percent
    out.attrs = {
        "kind": kind,
        "units": units,
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


def last_window(y: pd.Series, window: str | None) -> pd.Series:
    """The observations of ``y`` within ``window`` of its last date.

    Parameters
    ----------
    y : pd.Series of shape (n_obs,)
        Levels on a sorted DatetimeIndex.
    window : str or None
        A calendar period counted back from the last observation: ``"10Y"``, ``"18M"``,
        ``"26W"``, ``"250D"``; the dates kept are those after ``last - period``. ``"all"``
        or None keeps everything.

    Returns
    -------
    pd.Series of shape (n_kept,)
        A slice of ``y`` (``attrs`` kept).

    Raises
    ------
    ConfigError
        ``window`` is not such a period.

    Examples
    --------
    >>> import tickcast as tc
    >>> y = last_window(tc.load("dgs10"), "10Y")
    >>> str(y.index[0].date()), str(y.index[-1].date())
    ('2011-01-05', '2021-01-04')
    """
    offset = window_offset(window)
    if offset is None or len(y) == 0:
        return y
    out = y.loc[y.index > y.index[-1] - offset]
    out.attrs = dict(y.attrs)
    return out


def window_offset(window: str | None) -> pd.DateOffset | None:
    """The calendar offset of a ``window`` such as ``"10Y"``; None for ``"all"`` / None.

    Raises
    ------
    ConfigError
        ``window`` is not a period like ``"10Y"``, ``"18M"``, ``"26W"``, ``"250D"`` or "all".
    """
    if window is None or (isinstance(window, str) and window.strip().lower() == "all"):
        return None
    match = _WINDOW_RE.match(window) if isinstance(window, str) else None
    if match is None or int(match.group(1)) < 1:
        raise ConfigError(
            "`window` must be a period counted back from the last observation, like '10Y', "
            f"'18M', '26W' or '250D', or 'all' for the whole history; got {window!r}."
        )
    return pd.DateOffset(**{_WINDOW_UNITS[match.group(2).upper()]: int(match.group(1))})


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


def _calendar_of(target: Source, via: str) -> str:
    if target.dataset is not None and (via == "bundled" or target.provider == "bundled"):
        return target.dataset.calendar
    return infer_calendar(target.name) if target.networked else WEEKDAYS


def _pick_field(frame: pd.DataFrame, field: str, target: Source) -> str:
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


def _kind(target: Source, got: _Got, out: pd.Series | pd.DataFrame) -> tuple[str, str]:
    """The series' kind and, when it was guessed, why (empty when known)."""
    if got.via != "file":
        kind = got.meta.get("kind") or series_kind(target.name)
        if target.provider == "fred" and fred_kind(target.ident) is None:
            return kind, f"FRED id {target.ident!r} is neither a known rate nor a known price"
        return kind, ""
    fred_id = got.meta.get("fred_id")
    if fred_id is not None:
        known = fred_kind(fred_id)
        if known is not None:
            return known, ""
        return "rate", f"a FRED download of {fred_id!r}, an id not known as a rate or a price"
    headers = got.meta.get("headers") or []
    for name in ([headers[0]] if len(headers) == 1 else []) + [target.name]:
        known = known_kind(name)
        if known is not None:
            return known, ""
    values = out if isinstance(out, pd.Series) else out[_main_column(out)]
    kind = guess_kind(values)
    sign = "every value is positive" if kind == "price" else "some values are zero or negative"
    return kind, f"{sign} and neither its column nor its file name is a known series"


def _main_column(frame: pd.DataFrame) -> str:
    for name in ("close", "value", "adj_close"):
        if name in frame.columns:
            return name
    return str(frame.columns[0])


def _meta(target: Source, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    kind = series_kind(target.name)
    units = "percent" if kind == "rate" and target.provider in ("yahoo", "fred") else "unknown"
    if target.provider == "yahoo" and kind == "price":
        units = "quote currency"
    if target.dataset is not None and target.dataset.kind == kind:
        units = target.dataset.units
    meta = {"kind": kind, "units": units, "source": target.key}
    meta.update(extra or {})
    return meta


def _bundled(target: Source) -> _Got:
    ds = target.dataset
    if ds is None:  # pragma: no cover - callers check
        raise DataError(f"{target.name!r} has no bundled snapshot.")
    meta = {"kind": ds.kind, "units": ds.units, "source": f"bundled:{ds.name}"}
    return _Got(read_frame(ds.name), "bundled", meta)


def _fetch(target: Source) -> _Got:
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


def _from_cache(entry: cache.Entry, target: Source) -> _Got:
    meta = {**_meta(target), **entry.meta}
    return _Got(entry.frame, "cache", meta)


def _obtain(target: Source, *, source: str, refresh: bool) -> _Got:
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
        frame, info = csvfile.read_with_meta(target.ident)
        return _Got(frame, "file", {"source": f"csv:{target.ident}", **info})
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


def _auto(target: Source, *, refresh: bool) -> _Got:
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
