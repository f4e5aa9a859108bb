"""Backtest numbers against references tickcast did not write: scikit-learn's metrics,
statsmodels' HAC t-test, scipy's normal distribution and contingency tables, and closed forms
(the interval score of a calibrated Gaussian, the binomial standard error of a coverage,
Gibbs & Candès' bound on the miscoverage of adaptive conformal intervals)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics as skm

import tickcast as tc
from tickcast.backtest import metrics as M
from tickcast.backtest.aci import adaptive_conformal
from tickcast.backtest.calibration import (
    brier_decomposition,
    coverage_by_step,
    pit_histogram,
    reliability_table,
)

RNG_SEED = 20261203


def _data(n: int = 500, seed: int = RNG_SEED) -> tuple[np.ndarray, ...]:
    """Positive levels y, forecasts f, last levels (the random walk) and 80 % bounds."""
    rng = np.random.default_rng(seed)
    last = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    y = last * np.exp(rng.normal(0, 0.01, n))
    f = last * np.exp(rng.normal(0, 0.005, n))
    half = last * 0.0128 * rng.uniform(0.8, 1.2, n)
    return y, f, last, f - half, f + half


# ---------------------------------------------------------------------------- point metrics
def test_point_metrics_equal_scikit_learn():
    y, f, last, lo, hi = _data()
    assert M.mae(y, f) == pytest.approx(skm.mean_absolute_error(y, f), rel=1e-12)
    assert M.rmse(y, f) == pytest.approx(np.sqrt(skm.mean_squared_error(y, f)), rel=1e-12)
    assert M.mape(y, f) == pytest.approx(100 * skm.mean_absolute_percentage_error(y, f), rel=1e-12)
    for q, bound in ((0.1, lo), (0.9, hi), (0.5, f)):
        expected = skm.mean_pinball_loss(y, bound, alpha=q)
        assert M.pinball(y, bound, q) == pytest.approx(expected, rel=1e-12)
    # R2_oos against a constant benchmark equal to the mean of y is scikit-learn's R2
    mean = np.full_like(y, y.mean())
    assert M.r2_oos(y, f, mean) == pytest.approx(skm.r2_score(y, f), rel=1e-12)
    # against the random walk: 1 - MSE_model / MSE_naive from scikit-learn's MSE
    expected = 1 - skm.mean_squared_error(y, f) / skm.mean_squared_error(y, last)
    assert M.r2_oos(y, f, last) == pytest.approx(expected, rel=1e-12)
    # directional accuracy: scikit-learn's accuracy of the up/down labels
    expected = skm.accuracy_score(y > last, f > last)
    assert M.directional_accuracy(y, f, last) == pytest.approx(expected, rel=1e-12)


def test_mase_with_the_training_series_equals_scikit_learn_ratio():
    y, f, last, _, _ = _data()
    train = last[:300]
    scale = skm.mean_absolute_error(train[1:], train[:-1])  # in-sample one-step naive MAE
    expected = skm.mean_absolute_error(y, f) / scale
    assert M.mase(y, f, y_train=train) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------- interval score
def test_winkler_is_the_interval_score_of_two_pinball_losses():
    """Gneiting & Raftery (2007, section 6.2): IS_a = (2/a) [QS_{a/2}(l) + QS_{1-a/2}(u)] with
    QS the pinball loss, here scikit-learn's; compute_metrics' pinball_L is the mean of the
    two, so winkler_L = (4/a) pinball_L."""
    y, f, last, lo, hi = _data()
    for alpha in (0.2, 0.05):
        expected = (2 / alpha) * (
            skm.mean_pinball_loss(y, lo, alpha=alpha / 2)
            + skm.mean_pinball_loss(y, hi, alpha=1 - alpha / 2)
        )
        assert M.winkler(y, lo, hi, alpha) == pytest.approx(expected, rel=1e-12)
    frame = pd.DataFrame(
        {"model": "m", "step": 1, "y_true": y, "mean": f, "y_last": last}
        | {"lower_80": lo, "upper_80": hi}
    )
    row = M.compute_metrics(frame, levels=(80,), naive_model=None).loc["m"]
    assert row["winkler_80"] == pytest.approx(4 / 0.2 * row["pinball_80"], rel=1e-12)
    assert row["winkler_80"] == pytest.approx(M.winkler(y, lo, hi, 0.2), rel=1e-12)


@pytest.mark.parametrize("alpha", [0.2, 0.05])
def test_winkler_of_calibrated_gaussian_intervals_has_its_closed_form_mean(alpha):
    """Y ~ N(0, s^2) and the central (1 - a) interval +- z s, z = Phi^-1(1 - a/2): with
    E(Y - u)+ = s (phi(z) - z a/2), E[IS] = 2 z s + (4/a) s (phi(z) - z a/2) = 4 s phi(z) / a.
    Tolerance: 4 standard errors of the mean over 40 independent chunks."""
    rng = np.random.default_rng(RNG_SEED + int(100 * alpha))
    s = 2.5
    z = stats.norm.ppf(1 - alpha / 2)
    y = rng.normal(0, s, (40, 1000))
    lo, hi = np.full(1000, -z * s), np.full(1000, z * s)
    chunks = np.array([M.winkler(row, lo, hi, alpha) for row in y])
    exact = 4 * s * stats.norm.pdf(z) / alpha
    se = chunks.std(ddof=1) / np.sqrt(len(chunks))
    assert abs(chunks.mean() - exact) < 4 * se
    assert se < 0.01 * exact  # the check is sharp: 4 se is under 4 % of the value


# ---------------------------------------------------------------------------- coverage
def test_coverage_standard_error_is_the_binomial_one_and_matches_its_spread():
    """400 replications of 200 calibrated 80 % intervals: se_80 is scipy's binomial
    standard deviation over n, and its mean is the spread of the coverages across
    replications (tolerance: 4 standard errors of a sample standard deviation)."""
    rng = np.random.default_rng(RNG_SEED)
    reps, n = 400, 200
    z = stats.norm.ppf(0.9)
    y = rng.standard_normal(reps * n)
    frame = pd.DataFrame(
        {
            "model": "m",
            "step": np.repeat(np.arange(reps), n),  # one group per replication
            "y_true": y,
            "mean": 0.0,
            "lower_80": -z,
            "upper_80": z,
        }
    )
    table = coverage_by_step(frame, (80,))
    cov = table["coverage_80"].to_numpy()
    binom = stats.binom(n, cov).std() / n
    np.testing.assert_allclose(table["se_80"], binom, rtol=1e-12)
    assert (table["n"] == n).all() and (table["nominal_80"] == 0.8).all()
    spread = cov.std(ddof=1)
    assert abs(table["se_80"].mean() - spread) < 4 * spread / np.sqrt(2 * (reps - 1))
    # and the coverages centre on the nominal level (4 standard errors of their mean)
    assert abs(cov.mean() - 0.8) < 4 * np.sqrt(0.16 / (reps * n))


# ---------------------------------------------------------------------------- PIT
def test_pit_histogram_equals_binned_normal_cdf_of_the_observations():
    """Gaussian intervals: the binned PIT is numpy's histogram of scipy's Phi((y - mu) / sd)
    on the edges of the frame's quantile levels, exactly."""
    rng = np.random.default_rng(RNG_SEED)
    n = 3000
    mu, sd = rng.normal(size=n), np.exp(rng.normal(size=n) * 0.3)
    y = mu + sd * rng.standard_t(4, n)  # heavier tails than the forecast: a U-shaped PIT
    levels = (50, 80, 95)
    cols = {"model": "m", "step": 1, "y_true": y, "mean": mu}
    for L in levels:
        zq = stats.norm.ppf((1 + L / 100) / 2)
        cols[f"lower_{L}"], cols[f"upper_{L}"] = mu - zq * sd, mu + zq * sd
    pit = pit_histogram(pd.DataFrame(cols), levels)
    edges = np.concatenate([[0.0], np.sort([(1 - L / 100) / 2 for L in levels])])
    edges = np.concatenate([edges, [0.5], 1 - edges[::-1][:-1], [1.0]])
    counts, _ = np.histogram(stats.norm.cdf((y - mu) / sd), bins=edges)
    np.testing.assert_allclose(pit["lo"], edges[:-1])
    np.testing.assert_allclose(pit["observed"], counts / n, rtol=1e-12)
    np.testing.assert_allclose(pit["expected"], np.diff(edges), rtol=1e-12)
    assert pit["observed"].iloc[0] > pit["expected"].iloc[0]  # t(4) tails fall outside


# ---------------------------------------------------------------------------- Brier
def _probabilities(n: int = 4000, seed: int = RNG_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Continuous forecasts (no value on a bin edge) of events that happen with
    probability p**1.5: over-confident in the upper bins."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n)
    return p, (rng.uniform(size=n) < p**1.5).astype(float)


def test_brier_score_and_reliability_table_equal_scikit_learn():
    p, o = _probabilities()
    d = brier_decomposition(p, o)
    assert d["brier"] == pytest.approx(skm.brier_score_loss(o, p), rel=1e-12)
    from sklearn.calibration import calibration_curve

    prob_true, prob_pred = calibration_curve(o, p, n_bins=10, strategy="uniform")
    table = reliability_table(p, o)
    full = table[table["n"] > 0]
    np.testing.assert_allclose(full["observed"], prob_true, rtol=1e-12)
    np.testing.assert_allclose(full["mean_forecast"], prob_pred, rtol=1e-12)
    # Murphy's reliability and resolution from scikit-learn's bins and the bin counts
    nk = full["n"].to_numpy()
    assert d["reliability"] == pytest.approx(np.sum(nk * (prob_pred - prob_true) ** 2) / len(p))
    assert d["resolution"] == pytest.approx(np.sum(nk * (prob_true - o.mean()) ** 2) / len(p))
    assert d["reliability"] > 0.001  # the miscalibration p -> p**1.5 shows


def test_murphy_decomposition_is_exact_for_forecasts_on_the_bin_values():
    """Murphy (1973): for forecasts taking one value per bin, BS = REL - RES + UNC exactly,
    with the Brier score from scikit-learn and UNC = obar (1 - obar)."""
    p, o = _probabilities()
    binned = (np.floor(p * 10) + 0.5) / 10  # 0.05, 0.15, ..., 0.95
    d = brier_decomposition(binned, o)
    bs = skm.brier_score_loss(o, binned)
    assert d["reliability"] - d["resolution"] + d["uncertainty"] == pytest.approx(bs, rel=1e-12)
    assert d["uncertainty"] == pytest.approx(o.mean() * (1 - o.mean()), rel=1e-12)
    assert d["within"] == pytest.approx(0.0, abs=1e-15)


# ---------------------------------------------------------------------------- ACI
@pytest.mark.parametrize("gamma", [0.01, 0.05])
def test_aci_long_run_miscoverage_is_within_the_gibbs_candes_bound(gamma):
    """Gibbs & Candès (2021, Prop. 4.1): for any sequence, while alpha_t stays in
    [-gamma, 1 + gamma], |mean miss - alpha| <= (max(alpha_1, 1 - alpha_1) + gamma) / (gamma T).
    Here a fixed N(0, 1) interval faces t(3) errors whose scale drifts as a random walk."""
    rng = np.random.default_rng(RNG_SEED)
    n = 3000
    y = rng.standard_t(3, n) * np.exp(np.cumsum(rng.normal(0, 0.1, n)))
    z = stats.norm.ppf(0.9)
    origin = pd.Series(pd.date_range("2001-01-01", periods=n))
    frame = pd.DataFrame(
        {"model": "m", "series": "s", "step": 1, "y_true": y, "mean": 0.0}
        | {"lower_80": -z, "upper_80": z, "origin": origin, "date": origin + pd.Timedelta(days=1)}
    )
    out = adaptive_conformal(frame, level=80, gamma=gamma)
    alpha_t = out["alpha_aci_80"].to_numpy()
    assert alpha_t.min() >= -gamma and alpha_t.max() <= 1 + gamma
    miss = 1 - out["hit_aci_80"].mean()
    raw = 1 - ((y >= -z) & (y <= z)).mean()
    assert abs(raw - 0.2) > 0.1  # the model's own intervals are far off
    assert abs(miss - 0.2) <= (0.8 + gamma) / (gamma * n)


# ---------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def result():
    y = tc.load("dbk").iloc[-330:]
    return tc.backtest(
        [tc.Naive(), tc.Drift(), tc.LinearForecaster(lags=3)],
        y,
        splitter=tc.WalkForward(initial=250, step=1, horizon=3),
        level=(80, 95),
        progress=False,
    )


def test_backtest_result_metrics_equal_scikit_learn_on_its_forecast_frame(result):
    f = result.forecasts
    m = result.metrics()
    naive = f[f["model"] == "naive"]
    for model in ("naive", "drift", "linear"):
        g = f[f["model"] == model]
        y, mean, last = g["y_true"], g["mean"], g["y_last"]
        row = m.loc[model]
        assert row["n"] == len(g)
        assert row["mae"] == pytest.approx(skm.mean_absolute_error(y, mean), rel=1e-12)
        assert row["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, mean)), rel=1e-12)
        assert row["mape"] == pytest.approx(
            100 * skm.mean_absolute_percentage_error(y, mean), rel=1e-12
        )
        r2 = 1 - skm.mean_squared_error(y, mean) / skm.mean_squared_error(y, last)
        assert row["r2_oos"] == pytest.approx(r2, rel=1e-9, abs=1e-15)
        assert row["rel_rmse"] == pytest.approx(
            np.sqrt(skm.mean_squared_error(y, mean) / skm.mean_squared_error(y, naive["mean"]))
        )
        for L in (80, 95):
            a = 1 - L / 100
            lo, hi = g[f"lower_{L}"], g[f"upper_{L}"]
            pin = 0.5 * (
                skm.mean_pinball_loss(y, lo, alpha=a / 2)
                + skm.mean_pinball_loss(y, hi, alpha=1 - a / 2)
            )
            assert row[f"pinball_{L}"] == pytest.approx(pin, rel=1e-12)
            assert row[f"coverage_{L}"] == pytest.approx(np.mean((y >= lo) & (y <= hi)))
        # CRPS on the quantile grid: 2 sum_k w_k QS_tau_k, the pinball losses by scikit-learn
        taus = np.array(result.quantiles)
        edges = np.concatenate([[0.0], taus, [1.0]])
        weights = (edges[2:] - edges[:-2]) / 2
        qs = [skm.mean_pinball_loss(y, g[f"q_{t:g}"], alpha=t) for t in taus]
        assert row["crps"] == pytest.approx(2 * np.dot(weights, qs), rel=1e-10)
        used = ((mean - last).abs() > 1e-12 * last) & (y != last)
        if used.any():  # the random walk predicts no direction: NaN
            acc = skm.accuracy_score((y > last)[used], (mean > last)[used])
            assert row["directional_accuracy"] == pytest.approx(acc, rel=1e-12)
        else:
            assert np.isnan(row["directional_accuracy"])


def test_summary_dm_statistic_equals_statsmodels_hac_t_test(result):
    """The summary's DM column: per origin, the squared-error differentials averaged over the
    3 steps; origins one apart overlap on 2 lags: statsmodels' HAC t-statistic of the mean
    (uniform kernel, 2 lags, no small-sample correction) times the HLN factor, p-value from
    scipy's t(n - 1)."""
    import statsmodels.api as sm

    f = result.forecasts
    summary = result.summary()
    base = f[f["model"] == "naive"].set_index(["origin", "step"])
    for model in ("drift", "linear"):
        g = f[f["model"] == model].set_index(["origin", "step"])
        d = (
            ((g["y_true"] - g["mean"]) ** 2 - (base["y_true"] - base["mean"]) ** 2)
            .groupby("origin")
            .mean()
        )
        d = d.sort_index().to_numpy()
        n, h = len(d), 3
        fit = sm.OLS(d, np.ones_like(d)).fit(
            cov_type="HAC",
            cov_kwds={"maxlags": h - 1, "kernel": "uniform", "use_correction": False},
        )
        stat = float(fit.tvalues[0]) * np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
        assert result.dm_test().loc[model, "kernel"] == "uniform"
        assert summary.loc[model, "dm_stat"] == pytest.approx(stat, rel=1e-9)
        p = 2 * stats.t.sf(abs(stat), n - 1)
        assert summary.loc[model, "dm_pvalue"] == pytest.approx(p, rel=1e-9)


def test_summary_pt_pvalue_equals_the_scipy_chi2_of_the_sign_table(result):
    """Pesaran-Timmermann on the one-step forecasts: S^2 = n/(n-1) X^2 with X^2 Pearson's
    statistic of the 2x2 table of signs (scipy, no continuity correction); p = 1 - Phi(S)."""
    f = result.forecasts
    g = f[(f["model"] == "linear") & (f["step"] == 1)]
    actual, predicted = g["y_true"] - g["y_last"], g["mean"] - g["y_last"]
    used = (actual != 0) & (predicted.abs() > 1e-12 * g["y_last"])
    up_a, up_p = (actual[used] > 0).to_numpy(), (predicted[used] > 0).to_numpy()
    table = np.array([[np.sum(up_a & up_p), np.sum(up_a & ~up_p)],
                      [np.sum(~up_a & up_p), np.sum(~up_a & ~up_p)]])  # fmt: skip
    x2 = stats.chi2_contingency(table, correction=False)[0]
    n = int(used.sum())
    hit = np.mean(up_a == up_p)
    expected_hit = up_a.mean() * up_p.mean() + (1 - up_a.mean()) * (1 - up_p.mean())
    s = np.sign(hit - expected_hit) * np.sqrt(n / (n - 1) * x2)
    assert result.summary().loc["linear", "pt_pvalue"] == pytest.approx(stats.norm.sf(s), rel=1e-9)
