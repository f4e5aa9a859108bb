"""Future dates for forecasts: the next sessions of the series' market calendar."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from tickcast.data.calendars import WEEKDAYS, busday_calendar, check_calendar

__all__ = ["bar_period", "calendar_of", "future_index"]

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


def future_index(history: pd.Series | pd.DatetimeIndex, horizon: int) -> pd.DatetimeIndex:
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
    return ends[codes > current][:horizon]


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
