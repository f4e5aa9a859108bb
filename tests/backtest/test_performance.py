"""Sharpe ratio statistics against closed forms, the paper's worked example and simulations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tickcast.backtest.performance import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    performance,
    probabilistic_sharpe_ratio,
    sharpe_ratio,
    sharpe_se,
    sharpe_se_hac,
)
from tickcast.backtest.trading import deflated_sharpe_ratio as reexported
from tickcast.errors import ConfigError, DataError


def _sharpes(r: np.ndarray) -> np.ndarray:
    return r.mean(-1) / r.std(-1, ddof=1)


def test_lo_iid_formula():
    assert sharpe_se(0.0, 100) == pytest.approx(0.1)
    assert sharpe_se(0.2, 250) == pytest.approx(math.sqrt((1 + 0.02) / 250))
    assert sharpe_ratio([0.01, 0.03]) == pytest.approx(0.02 / np.std([0.01, 0.03], ddof=1))
    assert sharpe_ratio([0.0, 0.0]) == 0.0


def test_sharpe_se_matches_the_spread_of_simulated_estimates():
    """iid normal returns with SR 0.1 per period: Lo's SE within 10 % of the empirical std."""
    rng = np.random.default_rng(0)
    t = 500
    r = rng.normal(0.1, 1.0, size=(4000, t))
    empirical = _sharpes(r).std()
    assert sharpe_se(0.1, t) == pytest.approx(empirical, rel=0.10)
    hac = np.mean([sharpe_se_hac(x) for x in r[:300]])
    assert hac == pytest.approx(empirical, rel=0.10)


def test_hac_se_covers_autocorrelated_returns_where_the_iid_one_does_not():
    rng = np.random.default_rng(1)
    rho, t = 0.4, 1000
    e = rng.standard_normal((2000, t))
    a = np.empty_like(e)
    a[:, 0] = e[:, 0] / np.sqrt(1 - rho**2)
    for i in range(1, t):
        a[:, i] = rho * a[:, i - 1] + e[:, i]
    a += 0.1 / np.sqrt(1 - rho**2)  # true SR 0.1 per period
    empirical = _sharpes(a).std()
    assert sharpe_se(0.1, t) < 0.75 * empirical  # the iid formula is far too small
    hac = np.mean([sharpe_se_hac(x) for x in a[:300]])
    assert hac == pytest.approx(empirical, rel=0.15)


def test_expected_max_of_standard_normals():
    rng = np.random.default_rng(2)
    for n in (10, 100, 1000):
        simulated = rng.standard_normal((4000, n)).max(axis=1).mean()
        assert expected_max_sharpe(n, 1.0) == pytest.approx(simulated, rel=0.03)
    assert expected_max_sharpe(1, 0.5) == 0.0
    assert expected_max_sharpe(100, 2.0) == pytest.approx(2 * expected_max_sharpe(100, 1.0))


def test_deflated_sharpe_worked_example_of_the_paper():
    """Bailey & López de Prado (2014), numerical example: SR_0 = 0.1132, DSR = 0.9004."""
    sd = math.sqrt(0.5 / 250)  # annualised variance 1/2 across 100 trials, 250 days a year
    assert expected_max_sharpe(100, sd) == pytest.approx(0.1132, abs=5e-5)
    dsr = deflated_sharpe_ratio(
        2.5 / math.sqrt(250),
        1250,
        n_trials=100,
        sharpe_std_across_trials=sd,
        skew=-3.0,
        kurtosis=10.0,
    )
    assert dsr == pytest.approx(0.9004, abs=5e-5)
    annualised = reexported(
        2.5, 1250, n_trials=100, sharpe_std_across_trials=math.sqrt(0.5), skew=-3.0,
        kurtosis=10.0, periods_per_year=250,
    )  # fmt: skip
    assert annualised == pytest.approx(dsr, rel=1e-12)


def test_psr_is_the_normal_cdf_of_the_standardised_sharpe():
    sr, t = 0.08, 400
    expected = stats.norm.cdf(sr * math.sqrt(t - 1) / math.sqrt(1 + sr * sr / 2))
    assert probabilistic_sharpe_ratio(sr, t) == pytest.approx(expected)
    one = deflated_sharpe_ratio(sr, t, n_trials=1, sharpe_std_across_trials=0.05)
    assert one == pytest.approx(expected)  # one trial: nothing to deflate


def test_deflated_sharpe_under_noise_and_with_a_real_strategy():
    """20 strategies of pure noise: the best raw Sharpe often looks significant, its DSR not."""
    rng = np.random.default_rng(3)
    sims, n, t = 400, 20, 250
    sr = _sharpes(rng.standard_normal((sims, n, t)))
    best, spread = sr.max(axis=1), sr.std(axis=1, ddof=1)
    psr = np.array([probabilistic_sharpe_ratio(b, t) for b in best])
    dsr = np.array(
        [
            deflated_sharpe_ratio(b, t, n_trials=n, sharpe_std_across_trials=s)
            for b, s in zip(best, spread, strict=True)
        ]
    )
    assert np.mean(psr > 0.95) > 0.5  # about 1 - 0.95^20 = 64 %
    assert np.mean(dsr > 0.95) <= 0.05  # the deflated ratio keeps its 5 % level
    # one real strategy (SR 0.2 per period) among 19 noise ones, T = 1000: DSR finds it
    r = rng.standard_normal((200, n, 1000))
    r[:, 0, :] += 0.2
    sr = _sharpes(r)
    spread = sr.std(axis=1, ddof=1)
    real = np.array(
        [
            deflated_sharpe_ratio(a, 1000, n_trials=n, sharpe_std_across_trials=s)
            for a, s in zip(sr[:, 0], spread, strict=True)
        ]
    )
    assert np.mean(real > 0.95) > 0.7


def test_performance_sharpe_columns_are_annualised_consistently():
    rng = np.random.default_rng(4)
    net = rng.normal(0.0005, 0.01, 500)
    out = performance(net, np.ones(500), net, periods_per_year=252)
    sr = net.mean() / net.std(ddof=1)
    assert out["sharpe"] == pytest.approx(sr * math.sqrt(252))
    assert out["sharpe_se"] == pytest.approx(math.sqrt((1 + sr * sr / 2) / 500) * math.sqrt(252))
    assert out["sharpe_se_hac"] == pytest.approx(sharpe_se_hac(net) * math.sqrt(252))
    assert out["psr"] == pytest.approx(
        probabilistic_sharpe_ratio(
            sr, 500, skew=stats.skew(net), kurtosis=stats.kurtosis(net, fisher=False)
        )
    )
    assert math.isnan(out["dsr"])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: sharpe_se(0.1, 0), ConfigError, "`n_obs` must be a number > 0"),
        (lambda: sharpe_se(float("nan"), 10), ConfigError, "`sharpe` must be a finite"),
        (lambda: sharpe_ratio([1.0]), DataError, "at least 2"),
        (lambda: sharpe_ratio([1.0, np.nan]), DataError, "finite"),
        (lambda: sharpe_se_hac([0.1, 0.2, 0.3], lags=-1), ConfigError, "`lags`"),
        (lambda: expected_max_sharpe(0, 1.0), ConfigError, "`n_trials`"),
        (lambda: expected_max_sharpe(2.5, 1.0), ConfigError, "`n_trials` must be an integer"),
        (lambda: expected_max_sharpe(5, -1.0), ConfigError, "`sharpe_std_across_trials`"),
        (lambda: probabilistic_sharpe_ratio(0.1, 1), ConfigError, "`n_obs`"),
        (lambda: probabilistic_sharpe_ratio(0.1, 50, kurtosis=0.5), ConfigError, "`kurtosis`"),
        (lambda: probabilistic_sharpe_ratio(1.0, 50, skew=5.0), DataError, "not consistent"),
        (
            lambda: deflated_sharpe_ratio(
                0.1, 50, n_trials=3, sharpe_std_across_trials=0.1, periods_per_year=0
            ),
            ConfigError,
            "`periods_per_year`",
        ),
    ],
)
def test_invalid(call, error, match):
    with pytest.raises(error, match=match):
        call()
