"""Diebold-Mariano with the Harvey-Leybourne-Newbold correction, and the per-model table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tickcast.backtest.significance import DMResult, diebold_mariano, dm_table
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
        ({"spacing": 0}, ConfigError, "`spacing` must be a positive integer"),
        ({"spacing": 2.0}, ConfigError, "got 2.0"),
        ({"h": 5, "spacing": 2}, DataError, "h=3; got n=3 \\(h=5 steps, origins 2 apart"),
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


def test_dm_table_forecasts_equal_to_round_off_get_no_test():
    """A model whose forecasts are the baseline's up to round-off (exp(log P) against P, a
    few 1e-16 relative) has equal losses: no statistic of that noise, mean difference 0.
    Forecasts 1e-9 relative apart are different forecasts and keep their test."""
    fr = _frame()
    rng = np.random.default_rng(3)
    for name, rel in (("roundoff", 4e-16), ("close", 1e-9)):
        copy = fr[fr.model == "naive"].assign(model=name)
        copy["mean"] *= 1 + rel * rng.choice([-1.0, 1.0], size=len(copy))
        fr = pd.concat([fr, copy])
    out = dm_table(fr, by=("model", "step"))
    for step in (1, 2):
        assert np.isnan(out.loc[("roundoff", step), "statistic"])
        assert np.isnan(out.loc[("roundoff", step), "pvalue"])
        assert out.loc[("roundoff", step), "mean_loss_diff"] == 0.0
        assert np.isfinite(out.loc[("close", step), "statistic"])
    # the differentials the round-off rule zeroes are not exactly zero
    e_naive, e_round = _errors(fr, "naive"), _errors(fr, "roundoff")
    assert ((e_round**2 - e_naive**2) != 0).mean() > 0.5


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
        ({"spacing": -1}, ConfigError, "`spacing` must be a positive integer"),
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


# ---------------------------------------------------------------------------- R dm.test
_FIXTURES = Path(__file__).parent / "fixtures" / "dm_r"
_R_REFERENCE = pd.read_csv(_FIXTURES / "dm_reference.csv")
_R_ERRORS = pd.read_csv(_FIXTURES / "dm_errors.csv")
_R_ALTERNATIVE = {"two.sided": "two-sided", "less": "less", "greater": "greater"}


def _r_case(row: pd.Series) -> tuple[np.ndarray, np.ndarray, str, str]:
    e1 = _R_ERRORS[f"{row.series}_e1"].to_numpy()[: row.n]
    e2 = _R_ERRORS[f"{row.series}_e2"].to_numpy()[: row.n]
    return e1, e2, {1: "ae", 2: "se"}[row.power], _R_ALTERNATIVE[row.alternative]


@pytest.mark.parametrize("i", list(_R_REFERENCE.index[_R_REFERENCE.varestimator == "acf"]))
def test_matches_r_dm_test(i):
    # forecast::dm.test(e1, e2, h, power, alternative): origins one apart (spacing=1)
    row = _R_REFERENCE.loc[i]
    assert row.acf_positive  # else R silently falls back to h = 1 and is not comparable
    e1, e2, loss, alternative = _r_case(row)
    r = diebold_mariano(e1, e2, h=int(row.h), loss=loss, alternative=alternative)
    assert r.kernel == "uniform" and r.overlap_lags == row.h - 1
    assert r.statistic == pytest.approx(row.statistic, rel=1e-8, abs=1e-10)
    assert r.pvalue == pytest.approx(row.pvalue, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("i", list(_R_REFERENCE.index[_R_REFERENCE.varestimator == "bartlett"]))
def test_bartlett_fallback_is_r_dm_test_bartlett(i):
    # our fallback (checked against statsmodels' Bartlett HAC above) is dm.test's "bartlett"
    row = _R_REFERENCE.loc[i]
    e1, e2, loss, _ = _r_case(row)
    f = np.abs if loss == "ae" else np.square
    d = f(e1) - f(e2)
    stat = _statsmodels_dm(d, int(row.h), "bartlett") * _hln(int(row.n), int(row.h))
    assert stat == pytest.approx(row.statistic, rel=1e-8)


def test_r_fixtures_cover_the_cases():
    ref = _R_REFERENCE
    assert set(ref.h) == {1, 2, 5} and set(ref.power) == {1, 2}
    assert set(ref.alternative) == set(_R_ALTERNATIVE) and ref.series.nunique() == 3


# ---------------------------------------------------------------------------- spacing
@pytest.mark.parametrize(
    ("h", "spacing", "lags"),
    [(1, 1, 0), (5, 1, 4), (5, 2, 2), (5, 3, 1), (5, 4, 1), (5, 5, 0), (5, 9, 0), (6, 4, 1)],
)
def test_overlap_lags_are_ceil_h_over_s_minus_one(h, spacing, lags):
    rng = np.random.default_rng(h * 10 + spacing)
    e1, e2 = rng.standard_normal((2, 150))
    r = diebold_mariano(e1, e2, h=h, spacing=spacing)
    assert r.overlap_lags == lags and r.spacing == spacing and r.h == h
    # the same test as origins one apart with horizon K + 1 (lags, HLN factor and all)
    same = diebold_mariano(e1, e2, h=lags + 1)
    assert r.statistic == pytest.approx(same.statistic, rel=1e-12)
    assert r.hln_factor == pytest.approx(_hln(150, lags + 1), rel=1e-12)


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
@pytest.mark.parametrize(("h", "spacing"), [(1, 1), (5, 5), (5, 8)])
def test_independent_differentials_give_the_one_sample_t_test(h, spacing, alternative):
    rng = np.random.default_rng(spacing)
    e1, e2 = rng.standard_normal((2, 90)) * [[1.1], [1.0]]
    r = diebold_mariano(e1, e2, h=h, spacing=spacing, alternative=alternative)
    t = stats.ttest_1samp(e1**2 - e2**2, 0.0, alternative=alternative)
    assert r.overlap_lags == 0
    assert r.statistic == pytest.approx(t.statistic, rel=1e-12)
    assert r.pvalue == pytest.approx(t.pvalue, rel=1e-10)


_CAL = pd.bdate_range("2001-01-01", periods=1500)


def _long_frame(
    errors: dict[str, np.ndarray], origins: np.ndarray, *, series: str = "x", calendar=None
) -> pd.DataFrame:
    """Long-format frame from errors of shape (n_origins, horizon) per model (y_true = 0)."""
    calendar = _CAL if calendar is None else calendar
    n, horizon = next(iter(errors.values())).shape
    o, k = np.repeat(origins, horizon), np.tile(np.arange(1, horizon + 1), n)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "series": series,
                    "model": model,
                    "origin": calendar[o],
                    "step": k,
                    "date": calendar[o + k],
                    "y_true": 0.0,
                    "mean": -e.ravel(),
                }
            )
            for model, e in errors.items()
        ],
        ignore_index=True,
    )


def _walk_errors(rng, n: int, horizon: int, spacing: int) -> tuple[np.ndarray, np.ndarray]:
    """k-step errors of a random-walk forecast: sums of the k shocks after each origin,
    origins ``spacing`` observations apart; shape (n, horizon), and the origin positions."""
    origins = np.arange(n) * spacing
    shocks = rng.standard_normal(origins[-1] + horizon + 1)
    csum = np.concatenate([[0.0], np.cumsum(shocks)])
    steps = origins[:, None] + np.arange(1, horizon + 1)
    return csum[steps + 1] - csum[origins + 1][:, None], origins


def test_dm_table_reads_spacing_from_the_dates():
    rng = np.random.default_rng(0)
    e_naive, origins = _walk_errors(rng, 80, 5, 2)
    e_good, _ = _walk_errors(rng, 80, 5, 2)
    fr = _long_frame({"naive": e_naive, "good": 0.9 * e_good}, origins)
    out = dm_table(fr)
    row = out.loc["good"]
    assert (row["h"], row["spacing"], row["overlap_lags"], row["n"]) == (5, 2, 2, 80)
    d = (0.81 * e_good**2 - e_naive**2).mean(axis=1)
    direct = diebold_mariano(d, np.zeros(80), h=5, spacing=2, loss=lambda e: e)
    assert row["statistic"] == pytest.approx(direct.statistic, rel=1e-12)
    assert row["kernel"] == direct.kernel
    per_step = dm_table(fr, by=("model", "step"))
    # per-step tests: ceil(step / 2) - 1 lags
    assert per_step["overlap_lags"].tolist() == [0, 0, 1, 1, 2]
    assert per_step["h"].tolist() == [1, 2, 3, 4, 5]
    # step = horizon = 5: independent differentials, the plain t-test
    fr5 = _long_frame({"naive": e_naive, "good": 0.9 * e_good}, origins * 5 // 2)
    r5 = dm_table(fr5).loc["good"]
    assert (r5["spacing"], r5["overlap_lags"]) == (5, 0)
    t = stats.ttest_1samp(d, 0.0)
    assert r5["statistic"] == pytest.approx(t.statistic, rel=1e-10)
    assert r5["pvalue"] == pytest.approx(t.pvalue, rel=1e-10)


def test_dm_table_irregular_origins_use_the_smallest_gap():
    rng = np.random.default_rng(1)
    e_naive, origins = _walk_errors(rng, 60, 5, 3)
    e_good, _ = _walk_errors(rng, 60, 5, 3)
    fr = _long_frame({"naive": e_naive, "good": e_good}, origins)
    # the model failed at some origins: the gaps there are 6 or 9, the smallest stays 3
    failed = fr["origin"].isin(fr["origin"].unique()[[5, 6, 20, 40]]) & (fr.model == "good")
    out = dm_table(fr[~failed]).loc["good"]
    assert (out["spacing"], out["overlap_lags"], out["n"]) == (3, 1, 56)
    # step > horizon: uncovered days compress the calendar, but spacing > h is kept
    fr10 = _long_frame({"naive": e_naive, "good": e_good}, origins // 3 * 10)
    assert dm_table(fr10).loc["good", "overlap_lags"] == 0


def test_dm_table_prefers_position_columns_and_an_explicit_spacing():
    rng = np.random.default_rng(2)
    e_naive, origins = _walk_errors(rng, 50, 2, 1)
    e_good, _ = _walk_errors(rng, 50, 2, 1)
    fr = _long_frame({"naive": e_naive, "good": e_good}, origins)
    # an embargo of 3 observations: the engine's positions say targets are 4 and 5 ahead
    fr = fr.assign(origin_pos=np.repeat(origins, 2).tolist() * 2)
    fr["target_pos"] = fr["origin_pos"] + 3 + fr["step"]
    row = dm_table(fr).loc["good"]
    assert (row["h"], row["spacing"], row["overlap_lags"]) == (5, 1, 4)
    row = dm_table(fr, spacing=5).loc["good"]
    assert (row["spacing"], row["overlap_lags"]) == (5, 0)
    # positions with gaps (frames of several backtests concatenated) are not trusted
    holed = fr.assign(origin_pos=fr["origin_pos"].where(fr["step"] == 1))
    assert dm_table(holed).loc["good", "h"] == 2
    # without dates or positions, origins are taken as consecutive
    row = dm_table(fr.drop(columns=["date", "origin_pos", "target_pos"])).loc["good"]
    assert (row["h"], row["spacing"], row["overlap_lags"]) == (2, 1, 1)


def test_dm_table_pooled_series_share_one_calendar():
    rng = np.random.default_rng(3)
    frames = []
    for name in ("a", "b"):
        e_naive, origins = _walk_errors(rng, 40, 4, 4)
        e_good, _ = _walk_errors(rng, 40, 4, 4)
        frames.append(_long_frame({"naive": e_naive, "good": e_good}, origins, series=name))
    fr = pd.concat(frames, ignore_index=True)
    pooled = dm_table(fr).loc["good"]
    assert (pooled["spacing"], pooled["overlap_lags"], pooled["n"]) == (4, 0, 40)
    per_series = dm_table(fr, by=("series", "model"))
    assert per_series["overlap_lags"].tolist() == [0, 0]


def _holm_statsmodels(p: np.ndarray) -> np.ndarray:
    from statsmodels.stats.multitest import multipletests

    return multipletests(p, method="holm")[1]


def test_holm_matches_statsmodels():
    from tickcast.backtest.significance import _holm

    rng = np.random.default_rng(9)
    for m in (1, 2, 5, 12):
        p = rng.uniform(0, 0.2, m) ** 2
        p[rng.integers(m)] = p.min()  # a tie
        assert _holm(p) == pytest.approx(_holm_statsmodels(p), rel=1e-14)
    p = np.array([0.01, np.nan, 0.04, 0.03])
    adjusted = _holm(p)
    assert np.isnan(adjusted[1])
    assert adjusted[[0, 2, 3]] == pytest.approx(_holm_statsmodels(p[[0, 2, 3]]))
    assert np.isnan(_holm(np.array([np.nan]))).all()


def test_dm_table_holm_over_the_models_of_one_group():
    rng = np.random.default_rng(4)
    e_naive, origins = _walk_errors(rng, 70, 3, 1)
    errors = {"naive": e_naive}
    for name, scale in (("a", 0.8), ("b", 0.95), ("c", 1.0), ("d", 1.3)):
        errors[name] = scale * _walk_errors(rng, 70, 3, 1)[0]
    fr = _long_frame(errors, origins)
    out = dm_table(fr)
    assert out["pvalue_holm"].to_numpy() == pytest.approx(
        _holm_statsmodels(out["pvalue"].to_numpy())
    )
    assert (out["pvalue_holm"] >= out["pvalue"]).all()
    per_step = dm_table(fr, by=("model", "step"))
    for _, g in per_step.groupby(level="step"):  # one family per step
        assert g["pvalue_holm"].to_numpy() == pytest.approx(
            _holm_statsmodels(g["pvalue"].to_numpy())
        )
    # an undefined test (identical forecasts) stays NaN and does not count in the family
    fr_same = pd.concat([fr, fr[fr.model == "naive"].assign(model="same")], ignore_index=True)
    out_same = dm_table(fr_same)
    assert np.isnan(out_same.loc["same", "pvalue_holm"])
    assert out_same["pvalue_holm"].drop("same").to_numpy() == pytest.approx(
        out["pvalue_holm"].to_numpy()
    )


def test_dm_table_statistic_sign():
    rng = np.random.default_rng(5)
    e_naive, origins = _walk_errors(rng, 100, 2, 2)
    e_good = 0.5 * _walk_errors(rng, 100, 2, 2)[0]
    row = dm_table(_long_frame({"naive": e_naive, "good": e_good}, origins)).loc["good"]
    assert row["statistic"] < 0 and row["mean_loss_diff"] < 0 and row["pvalue"] < 1e-6


# ---------------------------------------------------------------------------- size
def _null_frame(rng, reps: int, n: int, horizon: int, spacing: int) -> pd.DataFrame:
    """``reps`` series (replications) of two random-walk forecasts with equal expected loss:
    k-step errors are sums of the k iid shocks after the origin (MA(k-1)), origins
    ``spacing`` observations apart; one long-format frame, y_true = 0."""
    origins = np.arange(n) * spacing
    steps = origins[:, None] + np.arange(1, horizon + 1)  # (n, horizon) target positions
    length = origins[-1] + horizon + 1
    csum = np.concatenate(
        [np.zeros((2, reps, 1)), rng.standard_normal((2, reps, length)).cumsum(-1)], -1
    )
    errors = csum[..., steps + 1] - csum[..., origins + 1][..., None]  # (2, reps, n, horizon)
    size = reps * n * horizon
    return pd.DataFrame(
        {
            "series": np.tile(np.repeat(np.arange(reps), n * horizon), 2),
            "model": np.repeat(["naive", "other"], size),
            "origin": np.tile(_CAL[np.repeat(origins, horizon)], 2 * reps),
            "step": np.tile(np.arange(1, horizon + 1), 2 * reps * n),
            "date": np.tile(_CAL[steps.ravel()], 2 * reps),
            "y_true": 0.0,
            "mean": -errors.ravel(),
        }
    )


def test_null_frame_errors_are_the_walk_errors():
    frame = _null_frame(np.random.default_rng(0), 2, 30, 3, 2)
    g = frame[(frame.series == 1) & (frame.model == "other")]
    assert len(g) == 90 and g["origin"].nunique() == 30
    e = -g["mean"].to_numpy().reshape(30, 3)
    shocks = np.diff(e, axis=1)  # e_k - e_{k-1} is the k-th shock after the origin
    # origins 2 apart, 3 steps: shock 3 of origin t is shock 1 of origin t + 1
    assert shocks[:-1, 1] == pytest.approx(e[1:, 0])


@pytest.mark.parametrize(("spacing", "horizon"), [(1, 1), (1, 5), (2, 5), (5, 5)])
def test_size_under_the_null_with_overlapping_origins(spacing, horizon):
    # 500 replications of n = 200 differentials: the binomial sd of a 5 % rejection rate is
    # 1 %, so [3 %, 8 %] is -2 / +3 sd
    frame = _null_frame(np.random.default_rng(100 * spacing + horizon), 500, 200, horizon, spacing)
    out = dm_table(frame, by=("series", "model"))
    assert (out["overlap_lags"] == -(-horizon // spacing) - 1).all() and (out["n"] == 200).all()
    rejected = float((out["pvalue"] < 0.05).mean())
    assert 0.03 <= rejected <= 0.08, rejected


def test_old_lag_rule_overrejects_where_the_issue_measured_it():
    # step = horizon = 5 with 60 origins (WalkForward(initial=300, step=5, horizon=5) on 600
    # points): summing h - 1 = 4 lags of independent differentials rejects ~11 % of the time
    frame = _null_frame(np.random.default_rng(7), 1000, 60, 5, 5)
    spaced = dm_table(frame, by=("series", "model"))
    old = dm_table(frame, by=("series", "model"), spacing=1)
    assert 0.03 <= float((spaced["pvalue"] < 0.05).mean()) <= 0.08
    assert float((old["pvalue"] < 0.05).mean()) > 0.08


def test_backtest_drift_vs_naive_uses_independent_differentials():
    import tickcast as tc

    rng = np.random.default_rng(12)
    index = pd.bdate_range("2010-01-04", periods=400)
    y = pd.Series(100 * np.exp(np.cumsum(0.01 * rng.standard_normal(400))), index=index)
    res = tc.backtest(
        [tc.Naive(), tc.Drift()],
        y,
        splitter=tc.WalkForward(initial=300, step=5, horizon=5),
        progress=False,
    )
    row = res.dm_test().loc["drift"]
    assert (row["h"], row["spacing"], row["overlap_lags"], row["n"]) == (5, 5, 0, 20)
    fr = res.forecasts
    err = (fr["y_true"] - fr["mean"]) ** 2
    d = (err[fr.model == "drift"].to_numpy() - err[fr.model == "naive"].to_numpy()).reshape(20, 5)
    t = stats.ttest_1samp(d.mean(axis=1), 0.0)
    assert row["statistic"] == pytest.approx(t.statistic, rel=1e-10)
    assert row["pvalue"] == pytest.approx(t.pvalue, rel=1e-10)
    per_step = res.dm_test(by=("model", "step"))
    assert per_step["overlap_lags"].tolist() == [0] * 5
