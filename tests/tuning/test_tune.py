"""Nested walk-forward tuning on simulated series with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.tuning import TuneResult

NOISE_SPLIT = dict(initial=300, step=1, horizon=1, refit_every=50)


@pytest.fixture(scope="module")
def noise_result(sim):
    # 20 candidate lag counts on a random walk: there is nothing to find
    return tc.tune(
        tc.LinearForecaster(horizon=1),
        {"lags": list(range(1, 21))},
        sim.random_walk(0),
        splitter=tc.WalkForward(**NOISE_SPLIT),
    )


def test_result_is_a_backtest_result(noise_result):
    res = noise_result
    assert isinstance(res, TuneResult) and isinstance(res, tc.BacktestResult)
    assert res.models == ["naive", "tuned_linear"]
    assert sorted(res.summary().index) == ["naive", "tuned_linear"]
    assert res.forecasts.groupby("model")["origin"].nunique().eq(300).all()
    assert len(res.chosen_params) == 6 and res.inner_scores.shape == (6, 20)
    # the chosen candidate is the inner argmin of each block
    best = res.inner_scores.to_numpy().argmin(axis=1)
    assert list(res.chosen_params["lags"]) == [b + 1 for b in best]
    res.trading()  # the BacktestResult views work on the nested forecasts


def test_noise_optimistic_beats_nested_and_nested_does_not_beat_the_random_walk(noise_result):
    opt = noise_result.optimism()
    assert opt.loc["optimistic", "rmse"] < opt.loc["nested", "rmse"]
    # the optimistic score is the minimum of the candidates' outer scores
    assert opt.loc["optimistic", "rmse"] == pytest.approx(noise_result.candidate_scores().min())
    dm = noise_result.dm_test().loc["tuned_linear"]
    assert not (dm["pvalue"] < 0.05 and dm["statistic"] < 0), dm  # not significantly better


def test_noise_pbo_of_pnl_is_high(noise_result):
    # no candidate has any directional skill: the in-sample winner is a coin flip out of sample
    assert noise_result.pbo(metric="pnl").pbo >= 0.3


def test_nested_forecasts_are_the_chosen_candidates_forecasts(noise_result):
    res = noise_result
    cand = res.candidates.forecasts
    for _, row in res.chosen_params.iterrows():
        mine = res.forecasts[
            (res.forecasts["model"] == "tuned_linear")
            & res.forecasts["origin"].between(row["first_origin"], row["last_origin"])
        ]
        theirs = cand[
            (cand["model"] == row["candidate"])
            & cand["origin"].between(row["first_origin"], row["last_origin"])
        ]
        np.testing.assert_array_equal(mine["mean"].to_numpy(), theirs["mean"].to_numpy())


def test_ar2_structure_is_found_and_pbo_is_low(sim):
    space = {"lags": [1, 2, 3, 5, 10, 20]}
    # short sliding windows make the estimation cost of extra lags visible
    sp = tc.WalkForward(**NOISE_SPLIT, window="sliding", window_size=200)
    chosen, pbos = [], []
    for seed in range(3):
        res = tc.tune(tc.LinearForecaster(horizon=1), space, sim.ar2_prices(seed), splitter=sp)
        chosen += list(res.chosen_params["lags"])
        pbos.append(res.pbo().pbo)
        assert res.optimism().loc["nested", "relative"] < 0.95  # beats the random walk
    assert np.mean(np.isin(chosen, [2, 3])) > 0.6, chosen
    assert np.mean(pbos) < 0.2, pbos


def test_no_look_ahead_perturbing_after_an_origin(sim):
    y = sim.random_walk(3, n=500)
    sp = tc.WalkForward(initial=250, step=5, horizon=3, refit_every=10)
    space = {"lags": [1, 3, 8], "alpha": [0.1, 10.0]}
    model = tc.LinearForecaster(horizon=3)
    a = tc.tune(model, space, y, splitter=sp)
    cut = a.chosen_params["first_origin"].iloc[2]
    z = y.copy()
    after = z.index > cut
    z[after] = z[after] * np.exp(np.linspace(0, 0.5, after.sum()))  # a different future
    b = tc.tune(model, space, z, splitter=sp)
    cols = ["candidate", "inner_score", "n_inner_origins"]
    pd.testing.assert_frame_equal(a.chosen_params[cols].iloc[:3], b.chosen_params[cols].iloc[:3])
    fa, fb = (r.forecasts[r.forecasts["origin"] <= cut] for r in (a, b))
    np.testing.assert_array_equal(fa["mean"].to_numpy(), fb["mean"].to_numpy())


def test_deterministic_for_any_n_jobs_and_seed(sim):
    from scipy import stats

    y = sim.random_walk(4, n=400)
    sp = tc.WalkForward(initial=200, step=5, horizon=1, refit_every=8)
    kw = dict(search="random", n_trials=6, seed=7, splitter=sp)
    space = {"lags": stats.randint(1, 15), "alpha": stats.loguniform(0.01, 100)}
    a = tc.tune(tc.LinearForecaster(horizon=1), space, y, n_jobs=1, **kw)
    b = tc.tune(tc.LinearForecaster(horizon=1), space, y, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(a.chosen_params, b.chosen_params)
    pd.testing.assert_frame_equal(a.forecasts.drop(columns="seconds"),
                                  b.forecasts.drop(columns="seconds"))  # fmt: skip
    c = tc.tune(tc.LinearForecaster(horizon=1), space, y, **{**kw, "seed": 8})
    assert a.candidate_params != c.candidate_params
