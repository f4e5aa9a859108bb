"""Pesaran-Timmermann (1992) test of directional accuracy, and its per-model table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tickcast.backtest import metrics as M
from tickcast.backtest.significance import PTResult, pesaran_timmermann, pt_table
from tickcast.errors import ConfigError, DataError, InputTypeError


def test_hand_computation():
    # actual signs  + + + + + + - - - -  (Py = 6/10)
    # predicted     + + + + - - + - - -  (Px = 5/10); hits 4 + 3 = 7 -> P = 0.7
    # plus two pairs with a zero change, which carry no direction and are left out
    actual = [1.0, 2.0, 0.5, 3.0, 1.0, 2.0, -1.0, -2.0, -0.5, -1.0, 0.0, 1.0]
    predicted = [0.1, 0.2, 0.3, 0.1, -0.1, -0.2, 0.4, -0.1, -0.3, -0.2, 0.5, 0.0]
    r = pesaran_timmermann(actual, predicted)
    assert isinstance(r, PTResult)
    # P* = 0.6 * 0.5 + 0.4 * 0.5 = 0.5; V(P) = 0.5 * 0.5 / 10 = 0.025
    # V(P*) = (2*0.6 - 1)^2 * 0.25 / 10 + (2*0.5 - 1)^2 * 0.24 / 10 + 4 * 0.6*0.5*0.4*0.5 / 100
    #       = 0.001 + 0 + 0.0024 = 0.0034; S = 0.2 / sqrt(0.0216)
    assert r.n == 10
    assert r.directional_accuracy == pytest.approx(0.7)
    assert r.expected_accuracy == pytest.approx(0.5)
    assert r.statistic == pytest.approx(0.2 / np.sqrt(0.0216))
    assert r.pvalue == pytest.approx(stats.norm.sf(0.2 / np.sqrt(0.0216)))
    # the hit rate is directional_accuracy on the same pairs (y_last = 0)
    zeros = np.zeros(len(actual))
    assert M.directional_accuracy(actual, predicted, zeros) == pytest.approx(r.directional_accuracy)


@pytest.mark.parametrize("seed", range(5))
def test_square_is_pearson_chi2_times_n_over_n_minus_1(seed):
    """S² = n/(n-1) · X², X² Pearson's statistic of the 2x2 sign table (scipy)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 200))
    a = rng.standard_normal(n) + rng.uniform(-0.5, 0.5)
    x = rng.uniform(-1, 1) * a + rng.standard_normal(n) + rng.uniform(-0.5, 0.5)
    r = pesaran_timmermann(a, x)
    table = [
        [np.sum((a > 0) & (x > 0)), np.sum((a > 0) & (x < 0))],
        [np.sum((a < 0) & (x > 0)), np.sum((a < 0) & (x < 0))],
    ]
    chi2 = stats.chi2_contingency(table, correction=False).statistic
    assert r.statistic**2 == pytest.approx(n / (n - 1) * chi2, rel=1e-10)
    assert np.sign(r.statistic) == np.sign(r.directional_accuracy - r.expected_accuracy)


@pytest.mark.parametrize(("p_up_actual", "p_up_pred"), [(0.5, 0.5), (0.55, 0.7)])
def test_size_under_independent_signs(p_up_actual, p_up_pred):
    rng = np.random.default_rng(11)
    reps, n = 2000, 250
    actual = np.where(rng.random((reps, n)) < p_up_actual, 1.0, -1.0)
    predicted = np.where(rng.random((reps, n)) < p_up_pred, 1.0, -1.0)
    pairs = zip(actual, predicted, strict=True)
    pvalues = np.array([pesaran_timmermann(a, p).pvalue for a, p in pairs])
    rejection = np.mean(pvalues < 0.05)
    assert 0.03 <= rejection <= 0.08


def test_power_when_the_forecast_times_the_moves():
    rng = np.random.default_rng(3)
    signal = rng.standard_normal(300)
    actual = signal + rng.standard_normal(300)
    assert pesaran_timmermann(actual, signal).pvalue < 0.01
    # a forecast with the sign backwards is not "predictive": the test is one-sided
    assert pesaran_timmermann(actual, -signal).pvalue > 0.99


@pytest.mark.parametrize(
    ("actual", "predicted", "error", "match"),
    [
        ([1.0, -1.0], [1.0], DataError, "same length"),
        ([[1.0, -1.0]], [[1.0, -1.0]], DataError, "one-dimensional"),
        ([1.0, np.nan, -1.0], [1.0, 1.0, -1.0], DataError, "finite changes"),
        (["up", "down"], [1.0, -1.0], InputTypeError, "`actual_change` must be a numeric array"),
        ([1.0, -1.0, 2.0], [0.0, 0.0, 0.0], DataError, "no change predicts no direction"),
        ([1.0, -1.0, 2.0, -2.0], [1.0, 1.0, 2.0, 0.5], DataError, "same sign"),
        ([1.0, 2.0, 3.0, 4.0], [1.0, -1.0, 2.0, -2.0], DataError, "same sign"),
    ],
)
def test_invalid(actual, predicted, error, match):
    with pytest.raises(error, match=match):
        pesaran_timmermann(actual, predicted)


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 120
    last = 100.0 + np.cumsum(rng.standard_normal(n))
    move = rng.standard_normal(n)
    rows = []
    for model, fc in (
        ("naive", last),
        ("good", last + move + 0.5 * rng.standard_normal(n)),
        ("up", last + 0.1),
    ):
        for step in (1, 2):
            rows.append(
                pd.DataFrame(
                    {
                        "model": model,
                        "origin": np.arange(n),
                        "step": step,
                        "y_true": last + move * step,
                        "y_last": last,
                        "mean": fc if step == 1 else fc + rng.standard_normal(n),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def test_pt_table_uses_the_one_step_forecasts():
    fr = _frame()
    out = pt_table(fr)
    assert list(out.index) == ["good", "naive", "up"]
    g = fr[(fr.model == "good") & (fr.step == 1)]
    r = pesaran_timmermann(g.y_true - g.y_last, g["mean"] - g.y_last)
    assert out.loc["good", "pvalue"] == pytest.approx(r.pvalue)
    assert out.loc["good", "n"] == r.n == 120
    assert out.loc["good", "pvalue"] < 0.01
    # the random walk predicts no direction; "up" always the same one: undefined
    assert out.loc["naive", "n"] == 0 and np.isnan(out.loc["naive", "pvalue"])
    assert np.isnan(out.loc["up", "pvalue"]) and out.loc["up", "n"] == 120
    assert out.loc["up", "directional_accuracy"] == pytest.approx(np.mean(g.y_true > g.y_last))
    two = pt_table(fr, step=2)
    g2 = fr[(fr.model == "good") & (fr.step == 2)]
    r2 = pesaran_timmermann(g2.y_true - g2.y_last, g2["mean"] - g2.y_last)
    assert two.loc["good", "statistic"] == pytest.approx(r2.statistic)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"step": 0}, ConfigError, "`step` must be a positive integer"),
        ({"by": ("step",)}, ConfigError, "must include 'model'"),
    ],
)
def test_pt_table_invalid(kwargs, error, match):
    with pytest.raises(error, match=match):
        pt_table(_frame(), **kwargs)
    with pytest.raises(DataError, match="y_last"):
        pt_table(_frame().drop(columns="y_last"))
