"""Adaptive conformal inference (Gibbs & Candès 2021): the update rule and a forecaster's state.

The one implementation of the ACI rule, shared by the forecasters' ``interval_method="aci"``
(:class:`AciState`) and the backtest post-processor
:func:`tickcast.backtest.aci.adaptive_conformal`. For a target miscoverage ``alpha`` and step
size ``gamma``, the miscoverage level used for the next interval is

    alpha_{t+1} = alpha_t + gamma * (alpha - err_t),

``err_t`` being 1 when the interval issued for the ``t``-th outcome missed it. An interval at
level ``alpha_t`` is the split-conformal quantile of the scores at coverage ``1 - alpha_t``
(:func:`tickcast.models.conformal.conformal_offsets`): ``alpha_t <= 0`` takes the largest
score (an infinite interval is never issued), ``alpha_t >= 1`` gives a zero width.

A forecaster keeps one ``alpha_t`` per horizon step and per central coverage. The interval it
issues at an origin is recorded; the miss of step ``h`` is learned when the ``h``-th
observation after that origin arrives (``update`` or a walk-forward refit on a longer
history), never earlier: no look-ahead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tickcast._validation import Rule, one_of, real
from tickcast.errors import ModelFileError

__all__ = ["ACI_PARAMETER_CONSTRAINTS", "AciState", "aci_update"]

#: ``_parameter_constraints`` of the forecasters that take ``interval_method="aci"``.
ACI_PARAMETER_CONSTRAINTS: dict[str, Rule] = {
    "interval_method": one_of("conformal", "aci"),
    "aci_gamma": real(
        0.0,
        1.0,
        closed="right",
        rule="a number in (0, 1] (the step size of adaptive conformal inference)",
        fix="Use 0.005 (Gibbs & Candès 2021).",
    ),
}


def aci_update(alpha_t: Any, alpha: Any, gamma: float, miss: Any) -> Any:
    """One ACI step: ``alpha_t + gamma * (alpha - miss)`` (scalars or arrays, broadcast).

    Parameters
    ----------
    alpha_t : float or ndarray
        Miscoverage level used for the interval that was just scored.
    alpha : float or ndarray
        Target miscoverage, ``1 - coverage``.
    gamma : float
        Step size, > 0 (Gibbs & Candès use 0.005).
    miss : bool, float or ndarray
        1 (True) when the interval missed the outcome, else 0.
    """
    return alpha_t + gamma * (alpha - np.asarray(miss, dtype=float))


class AciState:
    """Miscoverage levels per (coverage, step) and the forecasts whose outcomes are pending.

    Parameters
    ----------
    width : int
        Horizon steps tracked (the width of the model's conformal residuals).

    Attributes
    ----------
    coverages : ndarray of shape (n_cov,)
        Nominal central coverages tracked, increasing, in (0, 1).
    alpha : ndarray of shape (n_cov, width)
        Current ``alpha_t`` of each coverage and step (starts at ``1 - coverage``).
    origins : ndarray of int64, shape (n_pending,)
        Origin dates (ns since the epoch) of the forecasts with an outcome still unknown.
    lower, upper : ndarray of shape (n_pending, width, n_cov)
        The issued bounds (series units) of those forecasts.
    issued : ndarray of bool, shape (n_pending, n_cov)
        Which coverages each pending forecast issued.
    done : ndarray of bool, shape (n_pending, width)
        Steps already scored (or not issued: beyond the forecast's conformal head).
    """

    def __init__(self, width: int) -> None:
        self.width = int(width)
        self.coverages = np.empty(0)
        self.alpha = np.empty((0, self.width))
        self.origins = np.empty(0, dtype=np.int64)
        self.lower = np.empty((0, self.width, 0))
        self.upper = np.empty((0, self.width, 0))
        self.issued = np.empty((0, 0), dtype=bool)
        self.done = np.empty((0, self.width), dtype=bool)

    # ------------------------------------------------------------------ levels
    def _track(self, coverages: np.ndarray) -> None:
        """Add coverages not tracked yet, at their nominal ``alpha = 1 - coverage``."""
        new = np.setdiff1d(coverages, self.coverages)
        if not len(new):
            return
        merged = np.union1d(self.coverages, new)
        alpha = np.repeat((1 - merged)[:, None], self.width, axis=1)
        pos = np.searchsorted(merged, self.coverages)
        alpha[pos] = self.alpha
        n = len(self.origins)
        lower, upper = (
            np.zeros((n, self.width, len(merged))),
            np.zeros((n, self.width, len(merged))),
        )
        issued = np.zeros((n, len(merged)), dtype=bool)
        lower[:, :, pos], upper[:, :, pos], issued[:, pos] = self.lower, self.upper, self.issued
        self.coverages, self.alpha = merged, alpha
        self.lower, self.upper, self.issued = lower, upper, issued

    def levels(self, coverages: np.ndarray, steps: int) -> np.ndarray:
        """Coverage of the conformal quantile, ``1 - alpha_t``, shape (steps, n_cov).

        Coverages not tracked yet start at their nominal level.
        """
        coverages = np.asarray(coverages, dtype=float)
        self._track(coverages[coverages > 0])
        out = np.zeros((steps, len(coverages)))  # coverage 0 (the median): zero width
        pos = np.searchsorted(self.coverages, coverages)
        known = coverages > 0
        out[:, known] = 1 - self.alpha[pos[known], :steps].T
        return out

    # ------------------------------------------------------------------ forecasts
    def record(
        self, origin: pd.Timestamp, coverages: np.ndarray, lower: np.ndarray, upper: np.ndarray
    ) -> None:
        """Keep the bounds issued at ``origin`` until their outcomes arrive.

        ``lower``/``upper`` have shape (steps, n_cov) for the nominal ``coverages`` (> 0),
        steps <= width; a second forecast at the same origin replaces the first (the state is
        the same between observations, so it issues the same bounds).
        """
        coverages = np.asarray(coverages, dtype=float)
        self._track(coverages)
        key = np.int64(pd.Timestamp(origin).value)
        if len(self.origins) and self.origins[-1] == key:
            k = len(self.origins) - 1
        else:
            k = len(self.origins)
            n_cov = len(self.coverages)
            self.origins = np.append(self.origins, key)
            self.lower = np.concatenate([self.lower, np.zeros((1, self.width, n_cov))])
            self.upper = np.concatenate([self.upper, np.zeros((1, self.width, n_cov))])
            self.issued = np.concatenate([self.issued, np.zeros((1, n_cov), dtype=bool)])
            self.done = np.concatenate([self.done, np.ones((1, self.width), dtype=bool)])
        steps = lower.shape[0]
        pos = np.searchsorted(self.coverages, coverages)
        self.lower[k][np.ix_(np.arange(steps), pos)] = lower
        self.upper[k][np.ix_(np.arange(steps), pos)] = upper
        self.issued[k, pos] = True
        self.done[k, :steps] = False

    def observe(self, y: pd.Series, gamma: float) -> None:
        """Score every pending step whose outcome ``y`` holds, in target order; drop the done
        (and those dated before ``y`` starts, which no later history can place).

        The ``h``-th step of a forecast made at origin ``o`` is the ``h``-th observation of
        ``y`` after ``o``. Forecasts are scored in origin order, so each step's ``alpha_t``
        sequence follows its targets' dates, as in the paper.
        """
        if not len(self.origins):
            return
        # nanoseconds, as the keys (Timestamp.value); pandas 3 indexes may hold other units
        index = y.index.as_unit("ns").asi8 if isinstance(y.index, pd.DatetimeIndex) else None
        if index is None:  # pragma: no cover - forecasters always hold a DatetimeIndex
            return
        values = y.to_numpy(dtype=float)
        pos = np.searchsorted(index, self.origins)  # origin position, if it is in y
        target = 1 - self.coverages
        for k in range(len(self.origins)):
            if pos[k] >= len(index) or index[pos[k]] != self.origins[k]:
                continue  # origin before y's window: its outcomes cannot be placed
            for h in np.flatnonzero(~self.done[k]):
                p = pos[k] + h + 1
                if p >= len(values):
                    break
                cov = self.issued[k]
                miss = (values[p] < self.lower[k, h, cov]) | (values[p] > self.upper[k, h, cov])
                self.alpha[cov, h] = aci_update(self.alpha[cov, h], target[cov], gamma, miss)
                self.done[k, h] = True
        # done, or dated before y (a sliding window moved past it: never placeable again)
        keep = ~self.done.all(axis=1) & (self.origins >= index[0])
        self.origins, self.lower, self.upper = (
            self.origins[keep],
            self.lower[keep],
            self.upper[keep],
        )
        self.issued, self.done = self.issued[keep], self.done[keep]

    # ------------------------------------------------------------------ persistence
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The state as named arrays (saved with the model, see ``from_arrays``)."""
        return {
            "aci_coverages": self.coverages,
            "aci_alpha": self.alpha,
            "aci_origins": self.origins,
            "aci_lower": self.lower,
            "aci_upper": self.upper,
            "aci_issued": self.issued,
            "aci_done": self.done,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any], width: int) -> AciState:
        """Rebuild a state saved by :meth:`to_arrays`; ModelFileError if inconsistent."""
        state = cls(width)
        try:
            cov = np.asarray(arrays["aci_coverages"], dtype=float).reshape(-1)
            alpha = np.asarray(arrays["aci_alpha"], dtype=float)
            origins = np.asarray(arrays["aci_origins"]).astype(np.int64).reshape(-1)
            lower = np.asarray(arrays["aci_lower"], dtype=float)
            upper = np.asarray(arrays["aci_upper"], dtype=float)
            issued = np.asarray(arrays["aci_issued"]).astype(bool)
            done = np.asarray(arrays["aci_done"]).astype(bool)
        except (KeyError, ValueError, TypeError) as exc:
            raise ModelFileError(f"the saved ACI state is incomplete or damaged: {exc}") from None
        n, c = len(origins), len(cov)
        shapes_ok = (
            alpha.shape == (c, width)
            and lower.shape == upper.shape == (n, width, c)
            and issued.shape == (n, c)
            and done.shape == (n, width)
        )
        if not shapes_ok or np.any((cov <= 0) | (cov >= 1)) or np.any(np.diff(cov) <= 0):
            raise ModelFileError(
                "the saved ACI state does not match the model (array shapes or coverages); "
                "the file was edited or damaged."
            )
        state.coverages, state.alpha, state.origins = cov, alpha, origins
        state.lower, state.upper, state.issued, state.done = lower, upper, issued, done
        return state
