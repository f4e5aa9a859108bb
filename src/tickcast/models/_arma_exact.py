"""Exact Gaussian (S)ARIMA log-likelihood in NumPy/SciPy, with sigma2 profiled out.

The likelihood of statsmodels ``SARIMAX(w, order, seasonal_order, trend)`` with
``concentrate_scale=True`` (stationary initialisation of the ARMA states, exact diffuse
initialisation of the differencing states), for the trends "n" and "c", computed without a
Python-level Kalman filter:

* the differencing states are diffuse, so the likelihood is that of the differenced
  series :math:`x = \\Delta^d \\Delta_s^D w` (the first ``d + s D`` observations are the
  diffuse burn-in, as statsmodels' ``loglikelihood_burn``);
* with the AR and MA polynomials :math:`\\phi(L)` (``b``, lowest power first) and
  :math:`\\theta(L)` (``a``), seasonal factors multiplied in, the residual recursion
  :math:`\\theta(L) e_t = \\phi(L)(x_t - \\mu)` run by ``scipy.signal.lfilter`` gives the
  true innovations :math:`\\varepsilon_t` when started from the true pre-sample filter
  state :math:`z_0` (dimension r = max(deg a, deg b)); :math:`e = e^0 + M z_0` with
  :math:`e^0` the zero-start residuals and M the filter's homogeneous responses;
* :math:`z_0 \\sim N(0, \\sigma^2 \\Omega)` with :math:`\\Omega = F \\Omega F' + g g'`
  (the filter state's companion recursion :math:`z_t = F z_{t-1} + g\\varepsilon_t`), so
  integrating :math:`z_0` out (Ljung & Box 1979; de Jong 1988), with
  :math:`\\Omega = L L'` and :math:`G = M L`:

  .. math::

     S = e^{0\\prime} e^0 - h'(I + G'G)^{-1} h,\\quad h = G' e^0,\\qquad
     \\ell = -\\tfrac n2 (\\log 2\\pi + 1 + \\log(S / n)) - \\tfrac12 \\log|I + G'G|,

  the profile log-likelihood at :math:`\\hat\\sigma^2 = S / n`. This is exact (no
  conditioning, no truncation), costs two ``lfilter`` calls and an O(n r^2) product, and
  works on the AR/MA cancellation ridge (singular :math:`\\Omega`).

``mu`` is the mean of ``x``: SARIMAX's intercept ``c`` (trend "c") over
:math:`\\phi(1)\\Phi(1)`. The time trends "t"/"ct" are not covered (their time index
depends on statsmodels' trend offset); ``ARIMAForecaster`` fits those with statsmodels.

Parameter vectors are SARIMAX-ordered (trend, ar, ma, seasonal ar, seasonal ma) without
sigma2; the optimiser works on statsmodels' unconstrained scale (Monahan 1984 transform,
MA coefficients negated), so that every iterate is stationary and invertible.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import cast

import numpy as np

__all__ = [
    "ArmaSpec",
    "constrain",
    "constrain_jacobian",
    "difference",
    "lag_poly",
    "objective_and_gradient",
    "poly_jacobian",
    "profile_loglike",
    "profile_loglike_grad",
    "unconstrain",
]

_LOG_2PI = float(np.log(2.0 * np.pi))
#: L-BFGS-B tolerances on ``-llf / n``: relative decrease and projected gradient.
FTOL, GTOL = 1e-14, 1e-9
#: Projected gradient below which a failed line search counts as converged (rounding).
ROUND_GTOL = 1e-7
#: Central-difference step on the unconstrained scale (relative above 1).
STEP = 1e-6
#: Complex step of the Jacobians of the (analytic) parameter transforms.
_COMPLEX_STEP = 1e-30
#: The polynomial 1 (an FIR/IIR filter side that does nothing); never written to.
_ONE = np.ones(1)


@dataclass(frozen=True)
class ArmaSpec:
    """A (seasonal) ARIMA candidate the fast likelihood covers.

    Attributes
    ----------
    p, d, q : int
        AR order, differences, MA order.
    P, D, Q, s : int
        Seasonal AR order, seasonal differences, seasonal MA order, period.
    trend : {"n", "c"}
        No constant, or SARIMAX's intercept on the differenced series.
    """

    p: int
    d: int
    q: int
    P: int = 0
    D: int = 0
    Q: int = 0
    s: int = 0
    trend: str = "n"

    @property
    def k_trend(self) -> int:
        return 1 if self.trend == "c" else 0

    @property
    def k_params(self) -> int:
        """Parameters without sigma2."""
        return self.k_trend + self.p + self.q + self.P + self.Q

    @property
    def burn(self) -> int:
        """Observations lost to differencing (statsmodels' ``loglikelihood_burn``)."""
        return self.d + self.s * self.D

    @classmethod
    def of(cls, order: tuple[int, ...], seasonal: tuple[int, ...], trend: str) -> ArmaSpec | None:
        """The spec of ``(order, seasonal_order, trend)``, or None when not covered."""
        if trend not in ("n", "c"):
            return None
        p, d, q = (int(v) for v in order)
        P, D, Q, s = (int(v) for v in seasonal)
        return cls(p, d, q, P, D, Q, s if (P or D or Q) else 0, trend)

    def split(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``(intercept, b, a)``: the intercept and the full AR / MA lag polynomials.

        ``b`` = :math:`\\phi(L)\\Phi(L^s)` and ``a`` = :math:`\\theta(L)\\Theta(L^s)`,
        coefficients lowest power first, ``b[0] = a[0] = 1``.
        """
        params = np.asarray(params)
        if not np.iscomplexobj(params):
            params = params.astype(float)
        i = self.k_trend
        c = float(params[0].real) if i else 0.0
        ar = params[i : i + self.p]
        ma = params[i + self.p : i + self.p + self.q]
        j = i + self.p + self.q
        sar = params[j : j + self.P]
        sma = params[j + self.P : j + self.P + self.Q]
        return c, lag_poly(ar, sar, self.s, -1.0), lag_poly(ma, sma, self.s, 1.0)

    def blocks(self) -> list[tuple[int, int, float]]:
        """(start, stop, sign) of each constrained block: AR, MA, seasonal AR, seasonal MA."""
        i = self.k_trend
        out = []
        for k, sign in ((self.p, 1.0), (self.q, -1.0), (self.P, 1.0), (self.Q, -1.0)):
            if k:
                out.append((i, i + k, sign))
            i += k
        return out


def lag_poly(coefs: np.ndarray, seasonal: np.ndarray, s: int, sign: float) -> np.ndarray:
    """(1 + sign sum c_i L^i)(1 + sign sum C_j L^{s j}), lowest power first (real or
    complex coefficients: the complex step of :func:`poly_jacobian`)."""
    coefs, seasonal = np.asarray(coefs), np.asarray(seasonal)
    dtype = complex if coefs.dtype.kind == "c" or seasonal.dtype.kind == "c" else float
    base = np.empty(len(coefs) + 1, dtype)
    base[0] = 1.0
    base[1:] = sign * coefs
    if len(seasonal) == 0:
        return base
    spoly = np.zeros(s * len(seasonal) + 1, dtype)
    spoly[0] = 1.0
    spoly[s::s] = sign * seasonal
    return np.convolve(base, spoly)


def difference(w: np.ndarray, spec: ArmaSpec) -> np.ndarray:
    """:math:`\\Delta^d \\Delta_s^D w`, shape (n_obs - burn,)."""
    x = np.diff(w, n=spec.d) if spec.d else np.asarray(w, dtype=float)
    for _ in range(spec.D):
        x = x[spec.s :] - x[: -spec.s]
    return x


# --------------------------------------------------------------------------- transforms
def _constrain_block(u: np.ndarray) -> np.ndarray:
    """statsmodels' ``constrain_stationary_univariate`` (Monahan 1984).

    ``u`` of shape (n,) or (n, batch), real or complex (the complex step of
    :func:`constrain_jacobian`); the result has its shape.
    """
    n = len(u)
    r = u / np.sqrt(1.0 + u * u)
    y = np.zeros((n, n, *u.shape[1:]), dtype=r.dtype)
    for k in range(n):
        if k:  # y[k, i] = y[k-1, i] + r[k] y[k-1, k-1-i], i < k, as one vector operation
            y[k, :k] = y[k - 1, :k] + r[k] * y[k - 1, k - 1 :: -1]
        y[k, k] = r[k]
    return cast("np.ndarray", -y[n - 1, :])


def _unconstrain_block(c: np.ndarray) -> np.ndarray:
    """statsmodels' ``unconstrain_stationary_univariate``."""
    n = len(c)
    y = np.zeros((n, n))
    y[n - 1 :] = -c
    for k in range(n - 1, 0, -1):
        for i in range(k):
            y[k - 1, i] = (y[k, i] - y[k, k] * y[k, k - i - 1]) / (1 - y[k, k] ** 2)
    r = y.diagonal()
    return cast("np.ndarray", r / np.sqrt(1 - r**2))


def constrain(u: np.ndarray, spec: ArmaSpec) -> np.ndarray:
    """Unconstrained -> stationary and invertible parameters (SARIMAX.transform_params)."""
    out = np.array(u, dtype=float)
    for start, stop, sign in spec.blocks():
        out[start:stop] = sign * _constrain_block(out[start:stop])
    return out


def constrain_jacobian(u: np.ndarray, spec: ArmaSpec) -> np.ndarray:
    """Jacobian (k, k) of :func:`constrain` at ``u``, d params_i / d u_j, by the complex
    step (exact to rounding: the transform is analytic), block diagonal."""
    return constrain_with_jacobian(u, spec)[1]


def constrain_with_jacobian(u: np.ndarray, spec: ArmaSpec) -> tuple[np.ndarray, np.ndarray]:
    """``(constrain(u, spec), constrain_jacobian(u, spec))`` from one complex-step pass
    (its real part is the transform itself: the step 1e-30 is below rounding)."""
    u = np.asarray(u, dtype=float)
    out = u.copy()
    jac = np.eye(len(u))
    for start, stop, sign in spec.blocks():
        nb = stop - start
        ub = u[start:stop, None] + 1j * _COMPLEX_STEP * np.eye(nb)
        z = _constrain_block(ub)
        out[start:stop] = sign * z[:, 0].real
        jac[start:stop, start:stop] = sign * z.imag / _COMPLEX_STEP
    return out, jac


def poly_jacobian(params: np.ndarray, spec: ArmaSpec, r: int) -> tuple[np.ndarray, np.ndarray]:
    """Jacobians (r, k) of the lag polynomials ``b[1:r+1]``, ``a[1:r+1]`` of
    :meth:`ArmaSpec.split` (zero-padded to degree r) with respect to ``params``
    (no trend term), by the complex step."""
    params = np.asarray(params, dtype=float)
    k = len(params)
    jb, ja = np.zeros((r, k)), np.zeros((r, k))
    if not (spec.P or spec.Q):  # b = [1, -ar], a = [1, ma]: constant
        i = spec.k_trend
        jb[np.arange(spec.p), i + np.arange(spec.p)] = -1.0
        ja[np.arange(spec.q), i + spec.p + np.arange(spec.q)] = 1.0
        return jb, ja
    for j in range(k):
        z = params.astype(complex)
        z[j] += 1j * _COMPLEX_STEP
        _, b, a = spec.split(z)
        jb[: len(b) - 1, j] = b[1:].imag / _COMPLEX_STEP
        ja[: len(a) - 1, j] = a[1:].imag / _COMPLEX_STEP
    return jb, ja


def unconstrain(params: np.ndarray, spec: ArmaSpec) -> np.ndarray:
    """Inverse of :func:`constrain` (SARIMAX.untransform_params); non-finite if outside."""
    out = np.array(params, dtype=float)
    with np.errstate(all="ignore"):
        for start, stop, sign in spec.blocks():
            out[start:stop] = _unconstrain_block(sign * out[start:stop])
    return out


# --------------------------------------------------------------------------- likelihood
def lfilter_fast(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``scipy.signal.lfilter(b, a, x, axis=-1)`` for 1-D or 2-D ``x``, equal bit for bit.

    scipy runs an FIR filter (``a == [1]``) as ``np.apply_along_axis(np.convolve)``, whose
    Python loop dominates on these short series; here the rows are convolved directly
    (its own arithmetic), and the identity filter is a copy.
    """
    from scipy.signal import lfilter

    a = np.asarray(a, dtype=float)
    if len(a) > 1 or a[0] != 1.0:
        return cast("np.ndarray", lfilter(b, a, x, axis=-1))
    b = np.asarray(b, dtype=float)
    x = np.asarray(x, dtype=float)
    if len(b) == 1 and b[0] == 1.0:
        return cast("np.ndarray", x.copy())
    n = x.shape[-1]
    if x.ndim == 1:
        return np.convolve(b, x)[:n]
    return np.stack([np.convolve(b, row)[:n] for row in x])


def _state_cov(
    b: np.ndarray, a: np.ndarray, r: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(Omega, F, g, T)``: the pre-sample filter-state covariance (r, r) (sigma2 units),
    the state recursion's matrices and the Stein operator ``T = I - F (x) F`` (r^2, r^2)
    with ``T vec(Omega) = vec(g g')`` (row-major vec).

    ``lfilter(b, a, x)`` in transposed direct form II, fed the true innovations as its
    output, has the state recursion :math:`z_t = F z_{t-1} + g \\varepsilon_t` with
    ``F[:, 0] = -b[1:]`` plus ones on the superdiagonal and ``g = b[1:] - a[1:]``; Omega
    solves :math:`\\Omega = F\\Omega F' + gg'`.
    """
    bb = np.zeros(r + 1)
    aa = np.zeros(r + 1)
    bb[: len(b)] = b
    aa[: len(a)] = a
    g = bb[1:] - aa[1:]
    F = np.eye(r, k=1)
    F[:, 0] = -bb[1:]
    if r == 1:
        t = 1.0 - F[0, 0] ** 2
        return np.array([[g[0] * g[0] / t]]), F, g, np.array([[t]])
    T = np.eye(r * r) - (F[:, None, :, None] * F[None, :, None, :]).reshape(r * r, r * r)
    omega = np.linalg.solve(T, np.outer(g, g).ravel()).reshape(r, r)
    return (omega + omega.T) / 2, F, g, T


def _state_cov_root(
    b: np.ndarray, a: np.ndarray, r: int, omega: np.ndarray | None = None
) -> np.ndarray:
    """A root L (r, r) of the pre-sample filter-state covariance Omega of :func:`_state_cov`
    (``omega`` when already computed)."""
    if r == 1:
        bb1 = float(b[1]) if len(b) > 1 else 0.0
        g = bb1 - (float(a[1]) if len(a) > 1 else 0.0)
        return np.array([[abs(g) / np.sqrt(1.0 - bb1 * bb1)]])
    if omega is None:
        omega = _state_cov(b, a, r)[0]
    try:
        return cast("np.ndarray", np.linalg.cholesky(omega))
    except np.linalg.LinAlgError:  # singular: AR and MA roots cancel
        vals, vecs = np.linalg.eigh(omega)
        return cast("np.ndarray", vecs * np.sqrt(np.clip(vals, 0.0, None)))


def _homogeneous(b: np.ndarray, a: np.ndarray, r: int, n: int) -> np.ndarray:
    """Responses (r, m) of ``lfilter(b, a)`` to each unit pre-sample state, zero input.

    With zero input the transposed direct form II gives :math:`a(L) y_t = z_{t+1}` for
    t < r (0 after), so row i is the impulse response h of :math:`1/a(L)`
    (:func:`_impulse_response`, m <= n values) delayed by i; ``b`` plays no part.
    """
    h = _impulse_response(a, r, n)
    m = len(h)
    M = np.zeros((r, m))
    for i in range(r):
        M[i, i:] = h[: m - i]
    return M


def _impulse_response(a: np.ndarray, r: int, n: int) -> np.ndarray:
    """The impulse response of :math:`1/a(L)` on a prefix of m <= n values.

    It decays like powers of the largest inverse MA root modulus rho; m = (the length
    where rho^m < 1e-18) + margin (rho = |theta_1| for MA(1), else a first guess of 0.9),
    doubled while its tail is above 1e-18 of its peak (zero beyond, exact to rounding),
    at most n.
    """

    rho = abs(float(a[1])) if len(a) == 2 else 0.9  # a first guess for higher orders
    m = n if rho >= 0.999 else min(n, int(np.log(1e-18) / np.log(max(rho, 1e-9))) + 8 + 2 * r)
    while True:
        impulse = np.zeros(m)
        impulse[0] = 1.0
        h = lfilter_fast(_ONE, a, impulse)
        tail = float(np.max(np.abs(h[max(0, m - 2 * r - 1) :])))
        if m == n or tail <= 1e-18 * max(float(np.max(np.abs(h))), 1.0):
            return h
        m = min(n, 2 * m)


def _profile_r1(
    E: np.ndarray, g: np.ndarray, n: int, mu: float | None
) -> tuple[float, float, np.ndarray, float]:
    """:func:`profile_loglike` for a one-dimensional pre-sample state (``G`` = ``g``)."""
    m = len(g)
    a1 = 1.0 + float(g @ g)
    hx = float(g @ E[0, :m])
    if mu is None:
        h1 = float(g @ E[1, :m])
        xx = float(E[0] @ E[0]) - hx * hx / a1
        x1 = float(E[0] @ E[1]) - hx * h1 / a1
        one = float(E[1] @ E[1]) - h1 * h1 / a1
        mu = x1 / one if one > 0 else 0.0
        ss = xx - mu * x1
        e0 = E[0] - mu * E[1]
        hx -= mu * h1
    else:
        ss = float(E[0] @ E[0]) - hx * hx / a1
        e0 = E[0]
    if not ss > 0:
        return -np.inf, np.nan, e0, mu
    s2 = ss / n
    resid = e0.copy()
    resid[:m] -= g * (hx / a1)
    return -0.5 * n * (_LOG_2PI + 1.0 + np.log(s2)) - 0.5 * np.log(a1), s2, resid, mu


def profile_loglike(
    x: np.ndarray, b: np.ndarray, a: np.ndarray, mu: float | None = 0.0
) -> tuple[float, float, np.ndarray, float]:
    """Exact Gaussian ARMA log-likelihood of ``x`` with sigma2 (and optionally mu) profiled.

    Parameters
    ----------
    x : ndarray of shape (n,)
        The differenced series.
    b, a : ndarray
        AR and MA lag polynomials (lowest power first, leading 1), stationary and
        invertible.
    mu : float or None
        The mean of ``x``; None profiles it out too (its GLS estimate given ``b, a``:
        the residuals are linear in ``mu``, so the maximiser is closed-form).

    Returns
    -------
    llf : float
        The profile log-likelihood (nats); -inf when the polynomials are not admissible.
    sigma2 : float
        The innovation variance that maximises the likelihood given ``b, a, mu``.
    resid : ndarray of shape (n,)
        The smoothed-start residuals :math:`e^0 + M \\hat z_0` (innovations estimated
        from all of ``x``; not the Kalman one-step errors, which differ at the start).
    mu : float
        The mean used (the given one, or its profile maximiser).
    """

    n = len(x)
    r = max(len(a), len(b)) - 1
    if r == 0:
        m0 = float(np.mean(x)) if mu is None else mu
        xc = x - m0
        s2 = float(xc @ xc) / n
        return -0.5 * n * (_LOG_2PI + 1.0 + np.log(s2)), s2, xc, m0
    profile = mu is None
    cols = np.stack([x, np.ones(n)]) if profile else (x - mu if mu else x)[None]
    E = lfilter_fast(b, a, cols)  # zero-start residuals of x (and of a unit mean)
    if not np.all(np.isfinite(E)):
        return -np.inf, np.nan, E[0], 0.0 if mu is None else mu
    L = _state_cov_root(b, a, r)
    M = _homogeneous(b, a, r, n)
    if r == 1:  # scalar algebra for ARMA(1, 1), AR(1), MA(1): same formulas
        return _profile_r1(E, M[0] * L[0, 0], n, mu)
    G = (L.T @ M).T if r > 1 else (M * L[0, 0]).T  # (m, r), m <= n
    m = len(G)
    chol = np.linalg.cholesky(np.eye(r) + G.T @ G)
    V = np.linalg.solve(chol, G.T @ E[:, :m].T)  # (r, n_cols)
    gram = E @ E.T - V.T @ V  # W-inner products of the residual columns
    if profile:
        mu = float(gram[0, 1] / gram[1, 1]) if gram[1, 1] > 0 else 0.0
        ss = float(gram[0, 0] - mu * gram[0, 1])
        e0 = E[0] - mu * E[1]
        v = V[:, 0] - mu * V[:, 1]
    else:
        ss, e0, v = float(gram[0, 0]), E[0], V[:, 0]
    if not ss > 0:
        return -np.inf, np.nan, e0, cast("float", mu)
    s2 = ss / n
    logdet = 2.0 * float(np.sum(np.log(np.diag(chol))))
    llf = -0.5 * n * (_LOG_2PI + 1.0 + np.log(s2)) - 0.5 * logdet
    resid = e0.copy()
    resid[:m] -= G @ np.linalg.solve(chol.T, v)
    return float(llf), s2, resid, cast("float", mu)


@functools.lru_cache(maxsize=64)
def _lag_index(r: int) -> tuple[np.ndarray, np.ndarray]:
    """``(i + k, 1 + i)`` for i = 0..r-1 (rows), k = 1..r (columns): shape (r, r), (r, 1)."""
    i = np.arange(r)[:, None]
    return i + np.arange(1, r + 1)[None, :], 1 + i


def _lagged(v: np.ndarray, lags: int) -> np.ndarray:
    """Rows ``out[l] = v`` delayed by l (zeros first), l = 0..lags-1: shape (lags, len(v)),
    a read-only strided view."""
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.concatenate([np.zeros(lags - 1), v])
    return sliding_window_view(padded, len(v))[::-1]


def profile_loglike_grad(
    x: np.ndarray, b: np.ndarray, a: np.ndarray, mu: float | None = 0.0
) -> tuple[float, float, float, np.ndarray, np.ndarray]:
    """:func:`profile_loglike` with its analytic gradient in the lag polynomials.

    Returns
    -------
    llf, sigma2, mu : float
        As :func:`profile_loglike` (``mu`` the given one or its profile maximiser).
    grad_b, grad_a : ndarray of shape (r,)
        d llf / d b[1:r+1] and d llf / d a[1:r+1], r = max(deg b, deg a) (the shorter
        polynomial zero-padded), sigma2 and (when profiled) mu held at their maximisers:
        by the envelope theorem their own derivatives contribute nothing.

    Notes
    -----
    With :math:`W = (I + M\\Omega M')^{-1}`, :math:`S = e^{0\\prime} W e^0` and
    :math:`\\log|I + G'G| = \\log|I + A\\Omega|`, :math:`A = M'M` (so no root of
    Omega is differentiated, and a singular Omega is fine). The residuals
    :math:`\\hat e = W e^0` and the smoothed state :math:`\\hat z = -\\Omega M'\\hat e`
    give :math:`dS = 2\\hat e' de^0 + 2\\hat e' dM \\hat z - v' d\\Omega\\, v`,
    :math:`v = M'\\hat e`. The zero-start filters give :math:`\\partial e^0/\\partial b_k
    = L^k a^{-1}(x - \\mu)`, :math:`\\partial e^0/\\partial a_k = -L^k a^{-1} e^0`, and
    M's columns are the shifted impulse responses of :math:`1/a`, so
    :math:`\\partial M/\\partial a_k` holds shifted impulse responses of :math:`1/a^2`;
    the derivative of Omega enters through one adjoint solve of its Stein equation.
    """

    n = len(x)
    r = max(len(a), len(b)) - 1
    if r == 0:
        llf0, s20, _, mu0 = profile_loglike(x, b, a, mu)
        return llf0, s20, mu0, np.empty(0), np.empty(0)
    profile = mu is None
    cols = np.stack([x, np.ones(n)]) if profile else (x - mu if mu else x)[None]
    E = lfilter_fast(b, a, cols)
    nan = np.full(r, np.nan)
    if not np.all(np.isfinite(E)):
        return -np.inf, np.nan, 0.0 if mu is None else mu, nan, nan
    omega, F, g, T = _state_cov(b, a, r)
    h = _impulse_response(a, r, n)
    m = len(h)
    M = np.zeros((r, m))
    for i in range(r):
        M[i, i:] = h[: m - i]
    # no root of Omega: W = (I + M'Omega M)^{-1} = I - M' P M with P = Omega K,
    # K = (I + A Omega)^{-1} (P symmetric), and |I + G'G| = |I + A Omega|
    A = M @ M.T
    Q = np.eye(r) + A @ omega
    K = np.linalg.inv(Q)
    P = omega @ K
    P = (P + P.T) / 2
    ME = M @ E[:, :m].T  # (r, n_cols)
    gram = E @ E.T - ME.T @ P @ ME
    if profile:
        mu = float(gram[0, 1] / gram[1, 1]) if gram[1, 1] > 0 else 0.0
        ss = float(gram[0, 0] - mu * gram[0, 1])
        e0 = E[0] - mu * E[1]
        me0 = ME[:, 0] - mu * ME[:, 1]
    else:
        ss, e0, me0 = float(gram[0, 0]), E[0], ME[:, 0]
    mu = cast("float", mu)
    sign, logdet = np.linalg.slogdet(Q)
    if not (ss > 0 and sign > 0):
        return -np.inf, np.nan, mu, nan, nan
    s2 = ss / n
    llf = -0.5 * n * (_LOG_2PI + 1.0 + np.log(s2)) - 0.5 * float(logdet)
    resid = e0.copy()
    resid[:m] -= M.T @ (P @ me0)
    # ---- gradient
    xc = x - mu if mu else x
    # a^{-1} (x - mu) and a^{-1} e0: d e0 / d b_k = L^k u, d e0 / d a_k = -L^k u2
    u = lfilter_fast(_ONE, a, np.stack([xc, e0]))
    h2 = lfilter_fast(_ONE, a, h)  # impulse response of 1/a^2
    v = M @ resid[:m]
    zhat = -omega @ v
    X = M.T @ P  # (m, r)
    # d/d a_k of M: column i is -L^{i+k} h2 (truncated to m rows); lag l = i + k
    lag_h2 = _lagged(h2, 2 * r) @ np.column_stack([resid[:m], X])  # (2r, r + 1)
    idx, col = _lag_index(r)  # idx[i, k - 1] = i + k, col[i] = 1 + i
    dm_s = -(zhat @ lag_h2[idx, 0])  # resid' dM_k zhat, k = 1..r
    dm_logdet = -2.0 * lag_h2[idx, col].sum(axis=0)  # 2 sum(dM_k * X)
    # sum_t resid_t u_{t-k} = sum_s resid_{s+k} u_s: resid advanced by k = 1..r
    ahead = np.lib.stride_tricks.sliding_window_view(np.concatenate([resid, np.zeros(r)]), n)
    lag_u = (ahead[1:] @ u.T).T  # (2, r)
    # Omega: lambda solves the adjoint Stein equation, weights from S and the logdet
    wbar = (0.5 * n / ss) * np.outer(v, v) - 0.5 * (K @ A).T
    lam = np.linalg.solve(T.T, wbar.ravel()).reshape(r, r)
    lam_s = lam + lam.T
    p0 = (omega @ F.T)[0]
    omega_b = lam_s @ (g - p0)  # b_k moves F[k-1, 0] by -1 and g[k-1] by +1
    omega_a = -(lam_s @ g)  # a_k moves g[k-1] by -1
    scale = n / ss  # d llf = -(n / 2S) dS - dlogdet / 2
    grad_b = -scale * lag_u[0] + omega_b
    grad_a = scale * lag_u[1] - scale * dm_s - 0.5 * dm_logdet + omega_a
    return float(llf), s2, mu, grad_b, grad_a


# --------------------------------------------------------------------------- estimation
@dataclass(frozen=True)
class ProfileFit:
    """A maximum of :func:`loglike` over the ARMA and trend parameters.

    Attributes
    ----------
    params : ndarray of shape (k_params + 1,)
        SARIMAX-ordered estimates with sigma2 (its profile maximiser) last.
    llf : float
        The exact log-likelihood there (nats, over ``n_obs - burn`` observations).
    converged : bool
        Whether L-BFGS-B reported convergence (True when nothing was optimised).
    nfev : int
        Likelihood evaluations spent (finite-difference gradients included).
    warm : bool
        Whether the returned optimum came from the warm start.
    """

    params: np.ndarray
    llf: float
    converged: bool
    nfev: int
    warm: bool


def loglike(x: np.ndarray, params: np.ndarray, spec: ArmaSpec) -> tuple[float, float]:
    """``(llf, sigma2)`` of constrained ``params`` (no sigma2) on the differenced ``x``."""
    c, b, a = spec.split(params)
    mu = c / float(np.sum(b)) if spec.k_trend else 0.0
    llf, s2, _, _ = profile_loglike(x, b, a, mu)
    return llf, s2


def objective_and_gradient(
    v: np.ndarray, x: np.ndarray, arma: ArmaSpec, profile_mean: bool
) -> tuple[float, np.ndarray]:
    """``-llf / n`` at the unconstrained ARMA coefficients ``v`` (shape (k,), no trend
    term: ``arma.trend`` is "n") and its analytic gradient (shape (k,)).

    The gradient of :func:`profile_loglike_grad` in the lag polynomials, chained through
    the polynomials' Jacobian in the coefficients and the Monahan transform's. The mean
    of ``x`` is profiled out when ``profile_mean`` (trend "c"), else 0. A non-finite
    likelihood gives ``(1e10, 0)``, which L-BFGS-B's line search rejects.
    """
    n = len(x)
    coefs, jc = constrain_with_jacobian(v, arma)
    _, b, a = arma.split(coefs)
    llf, _, _, gb, ga = profile_loglike_grad(x, b, a, None if profile_mean else 0.0)
    if not (np.isfinite(llf) and np.all(np.isfinite(gb)) and np.all(np.isfinite(ga))):
        return 1e10, np.zeros(len(v))
    jb, ja = poly_jacobian(coefs, arma, len(gb))
    grad = jc.T @ (jb.T @ gb + ja.T @ ga)
    return -llf / n, -grad / n


def _admissible(params: np.ndarray | None, spec: ArmaSpec) -> bool:
    if params is None or np.shape(params) != (spec.k_params,):
        return False
    if not np.all(np.isfinite(params)):
        return False
    u = unconstrain(params, spec)
    if not np.all(np.isfinite(u)):
        return False
    return bool(np.allclose(constrain(u, spec), params, atol=1e-6))


def maximise(
    x: np.ndarray,
    spec: ArmaSpec,
    starts: list[np.ndarray],
    maxiter: int,
    *,
    warm: np.ndarray | None = None,
    ftol: float | None = None,
    analytic: bool = True,
) -> ProfileFit:
    """Maximise the exact likelihood of the differenced series ``x``.

    Parameters
    ----------
    x : ndarray of shape (n,)
        ``difference(w, spec)``.
    spec : ArmaSpec
    starts : list of ndarray of shape (k_params,)
        Cold start values (constrained, no sigma2); inadmissible ones are skipped, zeros
        (statsmodels' fallback start) are always tried.
    maxiter : int
        Iteration cap of each L-BFGS-B run.
    warm : ndarray of shape (k_params,), optional
        The previous refit's optimum (constrained).
    ftol : float, optional
        L-BFGS-B's relative-decrease tolerance (default ``FTOL``); the order search
        screens candidates with a looser one and polishes the winner.
    analytic : bool, default True
        Gradients by :func:`profile_loglike_grad` (one likelihood pass and a few more
        filters); False: central differences (2 k + 1 likelihood passes), the slow path
        the tests compare against.

    Notes
    -----
    sigma2 and the mean (trend "c") are profiled out in closed form, so L-BFGS-B sees
    only the ARMA coefficients, on statsmodels' unconstrained scale, objective
    ``-llf / n``, analytic (or central-difference) gradients. With a warm start: L-BFGS-B from it,
    unless a cold start already has a higher likelihood; if that run does not converge,
    or ends below the best cold start's likelihood, the best cold start is optimised too
    and the higher optimum wins.
    """
    from scipy.optimize import minimize

    n = len(x)
    kt = spec.k_trend
    k = spec.k_params - kt
    arma = ArmaSpec(spec.p, spec.d, spec.q, spec.P, spec.D, spec.Q, spec.s, "n")
    nfev = 0

    def evaluate(coefs: np.ndarray) -> tuple[float, float, float]:
        nonlocal nfev
        nfev += 1
        _, b, a = arma.split(coefs)
        llf, s2, _, mu = profile_loglike(x, b, a, None if kt else 0.0)
        return llf, s2, mu * float(np.sum(b))

    def finish(coefs: np.ndarray, ok: bool, warm_used: bool) -> ProfileFit:
        llf, s2, c = evaluate(coefs)
        params = np.concatenate([[c] if kt else [], coefs, [s2]])
        return ProfileFit(params, llf, ok, nfev, warm_used)

    if k == 0:
        return finish(np.empty(0), True, False)

    def objective(v: np.ndarray) -> float:
        llf = evaluate(constrain(v, arma))[0]
        return -llf / n if np.isfinite(llf) else 1e10

    def with_gradient(v: np.ndarray) -> tuple[float, np.ndarray]:
        """The objective and its central-difference gradient (error ~1e-10; forward
        differences' ~1e-7 stops L-BFGS-B early on the flat AR/MA-cancellation ridge)."""
        f0 = objective(v)
        grad = np.empty(k)
        for i in range(k):
            h = STEP * max(1.0, abs(float(v[i])))
            up, down = v.copy(), v.copy()
            up[i] += h
            down[i] -= h
            grad[i] = (objective(up) - objective(down)) / (2.0 * h)
        return f0, grad

    def analytic_gradient(v: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal nfev
        nfev += 1
        return objective_and_gradient(v, x, arma, kt > 0)

    def run(c0: np.ndarray) -> tuple[np.ndarray, float, bool]:
        sol = minimize(
            analytic_gradient if analytic else with_gradient,
            unconstrain(c0, arma),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": maxiter, "ftol": ftol or FTOL, "gtol": GTOL, "maxcor": 20},
        )
        # a line search that cannot improve on a gradient this small is at the optimum:
        # below ROUND_GTOL the decrease a step could make, ~|g|^2 / curvature, is within
        # the objective's rounding (eps |f| ~ 4e-16, so |g| ~ 2e-8 at unit curvature)
        gmax = float(np.max(np.abs(sol.jac)))
        ok = bool(sol.success) or gmax < 10 * GTOL or (sol.status == 2 and gmax < ROUND_GTOL)
        return constrain(sol.x, arma), -float(sol.fun) * n, ok and sol.nit < maxiter

    cold = [np.asarray(s, dtype=float)[kt:] for s in starts if np.shape(s) == (k + kt,)]
    cold = [s for s in [*cold, np.zeros(k)] if _admissible(s, arma)]
    scored = [(evaluate(s)[0], i) for i, s in enumerate(cold)]
    best_cold_llf, best_i = max(scored)
    best_cold = cold[best_i]
    result: tuple[np.ndarray, float, bool] | None = None
    from_warm = False
    if warm is not None and np.shape(warm) == (k + kt,):
        w0 = np.asarray(warm, dtype=float)[kt:]
        if _admissible(w0, arma) and evaluate(w0)[0] >= best_cold_llf:
            result, from_warm = run(w0), True
            if result[2] and result[1] >= best_cold_llf:
                return finish(result[0], True, True)
    other = run(best_cold)
    if result is None or other[1] > result[1]:
        result, from_warm = other, False
    return finish(result[0], result[2], from_warm)
