"""Same seed -> the same numbers: forecasts, simulations, metrics, tests and the Markdown report,
across two runs and across n_jobs=1 / n_jobs=2 (bit for bit; only timing may differ)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import tickcast as tc

SPLIT = dict(initial=400, step=20, horizon=3, refit_every=2)
TIMING_COLUMNS = ["seconds"]


def _models(seed: int = 0) -> list[tc.Forecaster]:
    return [
        tc.Naive(seed=seed),
        tc.Drift(seed=seed),
        tc.LinearForecaster(lags=5, horizon=3, seed=seed),
        tc.ARIMAForecaster(order=(1, 1, 1)),
        tc.RNNForecaster(
            "gru",
            hidden=3,
            lookback=5,
            horizon=3,
            epochs=3,
            batch_size=32,
            warm_start=True,
            seed=seed,
        ),
    ]


@pytest.fixture(scope="module")
def y() -> pd.Series:
    return tc.load("dbk").iloc[-500:]


def _run(y, n_jobs: int, seed: int = 0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tc.errors.ConvergenceWarning)
        return tc.backtest(
            _models(seed), y, splitter=tc.WalkForward(**SPLIT), n_jobs=n_jobs, progress=False
        )


@pytest.fixture(scope="module")
def runs(y):
    return {"serial": _run(y, 1), "again": _run(y, 1), "parallel": _run(y, 2)}


def _without_timing(markdown: str) -> str:
    """The report minus its one wall-time line (the only run-dependent text)."""
    lines = markdown.splitlines()
    timing = [line for line in lines if line.startswith("- wall time:")]
    assert len(timing) == 1, "the report should have exactly one wall-time line"
    return "\n".join(line for line in lines if not line.startswith("- wall time:"))


@pytest.mark.parametrize("other", ["again", "parallel"])
def test_backtests_are_identical(y, runs, other):
    a, b = runs["serial"], runs[other]
    assert a.failures.empty and b.failures.empty
    assert set(a.forecasts["model"]) == {"naive", "drift", "linear", "arima", "gru"}
    cols = [c for c in a.forecasts.columns if c not in TIMING_COLUMNS]
    pd.testing.assert_frame_equal(a.forecasts[cols], b.forecasts[cols], check_exact=True)
    pd.testing.assert_frame_equal(a.metrics(), b.metrics(), check_exact=True)
    pd.testing.assert_frame_equal(
        a.metrics(by=("model", "step")), b.metrics(by=("model", "step")), check_exact=True
    )
    pd.testing.assert_frame_equal(a.dm_test(), b.dm_test(), check_exact=True)
    pd.testing.assert_frame_equal(a.summary(), b.summary(), check_exact=True)
    # origins 20 days apart, horizon 3: the trading view needs the series itself
    pd.testing.assert_frame_equal(
        a.trading(prices=y).stats, b.trading(prices=y).stats, check_exact=True
    )
    assert _without_timing(a.to_markdown()) == _without_timing(b.to_markdown())


def test_the_markdown_differs_only_in_its_timing_line(runs):
    a, b = runs["serial"].to_markdown(), runs["parallel"].to_markdown()
    diff = [(x, z) for x, z in zip(a.splitlines(), b.splitlines(), strict=True) if x != z]
    assert all(x.startswith("- wall time:") for x, _ in diff)
    assert "n_jobs=1" in a and "n_jobs=2" in b


def test_a_different_seed_changes_the_seeded_models(y, runs):
    """The comparison above can fail: another seed gives other network forecasts."""
    gru = [m for m in _models(seed=1) if m.label == "gru"]
    other = tc.backtest(gru, y, splitter=tc.WalkForward(**SPLIT), progress=False).forecasts
    base = runs["serial"].forecasts
    assert np.array_equal(base.loc[base["model"] == "gru", "y_true"], other["y_true"])
    assert not np.array_equal(base.loc[base["model"] == "gru", "mean"], other["mean"])


@pytest.mark.parametrize(
    "make",
    [
        lambda: tc.Naive(),
        lambda: tc.LinearForecaster(lags=5, horizon=3),
        lambda: tc.ARIMAForecaster(order=(1, 1, 0)),
        lambda: tc.RNNForecaster("lstm", hidden=3, lookback=5, horizon=3, epochs=2, seed=7),
    ],
    ids=["naive", "linear", "arima", "lstm"],
)
def test_fit_predict_simulate_repeat_exactly(y, make):
    a, b = make().fit(y), make().fit(y)
    pd.testing.assert_frame_equal(
        a.predict(8).to_frame(), b.predict(8).to_frame(), check_exact=True
    )
    assert np.array_equal(a.simulate(8, 200, seed=3), b.simulate(8, 200, seed=3))
    assert not np.array_equal(a.simulate(8, 200, seed=3), a.simulate(8, 200, seed=4))
