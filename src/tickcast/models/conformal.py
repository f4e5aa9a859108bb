"""Split-conformal intervals: calibrated half-widths, their cumulative form, nesting.

The one place for the conformal mapping from out-of-sample residuals to interval offsets
(Vovk et al. 2005; Lei et al. 2018), shared by :class:`~tickcast.models.base.Forecaster`
and the batched ``forecast_origins`` of :class:`~tickcast.models.linear.LinearForecaster`.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

__all__ = [
    "aci_cumulative_offsets",
    "conformal_cumulative_offsets",
    "conformal_offsets",
    "method_summary",
    "min_conformal_residuals",
    "nested",
]


def conformal_offsets(scores: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """Split-conformal quantiles of absolute residuals.

    Parameters
    ----------
    scores : ndarray of shape (n_calibration, horizon)
        Absolute out-of-sample errors per horizon step (NaN rows are ignored per column).
    coverage : ndarray of shape (n_levels,) or (horizon, n_levels)
        Target coverages, e.g. 0.9 (one row per step when 2-D, as adaptive conformal
        inference asks). A coverage <= 0 gives a zero half-width; >= 1 the largest score.

    Returns
    -------
    ndarray of shape (horizon, n_levels)
        Half-widths; column j covers a fresh error with probability >= coverage[j] under
        exchangeability.

    Notes
    -----
    With n calibration scores the half-width is the ``ceil((n + 1) * coverage)``-th smallest
    score (Vovk et al.; Lei et al. 2018). When that rank exceeds n, i.e. when
    ``n < coverage / (1 - coverage)`` (:func:`min_conformal_residuals`), the largest score is
    used, so very high levels on very few residuals are under-covered rather than infinite;
    ``predict`` then warns with :class:`~tickcast.errors.CalibrationWarning`.
    """
    coverage = np.asarray(coverage, dtype=float)
    per_step = np.broadcast_to(coverage, (scores.shape[1], coverage.shape[-1]))
    out = np.empty(per_step.shape)
    for step in range(scores.shape[1]):
        s = np.sort(scores[:, step][np.isfinite(scores[:, step])])
        n = len(s)
        if n == 0:
            out[step] = np.nan
            continue
        # round first: at n = 19, (n + 1) * 0.95 must give rank 19, never 20 by float error
        rank = np.ceil(np.round((n + 1) * per_step[step], 9)).astype(int)
        out[step] = np.where(per_step[step] <= 0, 0.0, s[np.clip(rank, 1, n) - 1])
    return out


def min_conformal_residuals(coverage: float) -> int:
    """Fewest calibration residuals for which a split-conformal ``coverage`` interval is valid.

    Parameters
    ----------
    coverage : float
        Target coverage in (0, 1), e.g. 0.95.

    Returns
    -------
    int
        The smallest n with ``ceil((n + 1) * coverage) <= n``, i.e. ``ceil(c / (1 - c))``:
        4 for 80 %, 9 for 90 %, 19 for 95 %, 99 for 99 %. With fewer residuals the
        conformal rank exceeds n and the finite-sample guarantee ``P(cover) >= coverage``
        no longer holds.
    """
    return int(np.ceil(np.round(coverage / (1 - coverage), 9)))


def conformal_cumulative_offsets(
    residuals: np.ndarray, horizon: int, quantiles: np.ndarray
) -> np.ndarray:
    """Signed split-conformal offsets of the cumulative step forecast, shape (horizon, n_q).

    Quantile q < 0.5 is the lower end of the central (1 - 2q) interval and q > 0.5 the upper
    end of the central (2q - 1) interval; the score of step h is the absolute cumulative error
    of the first h steps of each calibration row.
    """
    cum_scores = np.abs(np.cumsum(residuals[:, :horizon], axis=1))
    half = conformal_offsets(cum_scores, np.abs(2 * quantiles - 1))
    return cast("np.ndarray", np.sign(quantiles - 0.5)[None, :] * half)


def aci_cumulative_offsets(
    residuals: np.ndarray, horizon: int, quantiles: np.ndarray, state: Any
) -> np.ndarray:
    """Signed offsets of :func:`conformal_cumulative_offsets` at the adapted ACI levels.

    The half-width of quantile q at step h is the conformal quantile of the step's absolute
    cumulative errors at coverage ``1 - alpha_t`` (``state.levels``, an
    :class:`~tickcast.models.aci.AciState`) instead of the nominal ``|2q - 1|``. Levels adapt
    independently, so half-widths are then made non-decreasing in the nominal coverage (a
    running maximum): quantiles never cross. Returns shape (horizon, n_q).
    """
    nominal = np.round(np.abs(2 * np.asarray(quantiles, dtype=float) - 1), 12)
    cum_scores = np.abs(np.cumsum(residuals[:, :horizon], axis=1))
    half = conformal_offsets(cum_scores, state.levels(nominal, horizon))
    order = np.argsort(nominal, kind="stable")
    half[:, order] = np.maximum.accumulate(half[:, order], axis=1)
    return cast("np.ndarray", np.sign(quantiles - 0.5)[None, :] * half)


def nested(offsets: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Offsets from the cumulative point forecast, widened to be nested along the steps.

    Each quantile's distance from the point forecast (shape (..., horizon, n_q), axis -2 the step)
    becomes its running maximum, so no bound moves towards the point forecast from one step
    to the next. Columns at q = 0.5 are returned unchanged. Intervals only ever widen, so
    coverage guarantees are kept; the order of the quantiles within a step is kept too.
    """
    sign = np.sign(quantiles - 0.5)[None, :]
    widened = sign * np.maximum.accumulate(np.maximum(sign * offsets, 0.0), axis=-2)
    return np.where(sign == 0, offsets, widened)


def method_summary(methods: np.ndarray) -> str:
    """One string for per-step method names, e.g. "conformal (steps 1-5), bootstrap (6-20)"."""
    names = [str(m) for m in methods]
    if len(set(names)) == 1:
        return names[0]
    runs: list[tuple[str, int, int]] = []
    for step, name in enumerate(names, start=1):
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1], step)
        else:
            runs.append((name, step, step))
    parts = [f"{n} ({a}-{b})" if a != b else f"{n} ({a})" for n, a, b in runs]
    return parts[0].replace("(", "(steps ", 1) + ", " + ", ".join(parts[1:])
