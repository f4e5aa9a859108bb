"""CRPS on a quantile grid (issue 12): ``tc.backtest(..., quantiles=...)`` records the grid and
``metrics()`` scores it, checked against properscoring's closed-form Gaussian CRPS and its
ensemble CRPS; the default output is unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import properscoring
import pytest
from scipy import stats

import tickcast as tc
from tickcast.backtest.calibration import (
    CRPS_QUANTILES,
    crps_ensemble,
    crps_from_quantiles,
    frame_crps,
)
from tickcast.errors import ConfigError, InputTypeError


def walk(n=700, seed=0):
    rng = np.random.default_rng(seed)
    y = pd.Series(
        50 + np.cumsum(rng.normal(size=n)), index=pd.bdate_range("2001-01-01", periods=n), name="w"
    )
    y.attrs["kind"] = "rate"
    return y


SPLIT = tc.WalkForward(initial=400, step=3, horizon=3)


def test_quantile_grid_crps_of_a_gaussian_forecast_converges_to_the_closed_form():
    """Naive with constant volatility is Gaussian with sd sigma * sqrt(h) (plus the drift
    term); read the sd off its 95 % bounds and compare with properscoring.crps_gaussian."""
    y = walk()
    res = tc.backtest(
        tc.Naive(volatility="constant"), y, splitter=SPLIT, quantiles=np.linspace(0.001, 0.999, 999)
    )
    f = res.forecasts
    sd = (f["upper_95"] - f["lower_95"]) / (2 * stats.norm.ppf(0.975))
    exact = properscoring.crps_gaussian(f["y_true"], f["mean"], sd).mean()
    m = res.metrics()
    assert m.attrs["crps_method"] == "quantile grid (999 quantiles)"
    assert m.loc["naive", "crps"] == pytest.approx(exact, rel=2e-4)
    errors = []
    for K in (9, 19, 99):
        taus = np.arange(1, K + 1) / (K + 1)
        q = f["mean"].to_numpy()[:, None] + sd.to_numpy()[:, None] * stats.norm.ppf(taus)
        grid = crps_from_quantiles(f["y_true"].to_numpy(), q, taus).mean()
        errors.append(abs(grid / exact - 1))
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-3


def test_dense_grid_of_gaussian_quantiles_matches_crps_gaussian_per_row():
    rng = np.random.default_rng(3)
    y = rng.standard_t(4, size=300)
    mu, sd = rng.normal(size=300), np.exp(rng.normal(size=300) * 0.5)
    taus = np.linspace(0.0001, 0.9999, 5000)
    q = mu[:, None] + sd[:, None] * stats.norm.ppf(taus)[None, :]
    np.testing.assert_allclose(
        crps_from_quantiles(y, q, taus), properscoring.crps_gaussian(y, mu, sd), rtol=2e-3
    )


def test_quantile_grid_crps_of_an_ensemble_matches_properscoring():
    """Skewed ensembles (log-normal members): the CRPS on a dense grid of the ensemble's
    empirical quantiles converges to properscoring.crps_ensemble of the members."""
    from properscoring import _crps

    # numba (a dependency) gives properscoring its O(m log m) core; without it the O(m^2)
    # fallback needs (200, 4000, 4000) floats here
    assert _crps._crps_ensemble_core is not _crps._crps_ensemble_vectorized
    rng = np.random.default_rng(4)
    members = np.exp(rng.normal(size=(200, 4000)) * 0.6) * rng.uniform(0.5, 2, size=(200, 1))
    y = np.exp(rng.normal(size=200) * 0.6)
    exact = properscoring.crps_ensemble(y, members)
    np.testing.assert_array_equal(crps_ensemble(y, members), exact)
    taus = (np.arange(2000) + 0.5) / 2000
    q = np.quantile(members, taus, axis=1, method="inverted_cdf").T
    np.testing.assert_allclose(crps_from_quantiles(y, q, taus), exact, rtol=5e-3, atol=1e-4)
    # simulated paths of a fitted model, scored on the realised values
    yy = walk(n=900, seed=6)
    m = tc.LinearForecaster(lags=3, horizon=3, volatility="constant").fit(yy.iloc[:800])
    paths = m.simulate(3, 4000, seed=1)
    truth = np.repeat(yy.iloc[800:803].to_numpy()[None, :], 1, axis=0)
    got = crps_ensemble(truth[0], paths.T)
    np.testing.assert_allclose(got, properscoring.crps_ensemble(truth[0], paths.T))
    with pytest.raises(ConfigError):
        crps_ensemble(truth[0], paths)


def test_default_output_is_unchanged_and_the_fast_path_carries_the_grid():
    """With quantiles=None the frame has no q_ columns and the CRPS is on the bounds; with a
    grid every other column is identical, the q_ columns hold the forecasts' exact quantiles,
    and the batched Linear path equals its fold loop. The default ("auto") is that grid."""
    y = walk()
    models = [tc.Naive(volatility="constant"), tc.LinearForecaster(lags=3, volatility="constant")]
    plain = tc.backtest(models, y, splitter=SPLIT, quantiles=None)
    taus = np.linspace(0.05, 0.95, 19)
    grid = tc.backtest(models, y, splitter=SPLIT, quantiles=taus)
    auto = tc.backtest(models, y, splitter=SPLIT)
    assert np.allclose(CRPS_QUANTILES, taus, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(
        auto.forecasts.drop(columns="seconds"), grid.forecasts.drop(columns="seconds")
    )
    assert auto.metrics().attrs["crps_method"] == grid.metrics().attrs["crps_method"]
    no_levels = tc.backtest(models, y, splitter=SPLIT, level=None)
    assert not any(c.startswith("q_") for c in no_levels.forecasts.columns)
    assert not any(c.startswith("q_") for c in plain.forecasts.columns)
    assert plain.metrics().attrs["crps_method"] == "interval bounds and mean (5 quantiles)"
    cols = [c for c in plain.forecasts.columns if c != "seconds"]
    pd.testing.assert_frame_equal(plain.forecasts[cols], grid.forecasts[cols])
    a, b = plain.metrics(), grid.metrics()
    pd.testing.assert_frame_equal(a.drop(columns="crps"), b.drop(columns="crps"))
    np.testing.assert_allclose(
        b["crps"].to_numpy(),
        grid.forecasts.assign(c=frame_crps(grid.forecasts, (80, 95), tuple(taus)))
        .groupby("model")["c"]
        .mean()
        .to_numpy(),
    )
    f = grid.forecasts
    np.testing.assert_allclose(f["q_0.1"], f["lower_80"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(f["q_0.9"], f["upper_80"], rtol=0, atol=1e-12)
    # quantiles outside the fixed grid are exact too: an odd level, against predict
    odd = tc.backtest(models[1], y, splitter=SPLIT, quantiles=[0.0625, 0.5, 0.9375])
    assert odd.settings["models"]["linear"]["fast_path"] == "forecast_folds"
    loop_model = _SlowLinear(lags=3, volatility="constant")
    loop = tc.backtest(loop_model, y, splitter=SPLIT, quantiles=[0.0625, 0.5, 0.9375])
    assert loop.settings["models"]["linear"]["fast_path"] == "update"
    qcols = ["q_0.0625", "q_0.5", "q_0.9375"]
    np.testing.assert_allclose(odd.forecasts[qcols], loop.forecasts[qcols], rtol=1e-10)
    fold = next(iter(SPLIT.split(y)))
    last = tc.LinearForecaster(lags=3, volatility="constant")
    last.fit(y.iloc[fold.train.start : fold.train.stop])
    fc = last.predict(3, level=87.5)
    first = odd.forecasts.iloc[:3]
    np.testing.assert_allclose(first["q_0.0625"], fc.lower(87.5), rtol=1e-10)
    np.testing.assert_allclose(first["q_0.5"], fc.mean, rtol=1e-10)


class _SlowLinear(tc.LinearForecaster):
    """The Linear fold loop (no batched paths), labelled "linear"."""

    batched_folds = False  # type: ignore[assignment]
    batched_origins = False  # type: ignore[assignment]


@pytest.mark.parametrize(
    ("quantiles", "error"),
    [
        ([0.0, 0.5], ConfigError),
        ([0.2, 1.0], ConfigError),
        ([[0.1, 0.9]], ConfigError),
        (np.array([]), ConfigError),
        ("abc", InputTypeError),
        ([0.1, 0.1 + 1e-9], ConfigError),
    ],
)
def test_bad_quantiles(quantiles, error):
    with pytest.raises(error, match="quantiles"):
        tc.backtest(tc.Naive(), walk(n=450), splitter=SPLIT, quantiles=quantiles)
