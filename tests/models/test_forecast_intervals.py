"""Interval helpers of the Forecaster base: conformal ranks, nesting, per-step methods."""

from fractions import Fraction
from math import ceil

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.errors import ConfigError
from tickcast.models.conformal import (
    conformal_offsets,
    method_summary,
    min_conformal_residuals,
    nested,
)
from tickcast.models.forecast import Forecast, quantiles_for_levels


def _exact_coverage(n: int, c: Fraction) -> Fraction:
    """P(new score <= the rank-th smallest of n exchangeable continuous scores) = rank/(n+1)."""
    rank = min(ceil((n + 1) * c), n)
    return Fraction(rank, n + 1)


@pytest.mark.parametrize("level", [50, 80, 90, 95, 98, 99])
def test_min_conformal_residuals_is_the_smallest_valid_n(level):
    c = Fraction(level, 100)
    smallest = next(n for n in range(1, 10_000) if _exact_coverage(n, c) >= c)
    assert min_conformal_residuals(level / 100) == smallest
    assert _exact_coverage(smallest - 1, c) < c


def test_conformal_offsets_rank_at_the_boundary():
    """n = 19 scores 1..19 at 95 %: rank ceil(20 * 0.95) = 19, no float round-up to 20."""
    scores = np.arange(1.0, 20.0)[:, None]
    coverage = np.abs(2 * np.array([0.975]) - 1)  # as predict computes it
    assert conformal_offsets(scores, coverage)[0, 0] == 19.0
    assert conformal_offsets(scores[:10], np.array([0.8]))[0, 0] == 9.0  # ceil(8.8) = 9


def test_nested_keeps_order_and_never_narrows():
    rng = np.random.default_rng(0)
    qs = quantiles_for_levels((80, 95))
    sign = np.sign(qs - 0.5)
    # ordered within each step, but shrinking and growing along the steps
    raw = sign * np.abs(qs - 0.5)[None, :] * rng.uniform(0.5, 1.5, (6, 1))
    assert np.any(np.diff(np.abs(raw), axis=0) < 0)
    out = nested(raw, qs)
    assert np.all(np.diff(np.abs(out), axis=0) >= 0)  # every bound moves outwards
    assert np.all(np.abs(out) >= np.abs(raw))  # only ever widens
    assert np.all(np.diff(out, axis=1) >= 0)  # quantiles stay ordered within each step
    np.testing.assert_array_equal(out[:, qs == 0.5], raw[:, qs == 0.5])


def testmethod_summary():
    assert method_summary(np.array(["analytic"] * 3, dtype=object)) == "analytic"
    mixed = np.array(["conformal"] * 5 + ["bootstrap"] * 15, dtype=object)
    assert method_summary(mixed) == "conformal (steps 1-5), bootstrap (6-20)"
    assert method_summary(np.array(["a", "b"], dtype=object)) == "a (steps 1), b (2)"


def test_forecast_interval_method_default_and_length():
    idx = pd.bdate_range("2024-01-01", periods=3)
    qs = quantiles_for_levels((80,))
    quant = pd.DataFrame(np.tile(np.linspace(9, 11, len(qs)), (3, 1)), index=idx, columns=qs)
    mean = pd.Series(10.0, index=idx)
    fc = Forecast(mean, quant, levels=(80,), model="m", method="model")
    assert fc.interval_method.tolist() == ["model"] * 3
    assert fc.interval_method.index.equals(idx)
    assert "interval_method" not in fc.to_frame().columns  # to_frame keeps its columns
    with pytest.raises(ConfigError, match="interval_method"):
        Forecast(mean, quant, levels=(80,), model="m", method="x", interval_method=["x"])


def test_fan_chart_names_series_model_units_and_draws_barriers():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = tc.load("dgs10").iloc[-500:]
    fc = tc.Naive().fit(y).predict(20)
    ax = fc.plot(barriers=[0.5])
    assert "dgs10" in ax.get_title() and "naive" in ax.get_title()
    assert ax.get_ylabel() == y.attrs["units"]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_ydata()) == [0.5, 0.5]
    plt.close(ax.figure)
