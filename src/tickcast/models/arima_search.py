"""Order search and likelihood fits of ``ARIMAForecaster``.

Differencing order by a KPSS test, conditional-sum-of-squares (CSS) screening of every
(p, q), admissibility rules on the roots (R's margin to the unit circle, and no near-common
AR/MA factor), and the choice among the best screened
candidates by the exact Gaussian likelihood (Hyndman & Khandakar 2008). statsmodels is
imported lazily, inside the functions.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from tickcast.errors import DataError
from tickcast.models._arma_exact import (
    ArmaSpec,
    difference,
    lag_poly,
    lfilter_fast,
    maximise,
    poly_jacobian,
)

#: The order search ranks candidates on at most this many of the latest observations.
SEARCH_WINDOW = 1000
#: CSS-best admissible candidates refitted by exact maximum likelihood (besides (0, d, 0)).
N_EXACT = 4
#: A candidate is rejected when an AR or MA root lies within this distance of the unit
#: circle (|root| < 1 + ROOT_MARGIN), the rule of R's ``forecast:::myarima``.
ROOT_MARGIN = 0.01
#: A candidate is also rejected when one of its AR inverse roots lies within this distance
#: of one of its MA inverse roots: the two lag polynomials then nearly share a factor and
#: the ARMA parameters are not identified ("parameter redundancy", Box, Jenkins, Reinsel &
#: Ljung 2015; common zeros, Brockwell & Davis 2016, ch. 3). The likelihood gain of such a
#: pair goes into the shape of long-horizon forecasts and their variance. 0.1 is about three
#: standard errors of an AR(1) coefficient on the search window's 1,000 observations.
FACTOR_MARGIN = 0.1

#: The CSS screening's Levenberg-Marquardt stops after this many residual evaluations per
#: estimated coefficient (plus one). Fits that need more wander along a flat ridge (LM's
#: cap, not its tolerance, ended them; in four of the fits below, no converging candidate
#: took more than 63, with 4-5 coefficients); R's ``arima`` caps its CSS optimiser at 100
#: BFGS iterations.
#: On 40 fits of the bundled series (each full series and the series minus its last
#: 250..1,000 days, last 1,500 observations) it chooses the same orders as a cap of 200.
#: The search's time against statsforecast's AutoARIMA on every bundled series is printed
#: by ``benchmarks/bench_backtest.py --only auto``.
CSS_EVALUATIONS_PER_PARAMETER = 20

Spec = tuple[tuple[int, int, int], tuple[int, int, int, int], str]


@dataclass(frozen=True)
class ExactFit:
    """One exact-likelihood fit (statsmodels ``SARIMAX`` with the scale concentrated out).

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        SARIMAX-ordered estimates (trend, ar, ma, seasonal ar, seasonal ma, sigma2).
    llf : float
        Maximised Gaussian log-likelihood (nats), over ``nobs_effective`` observations.
    nobs_effective : int
        Observations after the differencing burn-in (``nobs - loglikelihood_burn``).
    converged : bool
        Whether the optimiser reported convergence (True when nothing was optimised).
    warnings : tuple of str
        Warnings statsmodels emitted during the fit.
    """

    params: np.ndarray
    llf: float
    nobs_effective: int
    converged: bool
    warnings: tuple[str, ...]


def n_params(spec: Spec) -> int:
    """Estimated parameters of a candidate, sigma2 included (R's ``npar``)."""
    (p, _, q), (P, _, Q, _), trend = spec
    return p + q + P + Q + len(trend.replace("n", "")) + 1


def criterion(ic: str, llf: float, k: int, n: int) -> float:
    """Information criterion from a log-likelihood, ``k`` parameters and ``n`` observations.

    ``aicc`` = AIC + 2k(k + 1)/(n - k - 1), as R's ``arima``/``auto.arima`` and statsmodels.
    """
    return -2.0 * llf + _penalty(ic, k, n)


def _penalty(ic: str, k: int, n: int) -> float:
    """Information-criterion penalty for ``k`` parameters and ``n`` residuals."""
    if ic == "bic":
        return k * float(np.log(n))
    if ic == "hqic":
        return 2.0 * k * float(np.log(np.log(n)))
    if ic == "aicc":
        return 2.0 * k + (2.0 * k * (k + 1) / (n - k - 1) if n > k + 1 else np.inf)
    return 2.0 * k


def lag_roots(params: np.ndarray, spec: Spec) -> tuple[np.ndarray, np.ndarray] | None:
    """Roots of the AR and MA lag polynomials (seasonal factors multiplied in).

    ``params`` is SARIMAX-ordered (trend, ar, ma, seasonal ar, seasonal ma[, sigma2]).
    Trailing coefficients below 1e-8 are dropped as in ``forecast:::myarima``; a polynomial
    without lags has no roots (an empty array). None when a coefficient is not finite.
    """
    (p, _, q), (P, _, Q, s), trend = spec
    i = len(trend.replace("n", ""))
    ar, ma = params[i : i + p], params[i + p : i + p + q]
    sar, sma = params[i + p + q : i + p + q + P], params[i + p + q + P : i + p + q + P + Q]
    roots = []
    for poly in (lag_poly(ar, sar, s, -1.0), lag_poly(ma, sma, s, 1.0)):
        nonzero = np.flatnonzero(np.abs(poly[1:]) > 1e-8)
        if len(nonzero) == 0:
            roots.append(np.empty(0, dtype=complex))
            continue
        coefs = poly[: nonzero[-1] + 2]
        if not np.all(np.isfinite(coefs)):
            return None
        roots.append(np.polynomial.polynomial.polyroots(coefs).astype(complex))
    return roots[0], roots[1]


def root_summary(params: np.ndarray | None, spec: Spec) -> tuple[float, float]:
    """``(min_root(params, spec), factor_gap(params, spec))`` from one root computation."""
    roots = None if params is None else lag_roots(params, spec)
    if roots is None:
        return 0.0, 0.0
    ar, ma = roots
    moduli = np.abs(np.concatenate(roots))
    smallest = float(np.min(moduli)) if len(moduli) else np.inf
    if len(ar) == 0 or len(ma) == 0:
        return smallest, np.inf
    return smallest, float(np.min(np.abs(1.0 / ar[:, None] - 1.0 / ma[None, :])))


def min_root(params: np.ndarray | None, spec: Spec) -> float:
    """Smallest modulus of the AR and MA lag-polynomial roots (inf without ARMA terms).

    See :func:`lag_roots`; None (a failed fit) or non-finite coefficients give 0.
    """
    return root_summary(params, spec)[0]


def factor_gap(params: np.ndarray | None, spec: Spec) -> float:
    """Smallest distance between an AR and an MA inverse root (inf without both).

    The inverse roots (reciprocals of the lag-polynomial roots) are the poles and zeros of
    the ARMA transfer function, inside the unit circle for a stationary, invertible model;
    an AR and an MA one close together nearly cancel (a near-common factor). None (a
    failed fit) or non-finite coefficients give 0.
    """
    return root_summary(params, spec)[1]


def well_posed_at(root: float, gap: float) -> bool:
    """The search's admissibility rule, from :func:`min_root` and :func:`factor_gap`.

    Every AR and MA root of modulus at least 1 + ``ROOT_MARGIN`` (R's rule) and no AR
    inverse root within ``FACTOR_MARGIN`` of an MA one (no near-common factor).
    """
    return root >= 1.0 + ROOT_MARGIN and gap >= FACTOR_MARGIN


def admissible_start(model: Any, params: np.ndarray | None) -> bool:
    """Start values usable by SARIMAX: right length, finite, stationary and invertible."""
    if params is None:
        return False
    params = np.asarray(params, dtype=float)
    if params.shape != (model.k_params,) or not np.all(np.isfinite(params)):
        return False
    try:
        unconstrained = model.untransform_params(params)
        back = model.transform_params(unconstrained)
    except (ValueError, np.linalg.LinAlgError):
        return False
    return bool(np.all(np.isfinite(back)) and np.allclose(back, params, atol=1e-6))


def fit_exact(
    w: np.ndarray,
    spec: Spec,
    starts: list[np.ndarray | None],
    maxiter: int,
    *,
    warm: np.ndarray | None = None,
    screening: bool = False,
) -> ExactFit:
    """Exact Gaussian maximum likelihood of one candidate, sigma2 concentrated out.

    Parameters
    ----------
    w : ndarray of shape (n_obs,)
        The series on the integrated scale (log price or rate units).
    spec : ((p, d, q), (P, D, Q, s), trend)
        The candidate.
    starts : list of ndarray of shape (n_params,) or None
        Candidate start values with sigma2 last (None entries are skipped); the admissible
        one with the highest likelihood, or statsmodels' defaults, starts L-BFGS.
    maxiter : int
        Iteration cap of L-BFGS.
    warm : ndarray of shape (n_params,), optional
        A previous fit of the same model: when admissible it is the start, whatever
        ``starts`` holds (refits stay close to the previous estimates and are fast).
    screening : bool, default False
        The order search's candidates: the NumPy path stops at a looser relative
        decrease (1e-8; the criteria only rank candidates), and the chosen one is
        re-estimated to full precision. The log-likelihood is then usually within 1e-6
        of the tight optimum, but a stop on a flat stretch can leave it lower (measured:
        1e-4 to 4e-3 on some candidates of the bundled series, 1.2 nats on sp500's
        (3, 1, 3), which the search did not refit).

    Notes
    -----
    Trends "n" and "c" (any (seasonal) orders) are fitted by the NumPy exact likelihood
    of :mod:`tickcast.models._arma_exact` (exact diffuse differencing states, the same
    parameterisation as SARIMAX, L-BFGS-B warm-started with a cold-start safeguard);
    the time trends "t"/"ct" by statsmodels as described next.

    With ``concentrate_scale=True`` the innovation variance is profiled out (its maximiser
    given the other parameters is the mean squared standardised innovation), so the
    optimiser never sees sigma2, whose scale (1e-4 for daily log returns) otherwise stalls
    L-BFGS. When L-BFGS reports no convergence (its line search can stall on a drift of
    order 1e-4), Powell's derivative-free method continues from where it stopped. Without
    ARMA or trend terms nothing is left to optimise: the likelihood is one filter pass and
    its maximum is closed-form.
    """
    order, seasonal, trend = spec
    fast = ArmaSpec.of(order, seasonal, trend)
    if fast is not None and np.ptp(difference(w, fast)) > 0:  # constant changes: statsmodels
        return _fit_fast(w, fast, starts, maxiter, warm, 1e-8 if screening else None)
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    converged = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = SARIMAX(
            w, order=order, seasonal_order=seasonal, trend=trend, concentrate_scale=True
        )
        flat = _noiseless_params(w, spec, model.k_params)
        if model.k_params == 0:
            res = model.filter(np.empty(0), cov_type="none")
        elif flat is not None:  # nothing to estimate: no optimiser on a flat likelihood
            res = model.filter(flat, cov_type="none")
        else:
            start: np.ndarray | None
            if warm is not None and admissible_start(model, np.asarray(warm)[:-1]):
                start = np.asarray(warm, dtype=float)[:-1]  # no start candidates to score
            else:
                cands = [np.asarray(s, dtype=float)[:-1] for s in starts if s is not None]
                cands = [c for c in [*cands, model.start_params] if admissible_start(model, c)]
                start = max(cands, key=model.loglike) if cands else None
            res = model.fit(
                start_params=start, method="lbfgs", maxiter=maxiter, disp=False, cov_type="none"
            )
            converged = bool(res.mle_retvals.get("converged", False))
            if not converged:  # L-BFGS's line search can stall on a tiny intercept (drift)
                polished = model.fit(
                    start_params=res.params, method="powell", maxiter=maxiter, disp=False,
                    cov_type="none",
                )  # fmt: skip
                if polished.llf >= res.llf - 1e-6:  # as good, up to rounding
                    res = polished
                    converged = bool(res.mle_retvals.get("converged", False))
    params = np.concatenate([np.asarray(res.params, dtype=float), [float(res.scale)]])
    return ExactFit(
        params=params,
        llf=float(res.llf),
        nobs_effective=int(res.nobs - res.loglikelihood_burn),
        converged=converged,
        warnings=tuple(f"{type(c.message).__name__}: {c.message}" for c in caught),
    )


def _noiseless_params(w: np.ndarray, spec: Spec, k_params: int) -> np.ndarray | None:
    """SARIMAX parameters (sigma2 concentrated out) for a series without noise, or None.

    When the differenced series is one constant value every candidate reproduces it
    exactly: the ARMA coefficients are not identified and the likelihood has no interior
    maximum, so an optimiser only wanders (22 s of Powell iterations on 300 flat points).
    The model is then the one without ARMA dynamics: zero coefficients, the constant as the
    trend's intercept ("c"), zero innovation variance (forecasts with zero-width
    intervals, as the random walk gives a flat series). None when the differenced series
    varies, or its constant is not zero and the trend cannot carry it.
    """
    order, seasonal, trend = spec
    fast = ArmaSpec.of(order, seasonal, trend)
    if fast is None:
        return None
    x = difference(w, fast)
    if len(x) == 0 or np.ptp(x) > 0:
        return None
    params = np.zeros(k_params)
    if trend == "c":
        params[0] = x[0]
    elif x[0] != 0:
        return None
    return params


def _fit_fast(
    w: np.ndarray,
    spec: ArmaSpec,
    starts: list[np.ndarray | None],
    maxiter: int,
    warm: np.ndarray | None,
    ftol: float | None,
) -> ExactFit:
    """``fit_exact`` by the NumPy exact likelihood (:mod:`tickcast.models._arma_exact`)."""
    x = difference(w, spec)
    k = spec.k_params
    cold = [np.asarray(s, dtype=float)[:-1] for s in starts if s is not None and len(s) == k + 1]
    w0 = None if warm is None or len(warm) != k + 1 else np.asarray(warm, dtype=float)[:-1]
    with np.errstate(all="ignore"):
        fit = maximise(x, spec, cold, maxiter, warm=w0, ftol=ftol)
    return ExactFit(
        params=fit.params,
        llf=fit.llf,
        nobs_effective=len(x),
        converged=fit.converged,
        warnings=()
        if fit.converged
        else (
            f"ConvergenceWarning: L-BFGS-B did not converge on the exact likelihood within "
            f"maxiter={maxiter} iterations",
        ),
    )


def _difference(w: np.ndarray, d: int, D: int, s: int) -> np.ndarray:
    x = np.diff(w, n=d) if d else w
    for _ in range(D):
        x = x[s:] - x[:-s]
    return x


def css_fit(
    w: np.ndarray,
    order: tuple[int, int, int],
    seasonal: tuple[int, int, int, int],
    trend: str,
    max_p: int,
    max_d: int,
    *,
    jacobian: str = "forward",
) -> tuple[float, np.ndarray | None, int]:
    """Conditional-sum-of-squares fit of one candidate.

    Residuals are summed over the observations of ``w`` from position
    ``m = max_p + max_d + s * (P + D)`` on, the same for every candidate of a search.
    Levenberg-Marquardt (MINPACK, at most ``CSS_EVALUATIONS_PER_PARAMETER`` (k + 1)
    residual evaluations) with forward-difference Jacobians: ``jacobian="forward"``
    computes scipy's "2-point" differences bit for bit (so the same iterates as
    ``jacobian="scipy"``, the reference path), without its per-call overhead and with
    the AR perturbations filtered in one batch. ``"analytic"`` uses the analytic
    Jacobian of :func:`css_problem` (faster again, the same minimum where the sum of
    squares is well identified). It is not the default: the
    CSS surface is multimodal along the AR/MA cancellation ridge, and from the zero
    start, where the AR and MA columns of the Jacobian coincide exactly, LM then takes
    other paths. Measured on the 36 auto-ARIMA refits of notebooks 02-03: two end
    elsewhere with the analytic Jacobian (one order (1,1,1) -> (0,1,1), one other local
    optimum of (2,1,1), both with a lower exact likelihood), while on sp500's last 1,000
    closes it finds a lower CSS for (1,1,2); the forward-difference path is kept so that
    the chosen orders stay those of the established search (the tests check the
    forward differences equal scipy's bit for bit).

    Returns
    -------
    sigma2 : float
        Mean squared residual (inf when the fit failed).
    params : ndarray of shape (n_params,) or None
        SARIMAX-ordered estimates (trend, ar, ma, seasonal ar, seasonal ma, sigma2).
    n_eff : int
        Residuals summed.
    """
    from scipy.optimize import least_squares

    prob = css_problem(w, order, seasonal, trend, max_p, max_d)
    jacobians: dict[str, Any] = {"forward": prob.fd_jac, "scipy": "2-point", "analytic": prob.jac}
    k, n_eff = len(prob.theta0), prob.n_eff
    if k == 0:
        e = prob.resid(prob.theta0)
        return float(np.mean(e**2)), np.array([np.mean(e**2)]), n_eff
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            sol = least_squares(
                prob.resid, prob.theta0, jac=jacobians[jacobian], method="lm",
                max_nfev=CSS_EVALUATIONS_PER_PARAMETER * (k + 1),
            )  # fmt: skip
        except (ValueError, np.linalg.LinAlgError):
            return np.inf, None, n_eff
    e = prob.resid(sol.x)
    sigma2 = float(np.mean(e**2))
    if not np.isfinite(sigma2) or sigma2 <= 0:
        return np.inf, None, n_eff
    theta = sol.x.copy()
    if trend == "t":
        return sigma2, None, n_eff  # time-trend scale differs from SARIMAX's; no start values
    return sigma2, np.concatenate([theta, [sigma2]]), n_eff


@dataclass(frozen=True)
class CssProblem:
    """The CSS least-squares problem of one candidate (see :func:`css_problem`).

    Attributes
    ----------
    resid : callable
        theta (k,) -> residuals (n_eff,); 1e6 everywhere when they are not finite.
    jac : callable
        theta (k,) -> analytic Jacobian (n_eff, k) of ``resid``.
    fd_jac : callable
        theta (k,) -> scipy's forward-difference ("2-point") Jacobian, bit for bit.
    theta0 : ndarray of shape (k,)
        Start values (zeros; the mean of the differenced series for a constant).
    n_eff : int
        Residuals summed.
    """

    resid: Callable[[np.ndarray], np.ndarray]
    jac: Callable[[np.ndarray], np.ndarray]
    fd_jac: Callable[[np.ndarray], np.ndarray]
    theta0: np.ndarray
    n_eff: int


def css_problem(
    w: np.ndarray,
    order: tuple[int, int, int],
    seasonal: tuple[int, int, int, int],
    trend: str,
    max_p: int,
    max_d: int,
) -> CssProblem:
    """Residuals and their Jacobian for :func:`css_fit`.

    theta is SARIMAX-ordered (trend, ar, ma, seasonal ar, seasonal ma), the trend terms
    on a time index scaled to [0, 1). The residuals are
    :math:`e = a(L)^{-1}(b(L) x - \\text{trend})` from zero pre-sample residuals, so the
    zero-start filters give :math:`\\partial e/\\partial b_j = a^{-1} L^j x`,
    :math:`\\partial e/\\partial a_j = -a^{-1} L^j e` and
    :math:`\\partial e/\\partial\\beta = -a^{-1}\\,\\text{trend}`, chained through the lag
    polynomials' Jacobian (:func:`poly_jacobian`); one batched ``lfilter`` for all columns.
    """

    p, d, q = order
    P, D, Q, s = seasonal
    x = _difference(w, d, D, s)
    m = max_p + max_d + s * (P + D)
    first = m - d - s * D  # first residual position in x
    k_trend = {"n": 0, "c": 1, "t": 1, "ct": 2}[trend]
    powers = {"n": [], "c": [0], "t": [1], "ct": [0, 1]}[trend]
    tt = np.arange(len(x)) / max(len(x), 1)
    trend_x = np.stack([tt**k for k in powers], axis=1) if powers else np.zeros((len(x), 0))
    k = k_trend + p + q + P + Q
    start = p + s * P
    arma = ArmaSpec(p, d, q, P, D, Q, s if (P or D or Q) else 0, "n")
    nb, na = p + s * P, q + s * Q
    one = np.ones(1)  # the polynomial 1; never written to
    last: dict[str, Any] = {}  # the last residual pass, reused by `jac` at the same theta

    def filtered(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = theta.tobytes()
        if last.get("key") != key:
            _, ar_poly, ma_poly = arma.split(theta[k_trend:])
            u = lfilter_fast(ar_poly, one, x)[start:] - trend_x[start:] @ theta[:k_trend]
            last.update(key=key, e=lfilter_fast(one, ma_poly, u), ma=ma_poly)
        return last["e"], last["ma"], theta[k_trend:]

    def resid(theta: np.ndarray) -> np.ndarray:
        e = filtered(theta)[0][first - start :]
        if not np.all(np.isfinite(e)):
            return np.full(len(e), 1e6)
        return e

    eps_step = float(np.finfo(float).eps) ** 0.5
    # perturbing these leaves the MA filter as it is: trend, AR and seasonal AR terms
    same_ma = [*range(k_trend + p), *range(k_trend + p + q, k_trend + p + q + P)]
    other_ma = [i for i in range(k) if i not in same_ma]

    def fd_jac(theta: np.ndarray) -> np.ndarray:
        """scipy's "2-point" Jacobian (``approx_derivative``, default relative step) of
        ``resid``, bit for bit, with the perturbations that keep the MA filter run
        through it as one batched ``lfilter``."""
        f0 = resid(theta)
        h = eps_step * ((theta >= 0).astype(float) * 2 - 1) * np.maximum(1.0, np.abs(theta))
        out = np.empty((len(f0), k))
        moved = []
        for i in same_ma:
            x1 = theta.copy()
            x1[i] = theta[i] + h[i]
            _, ar_poly, _ = arma.split(x1[k_trend:])
            moved.append(lfilter_fast(ar_poly, one, x)[start:] - trend_x[start:] @ x1[:k_trend])
        if moved:
            ma_poly = arma.split(theta[k_trend:])[2]
            filt = lfilter_fast(one, ma_poly, np.stack(moved))[:, first - start :]
            for row, i in zip(filt, same_ma, strict=True):
                e = row if np.all(np.isfinite(row)) else np.full(len(row), 1e6)
                out[:, i] = (e - f0) / ((theta[i] + h[i]) - theta[i])
        for i in other_ma:
            x1 = theta.copy()
            x1[i] = theta[i] + h[i]
            out[:, i] = (resid(x1) - f0) / ((theta[i] + h[i]) - theta[i])
        return out

    def jac(theta: np.ndarray) -> np.ndarray:
        e_full, ma_poly, coefs = filtered(theta)
        n_eff = len(x) - first
        if not np.all(np.isfinite(e_full)):
            return np.zeros((n_eff, k))
        seg = len(e_full)
        cols = np.zeros((k_trend + nb + na, seg))
        cols[:k_trend] = -trend_x[start:].T
        for j in range(1, nb + 1):
            cols[k_trend + j - 1] = x[start - j : len(x) - j]
        for j in range(1, na + 1):
            cols[k_trend + nb + j - 1, j:] = -e_full[: seg - j]
        dpoly = lfilter_fast(one, ma_poly, cols)[:, first - start :].T
        if k == k_trend:
            return cast("np.ndarray", dpoly)
        jb, ja = poly_jacobian(coefs, arma, max(nb, na))
        arma_part = dpoly[:, k_trend : k_trend + nb] @ jb[:nb] + dpoly[:, k_trend + nb :] @ ja[:na]
        return np.column_stack([dpoly[:, :k_trend], arma_part])

    theta0 = np.zeros(k)
    if k_trend:
        theta0[0] = float(np.mean(x[first:])) if powers[0] == 0 else 0.0
    return CssProblem(resid, jac, fd_jac, theta0, len(x) - first)


def kpss_d(w: np.ndarray, d_values: tuple[int, ...]) -> int:
    """Smallest d in ``d_values`` whose d-times differenced ``w`` passes a KPSS test.

    KPSS (level stationarity, 5 % level) as in Hyndman & Khandakar's ``auto.arima``: the
    differencing order is decided by a unit-root test, not by comparing information criteria
    across d (which describe different data). If every candidate is rejected, the largest d.
    The long-run variance uses ``trunc(3 * sqrt(n) / 13)`` Bartlett lags, the bandwidth of
    ``forecast::ndiffs`` (7 at n = 1000); statsmodels' data-driven ``nlags="auto"`` picks
    far more lags on a persistent series (19 on the WTI log price of 2011-2014), which lowers
    the statistic until a random walk passes as stationary (then d = 0, every near-unit AR
    root is refused and only MA models around the mean are left).
    """
    from statsmodels.tsa.stattools import kpss

    candidates = sorted(d_values)
    for d in candidates[:-1]:
        x = np.diff(w, n=d) if d else w
        with warnings.catch_warnings():  # p-values outside the table are clipped: fine here
            warnings.simplefilter("ignore")
            pvalue = kpss(x, regression="c", nlags=int(3 * np.sqrt(len(x)) / 13))[1]
        if pvalue > 0.05:
            return d
    return candidates[-1]


def search_orders(
    w: np.ndarray, cfg: dict[str, Any], trend: str | None
) -> tuple[pd.DataFrame, Spec, ExactFit]:
    """CSS screening of every (p, q) at ``cfg["d_values"][0]``, exact-likelihood choice.

    Parameters
    ----------
    w : ndarray of shape (n_obs,)
        The search window on the integrated scale.
    cfg : dict
        Checked parameters of the forecaster (``seasonal``, ``max_p``, ``max_q``,
        ``d_values`` (one d, chosen by KPSS), ``ic``, ``maxiter``).
    trend : str or None
        The user's trend, or None for a constant only when the series is not differenced.

    Returns
    -------
    table : pd.DataFrame
        One row per candidate: ``p, d, q, trend``, the CSS ``sigma2`` and criterion
        (``css_<ic>``), ``min_root`` and ``factor_gap`` (of the CSS estimates),
        ``admissible`` (:func:`well_posed_at`), and for the candidates refitted exactly
        ``loglik``, ``min_root_exact``, ``factor_gap_exact``, ``converged`` and the exact
        criterion ``<ic>`` (NaN otherwise). Sorted by the exact criterion, then by
        the CSS one; row 0 is the chosen model.
    spec : ((p, d, q), (P, D, Q, s), trend)
        The chosen candidate.
    fit : ExactFit
        Its exact fit on ``w``.
    """
    seasonal = cfg["seasonal"]
    max_p, max_q, d_values, ic = cfg["max_p"], cfg["max_q"], cfg["d_values"], cfg["ic"]
    # spec, sigma2, css ic, root, factor gap, admissible
    recs: list[tuple[Spec, float, float, float, float, bool]] = []
    css_params: list[np.ndarray | None] = []
    for d in d_values:
        tr = trend or ("c" if d + seasonal[1] == 0 else "n")
        for p in range(max_p + 1):
            for q in range(max_q + 1):
                spec = ((p, d, q), seasonal, tr)
                sigma2, params, n = css_fit(w, (p, d, q), seasonal, tr, max_p, max(d_values))
                k = n_params(spec)
                ok = bool(np.isfinite(sigma2))
                with np.errstate(divide="ignore"):  # log(0) = -inf: a noiseless series
                    value = n * np.log(sigma2) + _penalty(ic, k, n) if ok else np.inf
                root, gap = root_summary(params, spec) if params is not None else (np.inf,) * 2
                recs.append((spec, sigma2, value, root, gap, ok and well_posed_at(root, gap)))
                css_params.append(params)
    # plain arrays in CSS order (stable), one DataFrame at the end
    by_css = np.argsort([rec[2] for rec in recs], kind="stable")
    recs = [recs[i] for i in by_css]
    css_params = [css_params[i] for i in by_css]
    admissible = np.array([rec[5] for rec in recs])
    if not admissible.any():
        raise DataError(
            "the ARIMA order search failed for every candidate (non-finite sums of squares); "
            "check `y` for extreme values or pass `order` explicitly."
        )
    no_arma = np.array([rec[0][0][0] == 0 and rec[0][0][2] == 0 for rec in recs])
    chosen = sorted({*np.flatnonzero(admissible & ~no_arma)[:N_EXACT], *np.flatnonzero(no_arma)})
    size = len(recs)
    loglik, root_exact, gap_exact, exact_ic = (np.full(size, np.nan) for _ in range(4))
    converged: list[Any] = [pd.NA] * size
    exact, values = {}, {}
    for i in chosen:
        spec = recs[i][0]
        fit = exact[i] = fit_exact(w, spec, [css_params[i]], cfg["maxiter"], screening=True)
        root, gap = root_summary(fit.params, spec)
        values[i] = criterion(ic, fit.llf, n_params(spec), fit.nobs_effective)
        loglik[i], root_exact[i], gap_exact[i], converged[i] = fit.llf, root, gap, fit.converged
        if well_posed_at(root, gap):
            exact_ic[i] = values[i]
    if not np.isfinite(exact_ic).any():
        # (0, d, 0) has no roots, so this needs seasonal terms near the unit circle in
        # every candidate: keep the best exact fit rather than fail
        exact_ic[list(values)] = list(values.values())
    if np.isnan(exact_ic).all():  # no likelihood anywhere (a noiseless series): the
        best = min(chosen, key=lambda i: n_params(recs[i][0]))  # simplest, by CSS order
    else:
        best = int(np.nanargmin(exact_ic))
    table = pd.DataFrame(
        {
            "p": [rec[0][0][0] for rec in recs],
            "d": [rec[0][0][1] for rec in recs],
            "q": [rec[0][0][2] for rec in recs],
            "trend": [rec[0][2] for rec in recs],
            "sigma2": [rec[1] for rec in recs],
            f"css_{ic}": [rec[2] for rec in recs],
            "min_root": [rec[3] for rec in recs],
            "factor_gap": [rec[4] for rec in recs],
            "admissible": admissible,
            "loglik": loglik,
            "min_root_exact": root_exact,
            "factor_gap_exact": gap_exact,
            ic: exact_ic,
            "converged": pd.array(converged, dtype="boolean"),
        }
    )
    table = table.sort_values([ic, f"css_{ic}"], kind="stable", na_position="last")
    return table.reset_index(drop=True), recs[best][0], exact[best]
