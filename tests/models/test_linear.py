"""LinearForecaster: ridge estimator, fast paths against scikit-learn refits, intervals, errors."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tickcast as tc
from tickcast.errors import (
    CalibrationWarning,
    ConfigError,
    DataError,
    InputTypeError,
    NotFittedError,
)
from tickcast.features import FeatureSet
from tickcast.models.base import forecast_origins_stepwise
from tickcast.models.forecast import quantiles_for_levels

QS = quantiles_for_levels((80, 95))


@pytest.fixture(scope="module")
def dbk():
    return tc.load("dbk").iloc[-1500:]


@pytest.fixture(scope="module")
def dgs10():
    return tc.load("dgs10").iloc[-1500:]


def sk_windows(y, lags, horizon, extra=None):
    """Independent construction of the ridge problem: (inputs, targets, origin input)."""
    z = np.diff(np.log(y.to_numpy())) if y.attrs.get("kind") == "price" else np.diff(y)
    rows, targets = [], []
    for t in range(lags - 1, len(z)):
        row = [z[t - k] for k in range(lags)]
        if extra is not None:
            row += list(extra[t + 1])
        if not np.all(np.isfinite(row)):
            continue
        if t + horizon < len(z):
            rows.append(row)
            targets.append(z[t + 1 : t + 1 + horizon])
    return np.array(rows), np.array(targets), np.array(row)


def sk_ridge(D, Y, alpha):
    return make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(D, Y)


@pytest.mark.parametrize("name", ["dbk", "dgs10"])
def test_fit_predict_on_real_series(name, request):
    y = request.getfixturevalue(name)
    m = tc.LinearForecaster(lags=10, horizon=5).fit(y)
    fc = m.predict(5, level=(80, 95))
    assert fc.method == "conformal"
    assert len(fc.mean) == 5 and fc.index[0] > y.index[-1]
    assert (fc.index.day_of_week < 5).all()
    assert np.isfinite(fc.mean).all()
    assert (fc.lower(95) < fc.lower(80)).all() and (fc.lower(80) < fc.mean).all()
    assert (fc.mean < fc.upper(80)).all() and (fc.upper(80) < fc.upper(95)).all()
    # a 5-day move beyond 30 % would be absurd for both series
    assert np.all(np.abs(fc.mean / y.iloc[-1] - 1) < 0.3)
    assert m.residuals_.shape == (m.n_calibration_, 5)
    assert m.coef_.shape == (10, 5) and m.input_names_[:2] == ["lag1", "lag2"]
    longer = m.predict(12, level=90)
    # steps 1-5 from the direct head (conformal), 6-12 bootstrapped (issue 11, item 5)
    assert longer.method == "conformal (steps 1-5), bootstrap (6-12)"
    assert longer.interval_method.tolist() == ["conformal"] * 5 + ["bootstrap"] * 7
    np.testing.assert_allclose(longer.mean.iloc[:5], fc.mean, rtol=1e-13)


def test_point_model_equals_sklearn_ridge(dbk):
    m = tc.LinearForecaster(lags=8, horizon=4, alpha=3.0).fit(dbk)
    D, Y, x0 = sk_windows(dbk, 8, 4)
    pipe = sk_ridge(D, Y, 3.0)
    assert m.n_windows_ == len(D)
    scale = pipe[0].scale_
    np.testing.assert_allclose(m.coef_, pipe[1].coef_.T / scale[:, None], rtol=1e-8)
    np.testing.assert_allclose(m._predict_steps(4, None), pipe.predict(x0[None])[0], rtol=1e-8)


def test_features_and_exog_equal_sklearn(dbk, dbk_exog):
    names = ["ret_5", "vol_10", "dow"]
    m = tc.LinearForecaster(lags=5, horizon=3, features=names).fit(dbk, X=dbk_exog)
    extra = np.column_stack([FeatureSet(names).transform(dbk).to_numpy(), dbk_exog.to_numpy()])
    D, Y, x0 = sk_windows(dbk, 5, 3, extra)
    pipe = sk_ridge(D, Y, 1.0)
    assert m.input_names_ == [f"lag{k}" for k in range(1, 6)] + [
        "ret_5",
        "vol_10",
        "dow_sin",
        "dow_cos",
        "dax_ret",
    ]
    X_future = pd.DataFrame({"dax_ret": np.zeros(3)}, index=pd.bdate_range("2021-01-01", periods=3))
    fc = m.predict(3, X_future)
    expected = dbk.iloc[-1] * np.exp(np.cumsum(pipe.predict(x0[None])[0]))
    np.testing.assert_allclose(fc.mean, expected, rtol=1e-9)


def test_update_equals_sklearn_refit_at_each_origin(dbk):
    """PERF_NOTES W2 semantics: running sums + solve == a full scikit-learn refit."""
    y = dbk.iloc[:700]
    m = tc.LinearForecaster(lags=6, horizon=3, alpha=0.5).fit(y.iloc[:600])
    pos = 600
    for step in (1, 3, 1, 7, 2, 20, 1):
        m.update(y.iloc[pos : pos + step])
        pos += step
        D, Y, x0 = sk_windows(y.iloc[:pos], 6, 3)
        pipe = sk_ridge(D, Y, 0.5)
        assert m.n_windows_ == len(D)
        np.testing.assert_allclose(
            m._predict_steps(3, None), pipe.predict(x0[None])[0], rtol=1e-8, atol=1e-12
        )
    # the point model after updates equals a fresh fit on the same data
    fresh = tc.LinearForecaster(lags=6, horizon=3, alpha=0.5).fit(y.iloc[:pos])
    np.testing.assert_allclose(m.coef_, fresh.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(m.intercept_, fresh.intercept_, rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("name", ["dbk", "dgs10"])
def test_forecast_block_equals_slow_loop(name, request):
    y = request.getfixturevalue(name).iloc[-600:]
    origins = np.r_[399, np.arange(401, 600, 3)]
    fast = tc.LinearForecaster(lags=5, horizon=4).fit(y.iloc[:400])
    slow = clone(fast).fit(y.iloc[:400])
    means, quants = fast.forecast_origins(y, None, origins, 4, QS)
    ref_means, ref_quants = forecast_origins_stepwise(slow, y, None, origins, 4, QS)
    assert means.shape == (len(origins), 4) and quants.shape == (len(origins), 4, len(QS))
    np.testing.assert_allclose(means, ref_means, rtol=1e-8)
    np.testing.assert_allclose(quants, ref_quants, rtol=1e-8)
    # the model is left updated through the last origin, as the slow path leaves it
    assert fast.y_.index[-1] == y.index[origins[-1]]
    np.testing.assert_allclose(fast.coef_, slow.coef_, rtol=1e-8, atol=1e-12)
    # and the slow path is the public API
    public = clone(fast).fit(y.iloc[:400])
    public.update(y.iloc[400 : origins[5] + 1])
    fc = public.predict(4, level=(80, 95))
    np.testing.assert_allclose(fc.mean, means[5], rtol=1e-8)
    np.testing.assert_allclose(fc.quantiles.to_numpy(), quants[5], rtol=1e-8)


def test_forecast_block_with_features_exog_and_long_horizon(dbk, dbk_exog):
    y, X = dbk.iloc[-400:], dbk_exog.iloc[-400:]
    model = tc.LinearForecaster(lags=3, horizon=2, features=["ret_5", "dow"])
    fast = model.fit(y.iloc[:300], X.iloc[:300])
    slow = clone(model).fit(y.iloc[:300], X.iloc[:300])
    origins = np.arange(299, 380, 4)
    np.testing.assert_allclose(
        fast.forecast_origins(y, X, origins, 2, QS)[0],
        forecast_origins_stepwise(slow, y, X, origins, 2, QS)[0],
        rtol=1e-8,
    )
    # horizon above the direct outputs: the batched call falls back to the definition
    a = clone(model).fit(y.iloc[:300], X.iloc[:300])
    b = clone(model).fit(y.iloc[:300], X.iloc[:300])
    np.testing.assert_allclose(
        a.forecast_origins(y, X, origins[:5], 5, QS)[1],
        forecast_origins_stepwise(b, y, X, origins[:5], 5, QS)[1],
        rtol=1e-12,
    )


def test_recursive_forecast_beyond_horizon(dgs10):
    """Steps after the direct outputs come from re-applying the model to the extended path."""
    m = tc.LinearForecaster(lags=3, horizon=2, alpha=0.1).fit(dgs10)
    steps = m._predict_steps(5, None)
    z = np.diff(dgs10.to_numpy())
    ext = np.r_[z, steps[:2]]
    x = ext[::-1][:3]
    np.testing.assert_allclose(steps[2:4], x @ m.coef_ + m.intercept_, rtol=1e-12)
    ext = np.r_[z, steps[:4]]
    np.testing.assert_allclose(steps[4], (ext[::-1][:3] @ m.coef_ + m.intercept_)[0])
    fc = m.predict(5)
    np.testing.assert_allclose(fc.mean, dgs10.iloc[-1] + np.cumsum(steps), rtol=1e-13)


def test_conformal_coverage_on_random_walk():
    rng = np.random.default_rng(3)
    n = 4000
    idx = pd.bdate_range("2000-01-03", periods=n)
    y = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, n))), index=idx, name="rw")
    m = tc.LinearForecaster(lags=5, horizon=5, calibration_fraction=0.3).fit(y.iloc[:2000])
    origins = np.arange(1999, n - 5, 5)
    _, quants = m.forecast_origins(y, None, origins, 5, np.array([0.05, 0.5, 0.95]))
    truth = y.to_numpy()[origins[:, None] + np.arange(1, 6)]
    inside = (quants[:, :, 0] <= truth) & (truth <= quants[:, :, 2])
    assert 0.85 <= inside[:, 0].mean() <= 0.95
    assert 0.85 <= inside[:, 4].mean() <= 0.95
    # the 5-step interval is wider than the 1-step one (about sqrt(5) for a random walk)
    width = quants[:, :, 2] - quants[:, :, 0]
    assert 1.8 < np.median(width[:, 4] / width[:, 0]) < 2.7


def test_clone_save_load_and_seed(dbk, tmp_path):
    m = tc.LinearForecaster(lags=7, horizon=3, features=["ret_5"], alpha=2.0, seed=4)
    c = clone(m)
    assert c.get_params() == m.get_params() and not hasattr(c, "coef_")
    m.fit(dbk.iloc[:-30]).update(dbk.iloc[-30:])  # saved state includes the updates
    m2 = tc.load_model(m.save(tmp_path / "linear"))
    pd.testing.assert_frame_equal(m.predict(3).to_frame(), m2.predict(3).to_frame())
    pd.testing.assert_frame_equal(m.predict(8).to_frame(), m2.predict(8).to_frame())
    np.testing.assert_array_equal(m.residuals_, m2.residuals_)
    a = clone(m).fit(dbk).simulate(10, 50, seed=1)
    b = clone(m).fit(dbk).simulate(10, 50, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, clone(m).fit(dbk).simulate(10, 50, seed=2))


def test_exog_errors(dbk, dbk_exog):
    m = tc.LinearForecaster(lags=3, horizon=2).fit(dbk, X=dbk_exog)
    with pytest.raises(DataError, match="X_future"):
        m.predict(2)
    future = pd.DataFrame({"dax_ret": [0.0]}, index=pd.bdate_range("2021-01-01", periods=1))
    with pytest.raises(DataError, match="missing future values"):
        m.predict(2, future)
    with pytest.raises(DataError, match="misaligned"):
        tc.LinearForecaster(lags=3).fit(dbk, X=dbk_exog.iloc[5:])


def test_invalid(dbk):
    with pytest.raises(NotFittedError):
        tc.LinearForecaster().predict(3)
    for bad in (0, -1, 2.5, "3", True):
        with pytest.raises(ConfigError, match="lags"):
            tc.LinearForecaster(lags=bad).fit(dbk)
    for bad in (-0.1, np.nan, np.inf, "1", None):
        with pytest.raises(ConfigError, match="alpha"):
            tc.LinearForecaster(alpha=bad).fit(dbk)
    for bad in (0, -2, 1.5):
        with pytest.raises(ConfigError, match="horizon"):
            tc.LinearForecaster(horizon=bad).fit(dbk)
    for bad in (0, 1, 1.5, -0.2, "0.2"):
        with pytest.raises(ConfigError, match="calibration_fraction"):
            tc.LinearForecaster(calibration_fraction=bad).fit(dbk)
    with pytest.raises(ConfigError, match="nosuch_3"):
        tc.LinearForecaster(features=["ret_5", "nosuch_3"]).fit(dbk)
    with pytest.raises(InputTypeError, match="features"):
        tc.LinearForecaster(features=[5]).fit(dbk)
    with pytest.raises(ConfigError, match="horizon"):
        tc.LinearForecaster().fit(dbk).predict(0)


def test_too_short_history_names_the_count(dbk):
    m = tc.LinearForecaster(lags=20, horizon=5)
    with pytest.raises(DataError, match=r"at least (\d+) observations") as info:
        m.fit(dbk.iloc[:50])
    need = int(info.value.args[0].split("at least ")[1].split()[0])
    assert need > 50
    m.fit(dbk.iloc[:need])  # exactly enough works
    assert m.n_calibration_ >= 10
    with pytest.raises(DataError, match="at least"):
        clone(m).fit(dbk.iloc[: need - 1])
    # a feature warm-up raises the requirement
    with pytest.raises(DataError, match="features"):
        tc.LinearForecaster(lags=20, horizon=5, features=["vol_60"]).fit(dbk.iloc[:need])


def _ar1_rate(phi: float, n: int, seed: int) -> pd.Series:
    """Levels whose daily differences are AR(1) with coefficient ``phi``, N(0, 0.05**2)."""
    rng = np.random.default_rng(seed)
    e = rng.normal(0.0, 0.05, n + 100)
    z = np.zeros(n + 100)
    for t in range(1, n + 100):
        z[t] = phi * z[t - 1] + e[t]
    y = pd.Series(3.0 + np.cumsum(z[100:]), index=pd.bdate_range("2000-01-03", periods=n))
    y.attrs["kind"] = "rate"
    return y


def test_simulation_beyond_the_head_propagates_shocks_through_the_lags():
    """Known truth: AR(1) differences, phi = 0.4. Beyond the direct head the cumulative
    change's variance is the closed form ``sigma^2 sum_k (sum_{i<=j-k} phi^i)^2``; adding
    independent draws to one point path gave about half of it at step 20."""
    phi, sigma = 0.4, 0.05
    m = tc.LinearForecaster(lags=3, horizon=5, alpha=0.0, volatility="constant")
    m.fit(_ar1_rate(phi, 20_000, seed=11))
    paths = m.simulate(20, 40_000, seed=0)
    change = paths - m.y_.iloc[-1]
    for j in (5, 10, 20):
        psi_sums = np.array([sum(phi**i for i in range(j - k + 1)) for k in range(1, j + 1)])
        var = sigma**2 * np.sum(psi_sums**2)
        # Monte Carlo (~1 %) and estimation (phi, sigma from 20,000 steps) error
        assert change[:, j - 1].var() == pytest.approx(var, rel=0.06), j
    point = m.predict(20, level=None).mean.to_numpy()
    np.testing.assert_allclose(paths.mean(axis=0), point, atol=0.01 * np.sqrt(var))


def test_intervals_beyond_the_head_cover_on_ar1_data():
    """Known truth, out of sample: 80 % / 95 % intervals at steps 11-20 of an AR(1)-difference
    series cover at nominal within binomial error over 200 independent series."""
    hits = {80: [], 95: []}
    for rep in range(200):
        y = _ar1_rate(0.4, 1020, seed=100 + rep)
        m = tc.LinearForecaster(lags=3, horizon=5, volatility="constant").fit(y.iloc[:1000])
        fc = m.predict(20, level=[80, 95])
        truth = y.to_numpy()[1000:]
        for lv in hits:
            inside = (fc.lower(lv).to_numpy() <= truth) & (truth <= fc.upper(lv).to_numpy())
            hits[lv].append(inside[10:].mean())
    for lv, h in hits.items():
        # 200 series, steps 11-20 within a series strongly dependent: SE <= sqrt(p(1-p)/200)
        se = np.sqrt(lv / 100 * (1 - lv / 100) / 200)
        assert abs(np.mean(h) - lv / 100) < 3 * se, (lv, np.mean(h))


def test_long_simulations_are_centred_on_the_point_forecast():
    """Bootstrapped residuals are centred: no drift accumulates beyond the direct horizon."""
    y = tc.load("dgs10").loc["2015":]
    m = tc.LinearForecaster(lags=10, horizon=5).fit(y)
    paths = m.simulate(252, 4000, seed=0)
    point = m.predict(252, level=None).mean.to_numpy()
    spread = np.quantile(paths[:, -1], 0.9) - np.quantile(paths[:, -1], 0.1)
    assert abs(np.median(paths[:, -1]) - point[-1]) < 0.05 * spread
    fc = m.predict(252, level=80)
    assert fc.lower(80).iloc[-1] < point[-1] < fc.upper(80).iloc[-1]


def _log_offsets(fc, level):
    """Distances of both bounds from the point forecast on the log (working) scale."""
    mean = np.log(fc.mean.to_numpy())
    return mean - np.log(fc.lower(level).to_numpy()), np.log(fc.upper(level).to_numpy()) - mean


def test_intervals_widen_with_the_step_and_say_how(dbk):
    m = tc.LinearForecaster(lags=10, horizon=5).fit(dbk)
    fc = m.predict(15, level=(80, 95))
    assert fc.interval_method.tolist() == ["conformal"] * 5 + ["bootstrap"] * 10
    for level in (80, 95):
        for side in _log_offsets(fc, level):
            assert np.all(side > 0) and np.all(np.diff(side) >= 0)
    # the conformal head is the same as a forecast of the head alone
    head = m.predict(5, level=(80, 95))
    pd.testing.assert_frame_equal(fc.to_frame().iloc[:5], head.to_frame())


def test_bounds_nested_when_conformal_scores_shrink(dbk):
    """Step-2 errors that cancel step 1 give a zero raw score at step 2; bounds must not
    collapse onto the point forecast (raw conformal half-width 0), here or in the batch path."""
    y = dbk.iloc[-600:]
    m = tc.LinearForecaster(lags=5, horizon=3).fit(y.iloc[:500])
    m.residuals_[:, 1] = -m.residuals_[:, 0]
    lo, hi = _log_offsets(m.predict(3, level=90), 90)
    np.testing.assert_allclose([lo[1], hi[1]], [lo[0], hi[0]], rtol=1e-10)
    assert lo[2] >= lo[1] - 1e-12 and hi[2] >= hi[1] - 1e-12  # float ties under volatility
    _, quants = m.forecast_origins(y, None, np.array([499, 510]), 3, QS)
    width = np.diff(np.log(quants[:, :, [0, -1]]), axis=2)[:, :, 0]  # (origins, steps)
    assert np.all(np.diff(width, axis=1) >= -1e-12)


def test_calibration_warning_when_too_few_residuals(dbk):
    m = tc.LinearForecaster(lags=5, horizon=3, calibration_fraction=0.1).fit(dbk.iloc[-160:])
    assert m.n_calibration_ == 15  # 95 % needs 19 (ceil(0.95 / 0.05)); 90 % needs 9
    with pytest.warns(CalibrationWarning, match=r"95 % interval rests on 15 .* the 19"):
        m.predict(3, level=(90, 95))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalibrationWarning)
        m.predict(3, level=90)
