"""Barrier probabilities against closed forms and hand examples."""

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.errors import ConfigError, InputTypeError
from tickcast.risk import first_passage_times, horizon_from_period


def test_pathwise_minimum_not_end_value():
    paths = np.array([[10.0, 4.0, 6.0], [10.0, 9.0, 8.0], [3.0, 12.0, 12.0]])
    assert tc.barrier_probability(paths, 5.0, "below") == pytest.approx(2 / 3)
    assert tc.barrier_probability(paths, 11.0, "above") == pytest.approx(1 / 3)
    fpt = first_passage_times(paths, 5.0, "below")
    assert fpt[0] == 2 and np.isnan(fpt[1]) and fpt[2] == 1


def test_naive_matches_reflection_principle():
    """Zero-drift Gaussian log returns: P(min <= b) = 2 Phi(log(b/S0) / (sigma sqrt(T))).

    Daily monitoring is corrected with Broadie-Glasserman-Kou: the discrete barrier acts like
    a continuous one shifted away by 0.5826 sigma per step.
    """
    rng = np.random.default_rng(0)
    sigma = 0.02
    steps = rng.normal(0, sigma, 20_000)
    steps -= steps.mean()
    steps *= sigma / steps.std()
    y = pd.Series(10 * np.exp(np.cumsum(steps)), index=pd.bdate_range("1990-01-01", periods=20_000))
    horizon, barrier = 252, 0.8 * y.iloc[-1]
    paths = tc.Naive().fit(y).simulate(horizon, 20_000, seed=1)
    p_mc = tc.barrier_probability(paths, barrier, "below")
    shifted = np.log(barrier / y.iloc[-1]) - 0.5826 * sigma
    p_exact = 2 * NormalDist().cdf(shifted / (sigma * np.sqrt(horizon)))
    se = np.sqrt(p_exact * (1 - p_exact) / 20_000)
    assert abs(p_mc - p_exact) < 4 * se + 0.005


def test_prob_hit_deutsche_bank_bundled():
    p5 = tc.prob_hit("dbk", level=5.0, within="1Y", n_paths=2000)
    p0 = tc.prob_hit("dbk", level=1e-9, within="1Y", n_paths=2000)
    assert 0.0 < p5 < 1.0
    assert p0 == 0.0  # log-return paths never reach zero


def test_invalid():
    with pytest.raises(InputTypeError):
        tc.barrier_probability(np.ones(5), 1.0)
    with pytest.raises(ConfigError, match="direction"):
        tc.barrier_probability(np.ones((2, 2)), 1.0, "sideways")
    with pytest.raises(ConfigError, match="NaN"):
        tc.barrier_probability(np.array([[1.0, np.nan]]), 1.0)
    assert horizon_from_period("1Y") == 252 and horizon_from_period("2W") == 10
    with pytest.raises(ConfigError, match="within"):
        horizon_from_period("soon")
    with pytest.raises(ConfigError, match="`window` must be a period"):
        tc.prob_hit("dgs10", level=0.0, window="a decade")


def test_prob_hit_fits_on_the_last_ten_years_by_default():
    """DGS10 below 0 within 1Y: 0.20 on 2011-2021 vs 0.34 on 1962-2021 (January 2021, 0.93 %).

    Each against the reflection principle for the window's daily-change volatility with the
    Broadie-Glasserman-Kou shift for daily monitoring (scipy), within Monte Carlo error.
    """
    from scipy.stats import norm

    y = tc.load("dgs10")
    # constant volatility: the closed form below assumes one sigma per window
    p_default = tc.prob_hit("dgs10", level=0.0, within="1Y", n_paths=4000, volatility="constant")
    p_all = tc.prob_hit(
        "dgs10", level=0.0, within="1Y", n_paths=4000, window="all", volatility="constant"
    )
    for p, first in ((p_default, "2011-01-05"), (p_all, "1962-01-02")):
        kept = y.loc[first:].to_numpy()
        s = np.std(np.diff(kept), ddof=1)
        closed = 2 * norm.cdf(-(kept[-1] + 0.5826 * s) / (s * np.sqrt(252)))
        assert abs(p - closed) < 4 * np.sqrt(closed * (1 - closed) / 4000) + 0.01, first
    assert p_default < p_all
