"""EWMA (RiskMetrics) decay estimated as :func:`~tickcast.models.volatility.fit_volatility`
does, with less overhead per likelihood evaluation: for the many refits of a backtest.

:func:`ewma_lambda` returns the same number as ``fit_volatility(z, "ewma").params["lam"]``
(the same floating-point operations: scipy's bounded Brent minimiser, ``xatol=1e-5``, on
the same Gaussian negative log-likelihood computed by the same ``lfilter`` recursion), in
about half the time: the minimiser runs on Python floats and each evaluation reuses its
buffers. The tests check equality with ``fit_volatility`` bit for bit, and the batched
backtest path checks it at run time against the model's own fit before using it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.signal import lfilter

from tickcast.models.volatility import _INIT_STEPS, _LAMBDA_BOUNDS, RISKMETRICS_LAMBDA

__all__ = ["ewma_lambda"]

_SQRT_EPS = math.sqrt(2.2e-16)  # as scipy.optimize._minimize_scalar_bounded
_GOLDEN = 0.5 * (3.0 - math.sqrt(5.0))
_XATOL = 1e-5
_MAXFUN = 500


def ewma_lambda(z: np.ndarray) -> float:
    """Maximum-likelihood EWMA decay of the steps ``z`` (shape (n,), finite), in [0.80, 0.999].

    Equals ``fit_volatility(z, "ewma").params["lam"]``; RiskMetrics' 0.94 for all-zero steps.
    """
    q = z**2
    s2_0 = float(np.mean(z[:_INIT_STEPS] ** 2))
    if s2_0 == 0 and not np.any(z):
        return RISKMETRICS_LAMBDA
    n = len(q)
    s2 = np.empty(n)
    tmp = np.empty(n)
    zi = np.empty(1)

    def nll(lam: float) -> float:
        # _filter("ewma")[:-1]: s2[0] = s2_0, s2[t + 1] = lam * s2[t] + (1 - lam) * q[t]
        zi[0] = lam * s2_0
        rest = lfilter([1.0 - lam], [1.0, -lam], q[:-1], zi=zi)[0]
        s2[0] = s2_0
        s2[1:] = rest
        np.maximum(s2, 1e-300, out=s2)
        np.log(s2, out=tmp)
        np.divide(q, s2, out=s2)
        np.add(tmp, s2, out=tmp)
        return float(np.sum(tmp))

    return _bounded_brent(nll, *_LAMBDA_BOUNDS)


def _bounded_brent(f: Callable[[float], float], x1: float, x2: float) -> float:
    """scipy's ``_minimize_scalar_bounded`` (xatol 1e-5, maxiter 500), returning ``x``."""
    a, b = x1, x2
    fulc = a + _GOLDEN * (b - a)
    nfc = xf = fulc
    rat = e = 0.0
    x = xf
    fx = f(x)
    num = 1
    ffulc = fnfc = fx
    xm = 0.5 * (a + b)
    tol1 = _SQRT_EPS * abs(xf) + _XATOL / 3.0
    tol2 = 2.0 * tol1
    while abs(xf - xm) > (tol2 - 0.5 * (b - a)):
        golden = True
        if abs(e) > tol1:
            golden = False
            r = (xf - nfc) * (fx - ffulc)
            q = (xf - fulc) * (fx - fnfc)
            p = (xf - fulc) * q - (xf - nfc) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = abs(q)
            r = e
            e = rat
            if abs(p) < abs(0.5 * q * r) and p > q * (a - xf) and p < q * (b - xf):
                rat = (p + 0.0) / q
                x = xf + rat
                if (x - a) < tol2 or (b - x) < tol2:
                    d = xm - xf
                    si = (1.0 if d > 0 else -1.0 if d < 0 else 0.0) + (d == 0)
                    rat = tol1 * si
            else:
                golden = True
        if golden:
            e = a - xf if xf >= xm else b - xf
            rat = _GOLDEN * e
        si = (1.0 if rat > 0 else -1.0 if rat < 0 else 0.0) + (rat == 0)
        x = xf + si * max(abs(rat), tol1)
        fu = f(x)
        num += 1
        if fu <= fx:
            if x >= xf:
                a = xf
            else:
                b = xf
            fulc, ffulc = nfc, fnfc
            nfc, fnfc = xf, fx
            xf, fx = x, fu
        else:
            if x < xf:
                a = x
            else:
                b = x
            if fu <= fnfc or nfc == xf:
                fulc, ffulc = nfc, fnfc
                nfc, fnfc = x, fu
            elif fu <= ffulc or fulc == xf or fulc == nfc:
                fulc, ffulc = x, fu
        xm = 0.5 * (a + b)
        tol1 = _SQRT_EPS * abs(xf) + _XATOL / 3.0
        tol2 = 2.0 * tol1
        if num >= _MAXFUN:
            break
    return float(xf)
