"""align_exog: backward as-of alignment with a publication lag, never from the future."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tickcast.errors import ConfigError, DataError, InputTypeError
from tickcast.features import align_exog


def test_backward_asof_with_and_without_lag():
    days = pd.bdate_range("2024-01-01", periods=5)  # Mon..Fri
    x = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-02", "2024-01-04"]), name="x")
    same_day = align_exog(days, x)
    assert isinstance(same_day, pd.Series) and same_day.name == "x"
    assert same_day.index.equals(days)
    np.testing.assert_array_equal(same_day.to_numpy(), [np.nan, 1.0, 1.0, 2.0, 2.0])
    next_day = align_exog(days, x, lag=1)
    np.testing.assert_array_equal(next_day.to_numpy(), [np.nan, np.nan, 1.0, 1.0, 2.0])
    as_str = align_exog(days, x, lag="1D")
    np.testing.assert_array_equal(as_str.to_numpy(), next_day.to_numpy())
    td = align_exog(days, x, lag=pd.Timedelta(hours=12))
    np.testing.assert_array_equal(td.to_numpy(), next_day.to_numpy())


def test_friday_value_with_one_business_day_lag_is_known_monday():
    fri = pd.Timestamp("2024-01-05")
    x = pd.Series([7.0], index=[fri])
    days = pd.DatetimeIndex(["2024-01-05", "2024-01-06", "2024-01-08"])
    np.testing.assert_array_equal(align_exog(days, x, lag=1).to_numpy(), [np.nan, np.nan, 7.0])
    np.testing.assert_array_equal(align_exog(days, x, lag="1D").to_numpy(), [np.nan, 7.0, 7.0])


def test_missing_values_skipped_per_column_and_mapping_input():
    idx = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])
    ex = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan, 20.0, np.nan]}, index=idx)
    out = align_exog(idx, ex)
    np.testing.assert_array_equal(out["a"], [1.0, 1.0, 3.0])
    np.testing.assert_array_equal(out["b"], [np.nan, 20.0, 20.0])
    m = align_exog(pd.Series(0.0, index=idx), {"a": ex["a"], "b": ex["b"]})
    pd.testing.assert_frame_equal(m, out)


def test_real_fred_to_sp500_dates_uses_only_known_values(sp500, fred):
    dgs10 = fred["DGS10"]
    out = align_exog(sp500.index, dgs10, lag=1)
    assert out.index.equals(sp500.index)
    rng = np.random.default_rng(0)
    for pos in rng.integers(1, len(sp500), 30):
        t = sp500.index[pos]
        known = dgs10[dgs10.index + pd.offsets.BDay(1) <= t]
        assert out.iloc[pos] == known.iloc[-1]


def test_invalid():
    days = pd.bdate_range("2024-01-01", periods=3)
    x = pd.Series([1.0, 2.0, 3.0], index=days)
    for lag in [-1, "-1D", pd.Timedelta("-1h"), dt.timedelta(days=-1), 1.5, "soon", True]:
        with pytest.raises(ConfigError, match="lag"):
            align_exog(days, x, lag=lag)
    with pytest.raises(InputTypeError, match="DatetimeIndex"):
        align_exog(pd.RangeIndex(3), x)
    with pytest.raises(InputTypeError, match="DatetimeIndex"):
        align_exog(days, pd.Series([1.0], index=[0]))
    with pytest.raises(InputTypeError, match="exog"):
        align_exog(days, [1.0, 2.0, 3.0])
    with pytest.raises(InputTypeError, match="exog"):
        align_exog(days, {"a": [1.0]})
    with pytest.raises(DataError, match="sorted"):
        align_exog(days[::-1], x)
    with pytest.raises(DataError, match="unique"):
        align_exog(days, pd.Series([1.0, 2.0], index=[days[0], days[0]]))
    with pytest.raises(DataError, match="time-zone"):
        align_exog(days.tz_localize("UTC"), x)
