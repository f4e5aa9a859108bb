"""LinearForecaster.forecast_folds with a volatility model (issue 13 with issue 12).

Every refit estimates its volatility model on its own training steps (EWMA's lambda by
likelihood, GARCH(1,1)-t by ``arch``) and filters it through its block; the batched path must
equal the fold loop ``forecast_folds_stepwise`` (fit, update, predict per fold) for every
option, see only the past of each origin, and give the same numbers on every run.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

import tickcast as tc
import tickcast.models._linear_folds as linear_folds
from tickcast.errors import VolatilityFallbackWarning
from tickcast.models.base import forecast_folds_stepwise
from tickcast.models.forecast import quantiles_for_levels

QS = quantiles_for_levels((50, 80, 95))


@pytest.fixture(scope="module")
def dgs10():
    return tc.load("dgs10").iloc[-650:]


@pytest.fixture(scope="module")
def dbk():
    return tc.load("dbk").iloc[-650:]


def fast_and_slow(model, y, folds, horizon):
    fast, slow = clone(model), clone(model)
    got = fast.forecast_folds(y, None, folds, horizon, QS)
    ref = forecast_folds_stepwise(slow, y, None, folds, horizon, QS)
    return got, ref, fast, slow


def assert_same(got, ref):
    np.testing.assert_allclose(got[0], ref[0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(got[1], ref[1], rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "refit_every, window",
    [(1, "expanding"), (4, "expanding"), (None, "expanding"), (1, "sliding"), (3, "sliding")],
)
@pytest.mark.parametrize("volatility", [None, "ewma", "constant"])
@pytest.mark.parametrize("name", ["dgs10", "dbk"])
def test_fast_equals_the_fold_loop(name, volatility, refit_every, window, request):
    y = request.getfixturevalue(name)
    splitter = tc.WalkForward(
        initial=480, step=4, horizon=5, refit_every=refit_every, window=window
    )
    folds = list(splitter.split(y))
    model = tc.LinearForecaster(lags=5, alpha=0.7, horizon=5, volatility=volatility)
    got, ref, fast, slow = fast_and_slow(model, y, folds, 5)
    assert_same(got, ref)
    # the volatility really is on (EWMA is the default) unless asked constant
    assert (fast.volatility_ is None) == (volatility == "constant")
    # left as the loop leaves it
    assert fast.y_.index.equals(slow.y_.index)
    np.testing.assert_allclose(fast.residuals_, slow.residuals_, rtol=0, atol=1e-10)


@pytest.mark.parametrize("refit_every, window", [(1, "expanding"), (3, "sliding")])
def test_garch_fast_equals_the_fold_loop(dgs10, refit_every, window):
    splitter = tc.WalkForward(
        initial=480, step=30, horizon=4, refit_every=refit_every, window=window
    )
    folds = list(splitter.split(dgs10))
    model = tc.LinearForecaster(lags=4, horizon=4, volatility="garch")
    got, ref, fast, _ = fast_and_slow(model, dgs10, folds, 4)
    assert fast.volatility_.kind == "garch"  # fitted by arch, not the EWMA fallback
    assert_same(got, ref)
    # GARCH's scale reverts over the steps, so the widths are not all one multiple of the
    # constant-volatility widths: the per-step scale is really applied
    const = clone(model).set_params(volatility="constant")
    _, q_const = const.forecast_folds(dgs10, None, folds, 4, QS)
    last = dgs10.to_numpy()[[f.origin for f in folds]][:, None]
    ratio = (got[1][:, :, -1] - last) / (q_const[:, :, -1] - last)
    assert np.ptp(ratio[0]) > 1e-6


def test_garch_fallback_to_ewma_on_short_windows_equals_the_loop(dgs10):
    """Expanding windows crossing the 250 steps GARCH needs: the first refits fall back to
    EWMA (with a warning), the later ones are GARCH; each refit as the loop has it."""
    y = dgs10.iloc[-400:]
    folds = list(tc.WalkForward(initial=235, step=20, horizon=3, refit_every=1).split(y))
    model = tc.LinearForecaster(lags=3, horizon=3, volatility="garch")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got, ref, fast, _ = fast_and_slow(model, y, folds, 3)
    fallbacks = [w for w in caught if issubclass(w.category, VolatilityFallbackWarning)]
    assert len(fallbacks) >= 2  # at least one refit on each path fell back
    assert fast.volatility_.kind == "garch"
    assert_same(got, ref)


def test_default_settings_take_the_batched_path(dgs10, monkeypatch):
    """With the default (EWMA) volatility the engine's Ridge task never reaches the loop."""

    def refuse(*args, **kwargs):
        raise AssertionError("the fold loop ran")

    monkeypatch.setattr(linear_folds, "forecast_folds_stepwise", refuse)
    splitter = tc.WalkForward(initial=500, step=5, horizon=5, refit_every=1)
    res = tc.backtest([tc.LinearForecaster(lags=6)], dgs10, splitter=splitter, progress=False)
    assert res.failures.empty
    assert len(res.forecasts) == 5 * splitter.n_splits(dgs10)


@pytest.mark.parametrize("volatility", [None, "garch"])
@pytest.mark.parametrize("window", ["expanding", "sliding"])
def test_no_look_ahead(dgs10, volatility, window):
    """Changing the series after an origin leaves every forecast up to it unchanged, within
    one batched task."""
    step = 5 if volatility is None else 30
    splitter = tc.WalkForward(initial=480, step=step, horizon=4, refit_every=2, window=window)
    folds = list(splitter.split(dgs10))
    cut = folds[len(folds) // 2].origin
    changed = dgs10.copy()
    rng = np.random.default_rng(3)
    changed.iloc[cut + 1 :] += rng.normal(0, 0.3, len(changed) - cut - 1).cumsum()
    model = tc.LinearForecaster(lags=5, horizon=4, volatility=volatility)
    m1, q1 = clone(model).forecast_folds(dgs10, None, folds, 4, QS)
    m2, q2 = clone(model).forecast_folds(changed, None, folds, 4, QS)
    past = np.array([f.origin <= cut for f in folds])
    # bit for bit: nothing computed for an origin (prefix sums, centring, volatility) reads
    # a later row
    np.testing.assert_array_equal(m2[past], m1[past])
    np.testing.assert_array_equal(q2[past], q1[past])
    assert np.abs(q2[~past] - q1[~past]).max() > 1e-3  # the perturbation does reach the rest


def test_deterministic_and_independent_of_n_jobs(dgs10):
    splitter = tc.WalkForward(initial=500, step=3, horizon=5, refit_every=2)
    runs = [
        tc.backtest([tc.LinearForecaster(lags=6)], dgs10, splitter=splitter, n_jobs=n)
        for n in (1, 1, 2)
    ]
    cols = ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    for other in runs[1:]:
        np.testing.assert_array_equal(
            runs[0].forecasts[cols].to_numpy(), other.forecasts[cols].to_numpy()
        )
