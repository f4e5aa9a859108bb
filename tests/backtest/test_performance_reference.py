"""Trading statistics against simulations with known truth: the Sharpe ratio and volatility
of i.i.d. Gaussian P&L, and the size of the probabilistic Sharpe ratio read as a test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tickcast.backtest.performance import performance, probabilistic_sharpe_ratio

SEED = 20261203


def test_sharpe_and_volatility_of_iid_gaussian_pnl_recover_the_truth():
    """P&L ~ N(mu, s^2) i.i.d. with SR = mu / s = 0.3 per period, 200 independent histories
    of T = 250 periods, annualised with P = 252. Tolerances: 4 standard errors of a mean
    over the histories.

    * sharpe estimates SR sqrt(P);
    * sharpe_se is Lo's (2002) sqrt((1 + SR^2 / 2) / T) sqrt(P) at the estimate, whose mean
      is the closed form at E[SR_hat^2] = SR^2 + V, V = (1 + SR^2 / 2) / T (the SR^2 / 2
      term is 2 % of the value here, 10 standard errors);
    * the spread of the estimates is that standard error;
    * ann_volatility estimates s sqrt(P), and ann_return is the compounded P&L.
    """
    rng = np.random.default_rng(SEED)
    sr, s, t, reps, ppy = 0.3, 0.01, 250, 200, 252
    r = rng.normal(sr * s, s, (reps, t))
    rows = [performance(x, np.ones(t), x, periods_per_year=ppy) for x in r]
    root = math.sqrt(ppy)
    sharpe = np.array([row["sharpe"] for row in rows])
    se = np.array([row["sharpe_se"] for row in rows])
    vol = np.array([row["ann_volatility"] for row in rows])
    v = (1 + sr**2 / 2) / t
    assert abs(sharpe.mean() - sr * root) < 4 * sharpe.std(ddof=1) / math.sqrt(reps)
    expected_se = math.sqrt((1 + (sr**2 + v) / 2) / t) * root
    assert abs(se.mean() - expected_se) < 4 * se.std(ddof=1) / math.sqrt(reps)
    spread = sharpe.std(ddof=1)
    assert abs(spread - math.sqrt(v) * root) < 4 * spread / math.sqrt(2 * (reps - 1))
    assert abs(vol.mean() - s * root) < 4 * vol.std(ddof=1) / math.sqrt(reps)
    for x, row in zip(r[:5], rows[:5], strict=True):
        assert row["ann_return"] == pytest.approx(np.prod(1 + x) ** (ppy / t) - 1, rel=1e-10)
        assert row["total_return"] == pytest.approx(np.prod(1 + x) - 1, rel=1e-10)


def _psr_rejections(r: np.ndarray, benchmark: float, moments: bool) -> np.ndarray:
    """PSR of each history (rows of r) against ``benchmark``: (PSR > 0.95, PSR < 0.05)."""
    sr = r.mean(axis=1) / r.std(axis=1, ddof=1)
    skew = stats.skew(r, axis=1) if moments else np.zeros(len(r))
    kurt = stats.kurtosis(r, axis=1, fisher=False) if moments else np.full(len(r), 3.0)
    psr = np.array(
        [
            probabilistic_sharpe_ratio(a, r.shape[1], benchmark=benchmark, skew=g3, kurtosis=g4)
            for a, g3, g4 in zip(sr, skew, kurt, strict=True)
        ]
    )
    return np.array([np.mean(psr > 0.95), np.mean(psr < 0.05)])


def test_psr_has_its_nominal_size_on_gaussian_returns_with_zero_sharpe():
    """H0: SR = 0, i.i.d. N(0, 1) returns, T = 250: PSR > 0.95 (and < 0.05) in 5 % of 2,000
    histories, within 3 binomial standard errors."""
    rng = np.random.default_rng(SEED)
    reps = 2000
    rate = _psr_rejections(rng.standard_normal((reps, 250)), 0.0, moments=True)
    se = math.sqrt(0.05 * 0.95 / reps)
    np.testing.assert_array_less(np.abs(rate - 0.05), 3 * se)


def test_psr_with_the_moment_correction_keeps_its_size_on_skewed_returns():
    """H0: SR = SR* = 0.2 per period with skewness -2 and kurtosis 9 (minus a centred
    exponential), T = 250. With the sample skewness and kurtosis the one-sided test rejects
    at about 5 % (3 binomial se); the Gaussian formula (skew 0, kurtosis 3) understates
    the variance of the Sharpe ratio, 1 - g3 SR + (g4 - 1) SR^2 / 4 = 1.48 instead of 1.02,
    and rejects too often."""
    rng = np.random.default_rng(SEED + 1)
    reps, sr = 2000, 0.2
    r = sr - (rng.exponential(1.0, (reps, 250)) - 1.0)  # mean 0.2, sd 1: SR 0.2
    se = math.sqrt(0.05 * 0.95 / reps)
    corrected = _psr_rejections(r, sr, moments=True)
    np.testing.assert_array_less(np.abs(corrected - 0.05), 3 * se)
    gaussian = _psr_rejections(r, sr, moments=False)
    assert gaussian[0] > 0.05 + 3 * se
