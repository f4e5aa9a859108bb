"""The NumPy exact ARMA likelihood and its warm-started refits, against statsmodels."""

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

import tickcast as tc
from tickcast.models import _arma_exact as ae
from tickcast.models import arima_search

HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)
CASES = [
    ((1, 1, 1), (0, 0, 0, 0), "n"),
    ((1, 1, 1), (0, 0, 0, 0), "c"),
    ((2, 0, 1), (0, 0, 0, 0), "c"),
    ((1, 0, 0), (0, 0, 0, 0), "n"),
    ((0, 1, 2), (0, 0, 0, 0), "n"),
    ((3, 1, 3), (0, 0, 0, 0), "c"),
    ((0, 2, 1), (0, 0, 0, 0), "n"),
    ((1, 1, 0), (1, 0, 1, 5), "n"),
    ((0, 1, 1), (0, 1, 1, 5), "n"),
    ((0, 1, 0), (0, 0, 0, 0), "c"),
]


@pytest.fixture(scope="module")
def dgs10():
    return tc.load("dgs10").iloc[-700:]


def _simulated_arma(n, phi, theta, seed, mu=0.0):
    rng = np.random.default_rng(seed)
    e = rng.normal(0, 0.05, n + 200)
    x = np.zeros(n + 200)
    for t in range(1, n + 200):
        x[t] = mu * (1 - phi) + phi * x[t - 1] + e[t] + theta * e[t - 1]
    return x[200:]


def _series(values, kind="rate"):
    y = pd.Series(values, index=pd.bdate_range("2012-01-02", periods=len(values)), name="sim")
    y.attrs["kind"] = kind
    return y


@pytest.mark.parametrize(("order", "seasonal", "trend"), CASES)
def test_loglike_equals_statsmodels_exact_diffuse(dgs10, order, seasonal, trend):
    """At random stationary/invertible parameters: statsmodels' exact diffuse likelihood
    (concentrated scale, full Kalman recursion) is ours minus 0.5 log(2 pi) per diffuse
    observation, to 1e-8; sigma2 is its profile estimate."""
    w = dgs10.to_numpy(dtype=float)
    spec = ae.ArmaSpec.of(order, seasonal, trend)
    x = ae.difference(w, spec)
    kwargs = {"order": order, "seasonal_order": seasonal, "trend": trend}
    # tolerance=0: no steady-state shortcut (statsmodels' default 1e-19 on the change in P
    # moves the likelihood by ~1e-5 when an MA root is near the unit circle)
    exact = SARIMAX(w, **kwargs, concentrate_scale=True, use_exact_diffuse=True, tolerance=0)
    default = SARIMAX(w, **kwargs, concentrate_scale=True, tolerance=0)
    rng = np.random.default_rng(sum(order) + 10 * sum(seasonal))
    for _ in range(4):
        u = rng.normal(size=exact.k_params)
        if trend == "c":
            u[0] *= 0.01
        params = exact.transform_params(u)
        np.testing.assert_allclose(ae.constrain(u, spec), params, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ae.unconstrain(params, spec), u, rtol=1e-8, atol=1e-10)
        llf, sigma2 = ae.loglike(x, params, spec)
        assert llf - spec.burn * HALF_LOG_2PI == pytest.approx(exact.loglike(params), abs=1e-8)
        res = exact.filter(params)
        assert sigma2 == pytest.approx(float(res.scale), rel=1e-8)
        # statsmodels' default (approximate diffuse, variance 1e6) differs by O(w^2 / 1e6)
        tol = 1e-8 if spec.burn == 0 else 5e-3
        assert llf == pytest.approx(default.loglike(params), abs=tol)


def test_profiled_mean_is_the_likelihood_maximiser(dgs10):
    """With the mean profiled out, no other mean gives a higher exact likelihood."""
    x = np.diff(dgs10.to_numpy(dtype=float))
    spec = ae.ArmaSpec(1, 1, 1, trend="c")
    _, b, a = spec.split(np.array([0.0, 0.4, -0.2]))
    llf, _, _, mu = ae.profile_loglike(x, b, a, None)
    for delta in (-1e-3, -1e-5, 1e-5, 1e-3):
        assert ae.profile_loglike(x, b, a, mu + delta)[0] < llf
    assert ae.profile_loglike(x, b, a, mu)[0] == pytest.approx(llf, abs=1e-9)


@pytest.mark.parametrize(("order", "trend"), [((1, 1, 1), "n"), ((2, 1, 0), "c")])
def test_warm_refits_reach_the_cold_statsmodels_likelihood(dgs10, order, trend):
    """Over two dozen expanding refits (each warm-started from the previous optimum), our
    estimates' statsmodels log-likelihood is >= the cold statsmodels fit's minus 1e-6."""
    w = dgs10.to_numpy(dtype=float)
    spec = ((order), (0, 0, 0, 0), trend)
    warm, gaps, from_warm = None, [], []
    for o in range(560, 700, 6):
        wo = w[: o + 1]
        fit = arima_search.fit_exact(wo, spec, [], 500, warm=warm)
        warm = fit.params
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cold = SARIMAX(wo, order=order, trend=trend).fit(disp=False)
        ours = SARIMAX(wo, order=order, trend=trend, concentrate_scale=True).loglike(
            fit.params[:-1]
        )
        gaps.append(ours - cold.llf)
        from_warm.append(fit.converged)
    assert len(gaps) >= 20 and min(gaps) >= -1e-6
    assert all(from_warm)


def test_maximise_uses_the_warm_start_and_cold_starts_when_better():
    x = _simulated_arma(800, 0.6, 0.3, seed=1)  # the differenced series of an ARIMA(1,1,1)
    spec = ae.ArmaSpec(1, 1, 1)
    cold = ae.maximise(x, spec, [], 500)
    np.testing.assert_allclose(cold.params[:2], [0.6, 0.3], atol=0.1)
    warm = ae.maximise(x, spec, [], 500, warm=cold.params[:-1])
    assert warm.warm and warm.nfev < cold.nfev
    assert warm.llf == pytest.approx(cold.llf, abs=1e-7)
    # a warm start below a cold start's likelihood is not used
    bad_start = np.array([-0.9, -0.5])
    assert ae.loglike(x, bad_start, spec)[0] < ae.loglike(x, np.zeros(2), spec)[0]
    bad = ae.maximise(x, spec, [], 500, warm=bad_start)
    assert not bad.warm and bad.llf == pytest.approx(cold.llf, abs=1e-7)


def test_forecasts_equal_a_tight_statsmodels_fit_when_well_identified():
    """ARMA(1,1) on a simulated rate (well identified): forecasts within 1e-6 of
    statsmodels' fit run to tight convergence (different likelihood initialisations
    move the optimum by far less)."""
    y = _series(4.0 + np.cumsum(_simulated_arma(900, 0.6, 0.3, seed=2)))
    m = tc.ARIMAForecaster(order=(1, 1, 1), trend="n", volatility="constant").fit(y)
    ref = SARIMAX(y.to_numpy(), order=(1, 1, 1), trend="n", concentrate_scale=True).fit(
        start_params=m.params_[:-1], method="bfgs", gtol=1e-12, maxiter=1000, disp=False
    )
    np.testing.assert_allclose(m.params_[:-1], ref.params, atol=1e-5)
    np.testing.assert_allclose(
        m.predict(10).mean.to_numpy(), ref.get_forecast(10).predicted_mean, atol=1e-6
    )


def _backtest(model, y, refit_every=1, n_orig=25, **kwargs):
    split = tc.WalkForward(
        initial=len(y) - 5 - n_orig + 1, step=1, horizon=5, refit_every=refit_every
    )
    return tc.backtest([model], y, splitter=split, progress=False, **kwargs)


@pytest.mark.filterwarnings("ignore")  # statsmodels' BFGS reports no convergence at gtol 1e-12
def test_fast_backtest_equals_the_statsmodels_path(monkeypatch):
    """Refit at every origin: the NumPy likelihood's forecasts (means and intervals) equal
    those of the statsmodels estimation path maximising the same exact likelihood (exact
    diffuse start, full Kalman recursion, L-BFGS to tight tolerances)."""
    import statsmodels.tsa.statespace.sarimax as sm_sarimax

    y = _series(3.0 + np.cumsum(_simulated_arma(1200, 0.7, -0.3, seed=3)))
    model = tc.ARIMAForecaster(order=(1, 1, 1), trend="n", volatility="constant")
    fast = _backtest(model, y, n_orig=10).forecasts

    class ExactSARIMAX(SARIMAX):  # the estimation model of ``fit_exact``'s statsmodels path
        def __init__(self, *args, **kwargs):
            if kwargs.get("concentrate_scale"):
                kwargs.update(use_exact_diffuse=True, tolerance=0)
            super().__init__(*args, **kwargs)

        def fit(self, *args, **kwargs):
            kwargs.update(method="bfgs", gtol=1e-12, maxiter=1000)
            return super().fit(*args, **kwargs)

    monkeypatch.setattr(arima_search.ArmaSpec, "of", classmethod(lambda cls, *a: None))
    monkeypatch.setattr(sm_sarimax, "SARIMAX", ExactSARIMAX)
    slow = _backtest(model, y, n_orig=10).forecasts
    np.testing.assert_allclose(fast["mean"], slow["mean"], atol=1e-6)
    cols = ["lower_80", "upper_80", "lower_95", "upper_95"]
    np.testing.assert_allclose(fast[cols].to_numpy(), slow[cols].to_numpy(), atol=1e-6)


def test_no_look_ahead_and_determinism(dgs10):
    """Changing the data after an origin leaves every forecast made up to it unchanged,
    bit for bit (warm starts only carry the past); reruns and n_jobs agree exactly."""
    y = dgs10.iloc[-420:]
    model = tc.ARIMAForecaster(order=(1, 1, 1), trend="n")
    base = _backtest(model, y, n_orig=20).forecasts
    cut = base["origin"].unique()[10]
    bumped = y.copy()
    bumped[bumped.index > cut] += np.linspace(0.1, 0.5, int((bumped.index > cut).sum()))
    other = _backtest(model, bumped, n_orig=20).forecasts
    keep = base["origin"] <= cut
    cols = ["mean", "lower_80", "upper_80"]
    np.testing.assert_array_equal(base.loc[keep, cols], other.loc[keep, cols])
    assert not np.allclose(base.loc[~keep, "mean"], other.loc[~keep, "mean"])
    again = _backtest(model, y, n_orig=20, n_jobs=2).forecasts
    np.testing.assert_array_equal(base[cols], again[cols])


@pytest.mark.parametrize(("order", "seasonal", "trend"), CASES)
def test_numpy_filter_forecasts_equal_statsmodels_kalman(dgs10, order, seasonal, trend):
    """Fixed parameters: the NumPy filter's innovations and its forecasts (means and
    variances from several origins) equal statsmodels' Kalman filter with its full
    recursion (tolerance=0), to 1e-9."""
    from tickcast.models import _arma_state as st

    w = dgs10.to_numpy(dtype=float)
    kwargs = {"order": order, "seasonal_order": seasonal, "trend": trend, "tolerance": 0}
    model = SARIMAX(w, **kwargs)
    u = np.random.default_rng(7).normal(size=model.k_params) * 0.5
    if trend == "c":
        u[0] *= 0.01
    u[-1] = 0.07  # sigma2's unconstrained value: its square root
    params = model.transform_params(u)
    spec = ae.ArmaSpec.of(order, seasonal, trend)
    origins = np.array([400, 550, len(w) - 1])
    mean, var = st.forecast(w, spec, params, origins, 6)
    for k, o in enumerate(origins):
        fc = SARIMAX(w[: o + 1], **kwargs).filter(params).get_forecast(6)
        np.testing.assert_allclose(mean[k], fc.predicted_mean, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(var[k], fc.var_pred_mean, rtol=1e-9)
    c, b, a = spec.split(params[:-1])
    mu = c / np.sum(b) if trend == "c" else 0.0
    filtered = st.filter_innovations(ae.difference(w, spec), b, a, mu)
    resid = model.filter(params).resid[spec.burn :]
    np.testing.assert_allclose(filtered.innovations[20:], resid[20:], atol=1e-8)
    assert filtered.steady_from < 400


# ------------------------------------------------------------------ analytic gradient
ARMA_CASES = [c for c in CASES if c[0][0] + c[0][2] + c[1][0] + c[1][2] > 0]


def _central(f, x0, h=1e-6):
    """Central differences (shape (k,) + f's shape) of ``f`` at ``x0`` (error ~h^2)."""
    cols = []
    for i in range(len(x0)):
        e = np.zeros(len(x0))
        e[i] = h
        cols.append((np.asarray(f(x0 + e)) - np.asarray(f(x0 - e))) / (2 * h))
    return np.array(cols)


def _padded(poly, r):
    """``poly[1:]`` zero-padded to length r."""
    return np.r_[poly[1:], np.zeros(r + 1 - len(poly))]


def _fd_poly_grads(x, bb, aa, mu):
    """Central differences of the profile log-likelihood in b[1:] and a[1:]."""
    fb = _central(lambda z: ae.profile_loglike(x, np.r_[1.0, z], aa, mu)[0], bb[1:])
    fa = _central(lambda z: ae.profile_loglike(x, bb, np.r_[1.0, z], mu)[0], aa[1:])
    return fb, fa


@pytest.mark.parametrize(("order", "seasonal", "trend"), ARMA_CASES)
def test_analytic_gradient_equals_finite_differences(dgs10, order, seasonal, trend):
    """At random admissible parameters: the analytic gradient of the profiled exact
    likelihood equals central differences (in the lag polynomials and in the optimiser's
    unconstrained coefficients), scipy's ``check_grad`` agrees, and the transform
    Jacobians equal finite differences of the transforms."""
    from scipy.optimize import check_grad

    w = dgs10.to_numpy(dtype=float)
    spec = ae.ArmaSpec.of(order, seasonal, trend)
    arma = ae.ArmaSpec.of(order, seasonal, "n")
    x = ae.difference(w, spec)
    profile = spec.k_trend > 0
    mu = None if profile else 0.0
    rng = np.random.default_rng(sum(order) + 10 * sum(seasonal) + spec.k_trend)
    for _ in range(3):
        v = rng.normal(size=arma.k_params) * 0.8
        coefs = ae.constrain(v, arma)
        _, b, a = arma.split(coefs)
        r = max(len(a), len(b)) - 1
        bb, aa = np.zeros(r + 1), np.zeros(r + 1)
        bb[: len(b)], aa[: len(a)] = b, a
        llf, _, _, gb, ga = ae.profile_loglike_grad(x, bb, aa, mu)
        assert llf == pytest.approx(ae.profile_loglike(x, b, a, mu)[0], abs=1e-9)
        fb, fa = _fd_poly_grads(x, bb, aa, mu)
        scale = np.max(np.abs(np.r_[fb, fa]))
        np.testing.assert_allclose(gb, fb, atol=1e-6 * scale)
        np.testing.assert_allclose(ga, fa, atol=1e-6 * scale)

        def f(z):
            return ae.objective_and_gradient(z, x, arma, profile)[0]

        def g(z):
            return ae.objective_and_gradient(z, x, arma, profile)[1]

        fd = _central(f, v)
        np.testing.assert_allclose(g(v), fd, atol=1e-6 * max(np.max(np.abs(fd)), 1e-3))
        assert check_grad(f, g, v, epsilon=1e-7) <= 1e-5 * max(np.linalg.norm(fd), 1e-3)
        jc = _central(lambda z: ae.constrain(z, arma), v).T
        np.testing.assert_allclose(ae.constrain_jacobian(v, arma), jc, atol=1e-8)
        jb, ja = ae.poly_jacobian(coefs, arma, r)
        jbf = _central(lambda z, r=r: _padded(arma.split(z)[1], r), coefs)
        jaf = _central(lambda z, r=r: _padded(arma.split(z)[2], r), coefs)
        np.testing.assert_allclose(jb, jbf.T, atol=1e-8)
        np.testing.assert_allclose(ja, jaf.T, atol=1e-8)


@pytest.mark.parametrize(
    ("b", "a", "mu"),
    [([1.0, -0.5], [1.0, -0.5], 0.0), ([1.0, 0.3], [1.0, 0.3], None),
     ([1.0, -0.4, 0.2], [1.0, -0.4, 0.2], None)],
)  # fmt: skip
def test_gradient_at_a_singular_state_covariance(dgs10, b, a, mu):
    """On the AR/MA cancellation ridge (b = a: Omega = 0, singular) the analytic
    gradient still equals central differences."""
    x = np.diff(dgs10.to_numpy(dtype=float))
    b, a = np.array(b), np.array(a)
    _, _, _, gb, ga = ae.profile_loglike_grad(x, b, a, mu)
    fb, fa = _fd_poly_grads(x, b, a, mu)
    np.testing.assert_allclose(np.r_[gb, ga], np.r_[fb, fa], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(("order", "seasonal", "trend"), ARMA_CASES)
def test_analytic_and_numeric_gradients_reach_the_same_maximum(dgs10, order, seasonal, trend):
    """The fast path (analytic gradients) and the slow one (central differences, 2k + 1
    likelihood passes per gradient) maximise to the same log-likelihood (1e-6) and, where
    both converge to it, the same estimates; the fast one with fewer likelihood passes."""
    w = dgs10.to_numpy(dtype=float)
    spec = ae.ArmaSpec.of(order, seasonal, trend)
    x = ae.difference(w, spec)
    fast = ae.maximise(x, spec, [], 500)
    slow = ae.maximise(x, spec, [], 500, analytic=False)
    assert fast.llf >= slow.llf - 1e-6
    assert fast.nfev < slow.nfev
    # statsmodels' own likelihood at our estimates is within 1e-6 of its fit's maximum
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kwargs = {"order": order, "seasonal_order": seasonal, "trend": trend}
        sm = SARIMAX(w, **kwargs, concentrate_scale=True, use_exact_diffuse=True, tolerance=0)
        ref = sm.fit(start_params=fast.params[:-1], disp=False, maxiter=500)
    assert sm.loglike(fast.params[:-1]) >= ref.llf - 1e-6


def test_lfilter_fast_equals_scipy_bit_for_bit():
    """The FIR and identity shortcuts (and the IIR pass-through) equal scipy's lfilter."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 500))
    b = np.array([1.0, -0.3, 0.2])
    a = np.array([1.0, 0.4, -0.1])
    for bb, aa, xx in [(b, [1.0], x), (b, [1.0], x[0]), ([1.0], [1.0], x), ([1.0], a, x),
                       (b, a, x[1])]:  # fmt: skip
        fast = ae.lfilter_fast(np.asarray(bb), np.asarray(aa), xx)
        np.testing.assert_array_equal(fast, lfilter(bb, aa, xx, axis=-1))
