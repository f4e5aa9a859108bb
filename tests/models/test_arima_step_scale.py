"""ARIMAForecaster's in-sample j-step error scale (``_step_scale``) for volatility intervals."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.signal import lfilter

import tickcast as tc
from tickcast.models.arima import STEP_SCALE_LEVEL
from tickcast.models.volatility import _INIT_STEPS


def _rate(steps, start="2000-01-03"):
    y = pd.Series(
        5.0 + np.cumsum(steps), index=pd.bdate_range(start, periods=len(steps)), name="sim"
    )
    y.attrs["kind"] = "rate"
    return y


def _ar1_steps(n, phi, seed, sd=0.05):
    return lfilter([1.0], [1.0, -phi], np.random.default_rng(seed).standard_normal(n) * sd)


def test_random_walk_fit_to_ar1_steps_recovers_the_closed_form_variance_ratio():
    """A random-walk model of AR(1) steps: its j-step errors are sums of j correlated
    steps, with variance ratio VR_j = 1 + 2 sum_{k<j} (1 - k/j) phi^k to its j sigma^2."""
    phi = 0.4
    y = _rate(_ar1_steps(6000, phi, seed=0))
    m = tc.ARIMAForecaster(order=(0, 1, 0), volatility="ewma").fit(y)
    c = m._step_scale(20)
    j = np.arange(1, 21)
    vr = np.array([1 + 2 * sum((1 - k / h) * phi**k for k in range(1, h)) for h in j])
    assert c[0] == 1.0
    np.testing.assert_allclose(c, np.sqrt(vr), rtol=0.03)  # sqrt(VR_20) = 1.49
    # the intervals widen by it: predict's 20-step half-width over constant scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = m.predict(20, level=80)
    q = m._vol_standard_quantiles(20, np.array([0.1, 0.9]))
    _, var = m._forecast_work(20)
    base = (q[:, 1] - q[:, 0]) * np.sqrt(var) * super(type(m), m)._vol_ratio(20)
    width = (fc.upper(80) - fc.lower(80)).to_numpy()
    np.testing.assert_allclose(width, base * c, rtol=1e-10)


def test_constant_volatility_is_untouched():
    y = _rate(_ar1_steps(1500, 0.4, seed=1))
    m = tc.ARIMAForecaster(order=(0, 1, 0), volatility="constant").fit(y)
    np.testing.assert_array_equal(m._step_scale(10), np.ones(10))
    np.testing.assert_array_equal(m._vol_ratio(10), np.ones(10))


def test_numpy_filter_path_equals_statsmodels_path_and_a_brute_force_loop(monkeypatch):
    y = _rate(_ar1_steps(260, 0.3, seed=2))
    m = tc.ARIMAForecaster(order=(1, 1, 1), volatility="ewma").fit(y)
    fast = m._step_scale(3).copy()
    # brute force: each origin's forecast from statsmodels' filter of the history to it
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    w, vol, n_fit = m._w, m.volatility_, m._vol_anchor_[0]
    tails = np.array([(1 - STEP_SCALE_LEVEL) / 2, (1 + STEP_SCALE_LEVEL) / 2])
    shape = m._vol_standard_quantiles(3, tails)
    base = tc.models.base.Forecaster._vol_ratio
    z = {j: [] for j in (1, 2, 3)}
    for o in range(_INIT_STEPS + 1, n_fit):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = SARIMAX(w[: o + 1], order=(1, 1, 1), trend="n").filter(m.params_)
            fc = res.get_forecast(3)
        mean, var = np.asarray(fc.predicted_mean), np.asarray(fc.var_pred_mean)
        ratio = base(m, 3, vol.sigma2_next[[o]])[0]
        for j in (1, 2, 3):
            if o + j <= n_fit:
                z[j].append((w[o + j] - mean[j - 1]) / (np.sqrt(var[j - 1]) * ratio[j - 1]))
    spread = [np.diff(np.quantile(z[j], tails))[0] / np.diff(shape[j - 1])[0] for j in (1, 2, 3)]
    np.testing.assert_allclose(fast, np.array(spread) / spread[0], rtol=1e-7)
    # the statsmodels origins path (taken when the NumPy filter is not in steady state)
    m._step_scale_cache = {}
    monkeypatch.setattr(type(m), "_fast_forecast", lambda self, *a, **k: None)
    np.testing.assert_allclose(m._step_scale(3), fast, rtol=1e-7)


def test_simulated_near_cancelling_arma_covers_at_nominal():
    """Truth ARIMA(1,1,1) with phi = 0.8, theta = -0.7 (nearly cancelling roots): the factor
    stays near 1 and non-overlapping 20-step intervals cover at nominal."""
    rng = np.random.default_rng(3)
    x = lfilter([1.0, -0.7], [1.0, -0.8], rng.standard_normal(9000) * 0.05)
    y = _rate(x)
    m = tc.ARIMAForecaster(order=(1, 1, 1), volatility="ewma").fit(y.iloc[:3000])
    assert np.max(np.abs(m._step_scale(20) - 1)) < 0.05
    origins = np.arange(3000, len(y) - 20, 20)
    qs = np.array([0.025, 0.1, 0.9, 0.975])
    _, quants = m.forecast_origins(y, None, origins, 20, qs)
    truth = np.stack([y.to_numpy()[origins + j] for j in range(1, 21)], axis=1)
    for lo, hi, nominal in ((1, 2, 0.8), (0, 3, 0.95)):
        hit = (truth[:, -1] >= quants[:, -1, lo]) & (truth[:, -1] <= quants[:, -1, hi])
        se = np.sqrt(nominal * (1 - nominal) / len(origins))
        assert abs(hit.mean() - nominal) < 3 * se


def test_no_look_ahead_the_factor_and_past_intervals_ignore_the_future():
    steps = _ar1_steps(2400, 0.3, seed=4)
    calm, wild = steps.copy(), steps.copy()
    wild[2000:] *= 4.0  # a far more volatile, trending future
    wild[2000:] += 0.05
    y_calm, y_wild = _rate(calm), _rate(wild)
    a = tc.ARIMAForecaster(order=(1, 1, 1), volatility="ewma").fit(y_calm.iloc[:1500])
    b = tc.ARIMAForecaster(order=(1, 1, 1), volatility="ewma").fit(y_wild.iloc[:1500])
    ca = a._step_scale(10).copy()
    np.testing.assert_array_equal(ca, b._step_scale(10))
    qs = np.array([0.1, 0.9])
    origins = np.arange(1500, 2400 - 10, 5)
    _, qa = a.forecast_origins(y_calm, None, origins, 10, qs)
    _, qb = b.forecast_origins(y_wild, None, origins, 10, qs)
    before = origins < 2000  # forecasts issued before the futures part
    np.testing.assert_allclose(qa[before], qb[before], rtol=1e-12)
    assert not np.allclose(qa[~before], qb[~before])
    # fixed between refits: updates through the future leave the factor alone
    np.testing.assert_array_equal(a._step_scale(10), ca)
    b.update(y_wild[y_wild.index > b.y_.index[-1]])
    np.testing.assert_array_equal(b._step_scale(10), ca)


@pytest.mark.parametrize("horizon", [1, 5])
def test_steps_agree_across_horizons(horizon):
    y = _rate(_ar1_steps(1500, 0.3, seed=5))
    m = tc.ARIMAForecaster(order=(1, 1, 0), volatility="ewma").fit(y)
    np.testing.assert_allclose(m._step_scale(horizon), m._step_scale(12)[:horizon], rtol=1e-12)


def test_step_scale_is_served_by_the_numpy_filter(monkeypatch):
    """The in-sample origins of c_j start where the NumPy filter is in steady state, so one
    vectorised pass serves them (before, the first few sent every origin to statsmodels'
    filter: 9 of the 11 ms of a first forecast in bench_backtest.py). The bench's fit: its
    MA coefficient -0.83 keeps the filter out of steady state until origin 64."""
    y = tc.load("dgs10").iloc[-2500:].iloc[:1996]
    m = tc.ARIMAForecaster(order=(1, 1, 1), volatility="ewma").fit(y)
    steady = m._first_steady_origin(m._w)
    assert steady is not None and _INIT_STEPS + 1 < steady[0] < 200

    def refuse(*args, **kwargs):
        raise AssertionError("statsmodels' filter was used")

    monkeypatch.setattr(type(m), "_statsmodels_origins", refuse)
    scale = m._step_scale(5)
    assert scale[0] == 1.0 and np.all(np.isfinite(scale)) and np.all(scale > 0.5)
