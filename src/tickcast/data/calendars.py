"""Market calendars: on which days a series has observations, so forecasts land on them.

A calendar is named by a string:

* an ``exchange_calendars`` code or alias: ``"XNYS"`` (New York Stock Exchange), ``"XETR"``
  (Xetra), ``"XLON"``, ``"24/7"``, ...;
* ``"US-BOND"``: the US government-bond market (SIFMA's recommended full-day closes), built here
  from pandas holiday rules because ``exchange_calendars`` has no bond-market calendar;
* ``"weekdays"``: Monday to Friday, no holidays (the default for unknown series).

:func:`infer_calendar` picks one from a ticker or FRED id; :func:`tickcast.load` stores it in
``y.attrs["calendar"]``; :func:`future_dates` steps a series forward on its calendar and
dates every forecast. Each calendar is built once per
process (``functools.lru_cache``) as a :class:`numpy.busdaycalendar`, so stepping through it
costs microseconds; ``exchange_calendars`` is imported only when an exchange calendar is first
used, never by ``import tickcast``.
"""

from __future__ import annotations

import functools
import re
import warnings
from typing import cast

import numpy as np
import pandas as pd

from tickcast.errors import ConfigError

__all__ = [
    "BOND",
    "WEEKDAYS",
    "bar_period",
    "bond_holidays",
    "busday_calendar",
    "calendar_of",
    "check_calendar",
    "future_dates",
    "infer_calendar",
]

#: Name of the Monday-to-Friday calendar without holidays.
WEEKDAYS = "weekdays"
#: Name of the US government-bond market calendar.
BOND = "US-BOND"

# Holidays are listed for this span; outside it a calendar is its weekmask alone.
_FIRST = pd.Timestamp("1950-01-01")
_LAST = pd.Timestamp("2100-12-31")

# Days the bond market closed outside its holiday rules (SIFMA recommendations), each
# confirmed by a missing observation in FRED DGS10: Hurricane Gloria (1985), the national days
# of mourning for Presidents Nixon, Reagan and G. H. W. Bush, the 11 September attacks,
# Hurricane Sandy.
_BOND_ADHOC = (
    "1985-09-27",
    "1994-04-27",
    "2001-09-11",
    "2001-09-12",
    "2004-06-11",
    "2012-10-30",
    "2018-12-05",
)
# From 1996 a Good Friday on a month's first Friday (employment report day) is an early close.
_GOOD_FRIDAY_EARLY_FROM = 1996

# Yahoo suffix -> exchange (the common ones; others fall back to weekdays).
_SUFFIXES = {
    "DE": "XETR",
    "F": "XFRA",
    "L": "XLON",
    "PA": "XPAR",
    "AS": "XAMS",
    "MI": "XMIL",
    "MC": "XMAD",
    "SW": "XSWX",
    "VI": "XWBO",
    "ST": "XSTO",
    "T": "XTKS",
    "HK": "XHKG",
    "TO": "XTSE",
    "AX": "XASX",
}
_US_INDICES = {"^GSPC", "^DJI", "^IXIC", "^NDX", "^RUT", "^VIX", "^SPX", "^TNX", "^IRX", "^FVX"}
_US_INDICES |= {"^TYX"}
_EU_INDICES = {"^GDAXI": "XETR", "^MDAXI": "XETR", "^FTSE": "XLON", "^FCHI": "XPAR"}
_PLAIN_US = re.compile(r"^[A-Z][A-Z0-9]{0,5}([.-][A-Z])?$")  # AAPL, MSFT, BRK-B, BF.B
_CRYPTO = re.compile(r"^[A-Z0-9]{2,10}-(USD|EUR|GBP|USDT|BTC)$")
_BOND_FRED = re.compile(r"^(DGS\d+MO|DGS\d+|DTB\d+|DTB\d+WK|DFII\d+|T\d+Y\d+[MY]|T\d+YIE)$")


def infer_calendar(spec: str | None) -> str:
    """The calendar of a live series, from its ticker or FRED id.

    Parameters
    ----------
    spec : str or None
        A resolved series name: a Yahoo ticker (``"DBK.DE"``, ``"^GSPC"``, ``"MSFT"``), a
        FRED id with its prefix (``"fred:DGS10"``) or anything else.

    Returns
    -------
    str
        ``"XETR"`` for ``.DE`` tickers and ``^GDAXI`` (other exchange suffixes map to their
        exchange); ``"XNYS"`` for plain US tickers and US indices (``^GSPC``, ``^TNX``:
        Cboe's yield indices trade on stock-exchange days); ``"24/7"`` for crypto pairs
        (``BTC-USD``); ``"US-BOND"`` for FRED Treasury yields (``DGS*``, ``DTB*``, ``DFII*``,
        ``T10Y2Y``-style spreads); ``"weekdays"`` for everything else (FX ``EURUSD=X``,
        futures ``CL=F``, other FRED and ECB series, CSV files).

    Examples
    --------
    >>> infer_calendar("DBK.DE"), infer_calendar("MSFT"), infer_calendar("fred:DGS10")
    ('XETR', 'XNYS', 'US-BOND')
    """
    if not isinstance(spec, str):
        return WEEKDAYS
    text = spec.strip().upper()
    if text.startswith("FRED:"):
        return BOND if _BOND_FRED.match(text[5:]) else WEEKDAYS
    if text.startswith("YAHOO:"):
        text = text[6:]
    if ":" in text or "=" in text:
        return WEEKDAYS
    if text in _US_INDICES:
        return "XNYS"
    if text in _EU_INDICES:
        return _EU_INDICES[text]
    if _CRYPTO.match(text):
        return "24/7"
    if "." in text:
        suffix = text.rsplit(".", 1)[1]
        if suffix in _SUFFIXES:
            return _SUFFIXES[suffix]
    if _PLAIN_US.match(text):
        return "XNYS"
    return WEEKDAYS


def check_calendar(calendar: object) -> str:
    """Check a ``calendar=`` option and return its canonical name.

    Parameters
    ----------
    calendar : str
        ``"weekdays"``, ``"US-BOND"`` or an ``exchange_calendars`` name (``"XNYS"``,
        ``"XETR"``, ``"NYSE"``, ...), case-insensitive.

    Raises
    ------
    ConfigError
        If it names no calendar.
    """
    if not isinstance(calendar, str) or not calendar.strip():
        raise ConfigError(
            f"`calendar` must be a calendar name such as 'XNYS', 'XETR', 'US-BOND' or "
            f"'weekdays'; got {calendar!r}."
        )
    text = calendar.strip()
    if text.lower() in (WEEKDAYS, "mon-fri", "b"):
        return WEEKDAYS
    if text.upper() in (BOND, "US_BOND", "USBOND", "SIFMA"):
        return BOND
    names = _exchange_names()
    for candidate in (text, text.upper()):
        if candidate in names:
            return candidate
    raise ConfigError(
        f"`calendar` {calendar!r} is not a known calendar; use 'weekdays', 'US-BOND' or an "
        "exchange_calendars name such as 'XNYS' (New York), 'XETR' (Xetra), 'XLON' (London); "
        "exchange_calendars.get_calendar_names() lists them all."
    )


@functools.cache
def busday_calendar(calendar: str) -> np.busdaycalendar:
    """The sessions of ``calendar`` as a NumPy business-day calendar (built once, cached).

    Parameters
    ----------
    calendar : str
        A canonical name (see :func:`check_calendar`).

    Returns
    -------
    numpy.busdaycalendar
        Its weekmask and the holidays (days of the weekmask without a session) from 1950 to
        2100; use it with :func:`numpy.busday_offset`.
    """
    if calendar == WEEKDAYS:
        return np.busdaycalendar(weekmask="1111100")
    if calendar == BOND:
        return np.busdaycalendar(weekmask="1111100", holidays=bond_holidays(_FIRST, _LAST))
    import exchange_calendars as xcals

    with warnings.catch_warnings():  # its pandas-3 deprecations are not the user's concern
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        try:
            cal = xcals.get_calendar(calendar, start=_FIRST, end=_LAST)
        except ValueError:  # a calendar whose rules do not reach back to 1950
            cal = xcals.get_calendar(calendar, end=_LAST)
    weekmask = str(cal.weekmask)
    days = pd.bdate_range(cal.first_session, cal.last_session, freq="C", weekmask=weekmask)
    holidays = days.difference(cal.sessions).to_numpy().astype("datetime64[D]")
    return np.busdaycalendar(weekmask=weekmask, holidays=holidays)


def bond_holidays(start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Weekdays without a US government-bond session between ``start`` and ``end``.

    Returns
    -------
    ndarray of datetime64[D], sorted

    Notes
    -----
    SIFMA's recommended full-day closes, as pandas holiday rules: New Year's Day (a Sunday
    closes Monday; a Saturday closes no day), Martin Luther King Jr. Day, Presidents' Day,
    Good Friday, Memorial Day, Juneteenth (from 2022), Independence Day (Saturday -> Friday,
    Sunday -> Monday), Labor Day, Columbus Day, Veterans Day (Sunday -> Monday; a Saturday
    closes no day), Thanksgiving and Christmas (Saturday -> Friday, Sunday -> Monday). Good
    Friday falling on the first Friday of a month (the employment report's day) is only an
    early close from 1996 on. Plus the ad hoc closes in ``_BOND_ADHOC``. From 1985 to 2020
    these are exactly the weekdays on which FRED's DGS10 has no observation
    (tests/data/test_calendars.py); earlier, the market also closed on Lincoln's Birthday and
    election days, which are not modelled.
    """
    from pandas.tseries import holiday as h
    from pandas.tseries.offsets import Day, Easter

    def sunday_to_monday(day: pd.Timestamp) -> pd.Timestamp:
        return day + pd.Timedelta(days=1) if day.weekday() == 6 else day

    rules = [
        h.Holiday("New Year", month=1, day=1, observance=sunday_to_monday),
        h.USMartinLutherKingJr,
        h.USPresidentsDay,
        h.USMemorialDay,
        h.Holiday("Juneteenth", month=6, day=19, start_date="2022", observance=h.nearest_workday),
        h.Holiday("Independence", month=7, day=4, observance=h.nearest_workday),
        h.USLaborDay,
        h.USColumbusDay,
        h.Holiday("Veterans", month=11, day=11, observance=sunday_to_monday),
        h.USThanksgivingDay,
        h.Holiday("Christmas", month=12, day=25, observance=h.nearest_workday),
    ]
    days = [rule.dates(start, end) for rule in rules]
    good = h.Holiday("Good Friday", month=1, day=1, offset=[Easter(), Day(-2)]).dates(start, end)
    days.append(good[(good.day > 7) | (good.year < _GOOD_FRIDAY_EARLY_FROM)])
    days.append(pd.DatetimeIndex(pd.to_datetime(list(_BOND_ADHOC))))
    out = pd.DatetimeIndex(np.concatenate([d.to_numpy() for d in days])).normalize()
    out = out[(out >= start) & (out <= end) & (out.day_of_week < 5)]
    return np.unique(out.to_numpy().astype("datetime64[D]"))


# Median spacing in days -> the period of coarser bars dated on their last session.
_PERIODS = ((4, 10, "W"), (25, 35, "M"), (85, 95, "Q"), (355, 375, "Y"))
_SESSIONS_PER_PERIOD = {"W": 7, "M": 31, "Q": 92, "Y": 366}
_TICKS_PER_DAY = {"s": 86_400, "ms": 86_400 * 10**3, "us": 86_400 * 10**6, "ns": 86_400 * 10**9}


def calendar_of(history: pd.Series | pd.DatetimeIndex) -> str:
    """The calendar name of a series: ``attrs["calendar"]`` (set by ``tc.load``) or weekdays.

    Raises
    ------
    ConfigError
        If ``attrs["calendar"]`` names no calendar.
    """
    name = history.attrs.get("calendar") if isinstance(history, pd.Series) else None
    if name is None or name == WEEKDAYS:
        return WEEKDAYS
    return check_calendar(name)


def future_dates(history: pd.Series | pd.DatetimeIndex, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` dates after the last date of ``history``.

    Daily data (median spacing of at most four days) continue on the sessions of the series'
    calendar: ``history.attrs["calendar"]`` (set by :func:`tickcast.load`, e.g. ``"XETR"``),
    Monday to Friday when absent or when ``history`` is a bare index. Weekly, monthly,
    quarterly and yearly bars dated on their period's last session (as ``load(freq=...)``
    makes them) continue with the last session of each following period; other regular
    spacings continue with the frequency pandas infers from the last observations.

    Parameters
    ----------
    history : pd.Series or pd.DatetimeIndex, sorted
        The observed series (its ``attrs`` name the calendar) or its index.
    horizon : int, >= 1

    Returns
    -------
    pd.DatetimeIndex of length ``horizon``
        Same name and resolution as the history's index; times of day are kept.

    Examples
    --------
    >>> import tickcast as tc
    >>> future_dates(tc.load("dgs10"), 2).strftime("%Y-%m-%d").tolist()  # bond market
    ['2021-01-05', '2021-01-06']

    Notes
    -----
    Calendars are NumPy business-day calendars built once per process, so a call costs tens
    of microseconds (the backtest calls it at every origin). Holidays are known from 1950 to
    2100; outside that span a calendar is Monday to Friday.
    """
    index = history.index if isinstance(history, pd.Series) else history
    cal = busday_calendar(calendar_of(history))
    per_day = _TICKS_PER_DAY[index.unit]
    spacing_days = _spacing_days(index)
    day, time_of_day = divmod(int(index.asi8[-1]), per_day)
    if spacing_days <= 4:
        offsets = np.arange(1, horizon + 1)
        days = np.busday_offset(np.datetime64(day, "D"), offsets, roll="backward", busdaycal=cal)
        return _as_index(days, time_of_day, index)
    period = _period_of(spacing_days)
    if period is not None and _dated_on_last_sessions(index, period, cal):
        days = _period_ends(index[-1], horizon, period, cal)
        return _as_index(days, time_of_day, index)
    return _regular(index, horizon, spacing_days)


def bar_period(index: pd.DatetimeIndex) -> str | None:
    """``"D"`` for daily data, ``"W"``/``"M"``/``"Q"``/``"Y"`` for such bars, else None.

    Judged from the median spacing of the last 50 dates (at most 4 days is daily).
    """
    spacing_days = _spacing_days(index)
    return "D" if spacing_days <= 4 else _period_of(spacing_days)


def _spacing_days(index: pd.DatetimeIndex) -> float:
    """Median gap between the last 50 dates, in days (1 for fewer than 3 dates)."""
    ticks = index.asi8
    if len(ticks) < 3:
        return 1.0
    gaps = np.sort(np.diff(ticks[-50:]))
    middle = float(gaps[(len(gaps) - 1) // 2] + gaps[len(gaps) // 2]) / 2
    return middle / _TICKS_PER_DAY[index.unit]


def _period_of(spacing_days: float) -> str | None:
    return next((p for lo, hi, p in _PERIODS if lo <= spacing_days <= hi), None)


def _as_index(days: np.ndarray, time_of_day: int, index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Days (datetime64[D]) at the history's time of day, unit and name."""
    ticks = days.astype(np.int64) * _TICKS_PER_DAY[index.unit] + time_of_day
    return pd.DatetimeIndex(ticks.view(f"datetime64[{index.unit}]"), name=index.name)


def _sessions_after(day: np.datetime64, n: int, cal: np.busdaycalendar) -> np.ndarray:
    return np.busday_offset(day, np.arange(1, n + 1), roll="backward", busdaycal=cal)


def _last_of_periods(days: np.ndarray, period: str) -> tuple[np.ndarray, np.ndarray]:
    """The last day of each period among sorted ``days``, and the periods' codes."""
    codes = pd.PeriodIndex(pd.DatetimeIndex(days), freq=period).asi8
    ends = np.append(codes[1:] != codes[:-1], True)
    return days[ends], codes[ends]


def _dated_on_last_sessions(index: pd.DatetimeIndex, period: str, cal: np.busdaycalendar) -> bool:
    """Whether most of the last bars fall on the last session of their period."""
    recent = index[-min(len(index), 8) : -1]  # the last bar may close a partial period
    if len(recent) == 0:
        return False
    days = recent.normalize().to_numpy().astype("datetime64[D]")
    # the last session of each bar's period is the session before the next period starts
    start_next = (pd.PeriodIndex(recent, freq=period) + 1).start_time
    bounds = start_next.to_numpy().astype("datetime64[D]")
    last_sessions = np.busday_offset(bounds, -1, roll="forward", busdaycal=cal)
    return float(np.mean(days == last_sessions)) >= 0.75


def _period_ends(
    last: pd.Timestamp, horizon: int, period: str, cal: np.busdaycalendar
) -> np.ndarray:
    """The last session of each of the ``horizon`` periods after the one holding ``last``."""
    day = np.datetime64(last.date(), "D")
    n = (horizon + 2) * _SESSIONS_PER_PERIOD[period]
    ends, codes = _last_of_periods(_sessions_after(day, n, cal), period)
    current = pd.Period(last, freq=period).ordinal
    return cast("np.ndarray", ends[codes > current][:horizon])


def _regular(index: pd.DatetimeIndex, horizon: int, spacing_days: float) -> pd.DatetimeIndex:
    last = index[-1]
    freq = None
    if len(index) >= 3:
        with warnings.catch_warnings():  # pandas 3 announces infer_freq's return type change
            warnings.simplefilter("ignore")
            freq = pd.infer_freq(index[-min(len(index), 12) :])
    if freq is None:
        step = pd.Timedelta(days=round(spacing_days))
        return pd.DatetimeIndex([last + step * (i + 1) for i in range(horizon)], name=index.name)
    offset = pd.tseries.frequencies.to_offset(freq)
    return pd.date_range(last + offset, periods=horizon, freq=offset, name=index.name)


@functools.lru_cache(maxsize=1)
def _exchange_names() -> frozenset[str]:
    import exchange_calendars as xcals

    return frozenset(xcals.get_calendar_names(include_aliases=True))
