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
    # the EWMA analytic interval: the standardised-sum quantile times the cumulated sd
    e = tc.Naive(volatility="ewma").fit(as_rate(z))
    sd = np.sqrt(np.cumsum(e.volatility_.forecast_sigma(5) ** 2))
    zq = e._vol_standard_quantiles(5, np.array([0.9]))[:, 0]
    expected = e.last_value_ + zq * sd
    np.testing.assert_allclose(e.predict(5, level=80).upper(80), expected, rtol=1e-12)


def test_standardised_sum_quantiles_by_brute_force_and_gaussian_limit():
    """The table of ``_vol_standard_quantiles`` recomputed by an explicit loop over origins;
    on i.i.d. Gaussian steps it is N(0, 1)'s quantiles within sampling error."""
    z, _ = simulate_garch(2500, seed=14)
    m = tc.Naive(volatility="ewma").fit(as_rate(z))
    q = np.array([0.025, 0.1, 0.5, 0.9, 0.975])
    table = m._vol_standard_quantiles(8, q)
    fit = fit_volatility(z, "ewma")
    e = z - z.mean()
    for j in (1, 3, 8):
        sums = []
        for t in range(30, len(z) - j + 1):
            var = fit.forecast_variance_paths(fit.sigma2_next[t : t + 1], j)[0].sum()
            sums.append(e[t : t + j].sum() / np.sqrt(var))
        sums = np.asarray(sums)
        expected = np.quantile(sums / np.sqrt(np.mean(sums**2)), q)
        np.testing.assert_allclose(table[j - 1], expected, rtol=1e-10)
    rng = np.random.default_rng(15)
    g = tc.Naive(volatility="ewma").fit(as_rate(rng.standard_normal(6000)))
    t = g._vol_standard_quantiles(5, q)
    np.testing.assert_allclose(t, np.repeat(stats.norm.ppf(q)[None, :], 5, axis=0), atol=0.12)
    # beyond 1/50 of the fit's steps a step takes the last reliable step's quantiles
    short = tc.Naive(volatility="ewma").fit(as_rate(z[:600]))
    tab = short._vol_standard_quantiles(20, q)
    np.testing.assert_array_equal(tab[11:], np.repeat(tab[10:11], 9, axis=0))
    assert not np.allclose(tab[0], stats.norm.ppf(q))  # its own, empirical, first steps


# ----------------------------------------------------------------- EWMA reversion (issue 12)
def simulate_garch_with(n: int, seed: int, alpha: float, beta: float, lr: float = 1.0):
    """GARCH(1,1)-t(8) steps (n,) and true variances (n + 1,) of long-run variance ``lr``."""
    rng = np.random.default_rng(seed)
    eps = rng.standard_t(NU, n) / np.sqrt(NU / (NU - 2))
    omega = lr * (1 - alpha - beta)
    s2 = np.empty(n + 1)
    z = np.empty(n)
    s2[0] = lr
    for t in range(n):
        z[t] = np.sqrt(s2[t]) * eps[t]
        s2[t + 1] = omega + alpha * z[t] ** 2 + beta * s2[t]
    return z, s2


def test_ewma_forecast_reverts_to_the_long_run_variance_in_closed_form():
    z, _ = simulate_garch(3000, seed=8)
    fit = fit_volatility(z, "ewma", half_life=20.0)
    lr, s2 = fit.params["sigma2_lr"], fit.sigma2_next[-1]
    np.testing.assert_allclose(lr, np.mean(z**2), rtol=1e-12)
    phi = 0.5 ** (1 / 20)
    expected = lr + phi ** np.arange(60) * (s2 - lr)
    np.testing.assert_allclose(fit.forecast_sigma(60) ** 2, expected, rtol=1e-12)
    gap = fit.forecast_sigma(41) ** 2 - lr  # halves every 20 steps
    np.testing.assert_allclose(gap[[20, 40]], gap[0] * np.array([0.5, 0.25]), rtol=1e-10)
    flat = fit_volatility(z, "ewma", half_life=np.inf)
    assert flat.flat_forecast and not fit.flat_forecast
    np.testing.assert_array_equal(flat.forecast_sigma(30), np.sqrt(flat.sigma2_next[-1]))
    # the filter itself does not depend on the half-life
    np.testing.assert_array_equal(flat.sigma2_next, fit.sigma2_next)


def test_estimated_half_life_follows_the_persistence_of_the_truth():
    """i.i.d. steps: the 50-step forecast is the true variance (lambda near 1 or a short
    half-life); GARCH of persistence 0.95 reverts faster than GARCH of 0.995."""
    rng = np.random.default_rng(9)
    for _ in range(3):
        fit = fit_volatility(rng.standard_normal(4000), "ewma")
        np.testing.assert_allclose(np.sum(fit.forecast_sigma(50) ** 2), 50.0, rtol=0.1)
    fast, slow = (
        np.median(
            [
                fit_volatility(simulate_garch_with(5000, s, a, b)[0], "ewma").params["half_life"]
                for s in range(5)
            ]
        )
        for a, b in ((0.10, 0.85), (0.03, 0.965))
    )
    assert 5 <= fast < slow and slow > 25


def test_reverting_ewma_forecasts_the_true_multi_step_variance_better_than_flat():
    """Known truth: GARCH(1,1) with persistence 0.95 (half-life 13.5 steps). The true
    conditional variance of the 50-step sum is sum_j lr + phi^(j-1) (s2_true - lr); the
    reverting EWMA forecasts it with a far smaller error than the flat (RiskMetrics) one."""
    a, b, h = 0.10, 0.85, 50
    z, s2_true = simulate_garch_with(8000, 10, a, b)
    phi = a + b
    fit = fit_volatility(z[:3000], "ewma")
    flat = fit_volatility(z[:3000], "ewma", half_life=np.inf)
    s2 = fit.update(z[3000:]).sigma2_next[3000:-1]  # one-step forecasts at each origin
    decay = phi ** np.arange(h)
    truth = (1.0 + decay[None, :] * (s2_true[3000:-1, None] - 1.0)).sum(axis=1)
    errs = {}
    for name, f in (("revert", fit), ("flat", flat)):
        forecast = f.forecast_variance_paths(s2, h).sum(axis=1)
        errs[name] = float(np.mean(np.log(forecast / truth) ** 2))
    assert errs["revert"] < 0.5 * errs["flat"]


def test_default_naive_covers_at_nominal_on_simulated_garch_at_long_horizons():
    """Non-overlapping 20-step forecasts of the default Naive (reverting EWMA) on GARCH data."""
    z, _ = simulate_garch_with(9000, 12, 0.10, 0.85)
    y = as_rate(z)
    split = tc.WalkForward(initial=3000, step=20, horizon=20, refit_every=20000)
    f = tc.backtest([tc.Naive()], y, splitter=split, level=(80, 95)).forecasts
    last = f[f["step"] == 20]
    for lv in (80, 95):
        hit = (last["y_true"] >= last[f"lower_{lv}"]) & (last["y_true"] <= last[f"upper_{lv}"])
        p = lv / 100
        assert abs(hit.mean() - p) < 3 * np.sqrt(p * (1 - p) / len(last)), (lv, hit.mean())


def test_half_life_bad_input_and_degenerate_series():
    z, _ = simulate_garch(300, seed=13)
    for bad in (0.0, -3.0, float("nan")):
        with pytest.raises(ConfigError, match="half_life"):
            fit_volatility(z, "ewma", half_life=bad)
    short = fit_volatility(z[:40], "ewma")  # too few steps to score: nearly flat
    assert short.params["half_life"] == 5000.0
    zero = fit_volatility(np.zeros(500), "ewma")
    assert np.isfinite(zero.forecast_sigma(30)).all()


def _kpss_by_hand(x: np.ndarray, lags: int) -> float:
    """KPSS level statistic (Kwiatkowski et al. 1992) with Bartlett weights, by its formula."""
    e = x - x.mean()
    n = len(e)
    s2 = e @ e / n
    for k in range(1, lags + 1):
        s2 += 2 * (1 - k / (lags + 1)) * (e[k:] @ e[:-k]) / n
    return float(np.sum(np.cumsum(e) ** 2) / (n**2 * s2))


def test_kpss_uses_r_ndiffs_bandwidth_so_wti_is_differenced():
    """The cause of WTI ARIMA's 8x CRPS: statsmodels' nlags="auto" (19 lags) let the WTI log
    price of 2011-2014 pass as stationary (d = 0, then only MA models around the mean were
    admissible). forecast::ndiffs uses trunc(3 sqrt(n) / 13) lags (7 here): the statistic
    exceeds the 5 % critical value 0.463 (urca's table) and d = 1."""
    from tickcast.models.arima_search import kpss_d

    y = tc.load("wti")
    w = np.log(y.iloc[:-1000].to_numpy())[-1000:]
    lags = int(3 * np.sqrt(len(w)) / 13)
    assert lags == 7
    stat = _kpss_by_hand(w, lags)
    assert stat > 0.463 and _kpss_by_hand(w, 19) < 0.347  # the old bandwidth: not rejected
    assert kpss_d(w, (0, 1)) == 1
    rng = np.random.default_rng(16)
    assert kpss_d(rng.standard_normal(1000), (0, 1)) == 0  # white noise stays undifferenced
