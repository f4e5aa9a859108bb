"""Walk-forward evaluation of several forecasters on the same origins.

The engine turns a splitter's folds into *tasks*: one task is a (series, model, run of
consecutive refit blocks). A refit block starts at a fold whose ``refit`` is True; the model
is fitted there on the fold's training window and then, for the block's later folds, fed
the new observations with ``update_trusted`` (or, when the model declares
``batched_origins``, its batched ``forecast_origins``) — never
anything after the origin. A model that declares ``batched_folds`` gets the whole task at
once (``forecast_folds``, refits included); if that raises, the fold loop reruns the task
so that every failure is recorded at its origin. Tasks are independent, so they run in
parallel with joblib on local cores or on a Dask cluster, and the results do not depend on
``n_jobs``.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import time
import traceback
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tickcast._validation import check_int, check_levels, check_one_of
from tickcast.backtest.calibration import CRPS_QUANTILES, check_quantile_grid, quantile_column
from tickcast.errors import ConfigError, InputTypeError, TickcastError, TrainingError

if TYPE_CHECKING:
    from tickcast.backtest.result import BacktestResult
    from tickcast.backtest.splitters import Fold
    from tickcast.models.base import Forecaster

__all__ = ["TASKS_PER_MODEL", "backtest"]

#: Refit blocks of one model on one series are grouped into at most this many tasks (a model
#: may declare its own ``tasks_per_model``: LinearForecaster's batched task is one). Within a
#: task, refits may warm-start from the previous fit; the grouping depends only on the data
#: and the splitter, never on ``n_jobs``, so results are identical for any ``n_jobs``.
TASKS_PER_MODEL = 8


#: Columns of ``BacktestResult.failures`` (present even when nothing failed).
_FAILURE_COLUMNS = ("series", "model", "origin", "error", "message", "traceback")


@dataclass(frozen=True)
class _Task:
    """One unit of parallel work: a model on a series over consecutive refit blocks."""

    series: str
    model_label: str
    model: Forecaster
    folds: tuple[Fold, ...]
    levels: tuple[float, ...]
    gap: int
    horizon: int
    errors: str
    quantiles: tuple[float, ...] = ()  # extra forecast quantiles recorded as q_TAU columns


@dataclass(frozen=True)
class _FoldForecast:
    """The forecast of one fold, its steps after the gap only."""

    origin: int  # position of the origin in the series
    refit: bool
    seconds: float
    mean: np.ndarray  # (horizon,)
    lower: np.ndarray  # (horizon, n_levels)
    upper: np.ndarray  # (horizon, n_levels)
    quants: np.ndarray  # (horizon, n_quantiles asked), empty without ``quantiles``


class _BlockFailed(TickcastError, RuntimeError):
    """A fold could not be forecast because its block's refit failed."""


def _non_finite(model: Forecaster, fold: Fold, y: pd.Series) -> TrainingError:
    return TrainingError(
        f"{type(model).__name__} produced a non-finite forecast at origin "
        f"{y.index[fold.origin].date()} (NaN or overflow in its batched path); its fitted "
        "parameters are numerically unstable there."
    )


def _labels(models: Sequence[Any]) -> list[str]:
    """Each model's ``label``; two models with one label are a ConfigError naming it."""
    out = [str(getattr(m, "label", type(m).__name__.lower())) for m in models]
    seen: dict[str, int] = {}
    for i, label in enumerate(out):
        if label in seen:
            first, again = models[seen[label]], models[i]
            raise ConfigError(
                f"`models` holds two models named {label!r} (#{seen[label] + 1} "
                f"{type(first).__name__} and #{i + 1} {type(again).__name__}); results are "
                f"keyed by name. Give each its own, e.g. {type(again).__name__}(..., "
                f"alias='{label}_2'), or pass a dict {{name: model}}."
            )
        seen[label] = i
    return out


def _check_models(models: Any) -> list[Any]:
    """The forecasters of ``models``: one, a non-empty list, or a dict {label: model}.

    A dict's keys become the labels: each model is cloned with ``alias=key`` (the caller's
    models are not changed).
    """
    from sklearn.base import clone

    from tickcast.models.base import Forecaster

    if isinstance(models, Mapping) and models:
        named = []
        for name, m in models.items():
            if not isinstance(name, str) or not name.strip():
                raise InputTypeError(
                    "`models` as a dict must map non-empty names (str) to forecasters; got "
                    f"the key {name!r}."
                )
            if not isinstance(m, Forecaster):
                raise InputTypeError(
                    f"`models[{name!r}]` must be a tickcast forecaster; got {type(m).__name__}."
                )
            if "alias" not in m.get_params(deep=False):
                raise ConfigError(
                    f"`models[{name!r}]`: {type(m).__name__} takes no `alias` parameter, so "
                    "the dict key cannot name it; add `alias=None` to its __init__ (stored as "
                    "self.alias) or pass a list."
                )
            named.append(clone(m).set_params(alias=name))
        models = named
    if isinstance(models, Forecaster):
        models = [models]
    if not isinstance(models, Sequence) or isinstance(models, str) or not models:
        raise InputTypeError(
            "`models` must be a forecaster, a non-empty list of forecasters or a dict "
            f"{{name: forecaster}}; got {type(models).__name__}."
        )
    for m in models:
        if not isinstance(m, Forecaster):
            raise InputTypeError(
                f"`models` must hold tickcast forecasters; got {type(m).__name__}."
            )
        m._check_params()  # the declared parameter constraints, once, before any work
    return list(models)


def _check_series(y: Any) -> dict[str, pd.Series]:
    from tickcast.data.validate import validate_series

    if isinstance(y, pd.Series):
        return {str(y.name) if y.name is not None else "y": validate_series(y, name="y")}
    if isinstance(y, Mapping) and y:
        return {str(k): validate_series(v, name=f"y[{k!r}]") for k, v in y.items()}
    raise InputTypeError(
        f"`y` must be a pandas Series of levels or a dict of them; got {type(y).__name__}."
    )


def _tasks_per_model(model: Any) -> int:
    """Tasks a model's refit blocks on one series are grouped into: the model's own
    ``tasks_per_model`` if it declares one (1 for a batched ``forecast_folds`` whose whole
    task costs less than the fixed cost of a task), else :data:`TASKS_PER_MODEL`. Depends on
    the model only, never on ``n_jobs``. A model carrying state across refits
    (``sequential_state``, as ACI) walks all its folds in one task."""
    if getattr(model, "sequential_state", False):
        return 1
    return int(getattr(model, "tasks_per_model", TASKS_PER_MODEL))


def _group(blocks: list[list[Fold]], n_groups: int) -> list[tuple[Fold, ...]]:
    edges = np.linspace(0, len(blocks), min(n_groups, len(blocks)) + 1).round().astype(int)
    return [tuple(f for block in blocks[a:b] for f in block) for a, b in itertools.pairwise(edges)]


def _naive_scale(y: np.ndarray, folds: Sequence[Any]) -> dict[int, float]:
    """MASE scale per origin: the in-sample one-step naive MAE of the data the model was fitted on.

    For each fold, ``mean |y_t - y_{t-1}|`` over ``t`` in its ``fitted_on`` window (the
    training window of the refit that produced its forecast; sliding windows included), as
    in Hyndman & Koehler (2006). NaN when that window holds a single observation.
    """
    # csum[k] = sum_{t=1..k} |y_t - y_{t-1}|, so a window a..b-1 sums csum[b-1] - csum[a]
    csum = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(y)))])
    out: dict[int, float] = {}
    for fold in folds:
        a, b = fold.fitted_on.start, fold.fitted_on.stop
        out[fold.origin] = (csum[b - 1] - csum[a]) / (b - 1 - a) if b - a > 1 else np.nan
    return out


@contextlib.contextmanager
def _labelled_warnings(task: _Task, y: pd.Series, fold: Fold) -> Iterator[None]:
    """Re-emit warnings raised inside the block, in their category, prefixed with
    "series X, model Y, origin DATE: " so that a backtest warning says where it arose."""
    where = f"series {task.series}, model {task.model_label}, origin "
    where += f"{y.index[fold.origin].date()}: "
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        for w in caught:
            warnings.warn(f"{where}{w.message}", w.category, stacklevel=3)


class _TaskRun:
    """The state of one task while it walks its folds: the model, its block, the records."""

    def __init__(self, task: _Task, y: pd.Series, X: pd.DataFrame | None) -> None:
        from tickcast.models.base import Forecaster
        from tickcast.models.forecast import quantiles_for_levels

        self.task, self.y = task, y
        # slices of new observations need no attrs (update_trusted keeps the fitted ones):
        # without them pandas skips a deep copy of the attrs on every slice
        self.y_plain = y.copy(deep=False)
        self.y_plain.attrs = {}
        # nothing recorded but points: refits skip the volatility fit (means do not use it)
        self.points_only = not (task.levels or task.quantiles)
        self.model: Forecaster = self._fresh_model()
        # the arrays of predict_trusted, without its dates and Forecast, unless a wrapper
        # overrides predict_trusted (then that is the model's answer)
        self.arrays = type(self.model).predict_trusted is Forecaster.predict_trusted
        self.X = X if X is not None and self.model.supports_exog else None
        self.total = task.gap + task.horizon  # steps forecast from each origin
        # a quantile tau asked is an end of the central |2 tau - 1| interval: forecasting
        # those levels too makes every path (predict or batched) carry it exactly
        self.predict_levels = task.levels + _levels_for_quantiles(task.quantiles, task.levels)
        self.ends = quantiles_for_levels(self.predict_levels)
        # the batched paths compute only what is recorded: nothing without levels/quantiles
        self.batch_ends = self.ends[:0] if self.points_only else self.ends
        self.q_idx = [int(np.argmin(np.abs(self.ends - q))) for q in task.quantiles]
        self.lo_idx = [int(np.argmin(np.abs(self.ends - (1 - lv / 100) / 2))) for lv in task.levels]
        self.hi_idx = [int(np.argmin(np.abs(self.ends - (1 + lv / 100) / 2))) for lv in task.levels]
        self.records: list[_FoldForecast] = []
        self.failures: list[dict[str, Any]] = []
        self.fitted = False
        self.broken: str | None = None  # why the current block has no model
        self.last = -1  # position of the last observation the model has seen
        self.start = 0  # position of the first observation of the current refit's window

    def _fresh_model(self) -> Forecaster:
        """An unfitted clone of the task's model; told when only point forecasts are used."""
        from sklearn.base import clone

        model: Forecaster = clone(self.task.model)
        model._points_only = self.points_only
        return model

    def _x(self, rows: slice) -> pd.DataFrame | None:
        return None if self.X is None else self.X.iloc[rows]

    def record(self, fold: Fold, mean: np.ndarray, q: np.ndarray, seconds: float) -> None:
        """Keep the forecast steps after the gap (``q``: quantiles at ``self.ends``, shape
        (total, n_ends)); columns are built once per task."""
        g = self.task.gap
        lower, upper, quants = q[g:, self.lo_idx], q[g:, self.hi_idx], q[g:, self.q_idx]
        self.records.append(
            _FoldForecast(fold.origin, fold.refit, seconds, mean[g:], lower, upper, quants)
        )

    def fail(self, fold: Fold, exc: BaseException) -> None:
        if self.task.errors == "raise":
            raise exc
        self.failures.append(
            {
                "series": self.task.series,
                "model": self.task.model_label,
                "origin": self.y.index[fold.origin],
                "error": type(exc).__name__,
                "message": str(exc).splitlines()[0] if str(exc) else "",
                "traceback": "".join(traceback.format_exception(exc, limit=3)),
            }
        )

    def refit(self, fold: Fold) -> None:
        """Fit on the fold's training window."""
        tr = slice(fold.train.start, fold.train.stop)
        with _labelled_warnings(self.task, self.y, fold):
            self.model.fit_trusted(self.y.iloc[tr], self._x(tr))
        self.fitted, self.last, self.start = True, fold.origin, fold.train.start

    def forecast_batch(self, block: Sequence[Fold]) -> None:
        """The model's batched ``forecast_origins`` over the rest of a block, on the block's
        data (its refit's window through its last origin, so that the series passed starts
        with the fitted observations, sliding windows included); a non-finite row is that
        fold's failure."""
        t0 = time.perf_counter()
        origins = np.array([f.origin for f in block])
        a, stop = self.start, int(origins[-1]) + 1
        # X rows after an origin are its known future exog (as on the single-fold path)
        with _labelled_warnings(self.task, self.y, block[0]):
            means, quants = self.model.forecast_origins(
                self.y.iloc[a:stop],
                self._x(slice(a, stop + self.total)),
                origins - a,
                self.total,
                self.batch_ends,
            )
        seconds = (time.perf_counter() - t0) / len(block)
        for f, mean, q in zip(block, means, quants, strict=True):
            if np.isfinite(mean).all() and np.isfinite(q).all():
                self.record(f, mean, q, seconds)
            else:  # as predict_trusted: never a NaN/inf forecast row
                self.fail(f, _non_finite(self.model, f, self.y))
        self.last = int(origins[-1])

    def forecast_fold(self, fold: Fold, t0: float) -> None:
        """Update through the fold's origin (unless just refitted), then predict."""
        if fold.origin > self.last:
            new = slice(self.last + 1, fold.origin + 1)
            with _labelled_warnings(self.task, self.y, fold):
                self.model.update_trusted(self.y_plain.iloc[new], self._x(new))
            self.last = fold.origin
        future = self._x(slice(fold.origin + 1, fold.origin + 1 + self.total))
        levels = self.predict_levels
        # the forecast's quantile columns are ``self.ends``: read the interval ends directly
        if self.arrays:
            mean, q = self.model.predict_arrays_trusted(self.total, future, levels)
        else:
            fc = self.model.predict_trusted(self.total, future, levels)
            mean, q = fc.mean.to_numpy(), fc.quantiles.to_numpy()
        self.record(fold, mean, q, time.perf_counter() - t0)

    def forecast_task(self) -> bool:
        """The model's batched ``forecast_folds`` over the whole task (refits included);
        False, with a fresh model, when it raised (the fold loop then says where)."""
        folds = self.task.folds
        t0 = time.perf_counter()
        stop = folds[-1].origin + 1
        try:
            with _labelled_warnings(self.task, self.y, folds[0]):
                means, quants = self.model.forecast_folds(
                    self.y.iloc[:stop],
                    self._x(slice(None, stop + self.total)),
                    folds,
                    self.total,
                    self.batch_ends,
                )
        except Exception:
            self.model = self._fresh_model()
            return False
        seconds = (time.perf_counter() - t0) / len(folds)
        finite = np.isfinite(means).all(axis=1) & np.isfinite(quants).all(axis=(1, 2))
        g = self.task.gap
        lower, upper = quants[:, g:, self.lo_idx], quants[:, g:, self.hi_idx]
        extra = quants[:, g:, self.q_idx]
        for k, f in enumerate(folds):  # as record(), the interval ends of all folds at once
            if finite[k]:
                self.records.append(
                    _FoldForecast(
                        f.origin, f.refit, seconds, means[k, g:], lower[k], upper[k], extra[k]
                    )
                )
            else:  # as predict_trusted: never a NaN/inf forecast row
                self.fail(f, _non_finite(self.model, f, self.y))
        return True

    def run(self) -> None:
        folds = self.task.folds
        if getattr(self.model, "batched_folds", False) and self.forecast_task():
            return
        i = 0
        while i < len(folds):
            fold = folds[i]
            t0 = time.perf_counter()
            try:
                if self.broken is not None and not fold.refit:
                    raise _BlockFailed(self.broken)
                if fold.refit or not self.fitted:
                    self.refit(fold)
                elif self.model.batched_origins:
                    j = i
                    while j < len(folds) and not folds[j].refit:
                        j += 1
                    self.forecast_batch(folds[i:j])
                    i = j
                    continue
                self.forecast_fold(fold, t0)
            except Exception as exc:  # one origin's failure must not end the run
                self.fail(fold, exc)
                if fold.refit:
                    self.fitted = False
                    self.broken = f"the refit at origin {self.y.index[fold.origin].date()} failed"
            else:
                if fold.refit:
                    self.broken = None
            i += 1


_BLAS: dict[str, Any] = {}  # the threadpoolctl controller and the modules it was built on


def _one_blas_thread() -> Any:
    """``threadpool_limits(limits=1)`` from a cached ``ThreadpoolController``.

    Building the controller scans the loaded libraries (5-10 ms, more than a whole fast
    task); it is rebuilt only when modules were imported since (a new BLAS comes with one).
    """
    from threadpoolctl import ThreadpoolController

    if _BLAS.get("modules") != len(sys.modules):
        _BLAS["controller"] = ThreadpoolController()
        _BLAS["modules"] = len(sys.modules)
    return _BLAS["controller"].limit(limits=1)


def _run_task(
    task: _Task, y: pd.Series, X: pd.DataFrame | None, limit_blas: bool = True
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Fit/update/predict over the task's folds; returns (columns, failures).

    BLAS runs one thread; ``limit_blas=False`` when the caller already holds that limit
    (entering it scans the loaded libraries, ~5-10 ms, more than a fast task itself).
    """
    run = _TaskRun(task, y, X)
    with _one_blas_thread() if limit_blas else contextlib.nullcontext():
        run.run()
    values = y.to_numpy()
    return _columns(task, y, values, _naive_scale(values, task.folds), run.records), run.failures


def _columns(
    task: _Task,
    y: pd.Series,
    values: np.ndarray,
    scale: dict[int, float],
    records: list[_FoldForecast],
) -> dict[str, Any]:
    """The long-format columns of one task's forecasts, built with whole-array operations."""
    h = task.horizon
    if not records:
        return {}
    origin = np.array([r.origin for r in records])
    test = (origin[:, None] + task.gap + 1 + np.arange(h)).ravel()  # (k * h,)
    cols: dict[str, Any] = {
        "series": np.full(len(test), task.series, dtype=object),
        "model": np.full(len(test), task.model_label, dtype=object),
        "origin": y.index[np.repeat(origin, h)],
        "step": np.tile(np.arange(1, h + 1), len(origin)),
        "date": y.index[test],
        "origin_pos": np.repeat(origin, h),  # positions in the series: DM overlap counts them
        "target_pos": test,
        "y_true": values[test],
        "y_last": np.repeat(values[origin], h),
        "mean": np.concatenate([r.mean for r in records]),
    }
    lower = np.concatenate([r.lower for r in records])  # (k * h, L)
    upper = np.concatenate([r.upper for r in records])
    for j, lv in enumerate(task.levels):
        cols[f"lower_{lv:g}"] = lower[:, j]
        cols[f"upper_{lv:g}"] = upper[:, j]
    if task.quantiles:
        quants = np.concatenate([r.quants for r in records])  # (k * h, n_quantiles)
        for j, tau in enumerate(task.quantiles):
            cols[quantile_column(tau)] = quants[:, j]
    cols["scale"] = np.repeat([scale[o] for o in origin], h)
    cols["refit"] = np.repeat(np.array([r.refit for r in records], dtype=bool), h)
    cols["seconds"] = np.repeat(np.array([r.seconds for r in records], dtype=float), h)
    return cols


def backtest(
    models: Any,
    y: pd.Series | Mapping[str, pd.Series],
    X: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    *,
    splitter: Any,
    level: float | Sequence[float] | None = (80, 95),
    n_jobs: int = 1,
    backend: str = "loky",
    progress: bool | None = None,
    errors: str = "skip",
    quantiles: Any = "auto",
) -> BacktestResult:
    """Walk-forward backtest of ``models`` on ``y`` over the origins of ``splitter``.

    Parameters
    ----------
    models : Forecaster, list of Forecaster or dict of str to Forecaster
        Unfitted templates; each is cloned per task. Labels come from ``model.label``
        (its ``alias`` when set, else "naive", "linear", "arima", "lstm", ...) or from the
        dict's keys; two models with the same label are a ConfigError.
    y : pd.Series or dict of str to pd.Series
        Levels (prices or rates) on a sorted DatetimeIndex; a dict backtests several series.
    X : pd.DataFrame or dict, optional
        Exogenous series aligned to ``y`` (per series for a dict), given to models with
        ``supports_exog``. Future rows after each origin are passed as ``X_future``: use only
        series whose future values are known in advance (calendars, scheduled events).
    splitter : WalkForward
        Which origins, training windows, horizon, gap and refit schedule.
    level : float or sequence of float, default (80, 95)
        Interval levels in percent recorded per forecast. None records point forecasts
        only (with ``quantiles`` None or "auto"); refits then fit no volatility model and
        the batched paths compute no quantiles (LinearForecaster: nor its calibration fits).
    n_jobs : int, default 1
        Parallel workers (joblib semantics: -1 = all cores). BLAS runs one thread per task.
    backend : {"loky", "threading", "dask"}, default "loky"
        joblib backend. "dask" runs the tasks on the current ``dask.distributed`` client
        (install the ``[dask]`` extra and create a ``Client`` first).
    progress : bool, optional
        tqdm bar over tasks; default on only in an interactive terminal.
    errors : {"skip", "raise"}, default "skip"
        "skip" records a failing origin in ``result.failures`` and goes on; "raise" stops.
    quantiles : "auto", array-like of float or None, default "auto"
        Probabilities in (0, 1), e.g. ``np.linspace(0.05, 0.95, 19)``: each forecast's
        quantiles there are recorded exactly (columns ``q_0.05``, ...; see
        :func:`~tickcast.backtest.calibration.quantile_column`), and ``metrics()`` scores the
        CRPS on that grid (:func:`~tickcast.backtest.calibration.frame_crps`). "auto" is
        :data:`~tickcast.backtest.calibration.CRPS_QUANTILES` (0.05, 0.10, ..., 0.95) when
        ``level`` asks for intervals, else none. None scores the CRPS on the interval bounds
        and the point forecast only, which runs low (about 12 % below the closed form for a
        calibrated Gaussian with levels 80 and 95).

    Returns
    -------
    BacktestResult
        Long-format ``forecasts`` frame (series, model, origin, step, date, y_true, y_last,
        mean, lower_L, upper_L, scale, refit, seconds) plus the run's settings.

    Examples
    --------
    >>> import tickcast as tc
    >>> y = tc.load("dgs10").iloc[-400:]
    >>> res = tc.backtest([tc.Naive(), tc.Drift()], y,
    ...                   splitter=tc.WalkForward(initial=300, step=20, horizon=5))
    >>> sorted(res.forecasts["model"].unique())
    ['drift', 'naive']
    """

    from tickcast.backtest.result import BacktestResult
    from tickcast.backtest.splitters import WalkForward, refit_blocks

    models = _check_models(models)
    series = _check_series(y)
    if not isinstance(splitter, WalkForward):
        raise InputTypeError(
            f"`splitter` must be a tickcast WalkForward; got {type(splitter).__name__}."
        )
    levels = check_levels(level)
    if isinstance(quantiles, str) and quantiles == "auto":
        quantiles = CRPS_QUANTILES if levels else None
    taus = check_quantile_grid(quantiles)
    n_jobs = check_int("n_jobs", n_jobs)
    if n_jobs == 0:
        raise ConfigError("`n_jobs` must be a positive number of workers or -1 for all; got 0.")
    check_one_of("backend", backend, ("loky", "threading", "dask"))
    check_one_of("errors", errors, ("skip", "raise"))
    exog = _check_exog(X, series)
    labels = _labels(models)

    tasks: list[_Task] = []
    for name, ys in series.items():
        folds = list(splitter.split(ys))
        for label, model in zip(labels, models, strict=True):
            for group in _group(refit_blocks(folds), _tasks_per_model(model)):
                tasks.append(
                    _Task(
                        series=name,
                        model_label=label,
                        model=model,
                        folds=group,
                        levels=levels,
                        gap=int(splitter.gap),
                        horizon=int(splitter.horizon),
                        errors=errors,
                        quantiles=taus,
                    )
                )

    started = time.perf_counter()
    outputs = _execute(tasks, series, exog, n_jobs=n_jobs, backend=backend, progress=progress)
    chunks = [out[0] for out in outputs if out[0]]
    failures = [f for out in outputs for f in out[1]]
    settings = {
        "splitter": splitter.describe(),
        "levels": levels,
        "quantiles": taus,
        "models": {lab: _describe_model(m) for lab, m in zip(labels, models, strict=True)},
        "series": {
            k: {
                "start": str(v.index[0].date()),
                "end": str(v.index[-1].date()),
                "rows": len(v),
                "kind": _series_kind(k, v),
                "units": v.attrs.get("units"),  # None for a user's own Series
            }
            for k, v in series.items()
        },
        "n_jobs": n_jobs,
        "backend": backend,
        "tasks": len(tasks),
        "tasks_per_model": {
            lab: _tasks_per_model(m) for lab, m in zip(labels, models, strict=True)
        },
        "seconds": time.perf_counter() - started,
        "versions": _versions(),
    }
    return BacktestResult(
        _frame(chunks, levels, taus),
        pd.DataFrame(failures, columns=list(_FAILURE_COLUMNS)),
        settings,
        y=series,
    )


def _series_kind(name: str, y: pd.Series) -> str:
    """The series' kind from ``attrs["kind"]`` (tc.load sets it), else guessed by sign, warned."""
    from tickcast.data.spec import kind_of, warn_kind_guess

    kind, guessed = kind_of(y)
    if guessed:
        reason = "all values positive" if kind == "price" else "some values not positive"
        warn_kind_guess(f"series {name!r}", kind, reason, stacklevel=3)
    return kind


def _check_exog(X: Any, series: dict[str, pd.Series]) -> dict[str, pd.DataFrame | None]:
    from tickcast.data.validate import check_exog

    if X is None:
        return dict.fromkeys(series)
    if isinstance(X, (pd.DataFrame, pd.Series)) and len(series) == 1:
        X = {next(iter(series)): X}
    if not isinstance(X, Mapping):
        raise InputTypeError(
            f"`X` must be a DataFrame (one series) or a dict of DataFrames; got {type(X).__name__}."
        )
    out: dict[str, pd.DataFrame | None] = {}
    for name, ys in series.items():
        x = X.get(name)
        out[name] = None if x is None else check_exog(x, ys.index, name=f"X[{name!r}]")
    return out


def _execute(
    tasks: list[_Task],
    series: dict[str, pd.Series],
    exog: dict[str, pd.DataFrame | None],
    *,
    n_jobs: int,
    backend: str,
    progress: bool | None,
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    import joblib
    from tqdm import tqdm  # the plain bar: tqdm.auto needs ipywidgets inside Jupyter

    disable = None if progress is None else not progress  # None: only on a terminal
    bar = tqdm(total=len(tasks), desc="backtest", unit="task", disable=disable)
    results = []
    try:
        if n_jobs == 1 and backend != "dask":
            with _one_blas_thread():  # once for all tasks, not once per task
                for t in tasks:
                    results.append(_run_task(t, series[t.series], exog[t.series], False))
                    bar.update()
        else:
            with joblib.parallel_config(backend=backend, n_jobs=n_jobs):
                calls = (
                    joblib.delayed(_run_task)(t, series[t.series], exog[t.series]) for t in tasks
                )
                for out in joblib.Parallel(return_as="generator")(calls):
                    results.append(out)
                    bar.update()
    finally:
        bar.close()
    return results


def _levels_for_quantiles(
    quantiles: tuple[float, ...], levels: tuple[float, ...]
) -> tuple[float, ...]:
    """Central levels (percent) whose interval ends are the ``quantiles`` (0.5 needs none)."""
    have = {round(float(lv), 9) for lv in levels}
    out: list[float] = []
    for q in quantiles:
        lv = round(abs(2 * q - 1) * 100, 9)
        if 0 < lv < 100 and lv not in have:
            have.add(lv)
            out.append(lv)
    return tuple(out)


def _frame(
    chunks: list[dict[str, Any]], levels: tuple[float, ...], quantiles: tuple[float, ...] = ()
) -> pd.DataFrame:
    columns = ["series", "model", "origin", "step", "date", "origin_pos", "target_pos"]
    columns += ["y_true", "y_last", "mean"]
    for lv in levels:
        columns += [f"lower_{lv:g}", f"upper_{lv:g}"]
    columns += [quantile_column(q) for q in quantiles]
    columns += ["scale", "refit", "seconds"]
    if not chunks:
        return pd.DataFrame({c: [] for c in columns})
    # one frame from the concatenated columns, rows ordered by (series, model, origin, step):
    # unique keys, so this lexsort is the stable sort_values on them (origins follow their
    # positions within a series); date columns stay pandas indexes (their dtype, time zone)
    cols: dict[str, Any] = {}
    for c in columns:
        parts = [ch[c] for ch in chunks]
        if isinstance(parts[0], pd.Index):
            cols[c] = parts[0].append(parts[1:]) if len(parts) > 1 else parts[0]
        else:
            cols[c] = np.concatenate([np.asarray(v) for v in parts])
    # every chunk is one task: one series and one model, so their sort ranks are per chunk
    # (np.unique's sorted codes without sorting thousands of Python strings)
    sizes = [len(ch["step"]) for ch in chunks]
    ranks = {}
    for key in ("series", "model"):
        names = [ch[key][0] for ch in chunks]
        rank = {name: r for r, name in enumerate(sorted(set(names)))}
        ranks[key] = np.repeat([rank[name] for name in names], sizes)
    order = np.lexsort((cols["step"], cols["origin_pos"], ranks["model"], ranks["series"]))
    data = {c: v.take(order) if isinstance(v, pd.Index) else v[order] for c, v in cols.items()}
    return pd.DataFrame(data, index=pd.RangeIndex(len(order)), columns=columns)


def _describe_model(model: Forecaster) -> dict[str, Any]:
    params = {k: repr(v) for k, v in model.get_params(deep=False).items()}
    return {
        "class": type(model).__name__,
        "params": params,
        "fast_path": (
            "forecast_folds"
            if getattr(model, "batched_folds", False)
            else "forecast_block"
            if model.batched_origins
            else "update"
        ),
    }


def _versions() -> dict[str, str]:
    import platform

    import numpy
    import pandas
    import sklearn

    import tickcast

    return {
        "tickcast": tickcast.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "scikit-learn": sklearn.__version__,
        "python": platform.python_version(),
    }
