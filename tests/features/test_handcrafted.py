"""Handcrafted features and FeatureSet: values on real data, NaN rows, names, errors."""

import numpy as np
import pandas as pd
import pytest

from tickcast.errors import ConfigError, DataError, InputTypeError
from tickcast.features import (
    FEATURES,
    FeatureSet,
    drawdown,
    log_return,
    ma_gap,
    realised_vol,
    rsi,
)

ALL_PRICE = ["ret_5", "vol_20", "ma_gap_50", "rsi_14", "drawdown", "chg_3", "dow", "month"]


def test_values_match_definitions_on_sp500(sp500):
    p = sp500
    fs = FeatureSet(ALL_PRICE)
    X = fs.transform(p)
    assert X.index.equals(p.index)
    assert fs.names == [
        "ret_5", "vol_20", "ma_gap_50", "rsi_14", "drawdown", "chg_3",
        "dow_sin", "dow_cos", "month_sin", "month_cos",
    ]  # fmt: skip
    assert list(X.columns) == fs.names
    t = 1234
    a = p.to_numpy()
    assert X["ret_5"].iloc[t] == pytest.approx(np.log(a[t] / a[t - 5]), rel=1e-12)
    r = np.diff(np.log(a[t - 20 : t + 1]))
    assert X["vol_20"].iloc[t] == pytest.approx(np.std(r, ddof=1) * np.sqrt(252), rel=1e-9)
    assert X["ma_gap_50"].iloc[t] == pytest.approx(np.log(a[t] / a[t - 49 : t + 1].mean()))
    assert X["drawdown"].iloc[t] == pytest.approx(a[t] / a[: t + 1].max() - 1)
    assert X["chg_3"].iloc[t] == pytest.approx(a[t] - a[t - 3])
    d = p.index[t]
    assert X["dow_sin"].iloc[t] == pytest.approx(np.sin(2 * np.pi * d.day_of_week / 7))
    assert X["month_cos"].iloc[t] == pytest.approx(np.cos(2 * np.pi * (d.month - 1) / 12))
    assert X["rsi_14"].between(0, 100).iloc[14:].all()
    assert (X["drawdown"] <= 0).all()
    # 2008 crash: a deep drawdown and a high volatility
    assert X["drawdown"].loc["2009-03-09"] < -0.5
    assert X["vol_20"].loc["2008-10-31"] > 0.5


def test_max_lookback_is_exactly_the_nan_prefix(sp500):
    for name in ALL_PRICE:
        fs = FeatureSet([name])
        X = fs.transform(sp500.iloc[:300])
        nan_rows = X.isna().any(axis=1).to_numpy()
        assert not nan_rows[fs.max_lookback :].any(), name
        assert fs.max_lookback == 0 or nan_rows[fs.max_lookback - 1], name
    assert FeatureSet(ALL_PRICE).max_lookback == 50 - 1


def test_rsi_wilder_recursion_and_flat_series():
    y = pd.Series([10.0, 11.0, 10.5, 10.7, 10.2, 10.9, 11.3], index=pd.RangeIndex(7))
    d = np.diff(y.to_numpy())
    g, lo = np.maximum(d, 0), np.maximum(-d, 0)
    k = 3
    ag, al = g[0], lo[0]
    for i in range(1, len(d)):
        ag, al = ag + (g[i] - ag) / k, al + (lo[i] - al) / k
    assert rsi(y, k).iloc[-1] == pytest.approx(100 * ag / (ag + al))
    flat = pd.Series(np.full(10, 5.0))
    np.testing.assert_array_equal(rsi(flat, 3).iloc[3:], 50.0)
    up = pd.Series(np.arange(1.0, 11.0))
    np.testing.assert_array_equal(rsi(up, 3).iloc[3:], 100.0)


def test_vol_not_annualised_and_ma_gap_zero_for_constant():
    y = pd.Series(np.exp(np.cumsum(np.r_[0.0, np.tile([0.01, -0.01], 10)])))
    v = realised_vol(y, 4, annualize=False)
    assert v.iloc[4] == pytest.approx(np.std([0.01, -0.01, 0.01, -0.01], ddof=1))
    assert realised_vol(y, 4).iloc[4] == pytest.approx(v.iloc[4] * np.sqrt(252))
    c = pd.Series(np.full(6, 3.0))
    np.testing.assert_allclose(ma_gap(c, 3).iloc[2:], 0.0)
    assert drawdown(pd.Series([1.0, 2.0, 1.0, 4.0])).tolist() == [0.0, 0.0, -0.5, 0.0]
    assert np.isnan(log_return(c, 2).iloc[1]) and log_return(c, 2).iloc[2] == 0.0


def test_curve_slopes_from_fred(fred):
    dgs10, dgs2, dgs3m = fred["DGS10"], fred["DGS2"], fred["DGS3MO"]
    y = dgs10.loc["2000":"2020"]
    fs = FeatureSet(["slope_10y2y", "slope_10y3m", "chg_5"], target_key="DGS10")
    assert fs.required_exog == ["dgs10", "dgs2", "dgs3mo"]
    X = fs.transform(y, exog={"DGS2": dgs2, "dgs3mo": dgs3m})
    d = pd.Timestamp("2019-08-27")  # the 2019 inversion
    assert X.loc[d, "slope_10y2y"] == pytest.approx(dgs10[d] - dgs2[d])
    assert X.loc[d, "slope_10y3m"] == pytest.approx(dgs10[d] - dgs3m[d])
    assert X.loc[d, "slope_10y3m"] < 0
    assert X.loc[d, "chg_5"] == pytest.approx(y[d] - y.iloc[y.index.get_loc(d) - 5])
    # the same from exog only, for a target that is not a yield
    both = FeatureSet(["slope_10y2y"]).transform(
        y * 0 + 1.0, exog=pd.DataFrame({"dgs10": y}).join(dgs2.rename("dgs2"))
    )
    pd.testing.assert_series_equal(both["slope_10y2y"], X["slope_10y2y"])
    # one-day publication lag: yesterday's slope
    lagged = FeatureSet(["slope_10y2y"], exog_lag=1).transform(
        y, exog={"dgs10": dgs10, "dgs2": dgs2}
    )
    pos = y.index.get_loc(d)
    assert lagged["slope_10y2y"].iloc[pos] == pytest.approx(X["slope_10y2y"].iloc[pos - 1])


def test_invalid(sp500):
    y = sp500.iloc[:100]
    with pytest.raises(ConfigError, match="Available"):
        FeatureSet(["momentum_5"]).transform(y)
    with pytest.raises(ConfigError, match="ret_<k>"):
        _ = FeatureSet(["drawdown_5"]).names
    with pytest.raises(ConfigError, match="suffix"):
        _ = FeatureSet(["ret"]).max_lookback
    with pytest.raises(ConfigError, match="k >= 2"):
        FeatureSet(["vol_1"]).transform(y)
    with pytest.raises(ConfigError, match="k >= 1"):
        FeatureSet(["ret_0"]).transform(y)
    with pytest.raises(ConfigError, match="list"):
        FeatureSet("ret_5").transform(y)
    with pytest.raises(ConfigError, match="at least one"):
        FeatureSet([]).transform(y)
    with pytest.raises(ConfigError, match="repeat"):
        FeatureSet(["ret_5", "RET_5"]).transform(y)
    with pytest.raises(ConfigError, match="name"):
        FeatureSet([5]).transform(y)
    with pytest.raises(InputTypeError, match="Series"):
        FeatureSet(["ret_5"]).transform(y.to_numpy())
    with pytest.raises(InputTypeError, match="Series"):
        FeatureSet(["ret_5"]).transform(y.to_frame())
    with pytest.raises(InputTypeError, match="DatetimeIndex"):
        FeatureSet(["dow"]).transform(y.reset_index(drop=True))
    neg = y.copy()
    neg.iloc[10] = -1.0
    with pytest.raises(DataError, match=str(y.index[10].date())):
        FeatureSet(["ret_5"]).transform(neg)
    FeatureSet(["chg_5", "rsi_14"]).transform(neg)  # rate features accept negatives
    with pytest.raises(DataError, match="sorted"):
        FeatureSet(["ret_5"]).transform(y.iloc[::-1])
    nan = y.copy()
    nan.iloc[3] = np.nan
    with pytest.raises(DataError, match="finite"):
        FeatureSet(["ret_5"]).transform(nan)
    with pytest.raises(DataError, match="dgs2"):
        FeatureSet(["slope_10y2y"], target_key="dgs10").transform(y)
    with pytest.raises(InputTypeError, match="exog"):
        FeatureSet(["slope_10y2y"]).transform(y, exog=[1, 2])
    with pytest.raises(ConfigError, match="target_key"):
        FeatureSet(["slope_10y2y"], target_key=10).transform(y, exog={"dgs2": y})
    with pytest.raises(ConfigError, match="k"):
        log_return(y, 0)
    with pytest.raises(InputTypeError):
        rsi(y.to_numpy(), 14)
    assert set(FEATURES) >= {"ret", "vol", "ma_gap", "rsi", "drawdown", "dow", "month", "chg"}
