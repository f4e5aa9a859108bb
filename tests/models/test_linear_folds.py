"""LinearForecaster.forecast_folds: whole backtest tasks (refits included) at once.

The batched path must equal its definition, the fold loop
``forecast_folds_stepwise`` (fit at every refit, update in between, predict), points and
intervals, and its point forecasts must equal scikit-learn ridge refits on each fold's data.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tickcast as tc
from tickcast.models.base import forecast_folds_stepwise
from tickcast.models.forecast import quantiles_for_levels

QS = quantiles_for_levels((80, 95))


@pytest.fixture(scope="module")
def dbk():
    return tc.load("dbk").iloc[-700:]


@pytest.fixture(scope="module")
def dgs10():
    return tc.load("dgs10").iloc[-700:]


def both(model, y, X, folds, horizon):
    fast = clone(model)
    got = fast.forecast_folds(y, X, folds, horizon, QS)
    slow = clone(model)
    ref = forecast_folds_stepwise(slow, y, X, folds, horizon, QS)
    return got, ref, fast, slow


@pytest.mark.parametrize(
    "refit_every, window",
    [(1, "expanding"), (7, "expanding"), (None, "expanding"), (1, "sliding"), (5, "sliding")],
)
@pytest.mark.parametrize("name", ["dbk", "dgs10"])
def test_forecast_folds_equals_the_fold_loop(name, refit_every, window, request):
    y = request.getfixturevalue(name)
    splitter = tc.WalkForward(
        initial=500, step=3, horizon=4, refit_every=refit_every, window=window
    )
    folds = list(splitter.split(y))
    model = tc.LinearForecaster(lags=6, alpha=0.5, horizon=5, volatility="constant")
    (means, quants), (ref_m, ref_q), fast, slow = both(model, y, None, folds, 4)
    np.testing.assert_allclose(means, ref_m, rtol=0, atol=1e-10)
    np.testing.assert_allclose(quants, ref_q, rtol=0, atol=1e-10)
    # left as the loop leaves it: same history, point model and conformal residuals
    assert fast.y_.index.equals(slow.y_.index)
    np.testing.assert_allclose(fast.coef_, slow.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fast.residuals_, slow.residuals_, rtol=0, atol=1e-10)


def test_forecast_folds_with_exog_equals_the_fold_loop(dbk, dbk_exog):
    splitter = tc.WalkForward(initial=450, step=2, horizon=3, gap=1, refit_every=3)
    folds = list(splitter.split(dbk))
    model = tc.LinearForecaster(lags=4, horizon=4, volatility="constant")
    (means, quants), (ref_m, ref_q), _, _ = both(model, dbk, dbk_exog, folds, 4)
    np.testing.assert_allclose(means, ref_m, rtol=0, atol=1e-10)
    np.testing.assert_allclose(quants, ref_q, rtol=0, atol=1e-10)


@pytest.mark.parametrize("window", ["expanding", "sliding"])
def test_forecast_folds_equal_sklearn_ridge_refits(dgs10, window):
    """Each fold's forecast = StandardScaler + Ridge refitted on that fold's windows."""
    lags, H, alpha = 5, 3, 2.0
    splitter = tc.WalkForward(initial=400, step=25, horizon=H, refit_every=1, window=window)
    folds = list(splitter.split(dgs10))
    means, _ = clone(
        tc.LinearForecaster(lags=lags, alpha=alpha, horizon=H, volatility="constant")
    ).forecast_folds(dgs10, None, folds, H, QS)
    values = dgs10.to_numpy()
    for fold, mean in zip(folds, means, strict=True):
        z = np.diff(values[fold.train.start : fold.origin + 1])
        t = np.arange(lags - 1, len(z) - H)
        D = z[t[:, None] - np.arange(lags)]
        Y = z[t[:, None] + 1 + np.arange(H)]
        pipe = make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(D, Y)
        x0 = z[len(z) - 1 - np.arange(lags)][None]
        expected = values[fold.origin] + np.cumsum(pipe.predict(x0)[0])
        np.testing.assert_allclose(mean, expected, rtol=0, atol=1e-10)


def test_forecast_folds_falls_back_to_the_loop_where_it_does_not_apply(dbk):
    """Features, a horizon beyond the direct outputs, a non-additive target: the loop
    (volatility models are batched: tests/models/test_linear_folds_volatility.py)."""
    folds = list(tc.WalkForward(initial=500, step=40, horizon=3, refit_every=2).split(dbk))
    for model, horizon in [
        (tc.LinearForecaster(lags=3, horizon=3, features=["rsi_14"]), 3),
        (tc.LinearForecaster(lags=3, horizon=2), 3),
        (tc.LinearForecaster(lags=3, horizon=3, target="pct_change"), 3),
    ]:
        (means, quants), (ref_m, ref_q), _, _ = both(model, dbk, None, folds, horizon)
        np.testing.assert_allclose(means, ref_m, rtol=0, atol=1e-10)
        np.testing.assert_allclose(quants, ref_q, rtol=0, atol=1e-10)


class SlowLinear(tc.LinearForecaster):
    """The same model without the batched paths: the engine's fold-by-fold loop."""

    batched_folds = False
    batched_origins = False


@pytest.mark.parametrize("refit_every", [1, 4, None])
def test_backtest_fast_path_equals_the_engines_fold_loop(dgs10, refit_every):
    splitter = tc.WalkForward(initial=550, step=4, horizon=5, refit_every=refit_every)
    kw = {"lags": 8, "horizon": 5, "volatility": "constant"}
    fast = tc.backtest([tc.LinearForecaster(**kw)], dgs10, splitter=splitter, progress=False)
    slow = tc.backtest([SlowLinear(**kw)], dgs10, splitter=splitter, progress=False)
    assert fast.settings["models"]["linear"]["fast_path"] == "forecast_folds"
    cols = ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    a, b = fast.forecasts, slow.forecasts
    assert a[["origin", "step", "refit"]].equals(b[["origin", "step", "refit"]])
    np.testing.assert_allclose(a[cols].to_numpy(), b[cols].to_numpy(), rtol=0, atol=1e-10)


def test_backtest_fast_path_failures_are_those_of_the_loop(dgs10):
    """A sliding window too short for the model: every refit fails the same way."""
    y = dgs10.iloc[:120]
    splitter = tc.WalkForward(initial=60, step=10, horizon=3, window="sliding", refit_every=2)
    kw = {"lags": 20, "horizon": 3}
    fast = tc.backtest([tc.LinearForecaster(**kw)], y, splitter=splitter, progress=False)
    slow = tc.backtest([SlowLinear(**kw)], y, splitter=splitter, progress=False)
    assert len(fast.failures) > 0
    cols = ["origin", "error", "message"]
    pd.testing.assert_frame_equal(fast.failures[cols], slow.failures[cols])


@pytest.mark.parametrize("window", ["expanding", "sliding"])
def test_point_forecasts_only_skip_the_calibration_fits(dgs10, window, monkeypatch):
    """No quantiles asked (a backtest with ``level=None``): the same point forecasts and the
    same final model, without the calibration solves, the conformal ranks or the per-refit
    volatility fits (patched to fail here)."""
    from tickcast.models import _linear_folds

    splitter = tc.WalkForward(initial=500, step=3, horizon=4, refit_every=1, window=window)
    folds = list(splitter.split(dgs10))
    model = tc.LinearForecaster(lags=6, horizon=5)  # the default EWMA volatility
    full = clone(model)
    ref_m, _ = full.forecast_folds(dgs10, None, folds, 4, QS)

    def fail(*args, **kwargs):
        raise AssertionError("interval work done for point forecasts")

    monkeypatch.setattr(_linear_folds, "_conformal_halves", fail)
    monkeypatch.setattr(_linear_folds, "_refit_volatility", fail)
    point = clone(model)
    means, quants = point.forecast_folds(dgs10, None, folds, 4, np.empty(0))
    assert quants.shape == (len(folds), 4, 0)
    np.testing.assert_allclose(means, ref_m, rtol=0, atol=1e-10)
    assert point.y_.index.equals(full.y_.index)
    np.testing.assert_allclose(point.coef_, full.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(point.residuals_, full.residuals_, rtol=0, atol=1e-10)
    assert point.volatility_.params == full.volatility_.params


def test_backtest_without_levels_asks_the_fast_path_for_no_quantiles(dgs10, monkeypatch):
    """``level=None`` records no interval: the batched path is given no quantile to
    compute, and the point forecasts are those of the default backtest."""
    asked = []
    batched = tc.LinearForecaster.forecast_folds

    def spy(self, y, X, folds, horizon, quantiles):
        asked.append(len(quantiles))
        return batched(self, y, X, folds, horizon, quantiles)

    monkeypatch.setattr(tc.LinearForecaster, "forecast_folds", spy)
    splitter = tc.WalkForward(initial=550, step=4, horizon=5, refit_every=1)
    model = tc.LinearForecaster(lags=8, horizon=5)
    point = tc.backtest([model], dgs10, splitter=splitter, progress=False, level=None)
    full = tc.backtest([model], dgs10, splitter=splitter, progress=False)
    assert asked[0] == 0 and asked[1] > 0
    assert point.settings["models"]["linear"]["fast_path"] == "forecast_folds"
    assert "lower_80" not in point.forecasts.columns
    a, b = point.forecasts, full.forecasts
    assert a[["origin", "step", "refit"]].equals(b[["origin", "step", "refit"]])
    np.testing.assert_allclose(a["mean"].to_numpy(), b["mean"].to_numpy(), rtol=0, atol=1e-10)
