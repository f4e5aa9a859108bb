"""Adaptive conformal intervals (Gibbs & Candès 2021) over a walk-forward backtest.

The backtest's per-origin intervals are post-processed in time order, one sequence per
(series, model, step). The score of a forecast is its error in units of the model's own
half-width, ``s = |y - c| / r`` (``c`` and ``r`` the centre and half-width of the model's
``level`` interval: a locally normalised conformal score). At origin ``t`` the adaptive
interval is ``c_t +- Q_t * r_t`` with ``Q_t`` the ``ceil((n + 1)(1 - alpha_t)) / n`` empirical
quantile of the ``n`` scores *known at t*, and the miscoverage target follows

    alpha_{t+1} = alpha_t + gamma * (alpha - err_t),

one update per forecast whose outcome has become known. A forecast's hit is known only on its
target date, so the interval at origin ``t`` uses only forecasts whose target date is on or
before ``t``'s date: no look-ahead. Under any distribution shift the long-run miscoverage of
the sequence tends to ``alpha`` (Gibbs & Candès 2021, Prop. 4.1).

The update rule and the conformal quantile are those of the forecasters'
``interval_method="aci"`` (:mod:`tickcast.models.aci`); there the scores are the model's
calibration residuals, here the backtest's own past errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tickcast._validation import check_levels
from tickcast.errors import ConfigError
from tickcast.models.aci import aci_update
from tickcast.models.conformal import conformal_offsets

__all__ = ["adaptive_conformal"]


def adaptive_conformal(
    frame: pd.DataFrame,
    *,
    level: float = 80,
    gamma: float = 0.005,
    min_scores: int = 20,
    by: tuple[str, ...] = ("series", "model", "step"),
) -> pd.DataFrame:
    """Adaptive conformal (ACI) bounds for every row of a backtest forecast frame.

    Parameters
    ----------
    frame : pd.DataFrame
        ``BacktestResult.forecasts``: columns ``origin``, ``date``, ``y_true`` and
        ``lower_L``/``upper_L`` for ``L = level``, plus the ``by`` columns.
    level : float, default 80
        Target coverage in percent; the frame must hold that level's bounds.
    gamma : float, default 0.005
        Step size of the miscoverage update, > 0 (Gibbs & Candès use 0.005).
    min_scores : int, default 20
        Until this many scores are known the model's own interval is kept (``Q = 1``).
    by : tuple of str, default ("series", "model", "step")
        Columns defining one time-ordered sequence (those present are used).

    Returns
    -------
    pd.DataFrame
        A copy of ``frame`` with ``lower_aci_L``, ``upper_aci_L`` (series' units),
        ``alpha_aci_L`` (the miscoverage target used at that origin) and ``hit_aci_L``.

    Notes
    -----
    ``alpha_t <= 0`` asks for an infinite interval: the largest known score is used instead.
    ``alpha_t >= 1`` gives a zero-width interval (a sure miss that pulls ``alpha_t`` down).
    """
    levels = check_levels(level)
    if len(levels) != 1:
        raise ConfigError(f"`level` must be one level in percent, e.g. 80; got {level!r}.")
    L = levels[0]
    if not (isinstance(gamma, (int, float)) and gamma > 0):
        raise ConfigError(f"`gamma` must be a positive number, e.g. 0.005; got {gamma!r}.")
    lo_col, hi_col = f"lower_{L:g}", f"upper_{L:g}"
    need = ["origin", "date", "y_true", lo_col, hi_col]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"`frame` lacks the columns {missing}; pass BacktestResult.forecasts of a backtest "
            f"run with level={L:g}."
        )
    alpha = 1 - L / 100
    out = frame.copy()
    lower = np.full(len(out), np.nan)
    upper = np.full(len(out), np.nan)
    alphas = np.full(len(out), np.nan)
    keys = [k for k in by if k in out.columns]
    groups = out.groupby(keys, sort=False).indices if keys else {(): np.arange(len(out))}
    for rows in groups.values():
        rows = rows[np.argsort(out["origin"].to_numpy()[rows], kind="stable")]
        lo, hi, a = _sequence(out.iloc[rows], lo_col, hi_col, alpha, gamma, min_scores)
        lower[rows], upper[rows], alphas[rows] = lo, hi, a
    y = out["y_true"].to_numpy(dtype=float)
    out[f"lower_aci_{L:g}"] = lower
    out[f"upper_aci_{L:g}"] = upper
    out[f"alpha_aci_{L:g}"] = alphas
    out[f"hit_aci_{L:g}"] = (y >= lower) & (y <= upper)
    return out


def _sequence(
    g: pd.DataFrame, lo_col: str, hi_col: str, alpha: float, gamma: float, min_scores: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ACI over one time-ordered sequence of forecasts (see the module docstring)."""
    origin = g["origin"].to_numpy()
    date = g["date"].to_numpy()
    y = g["y_true"].to_numpy(dtype=float)
    c = (g[lo_col].to_numpy(dtype=float) + g[hi_col].to_numpy(dtype=float)) / 2
    r = (g[hi_col].to_numpy(dtype=float) - g[lo_col].to_numpy(dtype=float)) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(r > 0, np.abs(y - c) / r, np.where(y == c, 0.0, np.inf))
    n = len(g)
    q = np.ones(n)
    used = np.full(n, alpha)
    a_t = alpha
    known: list[float] = []
    k = 0
    pending = np.argsort(date, kind="stable")  # outcomes become known in target-date order
    for i in range(n):
        while k < n and date[pending[k]] <= origin[i]:
            j = pending[k]  # date[j] <= origin[i] implies j < i: its interval is fixed
            if not np.isnan(score[j]):  # a missing actual is never scored
                a_t = float(aci_update(a_t, alpha, gamma, score[j] > q[j]))
                if np.isfinite(score[j]):
                    known.append(score[j])
            k += 1
        used[i] = a_t
        if len(known) >= min_scores:
            q[i] = _conformal_quantile(np.asarray(known), a_t)
    return c - q * r, c + q * r, used


def _conformal_quantile(scores: np.ndarray, a_t: float) -> float:
    """The ceil((n + 1)(1 - a_t))-th smallest score; the largest if that rank exceeds n, 0 if
    ``a_t >= 1`` (:func:`~tickcast.models.conformal.conformal_offsets`, as the forecasters)."""
    return float(conformal_offsets(scores[:, None], np.array([1.0 - a_t]))[0, 0])
