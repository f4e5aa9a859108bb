"""target="sqrt_diff" on the forecasters: level-dependent rate changes, no negative rates.

Every forecaster modelling ``sqrt(y)``'s steps is the same model as on the series ``sqrt(y)``
with ``target="diff"``, its forecasts squared (clipped at 0): checked for fit + predict and
for walk-forward backtests (the fast paths), bit for bit up to rounding. On a simulated
square-root random walk (known truth) the intervals cover at nominal.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import tickcast as tc

MODELS = {
    "naive": lambda t: tc.Naive(target=t),
    "drift": lambda t: tc.Drift(target=t),
    "linear": lambda t: tc.LinearForecaster(target=t, lags=5, horizon=5),
    "arima": lambda t: tc.ARIMAForecaster(target=t, order=(1, 1, 1)),
}


def _root(y: pd.Series) -> pd.Series:
    out = np.sqrt(y)
    out.attrs = dict(y.attrs)
    return out


def _squared(a: np.ndarray) -> np.ndarray:
    return np.square(np.maximum(a, 0.0))


@pytest.fixture(scope="module")
def short_rate() -> pd.Series:
    return tc.load("dgs3mo").iloc[-1500:]


@pytest.mark.parametrize("name", list(MODELS))
def test_forecasts_are_those_on_the_root_squared(name, short_rate):
    make = MODELS[name]
    a = make("sqrt_diff").fit(short_rate).predict(30, level=(80, 95)).to_frame()
    b = make("diff").fit(_root(short_rate)).predict(30, level=(80, 95)).to_frame()
    np.testing.assert_allclose(a.to_numpy(), _squared(b.to_numpy()), rtol=1e-12, atol=1e-15)
    paths_a = make("sqrt_diff").fit(short_rate).simulate(30, 200, seed=3)
    paths_b = make("diff").fit(_root(short_rate)).simulate(30, 200, seed=3)
    np.testing.assert_allclose(paths_a, _squared(paths_b), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["naive", "linear", "arima"])
@pytest.mark.parametrize("refit_every", [None, 1, 20])
def test_backtests_are_those_on_the_root_squared(name, refit_every, short_rate):
    make = MODELS[name]
    split = tc.WalkForward(
        initial=1000, step=5, horizon=10, refit_every=refit_every, max_origins=40
    )
    a = tc.backtest([make("sqrt_diff")], short_rate, splitter=split, level=(80, 95)).forecasts
    b = tc.backtest([make("diff")], _root(short_rate), splitter=split, level=(80, 95)).forecasts
    cols = [c for c in a.columns if c == "mean" or c.startswith(("lower_", "upper_", "q_"))]
    np.testing.assert_allclose(
        a[cols].to_numpy(), _squared(b[cols].to_numpy()), rtol=1e-12, atol=1e-15
    )
    np.testing.assert_allclose(a["y_true"], short_rate.iloc[a["target_pos"]].to_numpy())


def test_near_zero_the_lower_bounds_stop_at_zero():
    rng = np.random.default_rng(0)
    y = pd.Series(
        np.abs(0.08 + np.cumsum(rng.normal(0, 0.01, 800))) + 0.01,
        index=pd.bdate_range("2010-01-04", periods=800),
    )
    y.attrs["kind"] = "rate"
    root = tc.Naive(target="sqrt_diff").fit(y).predict(250, level=(80, 95)).to_frame()
    level = tc.Naive(target="diff").fit(y).predict(250, level=(80, 95)).to_frame()
    assert (root.to_numpy() >= 0).all() and (root["lower_95"] == 0).any()
    assert (level["lower_95"] < 0).any()  # level-independent changes go below zero


def test_simulated_square_root_walk_is_covered_at_nominal_at_any_level():
    """Known truth: sqrt(y) is a Gaussian random walk, so the root's steps are i.i.d.

    Each series' last level is below or above its training window's mean square: the
    changes of y are then calmer or wilder than the window's, by the level. The root target
    covers at nominal in both halves; the level-independent Diff over-covers low levels.
    """
    rng = np.random.default_rng(12)
    n_series, n_train, horizon = 400, 500, 20
    rows = []
    for _ in range(n_series):
        u = 4.0 + np.cumsum(rng.normal(0, 0.05, n_train + horizon))  # stays far from 0
        y = pd.Series(u**2, index=pd.bdate_range("2000-01-03", periods=len(u)))
        y.attrs["kind"] = "rate"
        row = {"low": u[n_train - 1] ** 2 < np.mean(u[:n_train] ** 2)}
        for target in ("sqrt_diff", "diff"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = tc.Naive(target=target, volatility="constant").fit(y.iloc[:n_train])
            f = model.predict(horizon, level=(80, 95)).to_frame().iloc[-1]
            for lv in (80, 95):
                row[f"{target}_{lv}"] = f[f"lower_{lv}"] <= y.iloc[-1] <= f[f"upper_{lv}"]
        rows.append(row)
    df = pd.DataFrame(rows)
    for low, half in df.groupby("low"):
        for lv in (80, 95):
            p, n = lv / 100, len(half)
            se = np.sqrt(p * (1 - p) / n)
            assert abs(half[f"sqrt_diff_{lv}"].mean() - p) < 3 * se, (low, lv)
    low = df[df["low"]]
    assert low["diff_80"].mean() > 0.80 + 2 * np.sqrt(0.16 / len(low))


def test_negative_rates_get_a_named_error():
    y = pd.Series([0.3, 0.1, -0.1, 0.2] * 30, index=pd.bdate_range("2016-01-04", periods=120))
    y.attrs["kind"] = "rate"
    with pytest.raises(tc.errors.DataError, match="target='diff'"):
        tc.Naive(target="sqrt_diff").fit(y)


def test_arima_describes_its_scale(short_rate):
    m = tc.ARIMAForecaster(target="sqrt_diff", order=(1, 1, 1)).fit(short_rate)
    assert "square-root level" in m.describe()
