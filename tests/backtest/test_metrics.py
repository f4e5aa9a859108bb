"""Point and interval metrics, and the per-model table over a forecast frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickcast.backtest import metrics as M
from tickcast.errors import ConfigError, DataError, InputTypeError

Y = np.array([10.0, 12.0, 9.0, 11.0])
F = np.array([11.0, 11.0, 10.0, 13.0])  # errors y - f: -1, 1, -1, -2


def test_point_metrics_by_hand():
    assert M.mae(Y, F) == pytest.approx(5 / 4)
    assert M.rmse(Y, F) == pytest.approx(np.sqrt(7 / 4))
    assert M.mape(Y, F) == pytest.approx(100 / 4 * (1 / 10 + 1 / 12 + 1 / 9 + 2 / 11))
    assert M.smape(Y, F) == pytest.approx(100 / 4 * (2 / 21 + 2 / 23 + 2 / 19 + 4 / 24))


def test_mase_from_training_series_and_from_scale():
    y_train = np.array([1.0, 3.0, 2.0, 6.0])  # |diffs| 2, 1, 4 -> naive MAE 7/3
    assert M.mase(Y, F, y_train=y_train) == pytest.approx((5 / 4) / (7 / 3))
    assert M.mase(Y, F, scale=7 / 3) == pytest.approx((5 / 4) / (7 / 3))
    # seasonal lag 2: |2 - 1|, |6 - 3| -> 2
    assert M.mase(Y, F, y_train=y_train, m=2) == pytest.approx(5 / 8)
    # one scale per forecast: mean(|e| / s)
    s = np.array([1.0, 2.0, 1.0, 4.0])
    assert M.mase(Y, F, scale=s) == pytest.approx((1 + 0.5 + 1 + 0.5) / 4)


def test_r2_oos_and_directional_accuracy():
    naive = np.array([10.0, 10.0, 10.0, 10.0])  # errors 0, 2, -1, 1 -> SSE 6; model SSE 7
    assert M.r2_oos(Y, F, naive) == pytest.approx(1 - 7 / 6)
    assert M.r2_oos(Y, Y, naive) == 1.0
    # changes vs 10: true +0, +2, -1, +1 ; predicted +1, +1, 0, +3. Row 1 did not move and
    # row 3 predicts no move: both left out; rows 2 and 4 are hits
    assert M.directional_accuracy(Y, F, naive) == pytest.approx(1.0)
    # the random walk predicts no direction at all: NaN, not the share of unchanged actuals
    assert np.isnan(M.directional_accuracy(Y, naive, naive))


def test_r2_oos_of_a_forecast_equal_to_the_benchmark_up_to_round_off_is_zero():
    """exp(log P) against P: a few 1e-16 relative is the benchmark itself (R² exactly 0);
    1e-9 relative is a different forecast."""
    rng = np.random.default_rng(0)
    last = 100 * np.exp(rng.normal(size=200).cumsum() / 50)
    y = last * np.exp(rng.normal(size=200) / 100)
    noisy = last * (1 + 4e-16 * rng.choice([-1.0, 1.0], size=200))
    assert np.any(noisy != last)
    assert M.r2_oos(y, noisy, last) == 0.0
    assert M.r2_oos(y, last * (1 + 1e-9), last) != 0.0


def test_directional_accuracy_counts_only_forecasts_with_a_direction():
    last = np.full(6, 10.0)
    y = np.array([11.0, 9.0, 12.0, 8.0, 10.0, 11.0])  # up, down, up, down, flat, up
    f = np.array([10.5, 10.5, 9.0, 9.0, 11.0, 10.0])  # up, up, down, down, up, none
    # used: rows 1-4 (row 5 flat actual, row 6 no predicted move); hits at rows 1 and 4
    assert M.directional_accuracy(y, f, last) == pytest.approx(2 / 4)
    # one predicted direction among many "no change" forecasts: judged on that one alone
    f_one = np.where(np.arange(6) == 0, 10.5, 10.0)
    assert M.directional_accuracy(y, f_one, last) == 1.0
    # a predicted direction only where the actual did not move: nothing to judge
    f_flat = np.where(np.arange(6) == 4, 10.5, 10.0)
    assert np.isnan(M.directional_accuracy(y, f_flat, last))


def test_interval_metrics_by_hand():
    lo = np.array([9.0, 9.0, 9.5, 10.0])
    hi = np.array([11.0, 11.0, 10.5, 12.0])  # inside, above by 1, below by 0.5, inside
    assert M.coverage(Y, lo, hi) == pytest.approx(0.5)
    assert M.mean_width(lo, hi) == pytest.approx((2 + 2 + 1 + 2) / 4)
    alpha = 0.2  # penalty 2/alpha = 10 per unit outside
    assert M.winkler(Y, lo, hi, alpha) == pytest.approx((2 + (2 + 10) + (1 + 5) + 2) / 4)
    # pinball at q = 0.9 with q_pred = hi: y - hi = -1, 1, -1.5, -1
    expected = (0.1 * 1 + 0.9 * 1 + 0.1 * 1.5 + 0.1 * 1) / 4
    assert M.pinball(Y, hi, 0.9) == pytest.approx(expected)


def test_pinball_at_half_is_half_the_mae():
    assert M.pinball(Y, F, 0.5) == pytest.approx(M.mae(Y, F) / 2)


def test_zero_denominators_follow_the_documented_rule():
    # 0/0 -> 0: a perfect forecast of a zero target contributes no error
    assert M.mape([0.0, 2.0], [0.0, 1.0]) == pytest.approx(100 * (0 + 0.5) / 2)
    assert M.smape([0.0], [0.0]) == 0.0
    # x/0 -> NaN: undefined
    assert np.isnan(M.mape([0.0, 2.0], [1.0, 2.0]))
    assert np.isnan(M.mase(Y, F, y_train=[5.0, 5.0, 5.0]))
    assert M.mase(Y, Y, y_train=[5.0, 5.0]) == 0.0
    assert np.isnan(M.r2_oos(Y, F, Y))  # perfect benchmark, imperfect model


def test_nan_inputs_propagate():
    y = np.array([1.0, np.nan])
    assert np.isnan(M.mae(y, [1.0, 1.0]))
    assert np.isnan(M.coverage([1.0, 2.0], [0.0, np.nan], [3.0, 3.0]))
    assert np.isnan(M.directional_accuracy([1.0, 2.0], [1.0, np.nan], [0.0, 0.0]))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30),
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30),
)
def test_metric_properties(a, b):
    n = min(len(a), len(b))
    y, f = np.array(a[:n]), np.array(b[:n])
    assert 0 <= M.mae(y, f) <= M.rmse(y, f) + 1e-9
    assert 0 <= M.smape(y, f) <= 200 + 1e-9
    assert M.mae(y, y) == 0 and M.r2_oos(y, y, f) == 1.0
    lo, hi = np.minimum(y, f), np.maximum(y, f)
    assert M.coverage(y, lo, hi) == 1.0
    # inside the interval the Winkler score is the width
    assert M.winkler(y, lo, hi, 0.05) == pytest.approx(M.mean_width(lo, hi))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: M.mae([1.0, 2.0], [1.0]), DataError, "same length as `y_true`"),
        (lambda: M.mae([], []), DataError, "must not be empty"),
        (lambda: M.mae([[1.0]], [[1.0]]), DataError, "one-dimensional"),
        (lambda: M.mae(["a"], [1.0]), InputTypeError, "`y_true` must be numeric"),
        (lambda: M.mase(Y, F), ConfigError, "exactly one of `y_train` and `scale`; got neither"),
        (lambda: M.mase(Y, F, y_train=Y, scale=1.0), ConfigError, "got both"),
        (lambda: M.mase(Y, F, y_train=Y, m=0), ConfigError, "`m` must be a positive"),
        (lambda: M.mase(Y, F, y_train=[1.0]), DataError, "more than m=1"),
        (lambda: M.mase(Y, F, scale=[1.0, 2.0]), DataError, "`scale` must be a number"),
        (lambda: M.pinball(Y, F, 1.0), ConfigError, "`q` must be a number strictly"),
        (lambda: M.winkler(Y, F, F, 0), ConfigError, "`alpha`"),
    ],
)
def test_invalid(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------- the frame
def _frame() -> pd.DataFrame:
    """Two models, two origins, two steps; the 'naive' forecast is y_last."""
    origins = pd.to_datetime(["2024-01-02", "2024-01-03"])
    rows = []
    y_last = {origins[0]: 100.0, origins[1]: 101.0}
    truth = {(0, 1): 101.0, (0, 2): 103.0, (1, 1): 103.0, (1, 2): 102.0}
    model_fc = {(0, 1): 102.0, (0, 2): 102.0, (1, 1): 102.0, (1, 2): 104.0}
    for i, o in enumerate(origins):
        for step in (1, 2):
            for model, fc in (("naive", y_last[o]), ("m", model_fc[i, step])):
                rows.append(
                    {
                        "model": model,
                        "origin": o,
                        "step": step,
                        "date": o + pd.offsets.BDay(step),
                        "y_true": truth[i, step],
                        "y_last": y_last[o],
                        "mean": fc,
                        "lower_80": fc - 1.5,
                        "upper_80": fc + 1.5,
                        "scale": 2.0,
                    }
                )
    return pd.DataFrame(rows)


def test_compute_metrics_per_model_matches_the_pure_functions():
    fr = _frame()
    out = M.compute_metrics(fr, levels=(80, 95))
    assert list(out.index) == ["m", "naive"]
    assert list(out.columns[: len(M.METRIC_COLUMNS)]) == list(M.METRIC_COLUMNS)
    m = fr[fr.model == "m"]
    y, f = m.y_true.to_numpy(), m["mean"].to_numpy()
    assert out.loc["m", "n"] == 4
    assert out.loc["m", "mae"] == pytest.approx(M.mae(y, f))  # |e| = 1, 1, 1, 2
    assert out.loc["m", "mae"] == pytest.approx(5 / 4)
    assert out.loc["m", "mase"] == pytest.approx(5 / 8)
    # naive errors 1, 3, 2, 1 -> SSE 15; model SSE 1 + 1 + 1 + 4 = 7
    assert out.loc["m", "r2_oos"] == pytest.approx(1 - 7 / 15)
    assert out.loc["naive", "r2_oos"] == pytest.approx(0.0)
    # changes true +1, +3, +2, +1; model predicts +2, +2, +1, +3: all hits. Naive: none
    assert out.loc["m", "directional_accuracy"] == 1.0
    assert np.isnan(out.loc["naive", "directional_accuracy"])
    assert out.loc["m", "rel_mae"] == pytest.approx((5 / 4) / (7 / 4))
    assert out.loc["naive", "rel_rmse"] == pytest.approx(1.0)
    # width 3 everywhere; |e| <= 1.5 inside: model 3 of 4, naive 2 of 4 (errors 1 and 1)
    assert out.loc["m", "coverage_80"] == pytest.approx(0.75)
    assert out.loc["naive", "coverage_80"] == pytest.approx(0.5)
    assert out.loc["m", "width_80"] == pytest.approx(3.0)
    lo, hi = m.lower_80.to_numpy(), m.upper_80.to_numpy()
    assert out.loc["m", "winkler_80"] == pytest.approx(M.winkler(y, lo, hi, 0.2))
    expected_pinball = 0.5 * (M.pinball(y, lo, 0.1) + M.pinball(y, hi, 0.9))
    assert out.loc["m", "pinball_80"] == pytest.approx(expected_pinball)
    # no 95 % interval columns: NaN, but the columns exist
    assert out[["coverage_95", "width_95", "pinball_95", "winkler_95"]].isna().all().all()


def test_compute_metrics_by_step_and_failed_rows():
    fr = _frame()
    fr.loc[(fr.model == "m") & (fr.step == 2) & (fr.origin == fr.origin.max()), "mean"] = np.nan
    out = M.compute_metrics(fr, by=("model", "step"), levels=())
    assert out.index.names == ["model", "step"]
    assert out.loc[("m", 2), "n"] == 1
    assert out.loc[("m", 2), "mae"] == pytest.approx(1.0)
    # relative to naive at the same step: naive step-1 errors 1, 2 -> MAE 1.5
    assert out.loc[("m", 1), "rel_mae"] == pytest.approx(1.0 / 1.5)


def test_compute_metrics_without_optional_columns_or_baseline():
    fr = _frame().drop(columns=["scale", "y_last", "lower_80", "upper_80"])
    out = M.compute_metrics(fr, naive_model=None)
    assert (
        out[["mase", "r2_oos", "directional_accuracy", "rel_mae", "coverage_80"]]
        .isna()
        .all(axis=None)
    )
    assert out.loc["m", "mae"] == pytest.approx(5 / 4)
    absent = M.compute_metrics(fr[fr.model == "m"])
    assert np.isnan(absent.loc["m", "rel_mae"])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda fr: M.compute_metrics(fr.to_numpy()), InputTypeError, "pandas DataFrame"),
        (lambda fr: M.compute_metrics(fr.drop(columns="mean")), DataError, "missing \\['mean'\\]"),
        (lambda fr: M.compute_metrics(fr, by=("step",)), ConfigError, "must include 'model'"),
        (lambda fr: M.compute_metrics(fr, by=("model", "x")), ConfigError, "lacks"),
        (lambda fr: M.compute_metrics(fr, levels=(0,)), ConfigError, "`levels`"),
        (lambda fr: M.compute_metrics(fr, levels=(100,)), ConfigError, "strictly between"),
        (lambda fr: M.compute_metrics(fr, naive_model=3), ConfigError, "`naive_model`"),
    ],
)
def test_invalid_compute_metrics(call, error, match):
    with pytest.raises(error, match=match):
        call(_frame())


# ---------------------------------------------------------------------------- MASE scale
# A level series with hand-picked steps: |diffs| 1, 2, 3, 4, 1, 0, 3, 4, 0, 2, 1
_LEVELS = 100.0 + np.array([0, 1, 3, 6, 10, 9, 9, 12, 8, 8, 10, 11], dtype=float)


def _scales(**splitter) -> pd.Series:
    import tickcast as tc

    y = pd.Series(_LEVELS, index=pd.bdate_range("2024-01-01", periods=len(_LEVELS)), name="y")
    res = tc.backtest([tc.Naive()], y, splitter=tc.WalkForward(**splitter), progress=False)
    f = res.forecasts
    pos = y.index.get_indexer(f["origin"])
    return pd.Series(f["scale"].to_numpy(), index=pos)


def test_mase_scale_is_the_naive_mae_of_the_sliding_training_window():
    # window_size 4, refit on folds 0, 2, 4, ...; origins 4..10. A forecast's scale is the
    # one-step naive MAE of the window its parameters were fitted on (Fold.fitted_on):
    #   origin 4 (refit), window 1..4 = 101, 103, 106, 110 -> |diffs| 2, 3, 4 -> 3
    #   origin 5 (update): same window                                    -> 3
    #   origin 6 (refit), window 3..6 = 106, 110, 109, 109 -> 4, 1, 0    -> 5/3
    #   origin 8 (refit), window 5..8 = 109, 109, 112, 108 -> 0, 3, 4    -> 7/3
    #   origin 10 (refit), window 7..10 = 112, 108, 108, 110 -> 4, 0, 2  -> 2
    s = _scales(initial=5, window="sliding", window_size=4, refit_every=2)
    expected = {4: 3, 5: 3, 6: 5 / 3, 7: 5 / 3, 8: 7 / 3, 9: 7 / 3, 10: 2}
    assert s.to_dict() == pytest.approx(expected)


def test_mase_scale_expanding_uses_the_last_refit_window():
    # refit on folds 0 and 3 (origins 4 and 7): windows 0..4 -> (1+2+3+4)/4 = 2.5,
    # 0..7 -> (1+2+3+4+1+0+3)/7 = 2, then origin 10 -> (14 + 4 + 0 + 2)/10 = 2
    s = _scales(initial=5, refit_every=3)
    expected = {4: 2.5, 5: 2.5, 6: 2.5, 7: 2.0, 8: 2.0, 9: 2.0, 10: 2.0}
    assert s.to_dict() == pytest.approx(expected)


def test_round_off_of_a_no_change_forecast_predicts_no_direction():
    """A random walk through exp(log P) forecasts P to a few 1e-16: no direction, so NaN
    like the exact random walk, and the Pesaran-Timmermann table leaves those rows out."""
    from tickcast.backtest.significance import pt_table

    rng = np.random.default_rng(0)
    last = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, 200)))
    y = last * np.exp(rng.normal(0, 0.01, 200))
    round_trip = np.exp(np.log(last))
    assert np.any(round_trip != last)  # the round trip moves some prices by 1 ulp
    assert np.isnan(M.directional_accuracy(y, round_trip, last))
    assert np.array_equal(M.predicted_change(round_trip, last), np.zeros(200))
    moved = last * (1 + 1e-9)
    assert M.predicted_change(moved, last)[0] == pytest.approx(1e-9 * last[0], rel=1e-6)
    frame = pd.DataFrame(
        {"model": "rw", "step": 1, "y_true": y, "mean": round_trip, "y_last": last}
    )
    row = pt_table(frame).loc["rw"]
    assert row["n"] == 0 and np.isnan(row["pvalue"]) and np.isnan(row["directional_accuracy"])
