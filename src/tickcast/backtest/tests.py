"""Significance tests of forecast accuracy: Diebold-Mariano with the HLN correction.

(The module is named after what it holds, statistical *tests*; the package's unit tests
live in ``tests/backtest/``.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tickcast.backtest.metrics import _check_by, _check_frame
from tickcast.errors import ConfigError, DataError, InputTypeError

__all__ = ["DMResult", "diebold_mariano", "dm_table"]

LossLike = Literal["se", "ae"] | Callable[[np.ndarray], np.ndarray]
_ALTERNATIVES = ("two-sided", "less", "greater")
_LOSSES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "se": np.square,
    "ae": np.abs,
}


@dataclass(frozen=True)
class DMResult:
    """Outcome of a Diebold-Mariano test.

    Attributes
    ----------
    statistic : float
        HLN-corrected statistic ``DM* = c · DM``, compared with Student's t(n-1).
    pvalue : float
        p-value under the chosen ``alternative``.
    h : int
        Forecast horizon; the long-run variance uses lags ``0 .. h-1``.
    n : int
        Number of loss differentials.
    loss : str
        ``"se"``, ``"ae"`` or the name of the callable loss.
    alternative : str
        ``"two-sided"``, ``"less"`` (forecast 1 more accurate) or ``"greater"``
        (forecast 2 more accurate).
    mean_loss_diff : float
        ``mean(d)`` with ``d_t = L(e1_t) - L(e2_t)``, in loss units.
    long_run_variance : float
        Estimate of the long-run variance of ``d`` used (``2π·f_d(0)``), loss units squared.
    kernel : str
        ``"uniform"`` (the standard truncated sum) or ``"bartlett"`` (the fallback used when
        the uniform estimate is not positive).
    dm_uncorrected : float
        Original Diebold-Mariano statistic, before the HLN factor.
    hln_factor : float
        ``c = sqrt((n + 1 - 2h + h(h-1)/n) / n)``.
    """

    statistic: float
    pvalue: float
    h: int
    n: int
    loss: str
    alternative: str
    mean_loss_diff: float
    long_run_variance: float
    kernel: str
    dm_uncorrected: float
    hln_factor: float


def _autocovariances(d: np.ndarray, max_lag: int) -> np.ndarray:
    """``γ_k = (1/n) Σ_{t=k}^{n-1} (d_t - d̄)(d_{t-k} - d̄)`` for ``k = 0..max_lag``."""
    n = d.shape[0]
    u = d - d.mean()
    return np.array([np.dot(u[k:], u[: n - k]) / n for k in range(max_lag + 1)])


def _dm_from_differential(d: np.ndarray, h: int, alternative: str, loss_name: str) -> DMResult:
    """The test on a validated, finite loss differential (trusted path of dm_table)."""
    from scipy.special import stdtr  # Student t CDF; far lighter to import than scipy.stats

    n = d.shape[0]
    if n <= h:
        raise DataError(
            f"Diebold-Mariano needs more loss differentials than the horizon h={h}; got "
            f"n={n}. Use more forecast origins or a smaller h."
        )
    gamma = _autocovariances(d, h - 1)
    kernel = "uniform"
    lrv = gamma[0] + 2.0 * gamma[1:].sum()
    if not lrv > 0:
        kernel = "bartlett"
        weights = 1.0 - np.arange(1, h) / h  # Newey-West with h-1 lags: 1 - k/h
        lrv = gamma[0] + 2.0 * np.dot(weights, gamma[1:])
    if not lrv > 0:
        raise DataError(
            "the loss differential has zero variance (the two forecasts' losses are equal or "
            "differ by a constant), so the Diebold-Mariano statistic is undefined. Check that "
            "e1 and e2 come from different forecasts."
        )
    dbar = float(d.mean())
    dm = dbar / np.sqrt(lrv / n)
    factor = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    stat = float(factor * dm)
    if alternative == "two-sided":
        pvalue = 2.0 * stdtr(n - 1, -abs(stat))
    elif alternative == "less":
        pvalue = stdtr(n - 1, stat)
    else:
        pvalue = stdtr(n - 1, -stat)
    return DMResult(
        statistic=stat,
        pvalue=float(pvalue),
        h=h,
        n=n,
        loss=loss_name,
        alternative=alternative,
        mean_loss_diff=dbar,
        long_run_variance=float(lrv),
        kernel=kernel,
        dm_uncorrected=float(dm),
        hln_factor=float(factor),
    )


def _check_h(h: object) -> int:
    if not isinstance(h, (int, np.integer)) or isinstance(h, bool) or h < 1:
        raise ConfigError(
            f"`h` must be a positive integer (the forecast horizon); got {h!r}. Use h=1 for "
            "one-step-ahead forecasts."
        )
    return int(h)


def _check_alternative(alternative: object) -> str:
    if alternative not in _ALTERNATIVES:
        raise ConfigError(
            f"`alternative` must be one of {_ALTERNATIVES}; got {alternative!r}. Use 'less' "
            "to test whether forecast 1 is more accurate."
        )
    return str(alternative)


def _check_loss(loss: object) -> tuple[str, Callable[[np.ndarray], np.ndarray]]:
    """Name and elementwise function of a loss given as 'se', 'ae' or a callable."""
    if isinstance(loss, str):
        if loss not in _LOSSES:
            raise ConfigError(
                f"`loss` must be 'se', 'ae' or a callable; got {loss!r}. Use 'se' for squared "
                "errors."
            )
        return loss, _LOSSES[loss]
    if callable(loss):
        return getattr(loss, "__name__", repr(loss)), loss
    raise ConfigError(
        f"`loss` must be 'se', 'ae' or a callable mapping errors to losses; got {loss!r}."
    )


def _apply_loss(func: Callable, e: np.ndarray, name: str) -> np.ndarray:
    out = np.asarray(func(e), dtype=np.float64)
    if out.shape != e.shape:
        raise ConfigError(
            f"`loss` must return one loss per error (shape {e.shape}); got shape {out.shape} "
            f"for {name}. Make the callable elementwise."
        )
    return out


def diebold_mariano(
    e1: ArrayLike,
    e2: ArrayLike,
    *,
    h: int = 1,
    loss: LossLike = "se",
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> DMResult:
    """Diebold-Mariano test of equal accuracy, with the Harvey-Leybourne-Newbold correction.

    Parameters
    ----------
    e1, e2 : array-like of shape (n,)
        Forecast errors ``y - ŷ`` of the two competing forecasts of the same targets, in
        time order, in the series' units.
    h : int, default 1
        Forecast horizon of the errors: ``h``-step errors are MA(h-1) under optimal
        forecasting, so the variance sums autocovariances up to lag ``h - 1``.
    loss : {"se", "ae"} or callable, default "se"
        Loss applied to each error: squared (``e²``), absolute (``|e|``) or a callable
        mapping an error array to a loss array of the same shape.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"less"``: H1 is ``E[d] < 0``, forecast 1 is more accurate; ``"greater"``: forecast
        2 is more accurate.

    Returns
    -------
    DMResult
        Statistic, p-value and the ingredients of the computation.

    Raises
    ------
    DataError
        Lengths differ, values are missing or non-finite, ``n <= h``, or the loss
        differential has zero variance.

    Notes
    -----
    With ``d_t = L(e1_t) - L(e2_t)``, ``d̄`` its mean and
    ``γ_k = (1/n) Σ_{t=k+1}^{n} (d_t - d̄)(d_{t-k} - d̄)``, the long-run variance is the
    truncated rectangular (uniform-kernel) sum of Diebold & Mariano (1995)

    ``V = γ_0 + 2 Σ_{k=1}^{h-1} γ_k``

    and ``DM = d̄ / sqrt(V / n)``. Harvey, Leybourne & Newbold (1997) multiply it by
    ``c = sqrt((n + 1 - 2h + h(h-1)/n) / n)`` and compare ``DM* = c · DM`` with Student's
    t distribution with ``n - 1`` degrees of freedom. This is the same statistic as R's
    ``forecast::dm.test`` and as a t-test of the mean of ``d`` with a uniform-kernel HAC
    variance without small-sample correction (statsmodels
    ``OLS(d, 1).fit(cov_type="HAC", cov_kwds={"maxlags": h-1, "kernel": "uniform",
    "use_correction": False})``), times ``c``.

    The uniform sum can be negative for ``h > 1``. Then the Bartlett (Newey-West) weights
    ``1 - k/h`` on lags ``1..h-1`` are used instead, which give a non-negative estimate;
    ``kernel`` in the result says which was used. (R's ``dm.test`` instead falls back to
    ``h = 1``.)

    Examples
    --------
    >>> r = diebold_mariano([1.0, 0.0, 2.0, 1.0, 3.0], [0.0, 1.0, 0.0, 1.0, 0.0], loss="ae")
    >>> round(r.statistic, 6)  # d = [1, -1, 2, 0, 3]: sqrt(2.5) * sqrt(4/5) = sqrt(2)
    1.414214
    """
    hh = _check_h(h)
    alternative = _check_alternative(alternative)  # type: ignore[assignment]
    loss_name, func = _check_loss(loss)
    arrays = []
    for name, value in (("e1", e1), ("e2", e2)):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputTypeError(
                f"`{name}` must be a numeric array of forecast errors; got {type(value).__name__}."
            ) from exc
        if arr.ndim != 1:
            raise DataError(f"`{name}` must be one-dimensional; got shape {arr.shape}.")
        if not np.isfinite(arr).all():
            raise DataError(
                f"`{name}` must hold finite errors; got {int((~np.isfinite(arr)).sum())} "
                "NaN or infinite values. Drop the pairs with a missing forecast first."
            )
        arrays.append(arr)
    a1, a2 = arrays
    if a1.shape != a2.shape:
        raise DataError(
            f"`e1` and `e2` must have the same length (errors of the same targets); got "
            f"{a1.shape[0]} and {a2.shape[0]}. Align them on the same dates."
        )
    d = _apply_loss(func, a1, "e1") - _apply_loss(func, a2, "e2")
    if not np.isfinite(d).all():
        raise DataError("`loss` returned non-finite values; check the loss callable.")
    return _dm_from_differential(d, hh, alternative, loss_name)


_DM_COLUMNS = ("n", "h", "statistic", "pvalue", "mean_loss_diff", "kernel")


def dm_table(
    frame: pd.DataFrame,
    *,
    baseline: str = "naive",
    loss: LossLike = "se",
    h: int | None = None,
    by: Sequence[str] = ("model",),
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> pd.DataFrame:
    """Diebold-Mariano test of every model against a baseline, from a forecast frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long-format forecast frame with columns ``model``, ``origin``, ``step``, ``y_true``,
        ``mean`` and optionally ``series`` (see :func:`~tickcast.backtest.metrics.
        compute_metrics`).
    baseline : str, default "naive"
        Model compared against; it must appear in ``frame["model"]``.
    loss : {"se", "ae"} or callable, default "se"
        As in :func:`diebold_mariano`.
    h : int or None, default None
        Horizon passed to :func:`diebold_mariano`. ``None``: the largest ``step`` in each
        group, a conservative choice (``h``-step errors from origins one observation apart
        are at most MA(h-1); with origins further apart fewer lags are needed and the extra
        ones cost a little power).
    by : sequence of str, default ("model",)
        Grouping columns, must include ``"model"``; e.g. ``("model", "step")`` for one test
        per horizon step.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        As in :func:`diebold_mariano`, with the model as forecast 1 and the baseline as
        forecast 2: ``"less"`` tests whether the model beats the baseline.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by`` (the baseline itself omitted), with columns ``n``, ``h``,
        ``statistic``, ``pvalue``, ``mean_loss_diff`` (model minus baseline; negative means
        the model has lower loss) and ``kernel``. Groups where the test is undefined (too
        few origins, identical losses) get NaN statistic and p-value and an empty kernel.

    Notes
    -----
    Model and baseline rows are matched on (``series``, ``origin``, ``step``); pairs where
    either forecast or the actual is missing are dropped. Within a group, the loss
    differentials of all rows sharing an origin (all steps, and all series, unless those
    are in ``by``) are averaged into one value per origin, giving one time series ``d_t``
    in origin order.
    """
    _check_frame(frame, ("model", "origin", "step", "y_true", "mean"), "dm_table")
    keys = _check_by(by, frame, "dm_table")
    if h is not None:
        _check_h(h)
    alternative = _check_alternative(alternative)  # type: ignore[assignment]
    loss_name, func = _check_loss(loss)
    if not isinstance(baseline, str):
        raise ConfigError(f"`baseline` must be a model name (str); got {baseline!r}.")
    models = list(pd.unique(frame["model"]))
    if baseline not in models:
        raise ConfigError(
            f"`baseline` must be a model in the frame {models}; got {baseline!r}. Include "
            "tc.Naive() in the backtest or name another model."
        )
    match = [c for c in ("series", "origin", "step") if c in frame.columns]
    errors = frame.assign(_err=frame["y_true"] - frame["mean"])
    base = errors.loc[errors["model"] == baseline, [*match, "_err"]]
    if base.duplicated(match).any():
        raise DataError(
            f"`frame` has several rows of the baseline {baseline!r} for one "
            f"({', '.join(match)}); each forecast must appear once."
        )
    others = errors[errors["model"] != baseline]
    paired = others.merge(base, on=match, how="inner", suffixes=("", "_base"))
    paired = paired[np.isfinite(paired["_err"]) & np.isfinite(paired["_err_base"])]
    e_model = paired["_err"].to_numpy(dtype=np.float64)
    e_base = paired["_err_base"].to_numpy(dtype=np.float64)
    paired = paired.assign(
        _d=_apply_loss(func, e_model, "the model") - _apply_loss(func, e_base, baseline)
    )
    rows, index = [], []
    for key, g in paired.groupby(keys, sort=True, dropna=False):
        d = g.groupby("origin", sort=True)["_d"].mean().to_numpy(dtype=np.float64)
        hh = int(g["step"].max()) if h is None else int(h)
        try:
            r = _dm_from_differential(d, hh, alternative, loss_name)
            row = {
                "n": r.n,
                "h": hh,
                "statistic": r.statistic,
                "pvalue": r.pvalue,
                "mean_loss_diff": r.mean_loss_diff,
                "kernel": r.kernel,
            }
        except DataError:
            row = {
                "n": d.shape[0],
                "h": hh,
                "statistic": np.nan,
                "pvalue": np.nan,
                "mean_loss_diff": float(d.mean()) if d.size else np.nan,
                "kernel": "",
            }
        rows.append(row)
        index.append(key if len(keys) > 1 else key[0])
    if len(keys) > 1:
        idx = pd.MultiIndex.from_tuples(index, names=keys)
    else:
        idx = pd.Index(index, name=keys[0])
    out = pd.DataFrame(rows, index=idx, columns=list(_DM_COLUMNS))
    return out.astype({"n": np.int64, "h": np.int64, "statistic": float, "pvalue": float})


# ---------------------------------------------------------------------------- Pesaran-Timmermann
__all__ += ["PTResult", "pesaran_timmermann", "pt_table"]


@dataclass(frozen=True)
class PTResult:
    """Outcome of a Pesaran-Timmermann test of directional accuracy.

    Attributes
    ----------
    statistic : float
        ``S = (P - P*) / sqrt(V(P) - V(P*))``, asymptotically standard normal under H0.
    pvalue : float
        One-sided p-value ``1 - Φ(S)``; H1: the predicted directions are informative (hit
        more often than independent signs would).
    n : int
        Number of pairs used: those where both the actual and the predicted change are
        non-zero.
    hit_rate : float
        ``P``, the fraction of those pairs whose signs agree.
    expected_hit_rate : float
        ``P* = Py·Px + (1 - Py)(1 - Px)``, the hit rate expected if the signs were
        independent with the observed frequencies of ups ``Py`` (actual) and ``Px``
        (predicted).
    """

    statistic: float
    pvalue: float
    n: int
    hit_rate: float
    expected_hit_rate: float


def _pt_from_changes(actual: np.ndarray, predicted: np.ndarray) -> PTResult:
    """The test on validated, finite change arrays (trusted path of pt_table)."""
    from scipy.special import ndtr  # standard normal CDF

    used = (actual != 0) & (predicted != 0)
    up_y, up_x = actual[used] > 0, predicted[used] > 0
    n = int(used.sum())
    if n < 2:
        raise DataError(
            f"the Pesaran-Timmermann test needs at least 2 pairs with a non-zero actual and "
            f"predicted change; got {n}. A forecast of no change predicts no direction."
        )
    p = float(np.mean(up_y == up_x))
    py, px = float(np.mean(up_y)), float(np.mean(up_x))
    p_star = py * px + (1.0 - py) * (1.0 - px)
    var_p = p_star * (1.0 - p_star) / n
    var_p_star = (
        (2 * py - 1) ** 2 * px * (1 - px) / n
        + (2 * px - 1) ** 2 * py * (1 - py) / n
        + 4 * py * px * (1 - py) * (1 - px) / n**2
    )
    if not var_p - var_p_star > 0:
        raise DataError(
            "the Pesaran-Timmermann statistic is undefined: all predicted (or all actual) "
            f"changes have the same sign (share of predicted ups {px:.3g}, of actual ups "
            f"{py:.3g}), so the forecast cannot time the moves. Report the hit rate alone."
        )
    stat = (p - p_star) / np.sqrt(var_p - var_p_star)
    return PTResult(
        statistic=float(stat),
        pvalue=float(ndtr(-stat)),
        n=n,
        hit_rate=p,
        expected_hit_rate=float(p_star),
    )


def pesaran_timmermann(actual_change: ArrayLike, predicted_change: ArrayLike) -> PTResult:
    """Pesaran-Timmermann (1992) test of directional accuracy.

    Parameters
    ----------
    actual_change : array-like of shape (n,)
        Realised changes of the target, ``y - y_last``, in the series' units.
    predicted_change : array-like of shape (n,)
        Predicted changes of the same targets, ``ŷ - y_last``.

    Returns
    -------
    PTResult
        Statistic, one-sided p-value, pairs used, hit rate and the hit rate expected
        under independence.

    Raises
    ------
    DataError
        Lengths differ, values are missing or non-finite, fewer than 2 pairs have a
        non-zero actual and predicted change, or all used predicted (or actual) changes
        have one sign, where the statistic is 0/0.

    Notes
    -----
    Pairs where either change is exactly zero have no direction and are left out (as in
    :func:`~tickcast.backtest.metrics.directional_accuracy`, whose value equals
    ``hit_rate``). With ``Py``, ``Px`` the shares of actual and predicted ups among the
    ``n`` pairs used, ``P`` the share of agreeing signs and
    ``P* = Py·Px + (1 - Py)(1 - Px)``,

    ``V(P) = P*(1 - P*) / n``,

    ``V(P*) = (2Py - 1)² Px(1 - Px) / n + (2Px - 1)² Py(1 - Py) / n
    + 4 Py Px (1 - Py)(1 - Px) / n²``,

    and ``S = (P - P*) / sqrt(V(P) - V(P*))`` is asymptotically N(0, 1) when the actual
    and predicted signs are independent (Pesaran & Timmermann, 1992, eq. 6). The test
    assumes serially independent pairs: use one-step forecasts, or origins at least h
    apart for h-step forecasts. It is asymptotically equivalent to Pearson's chi-squared
    test of independence in the 2x2 table of signs, but one-sided.

    Examples
    --------
    >>> r = pesaran_timmermann([1, 2, -1, -2, 1, -1], [1, 1, -1, -1, -1, 1])
    >>> round(r.hit_rate, 4), round(r.expected_hit_rate, 4)
    (0.6667, 0.5)
    """
    arrays = []
    for name, value in (("actual_change", actual_change), ("predicted_change", predicted_change)):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputTypeError(
                f"`{name}` must be a numeric array of changes; got {type(value).__name__}."
            ) from exc
        if arr.ndim != 1:
            raise DataError(f"`{name}` must be one-dimensional; got shape {arr.shape}.")
        if not np.isfinite(arr).all():
            raise DataError(
                f"`{name}` must hold finite changes; got {int((~np.isfinite(arr)).sum())} "
                "NaN or infinite values. Drop the pairs with a missing forecast first."
            )
        arrays.append(arr)
    actual, predicted = arrays
    if actual.shape != predicted.shape:
        raise DataError(
            f"`actual_change` and `predicted_change` must have the same length (changes of "
            f"the same targets); got {actual.shape[0]} and {predicted.shape[0]}."
        )
    return _pt_from_changes(actual, predicted)


_PT_COLUMNS = ("n", "statistic", "pvalue", "hit_rate", "expected_hit_rate")


def pt_table(frame: pd.DataFrame, *, by: Sequence[str] = ("model",), step: int = 1) -> pd.DataFrame:
    """Pesaran-Timmermann test per model on the ``step``-ahead forecasts of a forecast frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long-format forecast frame with columns ``model``, ``step``, ``y_true``, ``mean``
        and ``y_last`` (see :func:`~tickcast.backtest.metrics.compute_metrics`).
    by : sequence of str, default ("model",)
        Grouping columns, must include ``"model"``.
    step : int, default 1
        Horizon step tested. One-step forecasts from distinct origins have non-overlapping
        actual changes, as the test's independence assumption needs.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``, with columns ``n``, ``statistic``, ``pvalue`` (one-sided),
        ``hit_rate`` and ``expected_hit_rate``. NaN where the test is undefined (a model
        that never predicts a direction, such as the random walk, or always the same one).
    """
    _check_frame(frame, ("model", "step", "y_true", "mean", "y_last"), "pt_table")
    keys = _check_by(by, frame, "pt_table")
    if not isinstance(step, (int, np.integer)) or isinstance(step, bool) or step < 1:
        raise ConfigError(f"`step` must be a positive integer; got {step!r}. Use step=1.")
    sel = frame[frame["step"] == step]
    sel = sel[np.isfinite(sel["y_true"]) & np.isfinite(sel["mean"]) & np.isfinite(sel["y_last"])]
    rows, index = [], []
    for key, g in sel.groupby(keys, sort=True, dropna=False):
        last = g["y_last"].to_numpy(dtype=np.float64)
        actual = g["y_true"].to_numpy(dtype=np.float64) - last
        predicted = g["mean"].to_numpy(dtype=np.float64) - last
        try:
            r = _pt_from_changes(actual, predicted)
            row = {c: getattr(r, c) for c in _PT_COLUMNS}
        except DataError:
            used = (actual != 0) & (predicted != 0)
            row = dict.fromkeys(_PT_COLUMNS, np.nan)
            row["n"] = int(used.sum())
            if used.any():
                row["hit_rate"] = float(np.mean(np.sign(actual[used]) == np.sign(predicted[used])))
        rows.append(row)
        index.append(key if len(keys) > 1 else key[0])
    if len(keys) > 1 and index:
        idx = pd.MultiIndex.from_tuples(index, names=keys)
    elif len(keys) > 1:
        idx = pd.MultiIndex.from_arrays([[]] * len(keys), names=keys)
    else:
        idx = pd.Index(index, name=keys[0])
    out = pd.DataFrame(rows, index=idx, columns=list(_PT_COLUMNS), dtype=np.float64)
    return out.astype({"n": np.int64})
