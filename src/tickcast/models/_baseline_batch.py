"""Batched backtest paths of :class:`~tickcast.models.baselines.Naive` and ``Drift``.

A Naive or Drift model updated through an origin ``o`` is an exact refit on the steps it has
seen: its estimates are sums of those steps (``sum z``, ``sum z**2``) and its intervals are
analytic (FPP3 §5.5). So the forecasts of every origin of a refit block follow from running
sums over the new steps, one volatility filter pass (EWMA) and one vectorised evaluation of
the interval formula, instead of an ``update`` and a ``predict`` per origin.

:func:`naive_forecast_origins` is ``forecast_origins`` (definition:
:func:`~tickcast.models.base.forecast_origins_stepwise`), :func:`naive_forecast_folds` is
``forecast_folds`` (definition: :func:`~tickcast.models.base.forecast_folds_stepwise`): each
refit block is one ``fit_trusted`` and one batched ``forecast_origins``. Both fall back to
their definition whenever the analytic formula does not apply: a ``pct_change`` target
(bootstrapped intervals), GARCH volatility (filtered historical simulation), a kind guessed
from the sign (the slow path re-guesses at every update), or new values the target refuses
(the slow path raises its error there). The tests check both against their definitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from tickcast.errors import TickcastError
from tickcast.models.base import (
    _ADDITIVE_TARGETS,
    check_origins,
    forecast_folds_stepwise,
    forecast_origins_stepwise,
)

if TYPE_CHECKING:
    from tickcast.models.baselines import Naive

__all__ = ["naive_forecast_folds", "naive_forecast_origins"]


def _analytic(model: Naive) -> bool:
    """Whether every origin's intervals are the analytic ones (else: the stepwise loop)."""
    vol = model.__dict__.get("volatility_")
    # as ``Naive._update``: a kind guessed from the sign is re-guessed by a refit each time
    guessed = model.target is None and model.kind is None and "kind" not in model.y_.attrs
    return (
        model.target_ in _ADDITIVE_TARGETS
        and (vol is None or vol.kind != "garch")
        and not guessed
        and len(model.z_) == len(model.y_) - model.transform_.n_dropped
    )


def _last_fitted_position(model: Naive, y: pd.Series) -> int | None:
    """Position in ``y`` of the model's last observation, or None if ``y`` does not hold it
    (``y`` may start before the fitted window, e.g. a sliding one)."""
    last = model.y_.index[-1]
    pos = int(y.index.searchsorted(last))
    if pos >= len(y) or y.index[pos] != last or pos + 1 < len(model.y_):
        return None
    return pos


def naive_forecast_origins(
    model: Naive,
    y: pd.Series,
    X: pd.DataFrame | None,
    origins: np.ndarray,
    horizon: int,
    quantiles: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``forecast_origins`` of a fitted Naive or Drift: all origins from running sums.

    Parameters
    ----------
    model : Naive or Drift
        Fitted; left updated through ``origins[-1]`` as the stepwise loop leaves it.
    y : pd.Series of shape (n_obs,)
        Levels through at least ``origins[-1]``, holding the fitted ones (the fitted window
        may start after ``y[0]``: positions are located by the last fitted date).
    X : None
        Unused (the baselines take no exogenous series).
    origins : ndarray of int, shape (n_origins,)
        Strictly increasing positions into ``y``, none before the last fitted one.
    horizon : int
        Steps forecast from each origin.
    quantiles : ndarray of shape (n_quantiles,)
        Probabilities in (0, 1).

    Returns
    -------
    means : ndarray of shape (n_origins, horizon)
    quants : ndarray of shape (n_origins, horizon, n_quantiles)
        Levels, equal to ``update_trusted`` + ``predict_trusted`` at each origin (to
        rounding: the sums of new steps are running sums, about 1e-15 relative).

    Notes
    -----
    With ``T_o`` steps seen at origin ``o`` (the fitted ones plus ``y``'s steps through
    ``o``), Naive has ``sigma_o**2 = sum z**2 / T_o``; Drift has ``drift_o = zbar``,
    ``sigma_o**2 = sum (z - zbar)**2 / (T_o - 1)``, computed from sums shifted by the fitted
    mean (no cancellation), and ``drift_se_o = sigma_o / sqrt(T_o)``. The h-step sd is
    ``sqrt(V_h + h**2 drift_se_o**2)`` with ``V_h = sigma_o**2 h`` (constant volatility) or the
    EWMA forecast variance summed over the horizon, from the filter at ``o``.
    """
    origins = check_origins(origins, len(model.y_), len(y))
    quantiles = np.asarray(quantiles, dtype=float)
    stepwise = (model, y, X, origins, horizon, quantiles)
    p = _last_fitted_position(model, y)
    if p is None or origins[0] < p or not _analytic(model):
        return forecast_origins_stepwise(*stepwise)
    end = int(origins[-1]) + 1
    values = y.to_numpy(dtype=float)
    n_drop = model.transform_.n_dropped
    z_new = np.empty(0)
    try:  # the new steps only, as ``update`` transforms them
        if end > p + 1:
            z_new = np.asarray(model.transform_.transform(values[p + 1 - n_drop : end]), float)
    except TickcastError:  # a value the target refuses: the loop raises it at its origin
        return forecast_origins_stepwise(*stepwise)
    if not np.all(np.isfinite(z_new)):
        return forecast_origins_stepwise(*stepwise)
    z_old = np.asarray(model.z_, dtype=float)
    new_seen = origins - p  # new steps seen at each origin, (K,)
    n_steps = (len(z_old) + new_seen).astype(float)  # T_o
    shift = float(z_old.mean()) if model.estimates_drift else 0.0  # Drift: centred sums
    d_old, d_new = z_old - shift, z_new - shift
    s1 = d_old.sum() + np.concatenate([[0.0], np.cumsum(d_new)])[new_seen]
    s2 = (d_old**2).sum() + np.concatenate([[0.0], np.cumsum(d_new**2)])[new_seen]
    drift, sigma2, drift_se = _estimates(model, s1, s2, n_steps, shift)
    var = None
    vol = model._vol_state()
    if vol is not None:  # the filter through every new step, read at each origin
        model.volatility_ = vol = vol.update(z_new)
        s2_next = vol.sigma2_next[(len(z_old) + new_seen).astype(np.int64)]
        var = np.cumsum(vol.forecast_variance_paths(s2_next, horizon), axis=1)
    means, quants = _forecasts(
        model, drift, sigma2, drift_se, var, values[origins], horizon, quantiles
    )
    # leave the model as the loop does: fitted on the history through the last origin
    if end > p + 1:
        history = pd.concat([model.y_, y.iloc[p + 1 : end]])
        history.attrs = dict(model.y_.attrs)
        model._set_history(history, None)
        model._fit(history, np.concatenate([z_old, z_new]), None)
    return means, quants


def _estimates(
    model: Naive, s1: np.ndarray, s2: np.ndarray, n_steps: np.ndarray, shift: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(drift, sigma**2, drift_se) per origin from sums of shifted steps (see the Notes)."""
    zero = np.zeros_like(n_steps)
    if not model.estimates_drift:
        return zero, s2 / n_steps, zero
    mean_dev = s1 / n_steps
    sigma2 = np.maximum(s2 - s1 * mean_dev, 0.0) / (n_steps - 1)
    return shift + mean_dev, sigma2, np.sqrt(sigma2) / np.sqrt(n_steps)


def _forecasts(
    model: Naive,
    drift: np.ndarray,
    sigma2: np.ndarray,
    drift_se: np.ndarray,
    var: np.ndarray | None,
    last: np.ndarray,
    horizon: int,
    quantiles: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Level means (K, horizon) and quantiles (K, horizon, n_q) of the analytic intervals.

    ``drift``, ``sigma2``, ``drift_se`` and ``last`` have one value per origin (K,); ``var``
    (K, horizon) is the summed forecast variance of a volatility model, None for the constant
    ``sigma2 * h`` (as ``Naive._predict_quantiles``); with a volatility model the Gaussian
    quantiles are the fit's standardised ones (``Forecaster._vol_standard_quantiles``).
    """
    h = np.arange(1, horizon + 1, dtype=float)
    if var is None:
        var = sigma2[:, None] * h[None, :]
        zq = ndtri(quantiles)[None, :]  # (1, n_q)
    else:  # the fit's empirical standardised quantiles, (horizon, n_q), as the loop
        zq = model._vol_standard_quantiles(horizon, quantiles)
    sd = np.sqrt(var + (h[None, :] * drift_se[:, None]) ** 2)
    center = drift[:, None] * h[None, :]  # (K, horizon), cumulated steps
    cum = center[:, :, None] + sd[:, :, None] * zq[None, :, :]
    steps = np.repeat(drift[:, None], horizon, axis=1)
    means = np.asarray(model.transform_.inverse_transform(steps, last), dtype=float)
    return means, model._levels_from_cumulative(cum, last)


def naive_forecast_folds(
    model: Naive,
    y: pd.Series,
    X: pd.DataFrame | None,
    folds: Sequence[Any],
    horizon: int,
    quantiles: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``forecast_folds`` of Naive or Drift, refits included.

    Parameters and returns as :func:`~tickcast.models.base.forecast_folds_stepwise` (the
    definition: the first fold and every fold with ``refit`` set fit on ``y[train]``, the
    others update). Without a volatility model every fold's estimates are sums over its
    fitted window (its refit's first observation through its origin), so all folds come
    from one prefix sum of the steps; with EWMA each refit block is one ``fit_trusted`` (the
    EWMA decay is re-estimated there) and one :func:`naive_forecast_origins`.
    """
    quantiles = np.asarray(quantiles, dtype=float)
    first = folds[0]
    model.fit_trusted(y.iloc[first.train.start : first.train.stop])
    if model.__dict__.get("volatility_") is None and _analytic(model):
        out = _folds_constant(model, y, folds, horizon, quantiles)
        if out is not None:
            return out
        model.fit_trusted(y.iloc[first.train.start : first.train.stop])
    means = np.empty((len(folds), horizon))
    quants = np.empty((len(folds), horizon, len(quantiles)))
    starts = [k for k, f in enumerate(folds) if f.refit or k == 0]
    for a, b in zip(starts, [*starts[1:], len(folds)], strict=True):
        block = folds[a:b]
        lo, hi = int(block[0].train.start), int(block[0].train.stop)
        if a > 0:
            model.fit_trusted(y.iloc[lo:hi])
        origins = np.array([f.origin for f in block], dtype=np.int64)
        window = y.iloc[lo : int(origins[-1]) + 1]
        if not _analytic(model):
            return forecast_folds_stepwise(model, y, X, folds, horizon, quantiles)
        means[a:b], quants[a:b] = naive_forecast_origins(
            model, window, None, origins - lo, horizon, quantiles
        )
    return means, quants


def _folds_constant(
    model: Naive,
    y: pd.Series,
    folds: Sequence[Any],
    horizon: int,
    quantiles: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Every fold at once from prefix sums (no volatility model); None when not applicable
    (a value the target refuses, or a window with fewer than two steps)."""
    k_all = np.arange(len(folds))
    is_refit = np.array([f.refit for f in folds], dtype=bool)
    is_refit[0] = True
    which = np.maximum.accumulate(np.where(is_refit, k_all, 0))  # each fold's refit fold
    starts = np.array([f.train.start for f in folds], dtype=np.int64)[which]
    origins = np.array([f.origin for f in folds], dtype=np.int64)
    lo, end = int(starts.min()), int(origins[-1]) + 1
    values = y.to_numpy(dtype=float)
    try:
        z = np.asarray(model.transform_.transform(values[lo:end]), dtype=float)
    except TickcastError:
        return None
    a, b = starts - lo, origins - lo  # the steps of fold k: z[a_k : b_k]
    if not np.all(np.isfinite(z)) or np.any(b - a < 2):
        return None
    # Drift: sums centred on the first fold's mean (known at every origin: no look-ahead)
    shift = float(z[a[0] : b[0]].mean()) if model.estimates_drift else 0.0
    d = z - shift
    c1 = np.concatenate([[0.0], np.cumsum(d)])
    c2 = np.concatenate([[0.0], np.cumsum(d**2)])
    drift, sigma2, drift_se = _estimates(
        model, c1[b] - c1[a], c2[b] - c2[a], (b - a).astype(float), shift
    )
    out = _forecasts(model, drift, sigma2, drift_se, None, values[origins], horizon, quantiles)
    # leave the model as the loop does: its last refit, updated through the last origin
    model.fit_trusted(y.iloc[int(starts[-1]) : end])
    return out
