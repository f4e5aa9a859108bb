"""Filtering and forecasting a fitted (S)ARIMA with fixed parameters, in NumPy/SciPy.

The one-step innovations of the differenced series :math:`x` come from an exact Kalman
filter on the state of ``scipy.signal.lfilter(b, a)`` (transposed direct form II,
:math:`z_t = F z_{t-1} + g\\varepsilon_t`, :math:`x_t - \\mu = -z_{t-1,0} + \\varepsilon_t`,
stationary start :math:`z_0 \\sim N(0, \\sigma^2\\Omega)`, see :mod:`._arma_exact`), run in
Python only until the state is known (every entry of its covariance below ``CONVERGED``,
so that :math:`|F_t - 1| < 10^{-12}`); from there the filter is in steady state and the
innovations are ``lfilter(b, a, x, zi=state)``, at C speed. The filter state after any
observation is then a linear function of the last r differenced values and innovations,
so forecasts from many origins are vectorised: the ARMA recursion with zero future
innovations, integrated through the differencing polynomial, and variances
:math:`\\sigma^2\\sum_{j<h}\\psi_j^2` of :math:`\\psi(L) = \\theta(L)/(\\phi(L)\\delta(L))`
(exact once the state is known).

The differencing states are diffuse (exact diffuse: the first ``burn`` observations only
pin them down), so after the burn-in these are the innovations of statsmodels' SARIMAX
filter up to its approximate diffuse prior (variance 1e6) and its steady-state shortcut;
tests check the forecasts against statsmodels to 1e-8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tickcast.models._arma_exact import ArmaSpec, _state_cov_root

__all__ = ["Filtered", "filter_innovations", "first_origin", "forecast"]

#: The Kalman filter switches to steady state when every entry of the state covariance
#: (sigma2 units) is below this.
CONVERGED = 1e-13


@dataclass(frozen=True)
class Filtered:
    """Innovations of the differenced series under fixed parameters.

    Attributes
    ----------
    innovations : ndarray of shape (n,)
        One-step prediction errors of ``x`` (units of ``x``).
    steady_from : int
        First index from which the filter is in steady state (innovation variance
        sigma2, state known); ``n`` when it never got there (an MA root near the unit
        circle), and forecasts then need the full Kalman filter.
    """

    innovations: np.ndarray
    steady_from: int


def _padded(b: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    r = max(len(a), len(b)) - 1
    bb, aa = np.zeros(r + 1), np.zeros(r + 1)
    bb[: len(b)] = b
    aa[: len(a)] = a
    return bb, aa, r


def filter_innovations(x: np.ndarray, b: np.ndarray, a: np.ndarray, mu: float) -> Filtered:
    """Exact Kalman innovations of ``x`` (length n), steady-state part by ``lfilter``."""
    from scipy.signal import lfilter

    xc = np.asarray(x, dtype=float) - mu
    n = len(xc)
    bb, aa, r = _padded(b, a)
    if r == 0:
        return Filtered(xc.copy(), 0)
    v = np.empty(n)
    g = bb[1:] - aa[1:]
    L = _state_cov_root(b, a, r)
    P = L @ L.T
    t = 0
    if r == 1:  # scalars: the common ARMA(1,1), AR(1), MA(1)
        f, g0, p, s = -bb[1], g[0], float(P[0, 0]), 0.0
        while t < n and p >= CONVERGED:
            vt = xc[t] + s
            ft = p + 1.0
            k = (g0 - f * p) / ft
            s = f * s + k * vt
            p = f * p * f + g0 * g0 - k * k * ft
            v[t] = vt
            t += 1
        state = np.array([s])
    else:
        F = np.eye(r, k=1)
        F[:, 0] = -bb[1:]
        s_vec = np.zeros(r)
        while t < n and np.max(np.abs(P)) >= CONVERGED:
            vt = xc[t] + s_vec[0]
            ft = P[0, 0] + 1.0
            k_vec = (g - F @ P[:, 0]) / ft
            s_vec = F @ s_vec + k_vec * vt
            P = F @ P @ F.T + np.outer(g, g) - np.outer(k_vec, k_vec) * ft
            v[t] = vt
            t += 1
        state = s_vec
    if t < n:
        v[t:] = lfilter(b, a, xc[t:], zi=state)[0]
    return Filtered(v, t)


def _states(
    xc: np.ndarray, e: np.ndarray, bb: np.ndarray, aa: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    """lfilter states (K, r) after the samples ``idx`` (each >= r - 1), from the values.

    :math:`z_k[i] = \\sum_{j=k+1}^{r} (b_j x_{i+k+1-j} - a_j e_{i+k+1-j})`.
    """
    r = len(bb) - 1
    z = np.zeros((len(idx), r))
    for k in range(r):
        for j in range(k + 1, r + 1):
            pos = idx + k + 1 - j
            z[:, k] += bb[j] * xc[pos] - aa[j] * e[pos]
    return z


def _delta(spec: ArmaSpec) -> np.ndarray:
    """Coefficients of the differencing polynomial (1 - L)^d (1 - L^s)^D, lowest first."""
    poly = np.array([1.0])
    for _ in range(spec.d):
        poly = np.convolve(poly, [1.0, -1.0])
    for _ in range(spec.D):
        seasonal = np.zeros(spec.s + 1)
        seasonal[0], seasonal[-1] = 1.0, -1.0
        poly = np.convolve(poly, seasonal)
    return poly


def psi_variance(b: np.ndarray, a: np.ndarray, delta: np.ndarray, horizon: int) -> np.ndarray:
    """sum_{j<h} psi_j^2 for h = 1..horizon, psi the weights of a / (b delta)."""
    from scipy.signal import lfilter

    impulse = np.zeros(horizon)
    impulse[0] = 1.0
    psi = lfilter(a, np.convolve(b, delta), impulse)
    out: np.ndarray = np.cumsum(psi**2)
    return out


def first_origin(spec: ArmaSpec, b: np.ndarray, a: np.ndarray, filtered: Filtered) -> int:
    """The first origin (position into ``w``) that :func:`forecast` serves: the filter is in
    steady state there (larger than ``len(w)`` when it never gets there)."""
    return int(spec.burn + filtered.steady_from + max(len(a), len(b)) - 1)


def forecast(
    w: np.ndarray,
    spec: ArmaSpec,
    params: np.ndarray,
    origins: np.ndarray,
    horizon: int,
    filtered: Filtered | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Means and variances (K, horizon) of ``w`` after each origin (positions into ``w``).

    ``params`` are SARIMAX-ordered with sigma2 last. Returns None when some origin is
    not in the filter's steady state (too early, or an MA root near the unit circle):
    the caller then uses the Kalman filter of statsmodels.
    """
    c, b, a = spec.split(np.asarray(params[:-1], dtype=float))
    sigma2 = float(params[-1])
    mu = c / float(np.sum(b)) if spec.k_trend else 0.0
    burn = spec.burn
    x = np.diff(w, n=spec.d) if spec.d else np.asarray(w, dtype=float)
    for _ in range(spec.D):
        x = x[spec.s :] - x[: -spec.s]
    if filtered is None:
        filtered = filter_innovations(x, b, a, mu)
    bb, aa, r = _padded(b, a)
    idx = np.asarray(origins, dtype=np.int64) - burn  # last observed x per origin
    if len(idx) == 0 or idx[0] + burn < first_origin(spec, b, a, filtered) or idx[-1] >= len(x):
        return None
    xc = x - mu
    K = len(idx)
    # future differenced values: lfilter's recursion with zero innovations
    xhat = np.empty((K, horizon))
    if r:
        z = _states(xc, filtered.innovations, bb, aa, idx)
        for j in range(horizon):
            xj = -z[:, 0]
            xhat[:, j] = xj
            z = np.concatenate([z[:, 1:], np.zeros((K, 1))], axis=1) + np.outer(xj, bb[1:])
    else:
        xhat[:] = 0.0
    xhat += mu
    # integrate: w_t = x_t - sum_{i>=1} delta_i w_{t-i}
    delta = _delta(spec)
    kd = len(delta) - 1
    mean = np.empty((K, horizon))
    if kd == 0:
        mean[:] = xhat
    else:
        hist = np.stack([w[np.asarray(origins) - i] for i in range(kd - 1, -1, -1)], axis=1)
        path = np.concatenate([hist, np.empty((K, horizon))], axis=1)
        for j in range(horizon):
            t = kd + j
            path[:, t] = xhat[:, j] - path[:, t - kd : t][:, ::-1] @ delta[1:]
        mean[:] = path[:, kd:]
    var = np.broadcast_to(sigma2 * psi_variance(b, a, delta, horizon), (K, horizon)).copy()
    return mean, var
