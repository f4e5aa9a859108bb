"""Forecast dates are the next sessions of the series' market calendar (exchange_calendars)."""

import time

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.models._calendar import future_index
from tickcast.risk import horizon_from_period

pytestmark = pytest.mark.filterwarnings("ignore:Series.values returning")  # exchange_calendars


def _xcal(name):
    return xcals.get_calendar(name, start="2000-01-03", end="2026-12-31")


def _next_sessions(name, after, n):
    sessions = _xcal(name).sessions
    return list(sessions[sessions > pd.Timestamp(after)][:n])


def test_dbk_first_forecast_after_new_year_is_the_fourth():
    y = tc.load("dbk")
    assert y.index[-1] == pd.Timestamp("2020-12-31")
    fc = tc.Naive().fit(y).predict(3)
    assert fc.mean.index[0] == pd.Timestamp("2021-01-04")
    assert list(fc.mean.index) == _next_sessions("XNYS", "2020-12-31", 3)
    # on Xetra (the live DBK.DE's calendar) too, and Xetra's Christmas closes are skipped
    xetra = tc.load("dbk", calendar="XETR")
    assert tc.Naive().fit(xetra).predict(1).mean.index[0] == pd.Timestamp("2021-01-04")
    before_christmas = tc.load("dbk", end="2020-12-23", calendar="XETR")
    dates = tc.Naive().fit(before_christmas).predict(3).mean.index
    assert list(dates) == _next_sessions("XETR", "2020-12-23", 3)
    assert dates[0] == pd.Timestamp("2020-12-28")


@pytest.mark.parametrize(
    "model",
    [
        tc.Naive(),
        tc.Drift(),
        tc.LinearForecaster(lags=5),
        tc.ARIMAForecaster(order=(1, 1, 0)),
        tc.RNNForecaster(hidden=4, lookback=10, epochs=1, seed=0),
    ],
    ids=lambda m: type(m).__name__,
)
def test_thanksgiving_is_never_an_msft_forecast_date(model):
    y = tc.load("msft", "2015-01-01", "2016-11-18")  # a week before Thanksgiving
    dates = model.fit(y).predict(10).mean.index
    assert pd.Timestamp("2016-11-24") not in dates
    assert list(dates) == _next_sessions("XNYS", "2016-11-18", 10)
    assert dates.name == y.index.name and dates.unit == y.index.unit


def test_no_msft_forecast_date_is_a_us_holiday_over_many_origins():
    y = tc.load("msft", "2012-01-01")
    sessions = set(_xcal("XNYS").sessions)
    model = tc.Naive()
    for stop in range(60, len(y), 37):
        dates = model.fit(y.iloc[:stop]).predict(5).mean.index
        assert set(dates) <= sessions, dates
        assert dates[0] > y.index[stop - 1]


def test_treasury_yields_skip_bond_holidays_that_stocks_trade():
    y = tc.load("dgs10", "2020-01-01", "2020-10-09")  # Friday before Columbus Day
    dates = tc.Naive().fit(y).predict(2).mean.index
    assert list(dates) == [pd.Timestamp("2020-10-13"), pd.Timestamp("2020-10-14")]


def test_calendar_comes_from_attrs_and_survives_save_and_load(tmp_path):
    y = tc.load("msft", "2016-01-01", "2016-11-23")
    bare = pd.Series(y.to_numpy(), index=y.index, name="msft")  # no attrs: Mon-Fri
    assert tc.Naive().fit(bare).predict(1).mean.index[0] == pd.Timestamp("2016-11-24")
    bare.attrs["calendar"] = "XNYS"
    assert tc.Naive().fit(bare).predict(1).mean.index[0] == pd.Timestamp("2016-11-25")
    model = tc.Naive().fit(y)
    again = tc.load_model(model.save(tmp_path / "naive"))
    pd.testing.assert_index_equal(again.predict(4).mean.index, model.predict(4).mean.index)
    assert again.predict(1).mean.index[0] == pd.Timestamp("2016-11-25")
    # an update keeps the calendar
    model = tc.Naive().fit(y.iloc[:-1]).update(y.iloc[-1:])
    assert model.predict(1).mean.index[0] == pd.Timestamp("2016-11-25")


def test_weekly_forecasts_land_on_each_weeks_last_session():
    y = tc.load("msft", "2016-01-01", "2017-04-07", freq="W")
    dates = tc.Naive().fit(y).predict(3).mean.index
    # Good Friday 2017-04-14: that week's last NYSE session is Thursday
    assert list(dates) == [pd.Timestamp(d) for d in ("2017-04-13", "2017-04-21", "2017-04-28")]
    sessions = _xcal("XNYS").sessions
    for day in dates:
        week = sessions[(sessions >= day - pd.Timedelta(days=day.day_of_week)) & (sessions <= day)]
        assert week[-1] == day  # each date closes its week on the NYSE calendar


def test_monthly_bars_continue_on_month_end_sessions():
    y = tc.load("dgs10", "2019-01-01", "2020-11-30", freq="M")
    assert y.index[-1] == pd.Timestamp("2020-11-30")
    dates = future_index(y, 3)
    assert list(dates) == [pd.Timestamp(d) for d in ("2020-12-31", "2021-01-29", "2021-02-26")]


def test_one_year_is_one_year_of_the_series_own_steps():
    daily = tc.load("dbk", calendar="XETR")
    xetra_2021 = _xcal("XETR").sessions_in_range("2021-01-01", "2021-12-31")
    assert horizon_from_period("1Y", y=daily) == len(xetra_2021) == 255
    weekly = tc.load("msft", freq="W")
    assert horizon_from_period("1Y", y=weekly) == 52
    assert horizon_from_period("6M", y=tc.load("dgs10", freq="M")) == 6
    assert horizon_from_period(30, y=weekly) == 30
    # prob_hit simulates exactly that many weekly steps
    p = tc.prob_hit(weekly, level=60.0, within="1Y", n_paths=500, seed=3, window="all")
    paths = tc.Naive().fit(weekly).simulate(52, 500, seed=3)
    assert p == tc.barrier_probability(paths, 60.0, "below")
    with pytest.raises(tc.errors.ConfigError, match="not daily"):
        horizon_from_period("20D", y=weekly)
    with pytest.raises(tc.errors.ConfigError, match="shorter than one step"):
        horizon_from_period("1W", y=tc.load("dgs10", freq="M"))


def test_future_index_stays_cheap():
    """The backtest calls it at every origin: the calendar is built once, not per call."""
    y = tc.load("dbk", calendar="XETR")
    future_index(y, 5)
    start = time.perf_counter()
    for _ in range(1000):
        future_index(y, 5)
    per_call = (time.perf_counter() - start) / 1000
    assert per_call < 1e-3, f"{per_call * 1e6:.0f} us per call"


def test_times_of_day_and_resolution_are_kept():
    index = pd.DatetimeIndex(["2020-12-29 16:00", "2020-12-30 16:00", "2020-12-31 16:00"])
    y = pd.Series(np.arange(3.0), index=index.as_unit("s"))
    y.attrs["calendar"] = "XNYS"
    out = future_index(y, 2)
    assert list(out) == [pd.Timestamp("2021-01-04 16:00"), pd.Timestamp("2021-01-05 16:00")]
    assert out.unit == "s"
