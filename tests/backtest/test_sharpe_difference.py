"""The paired Sharpe-ratio difference test (Ledoit & Wolf 2008): its variance against the
Jobson-Korkie-Memmel closed form, its size under a simulated true null (correlated,
fat-tailed returns of equal Sharpe ratio), its power, and TradingResult.sharpe_tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.backtest.performance import sharpe_difference_test, sharpe_se
from tickcast.backtest.trading import TradingResult
from tickcast.errors import ConfigError, DataError


def _pair(rng, n, rho, sr_a, sr_b, df=None):
    """Two return series with correlation rho and per-period Sharpe ratios sr_a, sr_b."""
    if df is None:
        e = rng.standard_normal((n, 2))
    else:  # standardised Student t: fat tails, same correlation structure
        e = rng.standard_t(df, (n, 2)) / math.sqrt(df / (df - 2))
    b_shock = rho * e[:, 0] + math.sqrt(1 - rho**2) * e[:, 1]
    sd_a, sd_b = 0.01, 0.02
    return sd_a * (sr_a + e[:, 0]), sd_b * (sr_b + b_shock)


def test_variance_is_jobson_korkie_memmel_for_iid_normal_returns():
    """Memmel (2003): Var(SR_a - SR_b) = (2 (1 - rho) + (SR_a^2 + SR_b^2 - 2 SR_a SR_b rho^2)
    / 2) / T for iid normal returns; the HAC delta method with lags 0 estimates it."""
    rng = np.random.default_rng(0)
    n, rho, sr_a, sr_b = 200_000, 0.8, 0.10, 0.05
    a, b = _pair(rng, n, rho, sr_a, sr_b)
    out = sharpe_difference_test(a, b, lags=0, periods_per_year=1)
    memmel = math.sqrt((2 * (1 - rho) + (sr_a**2 + sr_b**2 - 2 * sr_a * sr_b * rho**2) / 2) / n)
    assert out["se"] == pytest.approx(memmel, rel=0.02)
    assert out["difference"] == pytest.approx(sr_a - sr_b, abs=4 * memmel)
    # the paired error is far below one ratio's: what comparing with sharpe_se gets wrong
    assert out["se"] < 0.7 * sharpe_se(sr_a, n)  # about sqrt(2 (1 - rho)) = 0.63 of it


def test_annualisation_scales_ratios_and_se_but_not_the_p_value():
    rng = np.random.default_rng(1)
    a, b = _pair(rng, 1000, 0.9, 0.05, 0.02)
    daily = sharpe_difference_test(a, b, periods_per_year=1)
    yearly = sharpe_difference_test(a, b)
    for key in ("sharpe_a", "sharpe_b", "difference", "se"):
        assert yearly[key] == pytest.approx(daily[key] * math.sqrt(252), rel=1e-12)
    assert yearly["pvalue"] == pytest.approx(daily["pvalue"], rel=1e-12)
    # the ratios are the moment estimates mean / std(ddof=0)
    assert daily["sharpe_a"] == pytest.approx(a.mean() / a.std(), rel=1e-12)


@pytest.mark.parametrize("df", [None, 5])
def test_size_under_a_true_null_is_nominal(df):
    """Equal Sharpe ratios (0.05 per period), correlation 0.9, T = 750: the 5 % test rejects
    at 5 % within binomial error (1,000 replications, 3 SE band)."""
    rng = np.random.default_rng(2 if df is None else 3)
    reps = 1000
    rejected = 0
    for _ in range(reps):
        a, b = _pair(rng, 750, 0.9, 0.05, 0.05, df=df)
        rejected += sharpe_difference_test(a, b)["pvalue"] < 0.05
    rate = rejected / reps
    assert abs(rate - 0.05) <= 3 * math.sqrt(0.05 * 0.95 / reps), rate


def test_power_against_a_real_difference():
    """SR 0.10 against 0.02 per period (1.6 against 0.3 annualised), correlation 0.9, 3 years:
    the test rejects almost always."""
    rng = np.random.default_rng(4)
    p = [sharpe_difference_test(*_pair(rng, 750, 0.9, 0.10, 0.02))["pvalue"] for _ in range(200)]
    assert np.mean(np.array(p) < 0.05) > 0.9


def test_identical_series_have_no_test():
    a, _ = _pair(np.random.default_rng(5), 300, 0.5, 0.05, 0.05)
    out = sharpe_difference_test(a, a.copy())
    assert out["difference"] == 0 and out["se"] == 0
    assert math.isnan(out["stat"]) and math.isnan(out["pvalue"])


def test_bad_input_is_named():
    a = np.linspace(-0.01, 0.01, 50)
    with pytest.raises(DataError, match="same periods"):
        sharpe_difference_test(a, a[:-1])
    with pytest.raises(DataError, match="constant series"):
        sharpe_difference_test(a, np.zeros(50))
    with pytest.raises(DataError, match="finite"):
        sharpe_difference_test(a, np.where(a > 0, np.nan, a))
    with pytest.raises(ConfigError, match="lags"):
        sharpe_difference_test(a, a[::-1], lags=-1)
    with pytest.raises(ConfigError, match="periods_per_year"):
        sharpe_difference_test(a, a[::-1], periods_per_year=0)


@pytest.fixture(scope="module")
def trading():
    y = tc.load("dbk").iloc[-800:]
    res = tc.backtest(
        [tc.Naive(), tc.LinearForecaster(lags=5, horizon=1)],
        y,
        splitter=tc.WalkForward(initial=500, step=1, horizon=1, refit_every=100),
        level=None,
        progress=False,
    )
    return res.trading(cost_bps=5)


def test_trading_result_sharpe_tests_use_the_paired_net_returns(trading):
    table = trading.sharpe_tests()
    assert "buy_and_hold" not in table.index
    assert table["pvalue"].notna().sum() >= 1
    ppy = trading.settings["periods_per_year"]
    for name, row in table.iterrows():
        if math.isnan(row["sharpe"]):  # never traded (Naive predicts no change: always flat)
            assert np.ptp(trading.returns[name].to_numpy()) == 0
            continue
        direct = sharpe_difference_test(
            trading.returns[name], trading.returns["buy_and_hold"], periods_per_year=ppy
        )
        assert row["difference"] == pytest.approx(direct["difference"], rel=1e-12)
        assert row["pvalue"] == pytest.approx(direct["pvalue"], rel=1e-12)
        assert 0 <= row["pvalue"] <= 1
    with pytest.raises(ConfigError, match="against"):
        trading.sharpe_tests(against="nobody")


def test_a_never_trading_strategy_gets_nan_not_an_error():
    idx = pd.bdate_range("2020-01-01", periods=60)
    r = pd.DataFrame(
        {"flat": np.zeros(60), "buy_and_hold": np.random.default_rng(6).normal(0, 0.01, 60)},
        index=idx,
    )
    res = TradingResult(
        stats=pd.DataFrame(),
        equity=pd.DataFrame(),
        returns=r,
        positions=pd.DataFrame(),
        decisions=pd.DataFrame(),
        settings={"periods_per_year": 252},
    )
    assert res.sharpe_tests().loc["flat"].isna().all()


def test_size_with_autocorrelated_returns_needs_the_hac_lags():
    """AR(1) shocks (phi 0.3) in both series, equal Sharpe ratios: the Newey-West test keeps
    its size, the iid one (lags=0) over-rejects (the long-run variance is about 1.9x)."""
    rng = np.random.default_rng(7)
    reps, n, phi = 600, 1500, 0.3
    rejected = {"hac": 0, "iid": 0}
    for _ in range(reps):
        a, b = _pair(rng, n, 0.9, 0.0, 0.0)
        a = np.asarray(pd.Series(a).ewm(alpha=1 - phi, adjust=False).mean())  # AR(1) filter
        b = np.asarray(pd.Series(b).ewm(alpha=1 - phi, adjust=False).mean())
        a, b = a + 0.0005, b + 0.001  # equal Sharpe ratios: means in proportion to the sds
        rejected["hac"] += sharpe_difference_test(a, b)["pvalue"] < 0.05
        rejected["iid"] += sharpe_difference_test(a, b, lags=0)["pvalue"] < 0.05
    band = 3 * math.sqrt(0.05 * 0.95 / reps)
    assert abs(rejected["hac"] / reps - 0.05) <= band, rejected
    assert rejected["iid"] / reps > 0.05 + band, rejected
