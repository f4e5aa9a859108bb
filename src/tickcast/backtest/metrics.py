"""Forecast accuracy metrics: small pure functions and one table over a forecast frame.

Every metric has the signature ``(y_true, y_pred_or_bounds, ..., *, options) -> float`` and
one line of maths. Arrays are converted to float64 1-D arrays of equal length.

Missing values and zero denominators
------------------------------------
* A NaN anywhere in the inputs makes the metric NaN: nothing is dropped silently.
  :func:`compute_metrics` drops rows without a point forecast or actual first, and reports
  how many rows it used.
* Zero denominators are handled in one place, :func:`_safe_divide`: ``0 / 0`` is ``0``
  (nothing to scale: a perfect forecast of a zero target, a perfect forecast against a
  perfect benchmark) and ``x / 0`` with ``x != 0`` is NaN (the ratio is undefined). So MAPE
  is NaN as soon as one actual is zero with a non-zero error, MASE is NaN on a constant
  training series, and R2_oos is NaN when the benchmark is perfect and the model is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tickcast._validation import check_int, check_levels
from tickcast.errors import ConfigError, DataError, InputTypeError

__all__ = [
    "METRIC_COLUMNS",
    "compute_metrics",
    "coverage",
    "directional_accuracy",
    "mae",
    "mape",
    "mase",
    "mean_width",
    "pinball",
    "r2_oos",
    "rmse",
    "smape",
    "winkler",
]


# ---------------------------------------------------------------------------- helpers
def _safe_divide(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    """``num / den`` elementwise with ``0 / 0 = 0`` and ``x / 0 = NaN`` for ``x != 0``.

    The single place where tickcast's metrics meet a zero denominator (see module notes).
    NaN inputs stay NaN.
    """
    num_a = np.asarray(num, dtype=np.float64)
    den_a = np.asarray(den, dtype=np.float64)
    zero = den_a == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num_a / np.where(zero, 1.0, den_a)
    return np.where(zero, np.where(num_a == 0, 0.0, np.nan), out)


def _arrays(**named: ArrayLike) -> list[np.ndarray]:
    """Convert the named inputs to float64 1-D arrays of one common, non-zero length."""
    out = []
    length = None
    first = None
    for name, value in named.items():
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputTypeError(
                f"`{name}` must be numeric array-like; got {type(value).__name__}. "
                "Pass a NumPy array or pandas Series of floats."
            ) from exc
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim != 1:
            raise DataError(
                f"`{name}` must be one-dimensional; got shape {arr.shape}. Flatten it first."
            )
        if length is None:
            length, first = arr.shape[0], name
            if length == 0:
                raise DataError(f"`{name}` must not be empty; got length 0.")
        elif arr.shape[0] != length:
            raise DataError(
                f"`{name}` must have the same length as `{first}` ({length}); got "
                f"{arr.shape[0]}. Align the inputs on the same dates."
            )
        out.append(arr)
    return out


def _nan_if_any(values: np.ndarray, *inputs: np.ndarray) -> np.ndarray:
    """``values`` as float with NaN wherever any input is NaN (comparisons drop NaN)."""
    mask = np.zeros(values.shape, dtype=bool)
    for arr in inputs:
        mask |= np.isnan(arr)
    return np.where(mask, np.nan, values.astype(np.float64))


def _check_fraction(name: str, value: float, fix: str) -> float:
    if not isinstance(value, (int, float, np.floating, np.integer)) or not 0 < value < 1:
        raise ConfigError(
            f"`{name}` must be a number strictly between 0 and 1; got {value!r}. {fix}"
        )
    return float(value)


# ---------------------------------------------------------------------------- formulas
# One line of maths each, on checked float arrays of one length: the public functions below
# check their inputs and call these; compute_metrics checks the frame once and calls these.
def _mae(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.mean(np.abs(y - f)))


def _rmse(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - f) ** 2)))


def _mape(y: np.ndarray, f: np.ndarray) -> float:
    return float(100.0 * np.mean(_safe_divide(np.abs(y - f), np.abs(y))))


def _smape(y: np.ndarray, f: np.ndarray) -> float:
    return float(100.0 * np.mean(_safe_divide(2.0 * np.abs(y - f), np.abs(y) + np.abs(f))))


def _mase(y: np.ndarray, f: np.ndarray, s: np.ndarray) -> float:
    return float(np.mean(_safe_divide(np.abs(y - f), s)))


def _r2_oos(y: np.ndarray, f: np.ndarray, b: np.ndarray) -> float:
    f = np.where(predicted_change(f, b) == 0, b, f)  # within round-off of b: it is b
    return float(1.0 - _safe_divide(np.sum((y - f) ** 2), np.sum((y - b) ** 2)))


#: A forecast within this relative distance of the last level predicts no change: the
#: inverse transform of a zero forecast (e.g. ``exp(log P)``) is off from ``P`` by a few
#: 1e-16 relative, and a direction (or a trade) taken from that round-off is noise.
ROUND_OFF_RELATIVE = 1e-12


def predicted_change(forecast: np.ndarray, last: np.ndarray) -> np.ndarray:
    """``forecast - last`` (same shape, series units), 0 where it is round-off
    (``|forecast - last| <= ROUND_OFF_RELATIVE * |last|``)."""
    change = forecast - last
    with np.errstate(invalid="ignore"):
        noise = np.abs(change) <= ROUND_OFF_RELATIVE * np.abs(last)
    return np.where(noise, 0.0, change)


def _directional_accuracy(y: np.ndarray, f: np.ndarray, last: np.ndarray) -> float:
    if np.isnan(y).any() or np.isnan(f).any() or np.isnan(last).any():
        return float("nan")
    predicted = predicted_change(f, last)
    used = (predicted != 0) & (y != last)
    if not used.any():
        return float("nan")
    return float(np.mean(np.sign(predicted)[used] == np.sign(y - last)[used]))


def _coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    return float(np.mean(_nan_if_any((lo <= y) & (y <= hi), y, lo, hi)))


def _mean_width(lo: np.ndarray, hi: np.ndarray) -> float:
    return float(np.mean(hi - lo))


def _pinball(y: np.ndarray, f: np.ndarray, q: float) -> float:
    return float(np.mean(np.maximum(q * (y - f), (q - 1.0) * (y - f))))


def _winkler(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, a: float) -> float:
    return float(
        np.mean((hi - lo) + 2.0 / a * np.maximum(lo - y, 0.0) + 2.0 / a * np.maximum(y - hi, 0.0))
    )


# ---------------------------------------------------------------------------- point metrics
def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual values and point forecasts, in the series' units.

    Returns
    -------
    float
        ``mean(|y - ŷ|)``, in the series' units.

    Examples
    --------
    >>> mae([1.0, 2.0], [2.0, 2.0])
    0.5
    """
    return _mae(*_arrays(y_true=y_true, y_pred=y_pred))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual values and point forecasts, in the series' units.

    Returns
    -------
    float
        ``sqrt(mean((y - ŷ)²))``, in the series' units.
    """
    return _rmse(*_arrays(y_true=y_true, y_pred=y_pred))


def mape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute percentage error.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual values and point forecasts.

    Returns
    -------
    float
        ``100 * mean(|y - ŷ| / |y|)``, in percent. NaN if an actual is zero while its
        forecast is not (use MASE for series that cross zero, such as rates).
    """
    return _mape(*_arrays(y_true=y_true, y_pred=y_pred))


def smape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Symmetric mean absolute percentage error.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual values and point forecasts.

    Returns
    -------
    float
        ``100 * mean(2 |y - ŷ| / (|y| + |ŷ|))``, in percent, between 0 and 200
        (a term with ``y = ŷ = 0`` counts as 0).
    """
    return _smape(*_arrays(y_true=y_true, y_pred=y_pred))


def mase(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    y_train: ArrayLike | None = None,
    scale: ArrayLike | None = None,
    m: int = 1,
) -> float:
    """Mean absolute scaled error (Hyndman & Koehler, 2006).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual values and point forecasts, in the series' units.
    y_train : array-like of shape (n_train,), optional
        In-sample series: the data the model was fitted on (its training window, also when
        that window slides). The scale is its naive MAE, ``mean(|y_t - y_{t-m}|)``.
    scale : float or array-like of shape (n,), optional
        Precomputed scale (one value, or one per forecast, e.g. the in-sample naive MAE of
        the training window behind each forecast, the backtest's ``scale`` column). Give
        exactly one of ``y_train`` and ``scale``.
    m : int, default 1
        Seasonal lag of the naive scale when ``y_train`` is given (1 = random walk).

    Returns
    -------
    float
        ``mean(|y - ŷ| / scale)``, unitless. Below 1: the out-of-sample errors are smaller
        than the one-step in-sample errors of the naive forecast. That is not a comparison
        with the random walk out of sample (use ``rel_rmse`` or the Diebold-Mariano test):
        h-step errors grow with h, and the random walk itself scores anywhere around 1.

    Notes
    -----
    Hyndman & Koehler (2006): the scale is the in-sample MAE of the one-step naive forecast
    on the data the model was trained on, so it is fixed before the forecasts are scored
    and is the same for every model forecasting from that window.
    """
    if (y_train is None) == (scale is None):
        raise ConfigError(
            "give exactly one of `y_train` and `scale`; got "
            f"{'both' if y_train is not None else 'neither'}. Pass the training series or "
            "its in-sample naive MAE."
        )
    y, f = _arrays(y_true=y_true, y_pred=y_pred)
    if y_train is not None:
        m = check_int("m", m, minimum=1, fix="Use 1 for daily data.")
        (train,) = _arrays(y_train=y_train)
        if train.shape[0] <= m:
            raise DataError(
                f"`y_train` must have more than m={m} observations; got {train.shape[0]}."
            )
        s: np.ndarray = np.asarray(np.mean(np.abs(train[m:] - train[:-m])))
    else:
        s = np.asarray(scale, dtype=np.float64)
        if s.ndim > 1 or (s.ndim == 1 and s.shape[0] != y.shape[0]):
            raise DataError(
                f"`scale` must be a number or have the length of `y_true` ({y.shape[0]}); "
                f"got shape {s.shape}."
            )
    return _mase(y, f, s)


def r2_oos(y_true: ArrayLike, y_pred: ArrayLike, y_naive: ArrayLike) -> float:
    """Out-of-sample R² relative to a benchmark forecast (Campbell & Thompson, 2008).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual values and the model's point forecasts.
    y_naive : array-like of shape (n,)
        The benchmark's forecasts of the same targets; for the random walk, the last level
        observed at each origin.

    Returns
    -------
    float
        ``1 - SSE_model / SSE_naive``, unitless. Positive: the model beats the benchmark.
        Forecasts within round-off of the benchmark's (``ROUND_OFF_RELATIVE``, as
        :func:`predicted_change`) count as equal to them, so a model that is the benchmark
        scores exactly 0, not a few 1e-16.
    """
    return _r2_oos(*_arrays(y_true=y_true, y_pred=y_pred, y_naive=y_naive))


def directional_accuracy(y_true: ArrayLike, y_pred: ArrayLike, y_last: ArrayLike) -> float:
    """Hit rate of the predicted direction of change, over the forecasts that have one.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual values and point forecasts.
    y_last : array-like of shape (n,)
        Last level observed at each forecast's origin.

    Returns
    -------
    float
        ``mean(sign(ŷ - y_last) == sign(y - y_last))`` over the rows where both
        ``ŷ != y_last`` (beyond round-off) and ``y != y_last``, a fraction in [0, 1]. NaN
        when no row qualifies (e.g. the random walk, which never predicts a direction) or
        any input is NaN.

    Notes
    -----
    A forecast of no change (``ŷ == y_last``, up to the round-off ``ROUND_OFF_RELATIVE``
    = 1e-12 relative, see :func:`predicted_change`) predicts no direction, so it is
    neither a hit nor a miss: it is left out, and a model that never predicts a direction
    scores NaN rather than the share of unchanged actuals. An actual that did not change
    (``y == y_last``, common for rates quoted in whole basis points) has no direction to
    hit either and is left out too, so the hit rate is conditional on a move and a coin
    flip scores 1/2. The same rows are used by
    :func:`~tickcast.backtest.significance.pesaran_timmermann`.

    Examples
    --------
    >>> directional_accuracy([11.0, 9.0, 10.0, 12.0], [10.5, 10.5, 10.5, 10.0], [10.0] * 4)
    0.5
    """
    return _directional_accuracy(*_arrays(y_true=y_true, y_pred=y_pred, y_last=y_last))


# ---------------------------------------------------------------------------- intervals
def coverage(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Empirical coverage of prediction intervals.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Actual values.
    lower, upper : array-like of shape (n,)
        Interval bounds, in the series' units.

    Returns
    -------
    float
        ``mean(lower <= y <= upper)``, a fraction in [0, 1]; compare with the nominal level.
    """
    return _coverage(*_arrays(y_true=y_true, lower=lower, upper=upper))


def mean_width(lower: ArrayLike, upper: ArrayLike) -> float:
    """Mean width of prediction intervals.

    Parameters
    ----------
    lower, upper : array-like of shape (n,)
        Interval bounds, in the series' units.

    Returns
    -------
    float
        ``mean(upper - lower)``, in the series' units.
    """
    return _mean_width(*_arrays(lower=lower, upper=upper))


def pinball(y_true: ArrayLike, q_pred: ArrayLike, q: float) -> float:
    """Pinball (quantile) loss.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Actual values.
    q_pred : array-like of shape (n,)
        Forecasts of the ``q``-quantile, in the series' units.
    q : float
        Quantile level, strictly between 0 and 1.

    Returns
    -------
    float
        ``mean(max(q (y - ŷ_q), (q - 1)(y - ŷ_q)))``, in the series' units.
    """
    qq = _check_fraction("q", q, "Pass e.g. q=0.05 for the lower bound of a 90 % interval.")
    y, f = _arrays(y_true=y_true, q_pred=q_pred)
    return _pinball(y, f, qq)


def winkler(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike, alpha: float) -> float:
    """Winkler (interval) score (Winkler, 1972; Gneiting & Raftery, 2007).

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Actual values.
    lower, upper : array-like of shape (n,)
        Bounds of central ``(1 - alpha)`` prediction intervals.
    alpha : float
        One minus the nominal coverage, strictly between 0 and 1 (0.05 for 95 % intervals).

    Returns
    -------
    float
        ``mean((u - l) + (2/α)(l - y)·[y < l] + (2/α)(y - u)·[y > u])``, in the series'
        units; lower is better.
    """
    a = _check_fraction("alpha", alpha, "Pass alpha=0.05 for 95 % intervals.")
    y, lo, hi = _arrays(y_true=y_true, lower=lower, upper=upper)
    return _winkler(y, lo, hi, a)


# ---------------------------------------------------------------------------- frame table
#: Columns every forecast frame must hold.
REQUIRED_COLUMNS = ("model", "step", "y_true", "mean")

#: Point-metric columns of :func:`compute_metrics`, in order (interval columns follow).
METRIC_COLUMNS = (
    "n",
    "mae",
    "rmse",
    "mape",
    "smape",
    "mase",
    "r2_oos",
    "directional_accuracy",
    "rel_mae",
    "rel_rmse",
)


def _check_frame(frame: object, required: Sequence[str], func: str) -> pd.DataFrame:
    """Check that ``frame`` is a DataFrame holding ``required`` columns (shared by the
    frame-level functions of the backtest subpackage)."""
    if not isinstance(frame, pd.DataFrame):
        raise InputTypeError(
            f"`frame` of {func}() must be a pandas DataFrame (the long-format forecast frame); "
            f"got {type(frame).__name__}."
        )
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            f"`frame` of {func}() must have columns {list(required)}; missing {missing} "
            f"(has {list(frame.columns)}). Use the frame produced by tickcast.backtest."
        )
    return frame


def _level_label(level: float) -> str:
    """Column suffix of an interval level: 80 -> '80', 99.5 -> '99.5'."""
    return str(int(level)) if float(level).is_integer() else str(level)


def _check_by(by: Sequence[str], frame: pd.DataFrame, func: str) -> list[str]:
    if isinstance(by, str):
        by = (by,)
    by = list(by)
    if "model" not in by:
        raise ConfigError(
            f"`by` of {func}() must include 'model'; got {by!r}. Use e.g. by=('model', 'step')."
        )
    missing = [c for c in by if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"`by` of {func}() names columns {missing} that the frame lacks (has "
            f"{list(frame.columns)}). Drop them from by."
        )
    return by


def _column(group: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64, or all-NaN when the frame lacks it."""
    if name in group.columns:
        return cast("np.ndarray", group[name].to_numpy(dtype=np.float64, na_value=np.nan))
    return np.full(len(group), np.nan)


def _interval_columns(level: float) -> list[str]:
    lab = _level_label(level)
    return [f"coverage_{lab}", f"width_{lab}", f"pinball_{lab}", f"winkler_{lab}"]


def _group_metrics(g: pd.DataFrame, levels: tuple[float, ...]) -> dict[str, float]:
    y, f = _column(g, "y_true"), _column(g, "mean")
    last, scale = _column(g, "y_last"), _column(g, "scale")
    row: dict[str, float] = {
        "n": float(len(g)),
        "mae": _mae(y, f),
        "rmse": _rmse(y, f),
        "mape": _mape(y, f),
        "smape": _smape(y, f),
        "mase": _mase(y, f, scale),
        "r2_oos": _r2_oos(y, f, last),
        "directional_accuracy": _directional_accuracy(y, f, last),
    }
    for lev in levels:
        lab = _level_label(lev)
        lo, hi = _column(g, f"lower_{lab}"), _column(g, f"upper_{lab}")
        alpha = 1.0 - lev / 100.0
        row[f"coverage_{lab}"] = _coverage(y, lo, hi)
        row[f"width_{lab}"] = _mean_width(lo, hi)
        row[f"pinball_{lab}"] = 0.5 * (_pinball(y, lo, alpha / 2) + _pinball(y, hi, 1 - alpha / 2))
        row[f"winkler_{lab}"] = _winkler(y, lo, hi, alpha)
    return row


def compute_metrics(
    frame: pd.DataFrame,
    *,
    by: Sequence[str] = ("model",),
    levels: Sequence[float] = (80, 95),
    naive_model: str | None = "naive",
    quantiles: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Every metric of this module for each model (and optionally each step or series).

    Parameters
    ----------
    frame : pandas.DataFrame
        Long-format forecast frame, one row per (model, series, origin, step):

        ============  =========  ==========================================================
        column        required   meaning
        ============  =========  ==========================================================
        model         yes        model name (str)
        series        no         series name, when several series are backtested
        origin        no         timestamp of the last observation known at forecast time
        step          yes        steps ahead of the target, 1..h
        date          no         timestamp of the target
        y_true        yes        actual value of the target, series' units
        mean          yes        point forecast, series' units (NaN: the model failed)
        y_last        no         last level observed at the origin (needed for r2_oos and
                                 directional_accuracy)
        lower_L,      no         bounds of the central L % prediction interval, for each L
        upper_L                  in ``levels`` (``lower_80``, ``upper_95``...); NaN allowed
        scale         no         in-sample one-step naive MAE of the training window of
                                 the refit behind the forecast, for MASE
        ============  =========  ==========================================================

    by : sequence of str, default ("model",)
        Columns to group by; must include ``"model"``. E.g. ``("model", "step")`` for one
        row per model and horizon step, ``("model", "series")`` per series.
    levels : sequence of float, default (80, 95)
        Interval levels, in percent, to score.
    naive_model : str or None, default "naive"
        Model whose MAE and RMSE (in the same group, without ``model``) normalise the
        ``rel_mae`` and ``rel_rmse`` columns. Those columns are NaN when it is None or
        absent from the frame.
    quantiles : sequence of float, optional
        The quantile grid of a backtest run with ``quantiles=`` (its ``q_TAU`` columns): the
        CRPS is then computed on that grid instead of on the interval bounds and the mean.

    Returns
    -------
    pandas.DataFrame
        Indexed by the ``by`` columns, with columns ``n`` (rows used), ``mae``, ``rmse``,
        ``mape`` (%), ``smape`` (%), ``mase``, ``r2_oos`` (benchmark: the random walk, i.e.
        ``y_last``), ``directional_accuracy`` (over rows with a predicted and an actual
        direction; NaN if none), ``rel_mae``, ``rel_rmse``, then for each level
        L: ``coverage_L`` (fraction), ``width_L``, ``pinball_L`` (mean of the pinball losses
        of the two bounds at quantiles (1 - L/100)/2 and (1 + L/100)/2) and ``winkler_L``.
        ``crps`` (series' units) is the quantile-score CRPS of
        :func:`~tickcast.backtest.calibration.frame_crps`; ``attrs["crps_method"]`` says
        whether it used the quantile grid or the interval bounds and the mean.
        A metric whose inputs are missing (no ``scale`` column, no intervals) is NaN.

    Notes
    -----
    Rows whose ``y_true`` or ``mean`` is NaN (failed forecasts) are dropped before scoring;
    ``n`` counts the rows kept. Metrics pool all rows of a group (all origins, and all steps
    unless ``step`` is in ``by``).

    Examples
    --------
    >>> import pandas as pd
    >>> fr = pd.DataFrame({"model": ["a", "a"], "step": [1, 1], "y_true": [1.0, 2.0],
    ...                    "mean": [1.5, 2.0], "y_last": [1.0, 1.0]})
    >>> float(compute_metrics(fr, levels=()).loc["a", "mae"])
    0.25
    """
    _check_frame(frame, REQUIRED_COLUMNS, "compute_metrics")
    keys = _check_by(by, frame, "compute_metrics")
    lev = check_levels(levels, name="levels")
    if naive_model is not None and not isinstance(naive_model, str):
        raise ConfigError(f"`naive_model` must be a model name (str) or None; got {naive_model!r}.")
    columns = list(METRIC_COLUMNS) + [c for L in lev for c in _interval_columns(L)]
    kept = frame[frame["y_true"].notna() & frame["mean"].notna()]
    rows = []
    index = []
    for key, g in kept.groupby(keys, sort=True, dropna=False):
        rows.append(_group_metrics(g, lev))
        index.append(key if len(keys) > 1 else key[0])
    if len(keys) > 1:
        idx = pd.MultiIndex.from_tuples(index, names=keys)
    else:
        idx = pd.Index(index, name=keys[0])
    out = pd.DataFrame(rows, index=idx, columns=columns, dtype=np.float64)
    out["n"] = out["n"].astype(np.int64)
    out["crps"] = np.nan  # CRPS on the quantile grid or the interval bounds (frame_crps)
    from tickcast.backtest.calibration import (
        check_quantile_grid,
        crps_method,
        frame_crps,
        quantile_column,
    )

    taus = check_quantile_grid(quantiles)
    needed = [quantile_column(t) for t in taus]
    if not taus:
        needed = [f"{side}_{L:g}" for L in lev for side in ("lower", "upper")]
    if (taus or lev) and len(kept) and all(c in kept.columns for c in needed):
        crps = pd.Series(frame_crps(kept, lev, taus), index=kept.index)
        out["crps"] = crps.groupby([kept[k] for k in keys], sort=True, dropna=False).mean()
    out.attrs["crps_method"] = crps_method(lev, taus)
    if naive_model is not None and len(out) and naive_model in set(kept["model"]):
        others = [k for k in keys if k != "model"]
        base = out.xs(naive_model, level="model") if others else out.loc[naive_model]
        if others:
            flat = out.reset_index()
            base_df = base.reset_index()[[*others, "mae", "rmse"]]
            merged = flat[others].merge(base_df, on=others, how="left")
            out["rel_mae"] = _safe_divide(out["mae"].to_numpy(), merged["mae"].to_numpy())
            out["rel_rmse"] = _safe_divide(out["rmse"].to_numpy(), merged["rmse"].to_numpy())
        else:
            out["rel_mae"] = _safe_divide(out["mae"].to_numpy(), float(base["mae"]))
            out["rel_rmse"] = _safe_divide(out["rmse"].to_numpy(), float(base["rmse"]))
    return out
