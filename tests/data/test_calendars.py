"""Market calendars against exchange_calendars and against the days FRED has no yield."""

import subprocess
import sys

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.data.bundled import DATASETS, data_dir
from tickcast.data.calendars import (
    BOND,
    WEEKDAYS,
    bond_holidays,
    busday_calendar,
    check_calendar,
    infer_calendar,
)
from tickcast.errors import ConfigError


def _sessions(name: str, start: str, end: str) -> pd.DatetimeIndex:
    days = pd.date_range(start, end, freq="D")
    cal = busday_calendar(name)
    return days[np.is_busday(days.to_numpy().astype("datetime64[D]"), busdaycal=cal)]


def test_bond_calendar_closes_exactly_when_fred_dgs10_has_no_yield():
    """From 1986 to the file's end, the weekdays FRED marks '.' are our bond holidays."""
    raw = pd.read_csv(data_dir() / "fred_DGS10.csv", dtype=str)
    dates = pd.to_datetime(raw.iloc[:, 0])
    start, end = pd.Timestamp("1986-01-01"), dates.iloc[-1]
    keep = (dates >= start) & (dates.dt.day_of_week < 5)
    missing = pd.DatetimeIndex(dates[keep & (raw.iloc[:, 1] == ".")])
    ours = pd.DatetimeIndex(bond_holidays(start, end))
    assert len(missing) > 300  # 35 years of closes
    assert list(ours) == list(missing)
    # and the file observes every other weekday, so sessions == observation days
    observed = pd.DatetimeIndex(dates[keep & (raw.iloc[:, 1] != ".")])
    assert list(_sessions(BOND, "1986-01-01", str(end.date()))) == list(observed)


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        ("2019-04-19", True),  # Good Friday
        ("2021-04-02", False),  # Good Friday on the employment report's day: early close
        ("2020-10-12", True),  # Columbus Day: bonds closed, stocks open
        ("2020-11-11", True),  # Veterans Day
        ("2017-11-10", False),  # Veterans Day on a Saturday moves no close
        ("2010-12-31", False),  # New Year's Day on a Saturday moves no close
        ("2010-12-24", True),  # Christmas on a Saturday closes the Friday
        ("2022-06-20", True),  # Juneteenth (Sunday) observed on Monday
        ("2021-06-18", False),  # Juneteenth was not a bond holiday in 2021
    ],
)
def test_bond_calendar_rules(day, closed):
    is_session = bool(np.is_busday(np.datetime64(day), busdaycal=busday_calendar(BOND)))
    assert is_session is not closed


@pytest.mark.filterwarnings("ignore:Series.values returning")  # inside exchange_calendars
@pytest.mark.parametrize("name", ["XNYS", "XETR"])
def test_exchange_calendars_are_reproduced_session_for_session(name):
    expected = xcals.get_calendar(name, start="1995-01-01", end="2030-12-31").sessions
    ours = _sessions(name, "1995-01-01", "2030-12-31")
    assert list(ours[ours >= expected[0]]) == list(expected)


@pytest.mark.parametrize(
    ("spec", "calendar"),
    [
        ("DBK.DE", "XETR"),
        ("sap.de", "XETR"),
        ("^GDAXI", "XETR"),
        ("MSFT", "XNYS"),
        ("BRK-B", "XNYS"),
        ("^GSPC", "XNYS"),
        ("^TNX", "XNYS"),
        ("yahoo:AAPL", "XNYS"),
        ("VOD.L", "XLON"),
        ("BTC-USD", "24/7"),
        ("EURUSD=X", WEEKDAYS),
        ("CL=F", WEEKDAYS),
        ("fred:DGS10", BOND),
        ("fred:DGS3MO", BOND),
        ("fred:DTB3", BOND),
        ("fred:DCOILWTICO", WEEKDAYS),
        ("fred:UNRATE", WEEKDAYS),
        ("ecb:EXR/D.USD.EUR.SP00.A", WEEKDAYS),
        (None, WEEKDAYS),
    ],
)
def test_infer_calendar(spec, calendar):
    assert infer_calendar(spec) == calendar


def test_load_records_the_calendar_and_takes_an_override():
    expected = {
        "sp500": "XNYS",
        "msft": "XNYS",
        "wti": "XNYS",
        "dax": "XETR",
        "dbk": "XNYS",  # the file's dates are NYSE sessions (test below)
        "dgs10": BOND,
        "dgs2": BOND,
        "dgs3mo": BOND,
    }
    assert {name: ds.calendar for name, ds in DATASETS.items()} == expected
    for name, calendar in expected.items():
        assert tc.load(name).attrs["calendar"] == calendar
    assert tc.list_datasets().set_index("name")["calendar"].to_dict() == expected
    assert tc.load("dbk", calendar="xnys").attrs["calendar"] == "XNYS"
    assert tc.load("dbk", calendar="Mon-Fri").attrs["calendar"] == WEEKDAYS
    assert tc.load("dgs10", freq="W").attrs["calendar"] == BOND


@pytest.mark.parametrize("name", list(DATASETS))
def test_bundled_observations_fall_on_their_calendar(name):
    """Each file's own dates fit its calendar best, off by at most 2.5 days a year."""
    y = tc.load(name).loc["2000":]
    span = (str(y.index[0].date()), str(y.index[-1].date()))
    years = (y.index[-1] - y.index[0]).days / 365.25

    def mismatches(calendar):
        sessions = _sessions(calendar, *span)
        return len(y.index.difference(sessions)) + len(sessions.difference(y.index))

    ours = mismatches(DATASETS[name].calendar)
    assert ours / years < 2.5
    for other in (WEEKDAYS, "XNYS", "XETR", BOND):
        assert ours <= mismatches(other), other


def test_bundled_dbk_is_dated_on_new_york_sessions_not_xetra():
    """The fHMM file has rows on Xetra holidays and none on US ones (PROVENANCE.md)."""
    y = tc.load("dbk")
    for xetra_holiday in ("2020-12-24", "2020-12-31", "2019-05-01", "2018-12-24"):
        assert pd.Timestamp(xetra_holiday) in y.index
    for us_holiday in ("2020-11-26", "2020-07-03", "2019-07-04", "2018-01-15"):
        assert pd.Timestamp(us_holiday) not in y.index


def test_invalid():
    for bad in ("NOPE", "", 3, None):
        with pytest.raises(ConfigError, match="`calendar`"):
            check_calendar(bad)
    with pytest.raises(ConfigError, match="`calendar` 'XXXX' is not a known calendar"):
        tc.load("dbk", calendar="XXXX")


def test_weekly_bars_are_dated_on_their_last_observation():
    daily = tc.load("msft", "2017-03-01", "2017-11-08")  # ends on a Wednesday
    weekly = tc.load("msft", "2017-03-01", "2017-11-08", freq="W")
    assert weekly.index[-1] == daily.index[-1] == pd.Timestamp("2017-11-08")
    assert (weekly.index <= daily.index[-1]).all()
    assert pd.Timestamp("2017-04-13") in weekly.index  # Good Friday week ends Thursday
    assert weekly.index.isin(daily.index).all()
    per_week = daily.groupby(daily.index.to_period("W")).tail(1)
    pd.testing.assert_series_equal(weekly, per_week, check_freq=False)


def test_importing_and_loading_do_not_import_exchange_calendars():
    code = (
        "import sys, tickcast as tc; y = tc.load('dgs10'); tc.Naive().fit(y).predict(3); "
        "print('exchange_calendars' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
