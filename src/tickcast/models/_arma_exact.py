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

from dataclasses import dataclass
from typing import cast

import numpy as np

__all__ = [
    "ArmaSpec",
    "constrain",
    "difference",
    "profile_loglike",
    "unconstrain",
]

_LOG_2PI = float(np.log(2.0 * np.pi))
#: L-BFGS-B tolerances on ``-llf / n``: relative decrease and projected gradient.
FTOL, GTOL = 1e-14, 1e-9
#: Central-difference step on the unconstrained scale (relative above 1).
STEP = 1e-6


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
        params = np.asarray(params, dtype=float)
        i = self.k_trend
        c = float(params[0]) if i else 0.0
        ar = params[i : i + self.p]
        ma = params[i + self.p : i + self.p + self.q]
        j = i + self.p + self.q
        sar = params[j : j + self.P]
        sma = params[j + self.P : j + self.P + self.Q]
        return c, _poly(ar, sar, self.s, -1.0), _poly(ma, sma, self.s, 1.0)

    def blocks(self) -> list[tuple[int, int, float]]:
        """(start, stop, sign) of each constrained block: AR, MA, seasonal AR, seasonal MA."""
        i = self.k_trend
        out = []
        for k, sign in ((self.p, 1.0), (self.q, -1.0), (self.P, 1.0), (self.Q, -1.0)):
            if k:
                out.append((i, i + k, sign))
            i += k
        return out


def _poly(coefs: np.ndarray, seasonal: np.ndarray, s: int, sign: float) -> np.ndarray:
    base = np.concatenate([[1.0], sign * np.asarray(coefs, dtype=float)])
    if len(seasonal) == 0:
        return base
    spoly = np.zeros(s * len(seasonal) + 1)
    spoly[0] = 1.0
    spoly[s::s] = sign * np.asarray(seasonal, dtype=float)
    return np.convolve(base, spoly)


def difference(w: np.ndarray, spec: ArmaSpec) -> np.ndarray:
    """:math:`\\Delta^d \\Delta_s^D w`, shape (n_obs - burn,)."""
    x = np.diff(w, n=spec.d) if spec.d else np.asarray(w, dtype=float)
    for _ in range(spec.D):
        x = x[spec.s :] - x[: -spec.s]
    return x


# --------------------------------------------------------------------------- transforms
def _constrain_block(u: np.ndarray) -> np.ndarray:
    """statsmodels' ``constrain_stationary_univariate`` (Monahan 1984)."""
    n = len(u)
    r = u / np.sqrt(1.0 + u * u)
    y = np.zeros((n, n))
    for k in range(n):
        for i in range(k):
            y[k, i] = y[k - 1, i] + r[k] * y[k - 1, k - i - 1]
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


def unconstrain(params: np.ndarray, spec: ArmaSpec) -> np.ndarray:
    """Inverse of :func:`constrain` (SARIMAX.untransform_params); non-finite if outside."""
    out = np.array(params, dtype=float)
    with np.errstate(all="ignore"):
        for start, stop, sign in spec.blocks():
            out[start:stop] = _unconstrain_block(sign * out[start:stop])
    return out


# --------------------------------------------------------------------------- likelihood
def _state_cov_root(b: np.ndarray, a: np.ndarray, r: int) -> np.ndarray:
    """A root L (r, r) of the pre-sample filter-state covariance Omega (sigma2 units).

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
    if r == 1:
        phi = -bb[1]
        return np.array([[abs(g[0]) / np.sqrt(1.0 - phi * phi)]])
    F = np.eye(r, k=1)
    F[:, 0] = -bb[1:]
    # vec(Omega) = (I - F (x) F)^{-1} vec(g g')
    omega = np.linalg.solve(np.eye(r * r) - np.kron(F, F), np.outer(g, g).ravel()).reshape(r, r)
    omega = (omega + omega.T) / 2
    try:
        return cast("np.ndarray", np.linalg.cholesky(omega))
    except np.linalg.LinAlgError:  # singular: AR and MA roots cancel
        vals, vecs = np.linalg.eigh(omega)
        return cast("np.ndarray", vecs * np.sqrt(np.clip(vals, 0.0, None)))


def _homogeneous(b: np.ndarray, a: np.ndarray, r: int, n: int) -> np.ndarray:
    """Responses (r, m) of ``lfilter(b, a)`` to each unit pre-sample state, zero input.

    They decay like powers of the largest inverse MA root modulus rho; computed on a
    prefix of m = (the length where rho^m < 1e-18) + margin (rho = |theta_1| for MA(1),
    else a first guess of 0.9), doubled while its tail is above 1e-18 of its peak (zero
    beyond, exact to rounding), at most all n.
    """
    from scipy.signal import lfilter

    rho = abs(float(a[1])) if len(a) == 2 else 0.9  # a first guess for higher orders
    m = n if rho >= 0.999 else min(n, int(np.log(1e-18) / np.log(max(rho, 1e-9))) + 8 + 2 * r)
    while True:
        M = lfilter(b, a, np.zeros((r, m)), axis=-1, zi=np.eye(r))[0]
        if m == n:
            return cast("np.ndarray", M)
        tail = float(np.max(np.abs(M[:, -r - 1 :])))
        if tail <= 1e-18 * max(float(np.max(np.abs(M))), 1.0):
            return cast("np.ndarray", M)
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
    from scipy.signal import lfilter

    n = len(x)
    r = max(len(a), len(b)) - 1
    if r == 0:
        m0 = float(np.mean(x)) if mu is None else mu
        xc = x - m0
        s2 = float(xc @ xc) / n
        return -0.5 * n * (_LOG_2PI + 1.0 + np.log(s2)), s2, xc, m0
    profile = mu is None
    cols = np.stack([x, np.ones(n)]) if profile else (x - mu if mu else x)[None]
    E = lfilter(b, a, cols, axis=-1)  # zero-start residuals of x (and of a unit mean)
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

    Notes
    -----
    sigma2 and the mean (trend "c") are profiled out in closed form, so L-BFGS-B sees
    only the ARMA coefficients, on statsmodels' unconstrained scale, objective
    ``-llf / n``, central-difference gradients. With a warm start: L-BFGS-B from it,
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

    def run(c0: np.ndarray) -> tuple[np.ndarray, float, bool]:
        sol = minimize(
            with_gradient,
            unconstrain(c0, arma),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": maxiter, "ftol": ftol or FTOL, "gtol": GTOL, "maxcor": 20},
        )
        # a line search that cannot improve on a gradient this small is at the optimum
        ok = bool(sol.success) or float(np.max(np.abs(sol.jac))) < 10 * GTOL
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
