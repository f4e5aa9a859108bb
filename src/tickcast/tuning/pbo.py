"""Probability of backtest overfitting by combinatorially symmetric cross-validation (CSCV).

Bailey, Borwein, López de Prado & Zhu (2017), "The probability of backtest overfitting",
Journal of Computational Finance 20(4), 39-69.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from tickcast._validation import check_int, check_one_of
from tickcast.errors import ConfigError, DataError

__all__ = ["PBOResult", "cscv_pbo"]

#: More combinations than this are not enumerated (C(16, 8) = 12,870 is the paper's default).
MAX_COMBINATIONS = 48_620  # C(18, 9)


@dataclass(frozen=True)
class PBOResult:
    """The outcome of :func:`cscv_pbo`.

    Attributes
    ----------
    pbo : float
        Share of the combinations in which the in-sample best candidate ranks at or below the
        out-of-sample median (logit <= 0).
    logits : ndarray of shape (n_combinations,)
        ``log(w / (1 - w))`` with ``w`` = out-of-sample rank of the in-sample best divided by
        ``n_candidates + 1`` (rank 1 = worst; ties get the average rank).
    is_performance, oos_performance : ndarray of shape (n_combinations,)
        Performance of the in-sample best candidate in and out of sample (higher is better:
        minus the mean loss, or the per-period Sharpe ratio of the P&L).
    slope, intercept : float
        Least-squares fit ``oos = intercept + slope * is`` over the combinations (the
        performance degradation; a slope near 0 or below means in-sample gains do not carry
        over).
    prob_oos_below_median : float
        Share of combinations whose out-of-sample performance of the in-sample best is below
        the median out-of-sample performance of all candidates.
    n_splits, n_candidates, n_periods : int
        Groups S, candidates N and rows T used (T a multiple of S; the oldest rows are
        dropped to make it one).
    metric : {"loss", "pnl"}
    """

    pbo: float
    logits: np.ndarray
    is_performance: np.ndarray
    oos_performance: np.ndarray
    slope: float
    intercept: float
    prob_oos_below_median: float
    n_splits: int
    n_candidates: int
    n_periods: int
    metric: str

    def __repr__(self) -> str:
        return (
            f"PBOResult(pbo={self.pbo:.3f}, n_candidates={self.n_candidates}, "
            f"n_splits={self.n_splits}, combinations={len(self.logits)}, "
            f"slope={self.slope:.3g}, metric={self.metric!r})"
        )


def _performance(block: np.ndarray, metric: str) -> np.ndarray:
    """Per-candidate performance of rows ``block`` (T', N): higher is better."""
    if metric == "loss":
        return np.asarray(-block.mean(axis=0), dtype=float)
    sd = block.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sharpe = block.mean(axis=0) / sd
    return np.where(sd > 0, sharpe, 0.0)


def cscv_pbo(values: ArrayLike, *, n_splits: int = 16, metric: str = "loss") -> PBOResult:
    """Probability of backtest overfitting of a selection among candidates.

    Parameters
    ----------
    values : array-like of shape (n_periods, n_candidates)
        Per-period loss (``metric="loss"``, lower is better) or P&L (``metric="pnl"``,
        higher is better) of each candidate, rows in time order, no NaN.
    n_splits : int, default 16
        Even number S of contiguous groups the rows are cut into; every choice of S/2 groups
        is one in-sample set, its complement the out-of-sample set (C(S, S/2) combinations).
    metric : {"loss", "pnl"}, default "loss"
        "loss": performance = minus the mean loss. "pnl": performance = mean / standard
        deviation (per-period Sharpe ratio), as in Bailey et al.

    Returns
    -------
    PBOResult

    Notes
    -----
    For each combination c the candidate n* with the best in-sample performance is found;
    its relative out-of-sample rank is w_c = rank / (N + 1) and the logit
    lambda_c = log(w_c / (1 - w_c)). PBO = #{c : lambda_c <= 0} / #combinations: the
    frequency with which the in-sample winner is no better than the median out of sample.
    With no skill PBO is near 0.5 or above; a selection that generalises has PBO near 0.
    Ties in-sample go to the first candidate; ties out of sample get the average rank.

    Examples
    --------
    >>> import numpy as np
    >>> loss = np.column_stack([np.ones(8), np.full(8, 2.0)])   # candidate 0 always better
    >>> cscv_pbo(loss, n_splits=4).pbo
    0.0
    """
    from scipy.stats import linregress, rankdata

    check_one_of("metric", metric, ("loss", "pnl"))
    s = check_int("n_splits", n_splits, minimum=2)
    if s % 2:
        raise ConfigError(f"`n_splits` must be an even integer >= 2; got {s}. Use e.g. 16.")
    M = np.asarray(values, dtype=float)
    if M.ndim != 2:
        raise DataError(
            f"`values` must be a 2-D array (n_periods, n_candidates); got shape {M.shape}."
        )
    t, n = M.shape
    if n < 2:
        raise DataError(f"PBO needs at least 2 candidates; got {n}. Widen the search space.")
    if not np.all(np.isfinite(M)):
        raise DataError("`values` has NaN or infinite entries; drop those periods first.")
    size = t // s
    if size < (2 if metric == "pnl" else 1):
        raise ConfigError(
            f"`n_splits`={s} needs at least {s * (2 if metric == 'pnl' else 1)} periods; got "
            f"{t}. Lower n_splits or backtest more origins."
        )
    if math.comb(s, s // 2) > MAX_COMBINATIONS:
        raise ConfigError(
            f"`n_splits`={s} gives {math.comb(s, s // 2):,} combinations; use at most 18."
        )
    M = M[t - size * s :]  # drop the oldest rows so that the groups are equal
    groups = M.reshape(s, size, n)
    logits, perf_is, perf_oos, below = [], [], [], []
    for combo in itertools.combinations(range(s), s // 2):
        mask = np.zeros(s, dtype=bool)
        mask[list(combo)] = True
        r_is = _performance(groups[mask].reshape(-1, n), metric)
        r_oos = _performance(groups[~mask].reshape(-1, n), metric)
        best = int(np.argmax(r_is))
        w = rankdata(r_oos)[best] / (n + 1)
        logits.append(math.log(w / (1 - w)))
        perf_is.append(r_is[best])
        perf_oos.append(r_oos[best])
        below.append(r_oos[best] < np.median(r_oos))
    lg, pi, po = np.array(logits), np.array(perf_is), np.array(perf_oos)
    if np.ptp(pi) > 0:
        fit = linregress(pi, po)
        slope, intercept = float(fit.slope), float(fit.intercept)
    else:
        slope, intercept = float("nan"), float(po.mean())
    return PBOResult(
        pbo=float(np.mean(lg <= 0)),
        logits=lg,
        is_performance=pi,
        oos_performance=po,
        slope=slope,
        intercept=intercept,
        prob_oos_below_median=float(np.mean(below)),
        n_splits=s,
        n_candidates=n,
        n_periods=size * s,
        metric=metric,
    )
