"""The optimism table of nested tuning: every score is scikit-learn's RMSE (or MAE) of the
forecasts it names, on the outer origins where every model forecast."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

import tickcast as tc


@pytest.mark.parametrize("scoring", ["rmse", "mae"])
def test_optimism_scores_are_scikit_learn_scores_of_the_forecasts(sim, scoring):
    y = sim.random_walk(5, n=300)
    res = tc.tune(
        tc.LinearForecaster(horizon=2),
        {"lags": [1, 4]},
        y,
        splitter=tc.WalkForward(initial=200, step=1, horizon=2, refit_every=50),
        scoring=scoring,
    )
    score = (
        (lambda a, b: np.sqrt(skm.mean_squared_error(a, b)))
        if scoring == "rmse"
        else skm.mean_absolute_error
    )
    outer, cand = res.forecasts, res.candidates.forecasts
    common = set(outer["origin"]) & set(cand["origin"])
    opt = res.optimism()
    assert opt["n_origins"].eq(len(common)).all()

    def of(frame, model):
        g = frame[(frame["model"] == model) & frame["origin"].isin(common)]
        assert g.groupby("origin").size().eq(2).all()  # both steps at every origin
        return score(g["y_true"], g["mean"])

    candidates = {lab: of(cand, lab) for lab in res.candidate_labels}
    best = min(candidates, key=candidates.get)
    assert opt.loc["optimistic", "choice"] == best
    assert opt.loc["optimistic", scoring] == pytest.approx(candidates[best], rel=1e-12)
    assert opt.loc["nested", scoring] == pytest.approx(of(outer, res.tuned_label), rel=1e-12)
    naive = of(outer, "naive")
    assert opt.loc["naive", scoring] == pytest.approx(naive, rel=1e-12)
    np.testing.assert_allclose(opt["relative"], opt[scoring] / naive, rtol=1e-12)
