"""Volatility models (issue 12): filters against arch, FHS coverage on simulated GARCH data,
no look-ahead, and bad input (short or constant series: EWMA fallback with a warning)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import tickcast as tc
from tickcast.errors import ConfigError, VolatilityFallbackWarning
from tickcast.models.volatility import fit_volatility

OMEGA, ALPHA, BETA, NU = 0.05, 0.10, 0.85, 8.0


def simulate_garch(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """GARCH(1,1) with standardised t(8) shocks: steps (n,) and their true sigma (n,)."""
    rng = np.random.default_rng(seed)
    eps = rng.standard_t(NU, n) / np.sqrt(NU / (NU - 2))
    s2 = np.empty(n)
    z = np.empty(n)
    s2[0] = OMEGA / (1 - ALPHA - BETA)
    for t in range(n):
        if t:
            s2[t] = OMEGA + ALPHA * z[t - 1] ** 2 + BETA * s2[t - 1]
        z[t] = np.sqrt(s2[t]) * eps[t]
    return z, np.sqrt(s2)


def as_rate(z: np.ndarray) -> pd.Series:
    y = pd.Series(100 + np.concatenate([[0.0], np.cumsum(z)]), name="sim")
    y.index = pd.bdate_range("2000-01-03", periods=len(y))
    y.attrs["kind"] = "rate"
    return y


def test_garch_filter_matches_arch_and_recovers_parameters():
    from arch import arch_model

    z, _ = simulate_garch(4000, seed=1)
    fit = fit_volatility(z, "garch")
    assert fit.kind == "garch"
    p = fit.params
    assert abs(p["alpha"] - ALPHA) < 0.04 and abs(p["beta"] - BETA) < 0.06
    # arch's own conditional volatility with the same parameters (start-up differs; it dies out)
    res = arch_model(z, mean="Zero", vol="GARCH", dist="t").fix(
        [p["omega"], p["alpha"], p["beta"], p["nu"]]
    )
    np.testing.assert_allclose(
        fit.sigma_in_sample[-1000:], res.conditional_volatility[-1000:], rtol=1e-8
    )
    # forecast reverts to omega / (1 - alpha - beta); arch's analytic variance forecast
    fc = res.forecast(horizon=30, reindex=False).variance.to_numpy()[0]
    np.testing.assert_allclose(fit.forecast_sigma(30) ** 2, fc, rtol=1e-8)


def test_ewma_recursion_and_update_equal_refilter():
    z, _ = simulate_garch(600, seed=2)
    fit = fit_volatility(z[:400], "ewma")
    lam = fit.params["lam"]
    s2 = [fit.params["sigma2_0"]]
    for x in z[:400]:
        s2.append(lam * s2[-1] + (1 - lam) * x**2)
    np.testing.assert_allclose(fit.sigma2_next, s2, rtol=1e-12)
    assert 0.8 <= lam <= 0.999
    np.testing.assert_allclose(
        fit.update(z[400:]).sigma2_next, fit.refilter(z).sigma2_next, rtol=1e-12
    )
    fixed = fit_volatility(z, "ewma", lam=0.94)
    assert fixed.params["lam"] == 0.94


def test_fhs_intervals_cover_at_nominal_where_constant_ones_do_not():
    """One-step 80 % intervals of Naive over 1,500 origins of simulated GARCH(1,1)-t data.

    Overall coverage of constant intervals is about nominal; in the most volatile quarter
    of days (by the true sigma) they cover far less, the GARCH ones within binomial error.
    """
    z, sigma = simulate_garch(3000, seed=3)
    y = as_rate(z)
    split = tc.WalkForward(initial=1500, step=1, horizon=1, refit_every=5000)
    out = {}
    for vol in ("constant", "garch"):
        res = tc.backtest([tc.Naive(volatility=vol)], y, splitter=split, level=80)
        f = res.forecasts
        hit = (f["y_true"] >= f["lower_80"]) & (f["y_true"] <= f["upper_80"])
        true_sigma = sigma[f["target_pos"].to_numpy() - 1]
        high = true_sigma >= np.quantile(true_sigma, 0.75)
        out[vol] = (hit.mean(), hit[high].mean(), high.sum())
    n_high = out["garch"][2]
    se = np.sqrt(0.8 * 0.2 / n_high)
    assert abs(out["garch"][1] - 0.80) < 3 * se
    assert abs(out["garch"][0] - 0.80) < 3 * np.sqrt(0.16 / 1500)
    assert out["constant"][1] < 0.80 - 3 * se


def test_no_look_ahead_perturbing_the_future_leaves_past_intervals():
    z, _ = simulate_garch(1400, seed=4)
    y = as_rate(z)
    cut = y.index[1200]
    y2 = y.copy()
    y2[y.index > cut] = y[cut] + 5 * (y[y.index > cut] - y[cut])  # far more volatile future
    split = tc.WalkForward(initial=1000, step=5, horizon=5, refit_every=100)
    for model in (
        tc.Naive(volatility="garch"),
        tc.LinearForecaster(lags=5, volatility="garch"),
        tc.ARIMAForecaster(order=(0, 1, 1), volatility="ewma"),
    ):
        a = tc.backtest([model], y, splitter=split).forecasts
        b = tc.backtest([model], y2, splitter=split).forecasts
        past = a["date"] <= cut
        assert past.sum() > 100
        cols = ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
        np.testing.assert_allclose(a.loc[past, cols], b.loc[past, cols], rtol=1e-10)
        later = (a["origin"] > cut).to_numpy()
        assert not np.allclose(a.loc[later, "upper_95"], b.loc[later, "upper_95"])


def test_garch_on_short_or_constant_series_falls_back_to_ewma_with_a_warning():
    z, _ = simulate_garch(100, seed=5)
    with pytest.warns(VolatilityFallbackWarning, match="fewer than"):
        fit = fit_volatility(z, "garch")
    assert fit.kind == "ewma" and fit.requested == "garch" and fit.fallback
    flat = pd.Series(np.full(400, 3.0), index=pd.bdate_range("2010-01-01", periods=400))
    flat.attrs["kind"] = "rate"
    with pytest.warns(VolatilityFallbackWarning, match="constant"):
        m = tc.Naive(volatility="garch").fit(flat)
    q = m.predict(10).quantiles.to_numpy()
    assert np.isfinite(q).all() and np.allclose(q, 3.0)
    short = as_rate(z)
    with pytest.warns(VolatilityFallbackWarning):
        fc = tc.LinearForecaster(lags=3, volatility="garch").fit(short).predict(8)
    assert np.isfinite(fc.quantiles.to_numpy()).all()
    # the default never warns: on short series it is EWMA silently
    with warnings.catch_warnings():
        warnings.simplefilter("error", VolatilityFallbackWarning)
        tc.Naive().fit(short).predict(3)


def test_invalid_volatility():
    y = as_rate(simulate_garch(300, seed=6)[0])
    with pytest.raises(ConfigError, match="`volatility` must be one of"):
        tc.Naive(volatility="GARCH").fit(y)
    with pytest.raises(ConfigError, match="step target"):
        tc.LinearForecaster(target="level", volatility="ewma").fit(y)
    with pytest.raises(ConfigError, match="non-empty"):
        fit_volatility(np.array([]), "ewma")


def test_simulate_uses_the_same_volatility_as_the_intervals():
    z, _ = simulate_garch(2000, seed=7)
    m = tc.Naive(volatility="garch").fit(as_rate(z))
    paths = m.simulate(5, 20000, seed=1)
    fc = m.predict(5, level=80)
    emp = np.quantile(paths[:, -1], [0.1, 0.9])
    # the intervals are quantiles of 2,000 FHS paths: about 0.07 of sampling error here
    np.testing.assert_allclose(emp, [fc.lower(80).iloc[-1], fc.upper(80).iloc[-1]], atol=0.15)
    # the EWMA analytic interval equals the Gaussian quantile of the cumulated variance
    e = tc.Naive(volatility="ewma").fit(as_rate(z))
    sd = np.sqrt(np.cumsum(e.volatility_.forecast_sigma(5) ** 2))
    expected = e.last_value_ + stats.norm.ppf(0.9) * sd
    np.testing.assert_allclose(e.predict(5, level=80).upper(80), expected, rtol=1e-12)
