"""Future dates for forecasts: the next sessions of the series' market calendar.

The models call :func:`future_index` (``tickcast.data.calendars.future_dates``) with their
fitted series; its ``attrs["calendar"]`` names the calendar.
"""

from __future__ import annotations

from tickcast.data.calendars import bar_period, calendar_of
from tickcast.data.calendars import future_dates as future_index

__all__ = ["bar_period", "calendar_of", "future_index"]
