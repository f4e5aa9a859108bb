"""Significance tests of forecast accuracy: Diebold-Mariano with the HLN correction.

(The module is named after what it holds, statistical *tests*; the package's unit tests
live in ``tests/backtest/``.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tickcast._validation import check_int
from tickcast.backtest.metrics import _check_by, _check_frame, predicted_change
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
        Furthest step ahead entering the loss, in observations.
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
        ``c = sqrt((n + 1 - 2h' + h'(h'-1)/n) / n)`` with the effective horizon
        ``h' = overlap_lags + 1``.
    spacing : int
        Distance between consecutive forecast origins, in observations (the smallest one when
        origins are irregular).
    overlap_lags : int
        ``K = ceil(h / spacing) - 1``, the number of neighbouring differentials whose
        forecast periods overlap; the long-run variance sums autocovariances of lags
        ``0 .. K``.
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
    spacing: int = 1
    overlap_lags: int = 0


def _autocovariances(d: np.ndarray, max_lag: int) -> np.ndarray:
    """``γ_k = (1/n) Σ_{t=k}^{n-1} (d_t - d̄)(d_{t-k} - d̄)`` for ``k = 0..max_lag``."""
    n = d.shape[0]
    u = d - d.mean()
    return np.array([np.dot(u[k:], u[: n - k]) / n for k in range(max_lag + 1)])


def _overlap_lags(h: int, spacing: int) -> int:
    """``ceil(h / spacing) - 1``: how many later origins a forecast period overlaps."""
    return -(-h // spacing) - 1


def _dm_from_differential(
    d: np.ndarray, h: int, alternative: str, loss_name: str, spacing: int = 1
) -> DMResult:
    """The test on a validated, finite loss differential (trusted path of dm_table)."""
    from scipy.special import stdtr  # Student t CDF; far lighter to import than scipy.stats

    n = d.shape[0]
    lags = _overlap_lags(h, spacing)
    h_eff = lags + 1
    if n <= h_eff:
        where = "" if spacing == 1 else f" (h={h} steps, origins {spacing} apart)"
        raise DataError(
            f"Diebold-Mariano needs more loss differentials than the horizon h={h_eff}; got "
            f"n={n}{where}. Use more forecast origins or a smaller h."
        )
    gamma = _autocovariances(d, lags)
    kernel = "uniform"
    lrv = gamma[0] + 2.0 * gamma[1:].sum()
    if not lrv > 0:
        kernel = "bartlett"
        weights = 1.0 - np.arange(1, h_eff) / h_eff  # Newey-West with K lags: 1 - k/(K+1)
        lrv = gamma[0] + 2.0 * np.dot(weights, gamma[1:])
    if not lrv > 0:
        raise DataError(
            "the loss differential has zero variance (the two forecasts' losses are equal or "
            "differ by a constant), so the Diebold-Mariano statistic is undefined. Check that "
            "e1 and e2 come from different forecasts."
        )
    dbar = float(d.mean())
    dm = dbar / np.sqrt(lrv / n)
    factor = np.sqrt((n + 1 - 2 * h_eff + h_eff * (h_eff - 1) / n) / n)
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
        spacing=spacing,
        overlap_lags=lags,
    )


def _finite_pair(
    first: tuple[str, object], second: tuple[str, object], what: str, *, fix: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    """Two named 1-D float arrays of finite ``what`` (errors, changes) of the same length."""
    arrays = []
    for name, value in (first, second):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            kind = "forecast errors" if what == "errors" else what
            raise InputTypeError(
                f"`{name}` must be a numeric array of {kind}; got {type(value).__name__}."
            ) from exc
        if arr.ndim != 1:
            raise DataError(f"`{name}` must be one-dimensional; got shape {arr.shape}.")
        if not np.isfinite(arr).all():
            raise DataError(
                f"`{name}` must hold finite {what}; got {int((~np.isfinite(arr)).sum())} "
                "NaN or infinite values. Drop the pairs with a missing forecast first."
            )
        arrays.append(arr)
    a, b = arrays
    if a.shape != b.shape:
        raise DataError(
            f"`{first[0]}` and `{second[0]}` must have the same length ({what} of the same "
            f"targets); got {a.shape[0]} and {b.shape[0]}.{fix}"
        )
    return a, b


def _check_h(h: object) -> int:
    """The forecast horizon ``h``, a positive integer."""
    return check_int("h", h, minimum=1, fix="Use h=1 for one-step-ahead forecasts.")


def _check_spacing(spacing: object) -> int:
    """Observations between consecutive forecast origins, a positive integer."""
    return check_int(
        "spacing", spacing, minimum=1, fix="Use spacing=1 for origins on consecutive observations."
    )


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


def _apply_loss(func: Callable[..., Any], e: np.ndarray, name: str) -> np.ndarray:
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
    spacing: int = 1,
    loss: LossLike = "se",
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> DMResult:
    """Diebold-Mariano test of equal accuracy, with the Harvey-Leybourne-Newbold correction.

    Parameters
    ----------
    e1, e2 : array-like of shape (n,)
        Forecast errors ``y - ŷ`` of the two competing forecasts of the same targets, in
        time order (one per forecast origin), in the series' units.
    h : int, default 1
        Furthest step ahead of the errors, in observations: an ``h``-step error depends on
        the ``h`` shocks after its origin, so errors from origins fewer than ``h``
        observations apart are correlated.
    spacing : int, default 1
        Observations between consecutive origins. The variance sums autocovariances up to
        lag ``K = ceil(h / spacing) - 1``; ``spacing=1`` is the textbook case (lag ``h - 1``,
        as R's ``forecast::dm.test``), ``spacing >= h`` gives independent differentials.
    loss : {"se", "ae"} or callable, default "se"
        Loss applied to each error: squared (``e²``), absolute (``|e|``) or a callable
        mapping an error array to a loss array of the same shape.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"less"``: H1 is ``E[d] < 0``, forecast 1 is more accurate; ``"greater"``: forecast
        2 is more accurate.

    Returns
    -------
    DMResult
        Statistic, p-value and the ingredients of the computation. A negative statistic
        means forecast 1 has the smaller mean loss.

    Raises
    ------
    DataError
        Lengths differ, values are missing or non-finite, ``n <= K + 1``, or the loss
        differential has zero variance.

    Notes
    -----
    With ``d_t = L(e1_t) - L(e2_t)``, ``d̄`` its mean and
    ``γ_k = (1/n) Σ_{t=k+1}^{n} (d_t - d̄)(d_{t-k} - d̄)``, the long-run variance is the
    truncated rectangular (uniform-kernel) sum of Diebold & Mariano (1995)

    ``V = γ_0 + 2 Σ_{k=1}^{K} γ_k``,   ``K = ceil(h / spacing) - 1``,

    and ``DM = d̄ / sqrt(V / n)``. Harvey, Leybourne & Newbold (1997) multiply it by
    ``c = sqrt((n + 1 - 2h' + h'(h'-1)/n) / n)`` with the effective horizon ``h' = K + 1``
    and compare ``DM* = c · DM`` with Student's t distribution with ``n - 1`` degrees of
    freedom. For ``spacing=1`` this is the statistic of R's ``forecast::dm.test`` and a
    t-test of the mean of ``d`` with a uniform-kernel HAC variance without small-sample
    correction (statsmodels ``OLS(d, 1).fit(cov_type="HAC", cov_kwds={"maxlags": K,
    "kernel": "uniform", "use_correction": False})``), times ``c``. For
    ``spacing >= h`` (``K = 0``) it is exactly the one-sample t-test of ``d``.

    The uniform sum can be negative for ``K > 0``. Then the Bartlett (Newey-West) weights
    ``1 - k/(K+1)`` on lags ``1..K`` are used instead, which give a non-negative estimate
    (R's ``dm.test(varestimator="bartlett")``); ``kernel`` in the result says which was
    used. (R's default ``dm.test`` instead falls back to ``h = 1``.)

    Examples
    --------
    >>> r = diebold_mariano([1.0, 0.0, 2.0, 1.0, 3.0], [0.0, 1.0, 0.0, 1.0, 0.0], loss="ae")
    >>> round(r.statistic, 6)  # d = [1, -1, 2, 0, 3]: sqrt(2.5) * sqrt(4/5) = sqrt(2)
    1.414214
    """
    hh = _check_h(h)
    ss = _check_spacing(spacing)
    alternative = _check_alternative(alternative)  # type: ignore[assignment]
    loss_name, func = _check_loss(loss)
    a1, a2 = _finite_pair(("e1", e1), ("e2", e2), "errors", fix=" Align them on the same dates.")
    d = _apply_loss(func, a1, "e1") - _apply_loss(func, a2, "e2")
    if not np.isfinite(d).all():
        raise DataError("`loss` returned non-finite values; check the loss callable.")
    return _dm_from_differential(d, hh, alternative, loss_name, ss)


_DM_COLUMNS = (
    "n",
    "h",
    "spacing",
    "overlap_lags",
    "statistic",
    "pvalue",
    "pvalue_holm",
    "mean_loss_diff",
    "kernel",
)


def _group_members(grouped: Any) -> list[np.ndarray]:
    """Row positions of each group of a ``groupby``, in the order of its groups."""
    gid = grouped.ngroup().to_numpy()
    order = np.argsort(gid, kind="stable")
    bounds = np.searchsorted(gid[order], np.arange(grouped.ngroups + 1))
    return [order[a:b] for a, b in pairwise(bounds)]


def _calendar_positions(frame: pd.DataFrame, series: pd.Series | None) -> tuple[Any, Any]:
    """Origin position and lead of every row, on the calendar of the dates in ``frame``.

    The calendar is the sorted union of the ``origin`` and ``date`` timestamps of the rows
    sharing a calendar (one series, or all rows when ``series`` is None); on a frame whose
    forecasts cover every observation between the first origin and the last target (always
    the case with ``gap=0`` and ``step <= horizon``) the ranks are the series positions.
    Without a ``date`` column, origins are ranked among themselves and the lead is ``step``.
    """
    origin = frame["origin"].to_numpy()
    date = frame["date"].to_numpy() if "date" in frame.columns else None
    opos = np.zeros(len(frame), dtype=np.int64)
    lead = frame["step"].to_numpy(dtype=np.int64).copy()
    if series is None:
        members = [np.arange(len(frame))]
    else:
        members = _group_members(frame.groupby(series.to_numpy(), sort=False))
    for m in members:
        if date is not None:
            cal = np.unique(np.concatenate([origin[m], date[m]]))
            opos[m] = np.searchsorted(cal, origin[m])
            lead[m] = np.searchsorted(cal, date[m]) - opos[m]
        else:
            opos[m] = np.searchsorted(np.unique(origin[m]), origin[m])
    return opos, lead


def _holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm (1979) adjusted p-values of the finite entries; NaN stays NaN.

    With the ``m`` finite p-values sorted, ``p̃_(j) = max_{i<=j} min(1, (m - i + 1) p_(i))``.
    This is ``statsmodels.stats.multitest.multipletests(p, method="holm")[1]`` (the tests
    check it), written out because that function runs ``gc.collect()`` on every call, a
    quarter of a second per (series, step) group in a report.
    """
    out = np.full(pvalues.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(pvalues))
    order = ok[np.argsort(pvalues[ok], kind="stable")]
    m = order.shape[0]
    out[order] = np.minimum(1.0, np.maximum.accumulate(pvalues[order] * (m - np.arange(m))))
    return out


def dm_table(
    frame: pd.DataFrame,
    *,
    baseline: str = "naive",
    loss: LossLike = "se",
    h: int | None = None,
    spacing: int | None = None,
    by: Sequence[str] = ("model",),
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> pd.DataFrame:
    """Diebold-Mariano test of every model against a baseline, from a forecast frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long-format forecast frame with columns ``model``, ``origin``, ``step``, ``y_true``,
        ``mean`` and optionally ``series``, ``date`` (target timestamp) and the integer
        positions ``origin_pos`` / ``target_pos`` of origin and target in the series (see
        :func:`~tickcast.backtest.metrics.compute_metrics`).
    baseline : str, default "naive"
        Model compared against; it must appear in ``frame["model"]``.
    loss : {"se", "ae"} or callable, default "se"
        As in :func:`diebold_mariano`.
    h : int or None, default None
        Furthest step ahead entering the loss, in observations. ``None``: the largest lead
        ``target_pos - origin_pos`` (or ``step`` when positions are unknown) in each group,
        so per-step tests (``by=("model", "step")``) use that step.
    spacing : int or None, default None
        Observations between consecutive origins. ``None``: the smallest distance between
        consecutive origin positions in each group (see Notes).
    by : sequence of str, default ("model",)
        Grouping columns, must include ``"model"``; e.g. ``("model", "step")`` for one test
        per horizon step.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        As in :func:`diebold_mariano`, with the model as forecast 1 and the baseline as
        forecast 2: ``"less"`` tests whether the model beats the baseline.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by`` (the baseline itself omitted), with columns ``n`` (differentials,
        one per origin), ``h`` (furthest step, observations), ``spacing`` (observations),
        ``overlap_lags`` (``K = ceil(h / spacing) - 1``), ``statistic`` (HLN ``DM*``: negative
        means the model has the smaller loss than the baseline), ``pvalue``, ``pvalue_holm``
        (Holm-adjusted over the models compared with the baseline in the same group of the
        other ``by`` columns, e.g. the same series and step), ``mean_loss_diff`` (model minus
        baseline, loss units; negative means the model has lower loss) and ``kernel``
        (``"uniform"``, or ``"bartlett"`` when the uniform long-run variance was not
        positive). Groups where the test is undefined (too few origins, identical losses)
        get NaN statistic and p-values and an empty kernel. Forecasts equal to the
        baseline's up to round-off (``|f - f_base| <= ROUND_OFF_RELATIVE * |f_base|``, the
        rule of ``metrics.predicted_change``) count as identical: their
        loss differential is 0, so a model that is the baseline (e.g. ARIMA(0,1,0)
        against Naive) gets no test rather than a statistic of round-off noise.

    Notes
    -----
    Model and baseline rows are matched on (``series``, ``origin``, ``step``); pairs where
    either forecast or the actual is missing are dropped. Within a group, the loss
    differentials of all rows sharing an origin (all steps, and all series, unless those
    are in ``by``) are averaged into one value per origin, giving one time series ``d_t``
    in origin order.

    Differentials of origins fewer than ``h`` observations apart share shocks. With origins
    ``s`` observations apart, each overlaps ``K = ceil(h / s) - 1`` neighbours on either
    side, so the long-run variance sums lags ``0..K`` and the HLN factor uses ``h' = K + 1``
    (:func:`diebold_mariano` with ``spacing=s``); ``s >= h`` gives the plain t-test. With
    irregular origins (e.g. origins whose forecasts failed) ``s`` is the *smallest* gap: the
    ``k``-th neighbour is then at least ``k·s`` observations away, so every overlapping pair
    lies within ``K`` lags; a larger gap only adds lags of true covariance zero (a little
    power lost), while the median gap could leave overlapping pairs out (size lost).

    Positions come from ``origin_pos`` and ``target_pos`` when the frame has them, without
    missing values (one series per group). Otherwise, and when several series are pooled
    into one group, they are ranks on the calendar of all ``origin`` and ``date`` timestamps
    of the frame (per series, or pooled), which equal the series positions when the
    forecasts cover every observation of the span (e.g. ``gap=0``, ``step <= horizon``);
    when ``step > horizon`` the ranks compress the uncovered days but ``s > h`` is kept, so
    ``K = 0`` as it should.
    Without a ``date`` column origins are taken as consecutive (``s = 1``), the
    conservative choice.
    """
    _check_frame(frame, ("model", "origin", "step", "y_true", "mean"), "dm_table")
    keys = _check_by(by, frame, "dm_table")
    if h is not None:
        _check_h(h)
    if spacing is not None:
        _check_spacing(spacing)
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
    has_series = "series" in frame.columns
    frame = frame.reset_index(drop=True)
    positions = ["origin_pos", "target_pos"]
    if set(positions) <= set(frame.columns) and frame[positions].notna().all(axis=None):
        own_pos = frame["origin_pos"].to_numpy(dtype=np.int64)
        own_lead = frame["target_pos"].to_numpy(dtype=np.int64) - own_pos
    else:
        own_pos, own_lead = _calendar_positions(frame, frame["series"] if has_series else None)
    if has_series and "series" not in keys and frame["series"].nunique() > 1:
        pooled_pos, pooled_lead = _calendar_positions(frame, None)
    else:  # no group pools several series
        pooled_pos, pooled_lead = own_pos, own_lead
    errors = frame.assign(
        _err=frame["y_true"] - frame["mean"],
        _pos=own_pos,
        _lead=own_lead,
        _ppos=pooled_pos,
        _plead=pooled_lead,
    )
    base = errors.loc[errors["model"] == baseline, [*match, "_err", "mean"]]
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
    d_all = _apply_loss(func, e_model, "the model") - _apply_loss(func, e_base, baseline)
    # forecasts equal to round-off (a random-walk ARIMA against Naive: exp(log P) is P to
    # a few 1e-16) have equal losses: their differential is that round-off, not evidence
    f_model = paired["mean"].to_numpy(dtype=np.float64)
    f_base = paired["mean_base"].to_numpy(dtype=np.float64)
    paired = paired.assign(_d=np.where(predicted_change(f_model, f_base) == 0, 0.0, d_all))
    cols = {c: paired[c].to_numpy() for c in ("_d", "_pos", "_lead", "_ppos", "_plead")}
    origin_code = pd.factorize(paired["origin"], sort=True)[0]  # time order of the origins
    series_code = pd.factorize(paired["series"])[0] if has_series else None
    grouped = paired.groupby(keys, sort=True, dropna=False)
    rows, index = [], []
    for key, members in zip(grouped.size().index, _group_members(grouped), strict=True):
        pooled = series_code is not None and np.unique(series_code[members]).size > 1
        pos, lead = ("_ppos", "_plead") if pooled else ("_pos", "_lead")
        _, codes = np.unique(origin_code[members], return_inverse=True)
        d = np.bincount(codes, weights=cols["_d"][members]) / np.bincount(codes)
        origin_pos = np.zeros(d.shape[0], dtype=np.int64)
        origin_pos[codes] = cols[pos][members]
        hh = int(cols[lead][members].max()) if h is None else int(h)
        gaps = np.diff(origin_pos)
        ss = int(spacing) if spacing is not None else int(gaps.min()) if gaps.size else 1
        ss = max(ss, 1)
        row = {"n": d.shape[0], "h": hh, "spacing": ss, "overlap_lags": _overlap_lags(hh, ss)}
        try:
            r = _dm_from_differential(d, hh, alternative, loss_name, ss)
            row |= {
                "statistic": r.statistic,
                "pvalue": r.pvalue,
                "mean_loss_diff": r.mean_loss_diff,
                "kernel": r.kernel,
            }
        except DataError:
            row |= {
                "statistic": np.nan,
                "pvalue": np.nan,
                "mean_loss_diff": float(d.mean()) if d.size else np.nan,
                "kernel": "",
            }
        rows.append(row)
        index.append(key)
    family = [i for i, k in enumerate(keys) if k != "model"]
    families: dict[tuple[Any, ...], list[int]] = {}
    for j, key in enumerate(index):
        families.setdefault(tuple(key[i] for i in family) if family else (), []).append(j)
    for family_rows in families.values():
        adjusted = _holm(np.array([rows[j]["pvalue"] for j in family_rows], dtype=np.float64))
        for j, p in zip(family_rows, adjusted, strict=True):
            rows[j]["pvalue_holm"] = float(p)
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
    directional_accuracy : float
        ``P``, the fraction of those pairs whose signs agree.
    expected_accuracy : float
        ``P* = Py·Px + (1 - Py)(1 - Px)``, the accuracy expected if the signs were
        independent with the observed frequencies of ups ``Py`` (actual) and ``Px``
        (predicted).
    """

    statistic: float
    pvalue: float
    n: int
    directional_accuracy: float
    expected_accuracy: float


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
        directional_accuracy=p,
        expected_accuracy=float(p_star),
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
    :func:`~tickcast.backtest.metrics.directional_accuracy`, whose value is the
    result's ``directional_accuracy``). With ``Py``, ``Px`` the shares of actual and
    predicted ups among the ``n`` pairs used, ``P`` the share of agreeing signs and
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
    >>> round(r.directional_accuracy, 4), round(r.expected_accuracy, 4)
    (0.6667, 0.5)
    """
    actual, predicted = _finite_pair(
        ("actual_change", actual_change), ("predicted_change", predicted_change), "changes"
    )
    return _pt_from_changes(actual, predicted)


_PT_COLUMNS = ("n", "statistic", "pvalue", "directional_accuracy", "expected_accuracy")


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
        ``directional_accuracy`` and ``expected_accuracy``. NaN where the test is undefined (a model
        that never predicts a direction, such as the random walk, or always the same one).
        A forecast within round-off of ``y_last`` (``metrics.predicted_change``) predicts
        no direction.
    """
    _check_frame(frame, ("model", "step", "y_true", "mean", "y_last"), "pt_table")
    keys = _check_by(by, frame, "pt_table")
    step = check_int("step", step, minimum=1, fix="Use step=1.")
    sel = frame[frame["step"] == step]
    sel = sel[np.isfinite(sel["y_true"]) & np.isfinite(sel["mean"]) & np.isfinite(sel["y_last"])]
    rows, index = [], []
    for key, g in sel.groupby(keys, sort=True, dropna=False):
        last = g["y_last"].to_numpy(dtype=np.float64)
        actual = g["y_true"].to_numpy(dtype=np.float64) - last
        predicted = predicted_change(g["mean"].to_numpy(dtype=np.float64), last)
        try:
            r = _pt_from_changes(actual, predicted)
            row = {c: getattr(r, c) for c in _PT_COLUMNS}
        except DataError:
            used = (actual != 0) & (predicted != 0)
            row = dict.fromkeys(_PT_COLUMNS, np.nan)
            row["n"] = int(used.sum())
            if used.any():
                row["directional_accuracy"] = float(
                    np.mean(np.sign(actual[used]) == np.sign(predicted[used]))
                )
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
