"""Diebold-Mariano with the Harvey-Leybourne-Newbold correction, and the per-model table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tickcast.backtest.tests import DMResult, diebold_mariano, dm_table
from tickcast.errors import ConfigError, DataError, InputTypeError


def _hln(n: int, h: int) -> float:
    return np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)


def _statsmodels_dm(d: np.ndarray, h: int, kernel: str) -> float:
    """DM via OLS of d on a constant with a HAC standard error (no small-sample correction)."""
    import statsmodels.api as sm

    fit = sm.OLS(d, np.ones_like(d)).fit(
        cov_type="HAC", cov_kwds={"maxlags": h - 1, "kernel": kernel, "use_correction": False}
    )
    return float(fit.tvalues[0])


def test_worked_example_h1():
    # |e1| - |e2| = d = [1, -1, 2, 0, 3]; mean 1; deviations 0, -2, 1, -1, 2 -> γ0 = 10/5 = 2
    # DM = 1 / sqrt(2 / 5) = sqrt(2.5); HLN c = sqrt((5 + 1 - 2) / 5) = sqrt(0.8); DM* = sqrt(2)
    e1 = [1.0, 0.0, 2.0, 1.0, 3.0]
    e2 = [0.0, 1.0, 0.0, 1.0, 0.0]
    r = diebold_mariano(e1, e2, loss="ae")
    assert isinstance(r, DMResult)
    assert r.n == 5 and r.h == 1 and r.loss == "ae" and r.kernel == "uniform"
    assert r.mean_loss_diff == pytest.approx(1.0)
    assert r.long_run_variance == pytest.approx(2.0)
    assert r.dm_uncorrected == pytest.approx(np.sqrt(2.5))
    assert r.statistic == pytest.approx(np.sqrt(2.0))
    assert r.pvalue == pytest.approx(2 * stats.t.sf(np.sqrt(2.0), df=4))


def test_worked_example_bartlett_fallback_h2():
    # same d, h = 2: γ1 = (0·(-2) + (-2)·1 + 1·(-1) + (-1)·2) / 5 = -1
    # uniform: 2 + 2·(-1) = 0, not positive -> Bartlett: 2 + 2·(1 - 1/2)·(-1) = 1
    # DM = 1 / sqrt(1/5) = sqrt(5); c² = (5 + 1 - 4 + 2/5) / 5 = 0.48; DM* = sqrt(2.4)
    r = diebold_mariano([1.0, 0.0, 2.0, 1.0, 3.0], [0.0, 1.0, 0.0, 1.0, 0.0], h=2, loss="ae")
    assert r.kernel == "bartlett"
    assert r.long_run_variance == pytest.approx(1.0)
    assert r.hln_factor == pytest.approx(np.sqrt(0.48))
    assert r.statistic == pytest.approx(np.sqrt(2.4))


@pytest.mark.parametrize(("h", "seed"), [(1, 0), (2, 1), (3, 2), (5, 3)])
def test_matches_statsmodels_hac_uniform(h, seed):
    rng = np.random.default_rng(seed)
    n = 120
    # MA(h-1) errors, as h-step forecast errors are
    z1, z2 = rng.standard_normal((2, n + h))
    kernel = np.ones(h) / h
    e1 = np.convolve(z1, kernel, mode="valid")[:n] * 1.1
    e2 = np.convolve(z2, kernel, mode="valid")[:n]
    r = diebold_mariano(e1, e2, h=h)
    assert r.kernel == "uniform"
    d = e1**2 - e2**2
    expected = _statsmodels_dm(d, h, "uniform") * _hln(n, h)
    assert r.statistic == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert r.pvalue == pytest.approx(2 * stats.t.sf(abs(expected), df=n - 1), rel=1e-10)


def test_fallback_matches_statsmodels_hac_bartlett():
    rng = np.random.default_rng(7)
    n, h = 80, 2
    d = np.where(np.arange(n) % 2 == 0, 1.0, -1.0) + 0.05 * rng.standard_normal(n) + 0.02
    # e1² - e2² = d with e2 = 0 needs d >= 0: use a callable loss, the identity
    r = diebold_mariano(d, np.zeros(n), h=h, loss=lambda e: e)
    assert r.kernel == "bartlett"
    assert r.loss == "<lambda>"
    expected = _statsmodels_dm(d, h, "bartlett") * _hln(n, h)
    assert r.statistic == pytest.approx(expected, rel=1e-10)


def test_alternatives_and_symmetry():
    rng = np.random.default_rng(3)
    e1, e2 = rng.standard_normal(60) * 0.8, rng.standard_normal(60)
    two = diebold_mariano(e1, e2, h=2)
    less = diebold_mariano(e1, e2, h=2, alternative="less")
    greater = diebold_mariano(e1, e2, h=2, alternative="greater")
    assert less.pvalue + greater.pvalue == pytest.approx(1.0)
    assert two.pvalue == pytest.approx(2 * min(less.pvalue, greater.pvalue))
    swapped = diebold_mariano(e2, e1, h=2)
    assert swapped.statistic == pytest.approx(-two.statistic)
    assert swapped.pvalue == pytest.approx(two.pvalue)


def test_size_under_the_null_is_close_to_nominal():
    rng = np.random.default_rng(11)
    reps, n = 1000, 60
    e = rng.standard_normal((reps, 2, n))
    pvals = np.array([diebold_mariano(a, b).pvalue for a, b in e])
    assert 0.03 < np.mean(pvals < 0.05) < 0.07


def test_power_when_one_forecast_is_clearly_better():
    rng = np.random.default_rng(5)
    e1, e2 = 0.5 * rng.standard_normal(200), rng.standard_normal(200)
    r = diebold_mariano(e1, e2, alternative="less")
    assert r.statistic < 0 and r.pvalue < 1e-6


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"e1": [1.0, 2.0, 3.0], "e2": [1.0, 2.0]}, DataError, "same length"),
        ({"e1": [1.0, np.nan, 3.0]}, DataError, "`e1` must hold finite errors"),
        ({"e1": [[1.0, 2.0, 3.0]]}, DataError, "one-dimensional"),
        ({"e1": ["a", "b", "c"]}, InputTypeError, "`e1` must be a numeric array"),
        ({"h": 0}, ConfigError, "`h` must be a positive integer"),
        ({"h": 1.5}, ConfigError, "got 1.5"),
        ({"h": 3}, DataError, "more loss differentials than the horizon h=3; got n=3"),
        ({"loss": "mse"}, ConfigError, "`loss` must be 'se', 'ae' or a callable"),
        ({"loss": 2}, ConfigError, "`loss`"),
        ({"loss": np.sum}, ConfigError, "one loss per error"),
        ({"alternative": "smaller"}, ConfigError, "`alternative` must be one of"),
        ({"e2": [1.0, 2.0, 3.0]}, DataError, "zero variance"),
    ],
)
def test_invalid(kwargs, error, match):
    args = {"e1": [1.0, 2.0, 3.0], "e2": [1.0, 3.0, 2.5], **kwargs}
    e1, e2 = args.pop("e1"), args.pop("e2")
    with pytest.raises(error, match=match):
        diebold_mariano(e1, e2, **args)


# ---------------------------------------------------------------------------- dm_table
def _frame(n_origins: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    origins = pd.bdate_range("2023-01-02", periods=n_origins)
    rows = []
    for o in origins:
        for step in (1, 2):
            y = 100 + rng.standard_normal()
            for model, sd in (("naive", 1.0), ("good", 0.5), ("same", None)):
                rows.append({"model": model, "origin": o, "step": step, "y_true": y, "sd": sd})
    fr = pd.DataFrame(rows)
    noise = rng.standard_normal(len(fr))
    fr["mean"] = fr["y_true"] + noise * fr["sd"].fillna(1.0)
    # 'same' copies the naive forecast exactly
    naive = fr[fr.model == "naive"].set_index(["origin", "step"])["mean"]
    same = fr.model == "same"
    fr.loc[same, "mean"] = naive.reindex(
        pd.MultiIndex.from_frame(fr.loc[same, ["origin", "step"]])
    ).to_numpy()
    return fr.drop(columns="sd").sample(frac=1.0, random_state=1)  # order must not matter


def _errors(fr: pd.DataFrame, model: str, step: int | None = None) -> pd.Series:
    g = fr[fr.model == model]
    if step is not None:
        g = g[g.step == step]
    return (g.y_true - g["mean"]).groupby([g.origin, g.step]).first()


def test_dm_table_per_step_matches_direct_calls():
    fr = _frame()
    out = dm_table(fr, by=("model", "step"))
    assert set(out.index.get_level_values("model")) == {"good", "same"}
    e_good, e_naive = _errors(fr, "good", 2), _errors(fr, "naive", 2)
    direct = diebold_mariano(e_good.sort_index().to_numpy(), e_naive.sort_index().to_numpy(), h=2)
    row = out.loc[("good", 2)]
    assert row["h"] == 2 and row["n"] == 40
    assert row["statistic"] == pytest.approx(direct.statistic, rel=1e-12)
    assert row["pvalue"] == pytest.approx(direct.pvalue, rel=1e-12)
    assert row["mean_loss_diff"] < 0  # the better model has lower squared error
    # identical forecasts: the test is undefined -> NaN, not an exception
    assert np.isnan(out.loc[("same", 1), "pvalue"])
    assert out.loc[("same", 1), "mean_loss_diff"] == 0.0


def test_dm_table_per_model_averages_steps_per_origin():
    fr = _frame()
    out = dm_table(fr, loss="ae", h=2)
    d = (_errors(fr, "good").abs() - _errors(fr, "naive").abs()).groupby(level=0).mean()
    direct = diebold_mariano(d.to_numpy(), np.zeros(len(d)), h=2, loss=lambda e: e)
    assert out.loc["good", "statistic"] == pytest.approx(direct.statistic, rel=1e-12)
    assert out.loc["good", "n"] == 40
    # h=None uses the largest step, 2, here
    assert dm_table(fr, loss="ae").loc["good", "statistic"] == pytest.approx(direct.statistic)


def test_dm_table_drops_failed_forecasts_and_reports_short_groups():
    fr = _frame(n_origins=3)
    fr.loc[(fr.model == "good") & (fr.step == 1), "mean"] = np.nan
    out = dm_table(fr, by=("model", "step"), h=3)
    assert ("good", 1) not in out.index  # no usable pairs at step 1
    assert out.loc[("good", 2), "n"] == 3 and np.isnan(out.loc[("good", 2), "statistic"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"baseline": "arima"}, ConfigError, "`baseline` must be a model in the frame"),
        ({"baseline": 1}, ConfigError, "`baseline` must be a model name"),
        ({"h": 0}, ConfigError, "`h`"),
        ({"loss": "mse"}, ConfigError, "`loss`"),
        ({"alternative": "up"}, ConfigError, "`alternative`"),
        ({"by": ("step",)}, ConfigError, "must include 'model'"),
    ],
)
def test_invalid_dm_table(kwargs, error, match):
    with pytest.raises(error, match=match):
        dm_table(_frame(5), **kwargs)


def test_invalid_dm_table_frames():
    fr = _frame(5)
    with pytest.raises(DataError, match="missing \\['origin'\\]"):
        dm_table(fr.drop(columns="origin"))
    with pytest.raises(DataError, match="several rows of the baseline"):
        dm_table(pd.concat([fr, fr[fr.model == "naive"]]))
    with pytest.raises(InputTypeError, match="DataFrame"):
        dm_table({"model": ["naive"]})
