"""The order search's CSS screening: its forward differences against scipy's, bit for bit;
the analytic Jacobian against finite differences, and that option against the default."""

import warnings

import numpy as np
import pytest

import tickcast as tc
from tickcast.models import arima_search

CSS_CASES = [
    ((1, 1, 1), (0, 0, 0, 0), "n"),
    ((2, 0, 1), (0, 0, 0, 0), "c"),
    ((3, 1, 2), (0, 0, 0, 0), "n"),
    ((0, 1, 3), (0, 0, 0, 0), "n"),
    ((2, 1, 0), (0, 0, 0, 0), "ct"),
    ((1, 0, 1), (0, 0, 0, 0), "t"),
    ((1, 1, 1), (1, 0, 1, 5), "n"),
    ((0, 1, 1), (0, 1, 1, 5), "c"),
]


def _simulated_arma(n, phi, theta, seed, scale=0.05):
    """ARMA(len(phi), len(theta)) by its recursion, 300 burn-in values dropped."""
    rng = np.random.default_rng(seed)
    e = rng.normal(0, scale, n + 300)
    x = np.zeros(n + 300)
    for t in range(len(phi), n + 300):
        x[t] = e[t] + sum(f * x[t - 1 - i] for i, f in enumerate(phi))
        x[t] += sum(c * e[t - 1 - i] for i, c in enumerate(theta) if t - 1 - i >= 0)
    return x[300:]


@pytest.mark.parametrize(("order", "seasonal", "trend"), CSS_CASES)
def test_css_jacobian_equals_finite_differences(order, seasonal, trend):
    """At random parameters (stable filters): the analytic Jacobian of the CSS residuals
    equals central differences of the residuals, column by column."""
    w = tc.load("dgs10").iloc[-400:].to_numpy(dtype=float)
    prob = arima_search.css_problem(w, order, seasonal, trend, 3, 1)
    k = len(prob.theta0)
    rng = np.random.default_rng(sum(order) + sum(seasonal) + len(trend))
    for _ in range(3):
        theta = prob.theta0 + rng.uniform(-0.4, 0.4, k)
        jac = prob.jac(theta)
        assert jac.shape == (prob.n_eff, k)
        fd = np.empty_like(jac)
        for j in range(k):
            h = 1e-6
            up, down = theta.copy(), theta.copy()
            up[j] += h
            down[j] -= h
            fd[:, j] = (prob.resid(up) - prob.resid(down)) / (2 * h)
        np.testing.assert_allclose(jac, fd, atol=1e-6 * np.max(np.abs(fd)))
        # the cached residual pass (shared by resid and jac) never serves another theta
        before = prob.resid(theta).copy()
        other = prob.resid(theta + 0.01).copy()
        prob.jac(theta + 0.01)
        np.testing.assert_array_equal(prob.resid(theta), before)
        assert not np.allclose(other, before)


@pytest.mark.parametrize(("order", "seasonal", "trend"), CSS_CASES)
def test_css_forward_differences_equal_scipy_bit_for_bit(order, seasonal, trend):
    """The default CSS Jacobian is scipy's "2-point" ``approx_derivative`` bit for bit, so
    Levenberg-Marquardt takes the same iterates: the fits are identical."""
    from scipy.optimize._numdiff import approx_derivative

    w = tc.load("dgs10").iloc[-400:].to_numpy(dtype=float)
    prob = arima_search.css_problem(w, order, seasonal, trend, 3, 1)
    rng = np.random.default_rng(len(trend))
    theta = prob.theta0 + rng.uniform(-0.4, 0.4, len(prob.theta0))
    f0 = prob.resid(theta).copy()
    ref = approx_derivative(prob.resid, theta, method="2-point", f0=f0)
    np.testing.assert_array_equal(prob.fd_jac(theta), ref)
    fast = arima_search.css_fit(w, order, seasonal, trend, 3, 1)
    slow = arima_search.css_fit(w, order, seasonal, trend, 3, 1, jacobian="scipy")
    assert fast[0] == slow[0] and fast[2] == slow[2]
    assert (fast[1] is None and slow[1] is None) or np.array_equal(fast[1], slow[1])


@pytest.mark.parametrize(
    ("phi", "theta", "order"),
    [([0.6], [0.3], (1, 0, 1)), ([0.5, -0.3], [], (2, 0, 0)), ([0.7], [0.4, 0.3], (1, 0, 2))],
)
def test_css_analytic_and_numeric_jacobians_reach_the_same_minimum(phi, theta, order):
    """Well identified (simulated ARMA, orders as the truth): Levenberg-Marquardt with the
    analytic Jacobian and with forward differences end at the same sum of squares (1e-9
    relative) and estimates (1e-4); both near the true coefficients."""
    w = 4.0 + _simulated_arma(1500, phi, theta, seed=len(phi) + 3 * len(theta))
    fast = arima_search.css_fit(w, order, (0, 0, 0, 0), "c", 3, 0, jacobian="analytic")
    slow = arima_search.css_fit(w, order, (0, 0, 0, 0), "c", 3, 0, jacobian="scipy")
    assert fast[2] == slow[2]
    assert fast[0] == pytest.approx(slow[0], rel=1e-9)
    np.testing.assert_allclose(fast[1], slow[1], atol=1e-4)
    np.testing.assert_allclose(fast[1][1:-1], [*phi, *theta], atol=0.1)


@pytest.mark.parametrize("name", ["dgs10", "msft"])
def test_order_search_same_choice_with_analytic_css(name, monkeypatch):
    """On these series the search with the analytic CSS Jacobian (not the default; see
    ``css_fit``) chooses the same model, with the same exact criterion (1e-4), as the
    default forward-difference path."""
    y = tc.load(name).iloc[-1000:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = tc.ARIMAForecaster().fit(y)
        original = arima_search.css_fit
        monkeypatch.setattr(
            arima_search, "css_fit", lambda *a, **k: original(*a, **{**k, "jacobian": "analytic"})
        )
        analytic = tc.ARIMAForecaster().fit(y)
    assert (default.order_, default.trend_) == (analytic.order_, analytic.trend_)
    t_default, t_analytic = default.search_results_, analytic.search_results_
    assert t_default.loc[0, "aicc"] == pytest.approx(t_analytic.loc[0, "aicc"], abs=1e-4)


def test_factor_gap_is_the_distance_of_the_closest_ar_and_ma_inverse_roots():
    """Closed forms: ARMA(1, 1) with phi = 0.5, theta = -0.3 (SARIMAX signs: (1 - 0.5 L) x_t =
    (1 - 0.3 L) e_t) has inverse roots 0.5 and 0.3; a complex AR pair against np.roots."""
    spec = ((1, 1, 1), (0, 0, 0, 0), "n")
    assert arima_search.factor_gap(np.array([0.5, -0.3]), spec) == pytest.approx(0.2, abs=1e-12)
    # AR(2) 1 - 0.6 L + 0.5 L^2 (inverse roots: the roots of z^2 - 0.6 z + 0.5), MA(1) 1 + 0.4 L
    spec = ((2, 1, 1), (0, 0, 0, 0), "n")
    ar_inverse = np.roots([1.0, -0.6, 0.5])
    expected = np.min(np.abs(ar_inverse - (-0.4)))
    gap = arima_search.factor_gap(np.array([0.6, -0.5, 0.4]), spec)
    assert gap == pytest.approx(expected, abs=1e-12)
    assert arima_search.factor_gap(np.array([0.5]), ((1, 1, 0), (0, 0, 0, 0), "n")) == np.inf
    assert arima_search.factor_gap(None, spec) == 0.0


def test_search_rejects_near_common_factors():
    """The measured case: on WTI before its last 1,000 days the search chose ARIMA(3, 1, 3),
    the CSS winner, with all three AR inverse roots within 0.04 of MA ones (a random walk in
    disguise) but every root outside R's 1.01 margin. It is now rejected on its factor gap
    alone; every admissible candidate and the winner's exact estimates have no such pair."""
    y = tc.load("wti").iloc[:-1000]
    m = tc.ARIMAForecaster().fit(y)
    table = m.search_results_
    css_best = table.sort_values("css_aicc").iloc[0]
    assert (css_best["p"], css_best["q"]) == (3, 3) and not css_best["admissible"]
    assert css_best["min_root"] >= 1.0 + arima_search.ROOT_MARGIN
    assert css_best["factor_gap"] < arima_search.FACTOR_MARGIN
    assert (table.loc[table["admissible"], "factor_gap"] >= arima_search.FACTOR_MARGIN).all()
    assert table.loc[0, "factor_gap_exact"] >= arima_search.FACTOR_MARGIN
    spec = (m.order_, m.seasonal_order_, m.trend_)
    assert arima_search.factor_gap(m.params_[:-1], spec) >= arima_search.FACTOR_MARGIN


def test_full_history_estimates_obey_the_same_rules():
    """The measured case: on DAX without its last 500 days the window's winner, ARIMA(3, 1,
    2), passes both rules on the last 1,000 observations, but re-estimated on the whole
    series its AR and MA inverse roots come within 0.007. The next candidate is taken."""
    m = tc.ARIMAForecaster().fit(tc.load("dax").iloc[:-500])
    table = m.search_results_
    tried = table.dropna(subset=["full_history_ok"])
    assert len(tried) >= 2 and bool(tried["full_history_ok"].iloc[0])
    assert not tried["full_history_ok"].iloc[1:].any()
    assert (table.loc[0, "p"], table.loc[0, "d"], table.loc[0, "q"]) == m.order_
    rejected = tried.iloc[1:]
    assert ((rejected["p"] == 3) & (rejected["q"] == 2)).any()
    assert (rejected["factor_gap_exact"] >= arima_search.FACTOR_MARGIN).all()  # window: fine
    spec = (m.order_, m.seasonal_order_, m.trend_)
    assert arima_search.factor_gap(m.params_[:-1], spec) >= arima_search.FACTOR_MARGIN
    assert arima_search.min_root(m.params_[:-1], spec) >= 1.0 + arima_search.ROOT_MARGIN
