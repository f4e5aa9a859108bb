"""Whole backtest tasks of :class:`~tickcast.models.linear.LinearForecaster` at once.

Every fold of a task needs one ridge fit on a contiguous run of training windows (its refit's
first window through the last window observed at its origin), and every refit fold also a
calibration fit on the first windows of its training window and the out-of-sample errors of
the last ones. All of them are differences of one prefix sum of ``x x'`` and ``x Y'`` over
the task's windows (expanding and sliding windows alike: a sliding window just moves its
lower boundary), followed by one batched solve. This is
:func:`~tickcast.models.base.forecast_folds_stepwise` (fit at every refit, update in between,
predict), computed without refitting; the tests check it equals that loop and scikit-learn.

With a volatility model (EWMA, the default, or GARCH) every refit estimates its parameters on
its own training steps, as ``fit`` does (EWMA's decay by :func:`~tickcast.models._ewma_fit.
ewma_lambda`, bit for bit the same), and one filter pass per refit gives the volatility of
its calibration rows (which standardise the conformal scores, FHS) and of the step after
each of its origins (which scales the offsets), as ``predict`` computes them fold by fold.

Without quantiles to compute (a backtest with ``level=None``) only the folds' own fits are
solved: no calibration fit, conformal rank or per-refit volatility estimate.

Cost per task: O(n p^2) for the prefix sums, one batched p x p solve per fold and refit,
O(n_cal log n_cal) per refit for the conformal ranks; with a volatility model, one
parameter estimate per refit (EWMA: about 13 likelihood passes over its steps, most of the
time of a refit-every-origin backtest).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from tickcast.data.spec import KINDS
from tickcast.features.transforms import make_target
from tickcast.models.base import _ADDITIVE_TARGETS, forecast_folds_stepwise
from tickcast.models.conformal import nested

if TYPE_CHECKING:
    from tickcast.models.linear import LinearForecaster

__all__ = ["linear_forecast_folds"]

#: Numbers held at once by the chunked prefix sums of the row outer products.
_CHUNK_NUMBERS = 4_000_000
#: Numbers held at once by the conformal scores of a chunk of calibration fits.
_SCORE_NUMBERS = 150_000
#: Consecutive prefix bounds this many rows apart or more are joined by one GEMM.
_GEMM_GAP = 32


def linear_forecast_folds(
    model: LinearForecaster,
    y: pd.Series,
    X: pd.DataFrame | None,
    folds: Sequence[Any],
    horizon: int,
    quantiles: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``forecast_folds`` of a LinearForecaster; see :mod:`tickcast.models._linear_folds`.

    Falls back to :func:`~tickcast.models.base.forecast_folds_stepwise` when the batched
    path does not apply (features, a non-additive target, ``horizon`` beyond the direct
    outputs, a kind that could change between training windows, a refit window too short).
    A volatility model (EWMA, GARCH) is estimated on each refit's training steps exactly as
    ``fit`` does and filtered through its block (:func:`_refit_volatility`); its scale
    multiplies the conformal offsets of standardised residuals, as ``predict`` does.
    """
    quantiles = np.asarray(quantiles, dtype=float)
    stepwise = (model, y, X, folds, horizon, quantiles)
    X = X if model.supports_exog else None
    # fit at the last refit fold: the loop ends fitted there, and the hyperparameters and
    # target it sets are those of every fold (the target is checked to be fixed below)
    last_refit = max((k for k, f in enumerate(folds) if f.refit), default=0)
    tr = slice(folds[last_refit].train.start, folds[last_refit].train.stop)
    model.fit_trusted(y.iloc[tr], None if X is None else X.iloc[tr])
    fixed_kind = (
        model.fixed_target is not None
        or model.target is not None
        or model.kind is not None
        or y.attrs.get("kind") in KINDS
    )
    if (
        model.feature_set_ is not None
        or horizon > model.horizon_
        or model.target_ not in _ADDITIVE_TARGETS
        or not fixed_kind
    ):
        return forecast_folds_stepwise(*stepwise)
    k_all = np.arange(len(folds))
    origins = np.array([f.origin for f in folds], dtype=np.int64)
    is_refit = np.array([f.refit for f in folds], dtype=bool)
    is_refit[0] = True
    which = np.maximum.accumulate(np.where(is_refit, k_all, 0))  # each fold's refit fold
    refits = k_all[is_refit]
    starts = np.array([f.train.start for f in folds], dtype=np.int64)[refits]
    ends = origins[refits]
    lags, H, frac = model.lags_, model.horizon_, float(model.calibration_fraction)
    n_win = ends - starts - H - lags + 1
    if np.any(ends - starts + 1 < model._min_obs(lags - 1, frac)):
        return forecast_folds_stepwise(*stepwise)
    end = int(origins[-1]) + 1
    y_all = y.iloc[:end]
    try:  # the target's domain over everything used (e.g. positive prices)
        make_target(model.target_).fit(y_all)
    except Exception:
        return forecast_folds_stepwise(*stepwise)
    z = model._z_of(y_all)  # z[t] ends at y[t + 1]
    if not np.all(np.isfinite(z)):
        return forecast_folds_stepwise(*stepwise)
    Xv = None if X is None else X.iloc[:end].to_numpy(dtype=float)

    # windows (z-origins) t: fold k uses t in [s_k, e_k); refit r calibrates on
    # [s_r, s_r + n_train_r) and scores [s_r + n_win_r - n_cal_r, s_r + n_win_r)
    s_ref = starts + lags - 1
    n_cal = (n_win * frac).astype(np.int64)
    n_train = n_win - n_cal - (H - 1)
    s_fold = s_ref[np.searchsorted(refits, which)]
    e_fold = origins - H
    t0, t1 = int(s_ref.min()), int(e_fold.max())
    t = np.arange(t0, t1)
    D = model._design(z, None, Xv, t)
    Y = model._targets(z, t)
    # point forecasts only (no quantiles asked): no calibration fits, no volatility
    intervals = len(quantiles) > 0
    lo = (np.concatenate([s_fold, s_ref]) if intervals else s_fold) - t0
    hi = (np.concatenate([e_fold, s_ref + n_train]) if intervals else e_fold) - t0
    # centred on the windows of the first fold: no fold's numbers depend on later data
    coef, intercept = _range_solves(D, Y, lo, hi, model.alpha_, int(e_fold[0] - t0))
    K = len(folds)
    x0 = model._design(z, None, Xv, origins - 1)  # inputs at each origin
    steps = (np.einsum("kp,kph->kh", x0, coef[:K]) + intercept[:K])[:, :horizon]
    last = y_all.to_numpy(dtype=float)[origins]
    means = np.asarray(model.transform_.inverse_transform(steps, last))
    if not intervals:
        _update_through(model, y, X, tr.stop, end)
        return means, np.empty((K, horizon, 0))
    # each refit's volatility model (None: constant), filtered through its block
    block = np.searchsorted(refits, which)  # each fold's refit, 0 .. R - 1
    row_sigma, fold_scale = _refit_volatility(
        model, y_all, starts, ends, origins, block, n_cal, horizon
    )
    # conformal offsets of each refit from its own calibration errors (standardised by the
    # volatility of their dates, FHS), scaled per fold and nested along the steps
    cal_start = s_ref + n_win - n_cal - t0
    half = _conformal_halves(
        D,
        Y[:, :horizon],
        coef[K:, :, :horizon],
        intercept[K:, :horizon],
        cal_start,
        n_cal,
        np.abs(2 * quantiles - 1),
        row_sigma,
    )
    signed = np.sign(quantiles - 0.5) * half  # (R, horizon, n_q)
    if fold_scale is None:
        per_fold = nested(signed, quantiles)[block]  # (K, horizon, n_q)
    else:
        per_fold = nested(signed[block] * fold_scale[:, :, None], quantiles)
    quants = model._levels_from_cumulative(np.cumsum(steps, axis=1)[..., None] + per_fold, last)
    _update_through(model, y, X, tr.stop, end)  # after _refit_volatility read its last fit
    return means, quants


def _update_through(
    model: LinearForecaster, y: pd.Series, X: pd.DataFrame | None, stop: int, end: int
) -> None:
    """Leave the model as the fold loop does: fitted at the last refit (data up to
    ``stop``), then updated through the last origin (``end`` = one past it)."""
    if end > stop:
        model.update_trusted(y.iloc[stop:end], None if X is None else X.iloc[stop:end])


def _conformal_halves(
    D: np.ndarray,
    Y: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    start: np.ndarray,
    count: np.ndarray,
    coverage: np.ndarray,
    row_sigma: np.ndarray | None = None,
) -> np.ndarray:
    """Split-conformal half-widths of the cumulative errors of several calibration fits.

    Fit ``r`` (``coef[r]`` of shape (p, h), ``intercept[r]``) is scored on rows
    ``start[r] : start[r] + count[r]`` of (D, Y); the half-widths are those of
    :func:`~tickcast.models.conformal.conformal_cumulative_offsets` (rank
    ``ceil((n + 1) * coverage)`` of the absolute cumulative errors, clipped to n), computed
    for a chunk of fits at once on rows padded with +inf. ``row_sigma`` (R, max count), if
    given, divides each scored row first (standardised residuals; a row with sigma 0 scores
    0, as :func:`~tickcast.models.volatility.standardise`). Returns (R, h, n_q).
    """
    R, h, width = len(start), Y.shape[1], int(count.max())
    cum_y, cum_coef = np.cumsum(Y, axis=1), np.cumsum(coef, axis=2)
    cum_icpt = np.cumsum(intercept, axis=1)
    cov, cov_of = np.unique(coverage, return_inverse=True)
    out = np.empty((R, h, len(cov)))
    per = max(1, _SCORE_NUMBERS // max(1, width * h))
    pos = np.arange(width)
    for a in range(0, R, per):
        b = min(R, a + per)
        m, lo = b - a, int(start[a:b].min())
        hi = int((start[a:b] + count[a:b]).max())
        off = start[a:b] - lo
        # cumulative errors of every fit of the chunk on the rows any of them scores, laid
        # out (fit, step, row): one GEMM with the coefficients cumulated over the steps
        errors = np.empty((m, h, int(off.max()) + width))
        errors[:, :, hi - lo :] = 0.0  # padding, beyond every fit's rows (masked below)
        fitted = cum_coef[a:b].transpose(0, 2, 1).reshape(m * h, -1) @ D[lo:hi].T
        np.subtract(cum_y[lo:hi].T, fitted.reshape(m, h, hi - lo), out=errors[:, :, : hi - lo])
        errors[:, :, : hi - lo] -= cum_icpt[a:b, :, None]
        # each fit's own rows: a window of ``width`` rows from its first (a strided view)
        scores = sliding_window_view(errors, width, axis=2)[np.arange(m), :, off]  # (m, h, w)
        valid = pos[None, :] < count[a:b, None]  # (m, width)
        if row_sigma is not None:
            sigma = row_sigma[a:b, :width]
            scores /= np.where(sigma > 0, sigma, 1.0)[:, None, :]
            scores *= (sigma > 0)[:, None, :]
        np.abs(scores, out=scores)
        scores[np.broadcast_to(~valid[:, None, :], scores.shape)] = np.inf
        scores.sort(axis=2)
        n = count[a:b, None]
        rank = np.ceil(np.round((n + 1) * cov[None, :], 9)).astype(np.int64)
        idx = np.clip(rank, 1, n) - 1  # (m, n_cov)
        out[a:b] = np.take_along_axis(
            scores, np.broadcast_to(idx[:, None, :], (m, h, len(cov))), axis=2
        )
    return out[:, :, cov_of]


def _refit_volatility(
    model: LinearForecaster,
    y_all: pd.Series,
    starts: np.ndarray,
    ends: np.ndarray,
    origins: np.ndarray,
    block: np.ndarray,
    n_cal: np.ndarray,
    horizon: int,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Each refit's volatility model, as the fold loop has it at each of its folds.

    Refit ``r`` fits the model's volatility kind on its training steps ``starts[r] ..
    ends[r]`` (``ends[r]`` its origin) as ``fit`` does, then filters it with fixed
    parameters through the last origin of its block, as ``update`` does (the model passed in
    is fitted at the last refit, whose volatility fit is reused). Returns

    * ``row_sigma`` (R, max n_cal): the in-sample volatility of each refit's calibration
      rows, by the row positions of ``_interval_residuals``;
    * ``fold_scale`` (K, horizon): the cumulative forecast scale of every fold
      (``_vol_cumulative_scale`` from the variance of the step after its origin);

    or (None, None) when the model's volatility is constant.
    """
    from tickcast.errors import VolatilityFallbackWarning
    from tickcast.models._ewma_fit import ewma_lambda
    from tickcast.models.volatility import fit_volatility

    last_fit = model.__dict__.get("volatility_")
    if last_fit is None:
        return None, None
    kind = last_fit.requested
    quiet = getattr(model, "volatility", "constant") is None  # as _fit_volatility
    w = model._working_steps(y_all)  # w[i]: the step from y[i] to y[i + 1]
    R, K = len(starts), len(origins)
    bounds = np.searchsorted(block, np.arange(R + 1))  # folds of refit r: bounds[r]:bounds[r+1]
    row_sigma = np.ones((R, int(n_cal.max())))
    fold_scale = np.empty((K, horizon))
    steps_h = np.arange(1, horizon + 1)
    # EWMA's decay by the same minimiser with less overhead, if it gives the model's own
    # estimate at the last refit (bit for bit; otherwise fit_volatility at every refit)
    lean = (
        R > 1
        and kind == "ewma"
        and ewma_lambda(w[int(starts[-1]) : int(ends[-1])]) == last_fit.params.get("lam")
    )
    for r in range(R):
        s, e = int(starts[r]), int(ends[r])
        ks = slice(int(bounds[r]), int(bounds[r + 1]))
        if r == R - 1:
            fit = last_fit.update(w[e : int(origins[ks][-1])])
        elif lean:  # fit_volatility(z, "ewma") with the decay found the lean way
            z = w[s:e]
            fit = fit_volatility(z, "ewma", lam=ewma_lambda(z)).update(w[e : int(origins[ks][-1])])
        else:
            with warnings.catch_warnings():
                if quiet:
                    warnings.simplefilter("ignore", VolatilityFallbackWarning)
                fit = fit_volatility(w[s:e], kind)
            fit = fit.update(w[e : int(origins[ks][-1])])
        pos = np.clip(np.arange(e - s - n_cal[r], e - s), 0, None)
        row_sigma[r, : n_cal[r]] = np.sqrt(fit.sigma2_next[pos])
        paths = fit.forecast_variance_paths(fit.sigma2_next[origins[ks] - s], horizon)
        if fit.flat_forecast:  # a flat path, as _vol_cumulative_scale
            fold_scale[ks] = np.sqrt(paths)
        else:  # GARCH and reverting EWMA paths, as _vol_cumulative_scale
            fold_scale[ks] = np.sqrt(np.cumsum(paths, axis=1) / steps_h)
    return row_sigma, fold_scale


def _range_solves(
    D: np.ndarray, Y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float, n_shift: int
) -> tuple[np.ndarray, np.ndarray]:
    """Ridge (LinearForecaster's estimator) on rows ``lo[j]:hi[j]`` of (D, Y), for every j.

    Sums over a row range are differences of prefix sums of the centred rows (centred on the
    mean of the first ``n_shift`` rows, for accuracy: the first fold's windows, so that no
    sum depends on a later row), taken in chunks so that memory stays bounded. Every prefix
    sum only adds rows before its bound, so a fold's numbers do not change, bit for bit,
    when later data do.
    Returns coef (J, p, H) and intercept (J, H).
    """
    from tickcast.models.linear import _Stats

    shift_x, shift_y = D[:n_shift].mean(axis=0), Y[:n_shift].mean(axis=0)
    Dc, Yc = D - shift_x, Y - shift_y
    p, H = D.shape[1], Y.shape[1]
    bounds = np.unique(np.concatenate([lo, hi]))  # prefix positions needed, sorted
    pxx, pxy = _prefix_products(Dc, Yc, bounds)
    csx = np.concatenate([np.zeros((1, p)), np.cumsum(Dc, axis=0)])
    csy = np.concatenate([np.zeros((1, H)), np.cumsum(Yc, axis=0)])
    ilo, ihi = np.searchsorted(bounds, lo), np.searchsorted(bounds, hi)
    xx, xy = pxx[ihi], pxy[ihi]  # gathered copies: the differences are taken in place
    if np.any(lo):  # sliding windows; expanding ones all start at row 0, whose prefix is 0
        xx -= pxx[ilo]
        xy -= pxy[ilo]
    stats = _Stats(
        (hi - lo).astype(float), shift_x, shift_y, csx[hi] - csx[lo], csy[hi] - csy[lo], xx, xy
    )
    coef, intercept, _ = stats.solve(alpha)
    return coef, intercept


def _prefix_products(
    Dc: np.ndarray, Yc: np.ndarray, bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``x x'`` and ``x Y'`` over rows ``0 .. b - 1`` for each ``b`` in ``bounds``.

    A gap of many rows between consecutive bounds is summed with one GEMM; a run of close
    bounds (refits at every origin) cumulates row outer products, in chunks of bounded
    memory. Returns (len(bounds), p, p) and (len(bounds), p, H).
    """
    p, H = Dc.shape[1], Yc.shape[1]
    B = len(bounds)
    pxx, pxy = np.empty((B, p, p)), np.empty((B, p, H))
    b0 = int(bounds[0])
    pxx[0], pxy[0] = Dc[:b0].T @ Dc[:b0], Dc[:b0].T @ Yc[:b0]
    chunk = max(1, _CHUNK_NUMBERS // (p * (p + H)))
    j = 0
    while j < B - 1:
        if bounds[j + 1] - bounds[j] >= _GEMM_GAP:
            seg = slice(int(bounds[j]), int(bounds[j + 1]))
            pxx[j + 1] = pxx[j] + Dc[seg].T @ Dc[seg]
            pxy[j + 1] = pxy[j] + Dc[seg].T @ Yc[seg]
            j += 1
            continue
        k = j + 1  # bounds j+1 .. k are close together: cumulate rows bounds[j] .. bounds[k]
        while k < B - 1 and bounds[k + 1] - bounds[k] < _GEMM_GAP:
            k += 1
        run_xx, run_xy = pxx[j], pxy[j]
        for start in range(int(bounds[j]), int(bounds[k]), chunk):
            stop = min(int(bounds[k]), start + chunk)
            inside = np.flatnonzero((bounds > start) & (bounds <= stop))  # a run of indices
            at = slice(int(inside[0]), int(inside[-1]) + 1)
            sx, sy, n = Dc[start:stop], Yc[start:stop], stop - start
            cxx = np.multiply(sx[:, :, None], sx[:, None, :])  # row outer products, cumulated
            cxy = np.multiply(sx[:, :, None], sy[:, None, :])  # in place along the rows
            np.cumsum(cxx, axis=0, out=cxx)
            np.cumsum(cxy, axis=0, out=cxy)
            last = bounds[inside] - start - 1  # the last row each prefix includes
            every_row = len(last) == n  # bounds at every row: no gather
            np.add(run_xx, cxx if every_row else cxx[last], out=pxx[at])
            np.add(run_xy, cxy if every_row else cxy[last], out=pxy[at])
            run_xx = run_xx + cxx[-1]
            run_xy = run_xy + cxy[-1]
        j = k
    return pxx, pxy
