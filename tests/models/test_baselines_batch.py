"""Naive/Drift batched backtest paths equal their definitions (the stepwise loops).

``forecast_origins`` must equal update + predict at every origin, ``forecast_folds`` the
fold loop (refits included), for point forecasts and interval quantiles to ~1e-12, leave the
model as the loops leave it, never look past an origin, and fall back to the loop where the
analytic formula does not apply.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import tickcast as tc
from tickcast.models.base import forecast_folds_stepwise, forecast_origins_stepwise
from tickcast.models.forecast import quantiles_for_levels

QS = quantiles_for_levels((80, 95))
RTOL = 1e-12


def _series(name, n=420):
    return tc.load(name).iloc[-n:]


def _assert_close(fast, slow):
    np.testing.assert_allclose(fast[0], slow[0], rtol=RTOL, atol=0)
    np.testing.assert_allclose(fast[1], slow[1], rtol=RTOL, atol=0)


def _assert_same_state(a, b):
    assert a.y_.index.equals(b.y_.index)
    np.testing.assert_array_equal(a.y_.to_numpy(), b.y_.to_numpy())
    for attr in ("drift_", "sigma_", "drift_se_"):
        assert getattr(a, attr) == pytest.approx(getattr(b, attr), rel=1e-14, abs=0)
    np.testing.assert_allclose(a.residuals_, b.residuals_, rtol=0, atol=1e-15)
    va, vb = a._vol_state(), b._vol_state()
    assert (va is None) == (vb is None)
    if va is not None:
        np.testing.assert_allclose(va.sigma2_next, vb.sigma2_next, rtol=1e-14, atol=0)
    assert a.last_value_ == b.last_value_


@pytest.mark.parametrize("cls", [tc.Naive, tc.Drift])
@pytest.mark.parametrize("name", ["dbk", "dgs10"])
@pytest.mark.parametrize("volatility", ["constant", "ewma"])
def test_forecast_origins_equals_update_then_predict(cls, name, volatility):
    y = _series(name)
    fast_model = cls(volatility=volatility).fit(y.iloc[:300])
    slow_model = clone(fast_model).fit(y.iloc[:300])
    origins = np.r_[299, 300, np.arange(305, 410, 7)]
    fast = fast_model.forecast_origins(y, None, origins, 6, QS)
    slow = forecast_origins_stepwise(slow_model, y, None, origins, 6, QS)
    _assert_close(fast, slow)
    _assert_same_state(fast_model, slow_model)
    # and against the public API at one origin: predict after update
    ref = cls(volatility=volatility).fit(y.iloc[:300])
    ref.update(y.iloc[300 : origins[-1] + 1])
    fc = ref.predict(6, level=(80, 95))
    np.testing.assert_allclose(fast[0][-1], fc.mean.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(fast[1][-1], fc.quantiles.to_numpy(), rtol=RTOL)


def test_forecast_origins_on_a_series_that_starts_before_the_fitted_window():
    """A sliding window's model fitted on y[50:300] gets y from position 0: the new steps are
    located by the last fitted date, never re-counted from y[0]."""
    y = _series("dbk")
    fast_model = tc.Drift(volatility="constant").fit(y.iloc[50:300])
    slow_model = clone(fast_model).fit(y.iloc[50:300])
    origins = np.arange(299, 400, 5)
    fast = fast_model.forecast_origins(y, None, origins, 4, QS)
    slow = forecast_origins_stepwise(slow_model, y.iloc[50:], None, origins - 50, 4, QS)
    _assert_close(fast, slow)
    _assert_same_state(fast_model, slow_model)


@pytest.mark.parametrize("cls", [tc.Naive, tc.Drift])
@pytest.mark.parametrize("volatility", ["constant", "ewma"])
@pytest.mark.parametrize(
    "split",
    [
        dict(refit_every=1),
        dict(refit_every=7),
        dict(refit_every=None),
        dict(refit_every=5, window="sliding", window_size=150),
        dict(refit_every=1, window="sliding", window_size=150, step=3),
    ],
)
def test_forecast_folds_equals_the_fold_loop(cls, volatility, split):
    y = _series("dgs10" if cls is tc.Naive else "dbk")
    folds = list(tc.WalkForward(initial=300, horizon=5, **{"step": 2, **split}).split(y))
    fast_model, slow_model = cls(volatility=volatility), cls(volatility=volatility)
    fast = fast_model.forecast_folds(y, None, folds, 5, QS)
    slow = forecast_folds_stepwise(slow_model, y, None, folds, 5, QS)
    _assert_close(fast, slow)
    _assert_same_state(fast_model, slow_model)


@pytest.mark.parametrize(
    "make",
    [
        lambda: tc.Naive(target="pct_change"),  # bootstrapped intervals
        lambda: tc.Drift(volatility="garch"),  # filtered historical simulation
    ],
)
def test_paths_without_analytic_intervals_fall_back_to_the_loop(make):
    y = _series("dbk", 340)
    fast_model = make().fit(y.iloc[:300])
    slow_model = clone(fast_model).fit(y.iloc[:300])
    origins = np.arange(299, 334, 6)
    fast = fast_model.forecast_origins(y, None, origins, 3, QS)
    slow = forecast_origins_stepwise(slow_model, y, None, origins, 3, QS)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])


def test_a_guessed_kind_falls_back_to_the_loop():
    """Without a kind the slow path re-guesses at every update: the loop decides."""
    y = _series("dbk", 360).copy()
    y.attrs = {}
    with pytest.warns(tc.errors.KindGuessWarning):
        fast_model = tc.Drift(volatility="constant").fit(y.iloc[:300])
    slow_model = clone(fast_model)
    with pytest.warns(tc.errors.KindGuessWarning):
        slow_model.fit(y.iloc[:300])
    origins = np.arange(299, 350, 10)
    fast = fast_model.forecast_origins(y, None, origins, 3, QS)
    slow = forecast_origins_stepwise(slow_model, y, None, origins, 3, QS)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])


def test_a_value_the_target_refuses_raises_as_the_loop_does():
    y = _series("dbk", 360).copy()
    y.iloc[320] = -1.0
    model = tc.Naive(volatility="constant").fit(y.iloc[:300])
    with pytest.raises(tc.errors.DataError) as fast:
        model.forecast_origins(y, None, np.arange(299, 350, 10), 3, QS)
    with pytest.raises(tc.errors.DataError) as slow:
        forecast_origins_stepwise(
            tc.Naive(volatility="constant").fit(y.iloc[:300]),
            y,
            None,
            np.arange(299, 350, 10),
            3,
            QS,
        )
    assert str(fast.value) == str(slow.value)


@pytest.mark.parametrize("cls", [tc.Naive, tc.Drift])
@pytest.mark.parametrize("volatility", ["constant", "ewma"])
def test_no_look_ahead(cls, volatility):
    """Perturbing everything after origin o changes no forecast made at or before o."""
    y = _series("dbk")
    folds = list(tc.WalkForward(initial=300, step=3, horizon=4, refit_every=4).split(y))
    origins = np.array([f.origin for f in folds])
    base = cls(volatility=volatility).forecast_folds(y, None, folds, 4, QS)
    cut = int(origins[len(origins) // 2])
    shaken = y.copy()
    rng = np.random.default_rng(1)
    shaken.iloc[cut + 1 :] *= np.exp(rng.normal(0, 0.2, len(y) - cut - 1))
    moved = cls(volatility=volatility).forecast_folds(shaken, None, folds, 4, QS)
    keep = origins <= cut
    np.testing.assert_array_equal(moved[0][keep], base[0][keep])
    np.testing.assert_array_equal(moved[1][keep], base[1][keep])
    assert not np.allclose(moved[0][~keep], base[0][~keep])  # the perturbation is seen later
    # the same through forecast_origins
    m0 = cls(volatility=volatility).fit(y.iloc[:300])
    m1 = cls(volatility=volatility).fit(y.iloc[:300])
    a = m0.forecast_origins(y, None, origins, 4, QS)
    b = m1.forecast_origins(shaken, None, origins, 4, QS)
    np.testing.assert_array_equal(a[0][keep], b[0][keep])
    np.testing.assert_array_equal(a[1][keep], b[1][keep])


@pytest.mark.parametrize("refit_every", [1, 10, None])
@pytest.mark.parametrize("window", ["expanding", "sliding"])
def test_backtest_fast_path_equals_the_engine_loop(monkeypatch, refit_every, window):
    """tc.backtest with the batched paths equals the engine's own update/predict loop."""
    y = _series("dgs10", 380)
    split = tc.WalkForward(
        initial=300,
        step=2,
        horizon=3,
        refit_every=refit_every,
        window=window,
        window_size=200 if window == "sliding" else None,
    )
    models = [tc.Naive(), tc.Drift(volatility="constant")]
    fast = tc.backtest(models, y, splitter=split, progress=False).forecasts
    monkeypatch.setattr(tc.Naive, "batched_origins", False)
    monkeypatch.setattr(tc.Naive, "batched_folds", False)
    slow = tc.backtest(models, y, splitter=split, progress=False).forecasts
    pd.testing.assert_frame_equal(
        fast.drop(columns="seconds"), slow.drop(columns="seconds"), rtol=RTOL, atol=0
    )


@pytest.mark.parametrize("cls", [tc.Mean, tc.SeasonalNaive])
def test_mean_and_seasonal_naive_refuse_non_positive_prices(cls):
    idx = pd.bdate_range("2020-04-01", periods=30)
    y = pd.Series(np.linspace(20.0, 5.0, 30), index=idx)
    y.iloc[14] = -37.6  # WTI, 20 April 2020
    y.attrs["kind"] = "price"
    with pytest.raises(tc.errors.DataError, match=r"strictly positive.*-37.6 at 2020-04-21"):
        cls().fit(y)
    fitted = cls().fit(y.iloc[:10])
    with pytest.raises(tc.errors.DataError, match="strictly positive"):
        fitted.update(y.iloc[10:])
    y.attrs["kind"] = "rate"  # rates may be negative
    assert np.isfinite(cls().fit(y).predict(3).mean).all()
