"""The engine's per-origin path: arrays instead of Forecast objects, block windows for
batched origins (sliding windows included); every shortcut equals the plain loop."""

import numpy as np
import pandas as pd
import pytest

import tickcast as tc

QS_LEVELS = (80.0, 95.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: tc.Naive(),
        lambda: tc.Drift(volatility="garch"),
        lambda: tc.Mean(window=50),
        lambda: tc.SeasonalNaive(),
        lambda: tc.LinearForecaster(lags=5, horizon=3),
        lambda: tc.ARIMAForecaster(order=(1, 1, 1)),
    ],
)
def test_predict_arrays_trusted_equals_predict_trusted(make):
    y = tc.load("dgs10").iloc[-400:]
    model = make().fit(y)
    for horizon in (1, 3, 7):
        fc = model.predict_trusted(horizon, None, QS_LEVELS)
        mean, quants = model.predict_arrays_trusted(horizon, None, QS_LEVELS)
        np.testing.assert_array_equal(mean, fc.mean.to_numpy())
        np.testing.assert_array_equal(quants, fc.quantiles.to_numpy())


def test_predict_arrays_trusted_raises_as_predict_trusted():
    y = pd.Series(np.exp(np.linspace(0, 600, 50)), index=pd.bdate_range("2020-01-01", periods=50))
    y.attrs["kind"] = "price"
    model = tc.Drift(volatility="constant").fit(y)  # log step 12.2 a day: overflows soon
    with pytest.raises(tc.errors.TrainingError) as a:
        model.predict_trusted(200, None, QS_LEVELS)
    with pytest.raises(tc.errors.TrainingError) as b:
        model.predict_arrays_trusted(200, None, QS_LEVELS)
    assert str(a.value) == str(b.value)


@pytest.mark.parametrize("window", ["expanding", "sliding"])
def test_batched_origins_in_a_sliding_window_equal_the_loop(monkeypatch, window):
    """Between refits the engine hands ``forecast_origins`` the refit's own window: a
    sliding window's model must see the same history as ``update`` gives it."""
    y = tc.load("dgs10").iloc[-420:]
    split = tc.WalkForward(
        initial=300,
        step=2,
        horizon=3,
        refit_every=6,
        window=window,
        window_size=120 if window == "sliding" else None,
    )
    model = tc.LinearForecaster(lags=4, horizon=3, volatility="constant")
    monkeypatch.setattr(tc.LinearForecaster, "batched_folds", False)  # the origins path
    fast = tc.backtest(model, y, splitter=split, progress=False)
    monkeypatch.setattr(tc.LinearForecaster, "batched_origins", False)  # update + predict
    slow = tc.backtest(model, y, splitter=split, progress=False)
    assert fast.failures.empty and slow.failures.empty
    pd.testing.assert_frame_equal(
        fast.forecasts.drop(columns="seconds"),
        slow.forecasts.drop(columns="seconds"),
        rtol=1e-10,
        atol=0,
    )


def test_tasks_run_with_one_blas_thread_as_threadpool_limits():
    """The cached controller limits every pool ``threadpool_limits`` would, and is rebuilt
    when modules were imported since it was built."""
    import sys
    import types

    from threadpoolctl import threadpool_info, threadpool_limits

    from tickcast.backtest import engine

    def threads() -> list[tuple[str, int]]:
        return sorted((i["filepath"], i["num_threads"]) for i in threadpool_info())

    with threadpool_limits(limits=1):
        expected = threads()
    with engine._one_blas_thread():
        assert threads() == expected
    first = engine._BLAS["controller"]
    with engine._one_blas_thread():
        assert threads() == expected
    assert engine._BLAS["controller"] is first  # nothing imported: the scan is kept
    sys.modules["_tickcast_test_new_module"] = types.ModuleType("_tickcast_test_new_module")
    try:
        with engine._one_blas_thread():
            assert threads() == expected
        assert engine._BLAS["controller"] is not first  # rescanned after an import
    finally:
        del sys.modules["_tickcast_test_new_module"]
