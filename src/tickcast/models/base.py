"""The :class:`Forecaster` interface that every tickcast model follows.

A forecaster is fitted on a series of *levels* (prices or rates) and always answers in those
units. Internally it models a *target* (log returns for prices, differences for rates, by
default) and inverts the transform.

The protocol the backtest uses
------------------------------
The public methods (``fit``, ``predict``, ``simulate``, ``update``) validate their inputs
once (STYLE rule 2). The backtest engine has already checked its inputs, so it calls only
these public, *trusted* entry points, which skip validation; anything that wraps or stands
in for a forecaster (e.g. a tuning wrapper) implements exactly these:

``fit_trusted(y, X=None) -> self``
    Fit on levels ``y`` (a validated pd.Series) and aligned float ``X`` (or None).
``update_trusted(y_new, X_new=None) -> self``
    Append observations dated after the last fitted one, without a full refit.
``predict_trusted(horizon, X_future, levels) -> Forecast``
    Forecast ``horizon`` steps; ``levels`` is a checked tuple of percents; ``X_future``
    holds at least ``horizon`` checked rows (or is None). Raises TrainingError rather than
    return non-finite values.
``predict_arrays_trusted(horizon, X_future, levels) -> (mean, quantiles)`` (Forecaster's)
    The same forecast as arrays, without dates or a Forecast; the backtest uses it per
    origin unless a class overrides ``predict_trusted`` (a wrapper), then that.
``simulate_trusted(horizon, n_paths, rng, X_future) -> ndarray (n_paths, horizon)``
    Simulated level paths.
``forecast_origins(y, X, origins, horizon, quantiles) -> (means, quants)``
    Update through each origin of ``origins`` (positions into ``y``, strictly increasing,
    the first >= ``len(self.y_) - 1``) and forecast ``horizon`` steps from it: ``means`` of
    shape (n_origins, horizon) and level ``quants`` of shape (n_origins, horizon,
    n_quantiles). The default (:func:`forecast_origins_stepwise`) is the definition: update,
    then predict, origin after origin. A model whose class sets ``batched_origins = True``
    overrides it with a faster equivalent (ridge, Kalman filter); only then does the engine
    call it, and it records a non-finite row as that origin's failure.
``batched_origins : bool``
    Whether ``forecast_origins`` is a batched fast path the engine should use.
``forecast_folds(y, X, folds, horizon, quantiles) -> (means, quants)`` (optional)
    A whole backtest task at once, refits included: ``folds`` are objects with ``origin``,
    ``train`` (a range of positions) and ``refit`` (bool), origins strictly increasing. The
    definition (:func:`forecast_folds_stepwise`) is the engine's slow path: at the first fold
    and at every fold with ``refit`` set, ``fit_trusted`` on ``y[train]``; at the others,
    update through the origin; then predict. Same returns as ``forecast_origins``; the model
    is left as that loop leaves it. The engine calls it only when the class sets
    ``batched_folds = True`` (ridge), and reruns the loop if it raises.
``batched_folds : bool``
    Whether ``forecast_folds`` is a batched fast path the engine should use.
``supports_exog : bool``, ``label : str``
    Whether ``X`` is passed to the model, and its name in results.

Hooks a subclass implements
---------------------------
``_fit(y, z, X)``
    Estimate parameters from levels ``y`` (pd.Series), the transformed series ``z``
    (ndarray of shape (n_steps,)) and optional exogenous ``X`` (pd.DataFrame aligned to ``y``).
    Must set ``residuals_``: ndarray of shape (n_residuals, k) of out-of-sample (or in-sample,
    for baselines) errors in the transformed space, one column per horizon step.
``_predict_steps(horizon, X_future)``
    Expected transformed steps, ndarray of shape (horizon,).
``_predict_quantiles(horizon, quantiles, X_future)`` (optional)
    Level quantiles, ndarray of shape (horizon, n_quantiles), and the method behind each
    step, ndarray of str of shape (horizon,); the default derives them from split-conformal
    residuals (steps covered by ``residuals_``) and bootstrapped simulated paths (the steps
    beyond), see :meth:`Forecaster._predict_quantiles`.
``_update(y, X, n_new)`` (optional)
    Append ``n_new`` new observations (already in ``y``) without a full refit; models that
    keep history call :meth:`Forecaster._set_history`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from tickcast._validation import (
    Rule,
    check_levels,
    check_params,
    check_positive_int,
    check_seed,
    check_simulation_size,
)
from tickcast.data.spec import check_kind, kind_of, warn_kind_guess
from tickcast.data.validate import check_exog, float_frame, validate_series
from tickcast.errors import (
    CalibrationWarning,
    ConfigError,
    DataError,
    InputTypeError,
    ModelFileError,
    NotFittedError,
    TrainingError,
    VolatilityFallbackWarning,
)
from tickcast.features.transforms import default_target, make_target
from tickcast.models._calendar import future_index
from tickcast.models._quantiles import sorted_quantiles
from tickcast.models.aci import AciState
from tickcast.models.conformal import (
    aci_cumulative_offsets,
    conformal_cumulative_offsets,
    method_summary,
    min_conformal_residuals,
    nested,
)
from tickcast.models.forecast import Forecast, quantiles_for_levels
from tickcast.models.persistence import register_model, save_model
from tickcast.models.volatility import standardise

__all__ = [
    "Forecaster",
    "check_origins",
    "forecast_folds_stepwise",
    "forecast_origins_stepwise",
]

_ADDITIVE_TARGETS = ("log_return", "diff", "diff_bps", "sqrt_diff")
#: Saved volatility state arrays that hold text (see ``_volatility_state``).
_VOLATILITY_NAME_KEYS = frozenset({"vol_kind", "vol_requested", "vol_names"})

#: Fewest standardised sums behind an empirical volatility quantile (else Gaussian).
_MIN_STANDARD_SUMS = 50

#: Builds the levels (and exogenous frame) extended by the forecasts so far, on demand.
_History = Callable[[], "tuple[pd.Series, pd.DataFrame | None]"]


class Forecaster(BaseEstimator):
    """Base class: ``fit`` / ``predict`` / ``simulate`` / ``update`` / ``save``.

    Follows scikit-learn conventions: hyperparameters are stored unchanged by ``__init__``,
    fitted attributes end in ``_``, ``sklearn.base.clone`` works, and methods that need a fit
    raise :class:`~tickcast.errors.NotFittedError` before one.

    Attributes
    ----------
    y_ : pd.Series
        The observed levels the model was fitted (and updated) on.
    kind_ : {"price", "rate"}
        What the series is; decides the default target. The ``kind`` parameter when given,
        else ``y.attrs["kind"]`` (set by :func:`tickcast.load`), else guessed from the sign
        (all positive -> price) with a :class:`~tickcast.errors.KindGuessWarning`.
    target_ : str
        The modelled target: "log_return", "diff", "diff_bps", "sqrt_diff", "pct_change"
        or "level".
    transform_ : object
        The fitted target transform from :mod:`tickcast.features.transforms`.
    residuals_ : ndarray of shape (n_residuals, k)
        Errors in the transformed space used for intervals and simulation.
    """

    short_name: ClassVar[str] = "model"
    supports_exog: ClassVar[bool] = False
    #: How the intervals are built ("bootstrap", "analytic", "model", "conformal"); a
    #: constructor parameter of the conformal models, where "aci" makes them adaptive.
    interval_method: str = "bootstrap"
    fixed_target: ClassVar[str | None] = None
    n_interval_paths: ClassVar[int] = 2000
    #: True when :meth:`forecast_origins` is a batched fast path the backtest should use.
    batched_origins: ClassVar[bool] = False
    #: Each constrained parameter and its rule (:mod:`tickcast._validation`), checked once by
    #: the public ``fit`` and by ``backtest`` before any work (:meth:`_check_params`).
    _parameter_constraints: ClassVar[dict[str, Rule]] = {}
    #: What to change when a forecast overflows (appended to the TrainingError message).
    _instability_fix: ClassVar[str] = "Forecast fewer steps."
    #: True when the class defines a batched ``forecast_folds`` (whole tasks, refits included).
    batched_folds: ClassVar[bool] = False
    #: Set by the backtest engine on its own clone when no interval or quantile is recorded
    #: (``level=None``): ``fit`` then skips the volatility model, which no point forecast
    #: uses (intervals of such a model are the constant-volatility ones).
    _points_only: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_model(cls)  # so that tickcast.load_model can rebuild it

    # ------------------------------------------------------------------ naming
    @property
    def label(self) -> str:
        """Name in reports and backtest results: ``alias`` when set, else e.g. ``"naive"``."""
        alias = getattr(self, "alias", None)
        return alias if isinstance(alias, str) else self.short_name

    # ------------------------------------------------------------------ public API
    def fit(self, y: pd.Series, X: pd.DataFrame | None = None) -> Forecaster:
        """Fit on levels ``y`` (and exogenous ``X`` aligned to ``y``); returns ``self``.

        Parameters
        ----------
        y : pd.Series of shape (n_obs,)
            Levels (prices or rates) on a sorted, unique DatetimeIndex; no NaN.
        X : pd.DataFrame of shape (n_obs, n_exog), optional
            Exogenous series indexed like ``y`` (only for models with ``supports_exog``).

        Warns
        -----
        KindGuessWarning
            When neither the ``kind`` parameter nor ``y.attrs["kind"]`` says whether ``y``
            is a price or a rate, and the sign decided.
        """
        self._check_params()
        kind = check_kind(getattr(self, "kind", None))
        y = validate_series(y, name="y", min_length=self._min_length())
        X = self._check_exog(X, y.index)
        decides = self.fixed_target is None and getattr(self, "target", None) is None
        guess, guessed = kind_of(y, kind)
        if decides and guessed:
            sign = "all positive" if guess == "price" else "not all positive"
            warn_kind_guess(
                f"{type(self).__name__}.fit: `y` ({y.name or 'unnamed'})",
                guess,
                f"its values are {sign} and y.attrs has no 'kind'",
            )
        self.__dict__.pop("aci_", None)  # a public fit starts adaptive intervals afresh
        return self.fit_trusted(y, X)

    def predict(
        self,
        horizon: int,
        X_future: pd.DataFrame | None = None,
        *,
        level: float | Sequence[float] | None = (80, 95),
    ) -> Forecast:
        """Forecast the next ``horizon`` steps with central intervals at ``level`` percent.

        Parameters
        ----------
        horizon : int
            Number of future steps (business days for daily data), >= 1.
        X_future : pd.DataFrame of shape (>= horizon, n_exog), optional
            Future values of the exogenous series, first row = first forecast date.
        level : float or sequence of float, default (80, 95)
            Interval levels in percent, each strictly between 0 and 100.

        Returns
        -------
        Forecast
        """
        self._check_fitted()
        horizon = check_positive_int("horizon", horizon)
        levels = check_levels(level)
        X_future = self._check_exog_future(X_future, horizon)
        return self.predict_trusted(horizon, X_future, levels)

    def simulate(
        self,
        horizon: int,
        n_paths: int = 1000,
        *,
        seed: int | None = None,
        X_future: pd.DataFrame | None = None,
    ) -> np.ndarray:
        """Simulate future level paths.

        Parameters
        ----------
        horizon : int
            Steps per path, >= 1.
        n_paths : int, default 1000
            Number of paths, >= 1.
        seed : None, int >= 0, numpy.random.SeedSequence or numpy.random.Generator
            Seed of ``numpy.random.default_rng``; the same seed gives the same paths.

        Returns
        -------
        ndarray of shape (n_paths, horizon)
            Simulated levels (prices or rates) on the dates of ``predict(horizon).index``.

        Raises
        ------
        ConfigError
            A bad ``horizon``, ``n_paths`` or ``seed``, or ``n_paths * horizon`` above
            :data:`tickcast._validation.MAX_SIMULATED_VALUES` (checked before allocating).
        """
        self._check_fitted()
        horizon = check_positive_int("horizon", horizon)
        n_paths = check_positive_int("n_paths", n_paths)
        seed = check_seed(seed)
        check_simulation_size(horizon, n_paths)
        X_future = self._check_exog_future(X_future, horizon)
        return self.simulate_trusted(horizon, n_paths, np.random.default_rng(seed), X_future)

    def update(self, y_new: pd.Series, X_new: pd.DataFrame | None = None) -> Forecaster:
        """Append observations dated after the last one seen, without a full refit.

        Parameters that are expensive to estimate are kept (ARIMA coefficients, network
        weights); cheap ones are re-estimated exactly (baselines, ridge). Models without a
        fast path refit. Returns ``self``.

        ``y_new`` is checked as ``fit`` checks ``y``, for every model: finite real numbers
        on sorted unique dates after the fitted ones, in the domain of the fitted target
        (strictly positive for log returns: a DataError names ``y_new`` and the date).
        """
        self._check_fitted()
        y_new = validate_series(y_new, name="y_new", min_length=1)
        if y_new.index[0] <= self.y_.index[-1]:
            raise DataError(
                f"`y_new` must start after the last fitted date {self.y_.index[-1].date()}; "
                f"got {y_new.index[0].date()}. Pass only the new observations."
            )
        self.transform_.check_domain(y_new, name="y_new")
        X_new = self._check_exog(X_new, y_new.index, name="X_new")
        return self.update_trusted(y_new, X_new)

    def save(self, path: str) -> str:
        """Save the fitted model to ``path`` (``.npz``: arrays plus a JSON header).

        Returns the path written. Load it with :func:`tickcast.load_model`; pickle is never
        used.
        """
        self._check_fitted()
        return save_model(self, path)

    # ------------------------------------------------------------------ trusted paths
    def fit_trusted(self, y: pd.Series, X: pd.DataFrame | None = None) -> Forecaster:
        """Fit on checked levels ``y`` and float ``X`` (the backtest's entry point).

        With ``interval_method="aci"``, a refit on a history that continues the one seen so
        far (a walk-forward refit) first scores the pending forecasts on it and keeps the
        adapted levels; any other history starts them afresh.
        """
        aci = self._aci_carry(y)
        self._select_target(y)
        z = np.asarray(self.transform_.transform(y), dtype=float)
        if not np.all(np.isfinite(z)):
            raise DataError(f"the {self.target_} transform of `y` is not finite everywhere.")
        self.y_ = y
        self.X_ = X
        self._fit(y, z, X)
        self._fit_volatility()
        self._aci_start(aci)
        return self

    def update_trusted(self, y_new: pd.Series, X_new: pd.DataFrame | None = None) -> Forecaster:
        """Append checked observations dated after the last fitted one (see :meth:`update`)."""
        y = pd.concat([self.y_, y_new])
        y.attrs = dict(self.y_.attrs)
        X = None if self.X_ is None else pd.concat([self.X_, X_new])
        keep = self.__dict__.get("volatility_")
        self._keep_volatility = True  # parameters fixed between refits; filtered lazily
        try:
            self._update(y, X, len(y_new))
        finally:
            del self._keep_volatility
        self.volatility_ = keep
        if self._aci_on():
            self._aci().observe(self.y_, self._aci_gamma())
        return self

    def predict_trusted(
        self, horizon: int, X_future: pd.DataFrame | None, levels: tuple[float, ...]
    ) -> Forecast:
        """:meth:`predict` on checked inputs; TrainingError instead of non-finite values."""
        index = future_index(self.y_, horizon)
        qs = quantiles_for_levels(levels)
        mean, quant, methods = self._forecast_arrays(horizon, X_future, levels, qs)
        return Forecast(
            pd.Series(mean, index=index, name=self.y_.name),
            pd.DataFrame(quant, index=index, columns=pd.Index(qs, name="quantile")),
            levels=levels,
            model=self.label,
            method=method_summary(methods),
            interval_method=pd.Series(methods, index=index, name="interval_method"),
            history=self.y_,
        )

    def predict_arrays_trusted(
        self, horizon: int, X_future: pd.DataFrame | None, levels: tuple[float, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict_trusted` as arrays: no dates, no Forecast (the backtest's entry point).

        Returns
        -------
        mean : ndarray of shape (horizon,)
            ``predict_trusted(...).mean`` values.
        quantiles : ndarray of shape (horizon, n_quantiles)
            ``predict_trusted(...).quantiles`` values, columns ``quantiles_for_levels(levels)``.

        Raises and warns as :meth:`predict_trusted` (same computation, one code path).
        """
        mean, quant, _ = self._forecast_arrays(
            horizon, X_future, levels, quantiles_for_levels(levels)
        )
        return mean, quant

    def _forecast_arrays(
        self,
        horizon: int,
        X_future: pd.DataFrame | None,
        levels: tuple[float, ...],
        qs: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean (horizon,), quantiles (horizon, n_q) and methods (horizon,) of a forecast."""
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
            steps = self._predict_steps(horizon, X_future)
            mean = np.asarray(
                self.transform_.inverse_transform(steps, self.last_value_), dtype=float
            )
            quant, method = self._predict_quantiles(horizon, qs, X_future)
        self._check_finite_output(mean, "point forecast values", horizon, step_axis=0)
        self._check_finite_output(quant, "forecast quantiles", horizon, step_axis=0)
        methods = np.broadcast_to(np.asarray(method, dtype=object), (horizon,))
        conformal = np.array([str(m).startswith(("conformal", "aci")) for m in methods])
        if conformal.any():
            self._warn_thin_calibration(levels, int(conformal.sum()))
        return mean, quant, methods

    def forecast_origins(
        self,
        y: pd.Series,
        X: pd.DataFrame | None,
        origins: np.ndarray,
        horizon: int,
        quantiles: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Update through each origin and forecast ``horizon`` steps from it (trusted).

        Parameters
        ----------
        y : pd.Series of shape (n_obs,)
            The full series of levels; its first ``len(self.y_)`` values are those fitted.
        X : pd.DataFrame of shape (>= n_obs, n_exog), optional
            Exogenous series aligned to ``y`` (required iff the model was fitted with ``X``);
            rows after an origin are its known future values.
        origins : ndarray of int, shape (n_origins,)
            Strictly increasing positions into ``y``, each >= ``len(self.y_) - 1``.
        horizon : int
            Steps forecast from each origin, >= 1.
        quantiles : ndarray of shape (n_quantiles,)
            Probabilities in (0, 1).

        Returns
        -------
        means : ndarray of shape (n_origins, horizon)
            Point forecasts in level units (``predict_trusted(...).mean`` at each origin).
        quants : ndarray of shape (n_origins, horizon, n_quantiles)
            Level quantiles.

        Notes
        -----
        The default is the definition, :func:`forecast_origins_stepwise`; models with
        ``batched_origins = True`` override it with an equivalent batched computation. The
        model is left updated through ``origins[-1]``.
        """
        origins = check_origins(origins, len(self.y_), len(y))
        return forecast_origins_stepwise(self, y, X, origins, horizon, quantiles)

    def _warn_thin_calibration(self, levels: tuple[float, ...], n_steps: int) -> None:
        """CalibrationWarning when a requested conformal level rests on too few residuals."""
        counts = np.isfinite(self.residuals_[:, :n_steps]).sum(axis=0)
        n = int(counts.min())
        thin = [lv for lv in levels if n < min_conformal_residuals(lv / 100)]
        if thin:
            need = min_conformal_residuals(max(thin) / 100)
            knob = next(
                (k for k in ("calibration_fraction", "validation_fraction") if hasattr(self, k)),
                None,
            )
            more = f"raise `{knob}`, " if knob else ""
            warnings.warn(
                f"{type(self).__name__}: the conformal {max(thin):g} % interval rests on {n} "
                f"calibration residuals, fewer than the {need} its level needs; it uses the "
                "largest residual and covers less than promised. Fit on a longer history, "
                f"{more}or ask for a lower `level`.",
                CalibrationWarning,
                stacklevel=4,
            )

    def simulate_trusted(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        X_future: pd.DataFrame | None,
    ) -> np.ndarray:
        """:meth:`simulate` on checked inputs: level paths of shape (n_paths, horizon)."""
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
            steps = self._simulate_steps(horizon, n_paths, rng, X_future)
            paths = np.asarray(
                self.transform_.inverse_transform(steps, self.last_value_), dtype=float
            )
        self._check_finite_output(paths, "simulated paths", horizon, step_axis=1)
        return paths

    def _check_finite_output(
        self, values: np.ndarray, what: str, horizon: int, *, step_axis: int
    ) -> None:
        """Raise TrainingError rather than return NaN or infinite forecasts."""
        finite = np.isfinite(values)
        if finite.all():
            return
        step = int(np.argwhere(~finite)[:, step_axis].min()) + 1
        raise TrainingError(
            f"{type(self).__name__} produced non-finite {what} (NaN or overflow, first at "
            f"step {step} of horizon {horizon}): its fitted parameters are numerically "
            f"unstable or the horizon is too long for the {self.target_} target. "
            f"{self._instability_fix}"
        )

    # ------------------------------------------------------------------ hooks
    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        raise NotImplementedError

    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        raise NotImplementedError

    def _update(self, y: pd.Series, X: pd.DataFrame | None, n_new: int) -> None:
        """Default fast path: none; refit on the whole history."""
        self.fit_trusted(y, X)

    def _simulate_steps(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        X_future: pd.DataFrame | None,
    ) -> np.ndarray:
        """Expected steps plus bootstrapped residual rows, shape (n_paths, horizon).

        Whole residual rows are drawn so that dependence across horizon steps is kept;
        steps beyond the residual width are drawn independently from the first column.
        """
        steps = self._predict_steps(horizon, X_future)
        draws = _draw_residuals(self._interval_residuals(), horizon, n_paths, rng)
        vol = self._vol_state()
        if vol is not None:  # filtered historical simulation
            draws *= vol.forecast_sigma(horizon)[None, :]
        return cast("np.ndarray", steps[None, :] + draws)

    def _iterated_steps(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        first: np.ndarray,
        last_steps: np.ndarray,
        block_mean: Callable[[np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """Paths of a direct multi-step model iterated on their own steps, (n_paths, horizon).

        For models whose inputs are the last ``n`` transformed steps alone (Linear on lags,
        an RNN without features). The first block is the point forecast ``first`` (shape
        (H,), H = the width of ``residuals_``); each later block of H steps is
        ``block_mean(window)`` (window (n_paths, n), the path's last ``n`` steps, oldest
        first; returns (n_paths, H)), and every block adds one centred residual row of
        ``_interval_residuals`` drawn afresh (rescaled by the forecast volatility, FHS). A
        shock early on thus moves the later means as the model says it would: the spread of
        an iterated AR forecast grows with its psi-weights, which adding draws to the one
        point path ignores. ``last_steps`` (n,) are the observed steps before the origin.
        """
        resid = self._interval_residuals()
        resid = resid - resid.mean(axis=0)  # centred, as _draw_residuals
        H, n = resid.shape[1], len(last_steps)
        n_blocks = -(-horizon // H)
        rows = rng.integers(0, len(resid), size=(n_paths, n_blocks))
        draws = resid[rows].reshape(n_paths, n_blocks * H)[:, :horizon]
        vol = self._vol_state()
        if vol is not None:  # filtered historical simulation
            draws *= vol.forecast_sigma(horizon)[None, :]
        path = np.empty((n_paths, n + horizon))  # observed steps, then simulated ones
        path[:, :n] = last_steps
        for k in range(0, horizon, H):
            m = min(H, horizon - k)
            mean = first[None, :m] if k == 0 else block_mean(path[:, k : k + n])[:, :m]
            path[:, n + k : n + k + m] = mean + draws[:, k : k + m]
        return path[:, n:]

    def _predict_quantiles(
        self, horizon: int, quantiles: np.ndarray, X_future: pd.DataFrame | None
    ) -> tuple[np.ndarray, np.ndarray | str]:
        """Level quantiles of shape (horizon, n_quantiles) and each step's method, (horizon,).

        For additive targets (log returns, differences) the quantiles are built on the
        cumulative transformed scale around the cumulative point forecast:

        - ``interval_method = "conformal"``: split-conformal offsets for the steps that
          ``residuals_`` covers (its width, the model's direct head);
        - ``interval_method = "aci"``: the same at the adapted levels of adaptive conformal
          inference (:mod:`tickcast.models.aci`); the bounds issued are recorded so that
          their misses update the levels once the outcomes arrive;
        - every later step (and every step of other models): quantiles of
          ``n_interval_paths`` bootstrapped paths (:meth:`_simulate_steps`);
        - the offsets are then nested (:func:`~tickcast.models.conformal.nested`): no
          bound moves towards the point forecast from one step to the next.

        Other targets (``"level"``, ``"pct_change"``) take quantiles of bootstrapped level
        paths as they are.
        """
        methods = np.full(horizon, "bootstrap", dtype=object)
        if self.target_ not in _ADDITIVE_TARGETS:
            paths = self.simulate_trusted(horizon, self.n_interval_paths, self._rng(), X_future)
            return np.quantile(paths, quantiles, axis=0).T, methods
        center = np.cumsum(self._predict_steps(horizon, X_future))
        offsets = np.empty((horizon, len(quantiles)))
        head = 0
        if self.interval_method in ("conformal", "aci"):
            head = min(self.residuals_.shape[1], horizon)
            resid = self._interval_residuals()
            if self.interval_method == "aci":
                cum_offsets = aci_cumulative_offsets(resid, head, quantiles, self._aci())
            else:
                cum_offsets = conformal_cumulative_offsets(resid, head, quantiles)
            offsets[:head] = cum_offsets * self._vol_cumulative_scale(horizon)[:head, None]
            methods[:head] = self.interval_method
        if head < horizon:
            steps = self._simulate_steps(horizon, self.n_interval_paths, self._rng(), X_future)
            cum = np.quantile(np.cumsum(steps, axis=1), quantiles, axis=0).T  # (horizon, n_q)
            offsets[head:] = (cum - center[:, None])[head:]
        quant = self._quantiles_from_offsets(center, offsets, quantiles)
        if self.interval_method == "aci" and head:
            self._aci_record(quant[:head], quantiles)
        return quant, methods

    def _quantiles_from_offsets(
        self, center: np.ndarray, offsets: np.ndarray, quantiles: np.ndarray, last: Any = None
    ) -> np.ndarray:
        """Level quantiles from cumulative point forecasts and their offsets, nested.

        ``center`` has shape (..., horizon) (cumulative transformed steps), ``offsets``
        (horizon, n_q); the result (..., horizon, n_q) starts from ``last`` (default the last
        observed value; one per leading index allowed).
        """
        return self._levels_from_cumulative(center[..., None] + nested(offsets, quantiles), last)

    def _rng(self) -> np.random.Generator:
        """The generator behind bootstrapped intervals: ``seed`` (0 when unset)."""
        seed = getattr(self, "seed", None)
        return np.random.default_rng(0 if seed is None else seed)

    def _levels_from_cumulative(self, cum: np.ndarray, last: Any = None) -> np.ndarray:
        """Cumulative transformed values of shape (..., horizon, n_q) -> levels, same shape.

        Each quantile column is read as one path of cumulative steps and mapped through the
        (monotone) inverse target transform from ``last`` (default the last observed level;
        one value per leading index allowed).
        """
        cum = np.swapaxes(cum, -1, -2)  # (..., n_q, horizon)
        steps = np.diff(cum, axis=-1, prepend=0.0)
        last = self.last_value_ if last is None else np.asarray(last)[..., None]
        return np.swapaxes(np.asarray(self.transform_.inverse_transform(steps, last)), -1, -2)

    def _beyond_horizon(
        self,
        steps: np.ndarray,
        horizon: int,
        X_future: pd.DataFrame | None,
        next_block: Callable[[np.ndarray, _History], np.ndarray],
    ) -> np.ndarray:
        """Direct steps for the model's own horizon, then recursive blocks beyond it.

        Parameters
        ----------
        steps : ndarray of shape (H,)
            The direct forecast of the next H transformed steps.
        horizon : int
            Steps wanted; beyond H, the forecasts so far are appended as if observed and
            ``next_block(out, history)`` forecasts the next H steps, ``history()`` giving
            the extended levels and exogenous frame (built only when asked for).
        X_future : pd.DataFrame, optional
            Known future exogenous rows; ``horizon - 1`` are needed when the model uses X.

        Returns
        -------
        ndarray of shape (horizon,)
        """
        H = len(steps)
        if horizon <= H:
            return np.array(steps[:horizon], dtype=steps.dtype)
        if self.X_ is not None and (X_future is None or len(X_future) < horizon - 1):
            raise DataError(
                f"`X_future` is missing future values: forecasting {horizon} steps with "
                f"direct outputs for {H} needs exogenous rows for the next {horizon - 1} "
                f"dates; got {0 if X_future is None else len(X_future)}."
            )
        out = list(steps)
        dates = future_index(self.y_, horizon)
        while len(out) < horizon:
            k = len(out)  # the next origin is k steps ahead
            done = np.asarray(out)

            def history(
                done: np.ndarray = done, k: int = k
            ) -> tuple[pd.Series, pd.DataFrame | None]:
                levels = np.asarray(
                    self.transform_.inverse_transform(done, self.last_value_), dtype=float
                )
                path = pd.concat([self.y_, pd.Series(levels, index=dates[:k])])
                path.name = self.y_.name
                X_path = None
                if self.X_ is not None and X_future is not None:
                    X_path = pd.concat([self.X_, X_future.iloc[:k].set_axis(dates[:k])])
                return path, X_path

            out.extend(next_block(done, history)[: horizon - k])
        return np.asarray(out[:horizon], dtype=float)

    def _select_target(self, y: pd.Series) -> None:
        """Set ``kind_``, ``target_`` and the fitted ``transform_`` for levels ``y``.

        The target is ``fixed_target`` (models that need one), else the ``target``
        parameter, else the kind's default (log returns for prices, differences for rates).
        """
        self.kind_, _ = kind_of(y, getattr(self, "kind", None))
        self.target_ = (
            self.fixed_target or getattr(self, "target", None) or default_target(self.kind_)
        )
        self.transform_ = make_target(self.target_).fit(y)

    def _set_history(self, y: pd.Series, X: pd.DataFrame | None = None) -> None:
        """Record ``y`` (and ``X``) as the history the next forecast starts from."""
        self.y_, self.X_ = y, X
        self.transform_.observe(y)

    def _min_length(self) -> int:
        """Fewest observations ``fit`` accepts."""
        return 3

    def _get_state(self) -> dict[str, np.ndarray]:
        """Fitted arrays to save beyond the history; default none (refit on load)."""
        return {}

    def _set_state(self, y: pd.Series, X: pd.DataFrame | None, arrays: dict[str, Any]) -> None:
        """Restore from saved arrays; default: refit on the saved history (exact)."""
        self.fit_trusted(y, X)

    # ------------------------------------------------------------------ ACI (issue 12)
    @property
    def sequential_state(self) -> bool:
        """True when state learned at one origin carries to the next across refits (ACI).

        The backtest then runs each series' folds of this model as one task, in order.
        """
        return self._aci_on()

    def _aci_on(self) -> bool:
        return getattr(self, "interval_method", None) == "aci"

    def _aci_gamma(self) -> float:
        return float(getattr(self, "aci_gamma", 0.005))

    def _aci(self) -> AciState:
        """The ACI state (created at the nominal levels when missing)."""
        state = self.__dict__.get("aci_")
        if state is None:
            state = self.aci_ = AciState(self.residuals_.shape[1])
        return cast(AciState, state)

    def _aci_carry(self, y: pd.Series) -> AciState | None:
        """The ACI state kept across a refit on ``y``, scored on ``y``'s outcomes.

        Kept only when ``y`` continues the history seen so far: it holds the last date seen,
        with the same value, and does not end before it. None otherwise (or without ACI).
        """
        state = self.__dict__.get("aci_")
        if state is None or not self._aci_on() or "y_" not in self.__dict__:
            return None
        last = self.y_.index[-1]
        at = int(y.index.get_indexer([last])[0])
        if at < 0 or float(y.iloc[at]) != float(self.y_.iloc[-1]):
            return None
        state.observe(y, self._aci_gamma())
        return cast(AciState, state)

    def _aci_start(self, state: AciState | None) -> None:
        """After a fit: the carried ACI state, a fresh one, or none without ACI."""
        self.__dict__.pop("aci_", None)
        if not self._aci_on():
            return
        if self.target_ not in _ADDITIVE_TARGETS:
            raise ConfigError(
                f"`interval_method='aci'` adapts conformal intervals of a step target "
                f"(log_return, diff, diff_bps, sqrt_diff); {type(self).__name__} was fitted on the "
                f"{self.target_!r} target, whose intervals are bootstrapped. Use a step target "
                "or interval_method='conformal'."
            )
        width = int(self.residuals_.shape[1])
        self.aci_ = state if state is not None and state.width == width else AciState(width)

    def _aci_record(self, quant: np.ndarray, quantiles: np.ndarray) -> None:
        """Record the issued central intervals of ``quant`` (steps, n_q) at the origin."""
        q = np.round(np.asarray(quantiles, dtype=float), 12)
        lo = np.flatnonzero(q < 0.5)
        hi = np.searchsorted(q, np.round(1 - q[lo], 12))
        hi = np.minimum(hi, len(q) - 1)
        pair = np.isclose(q[hi], 1 - q[lo], rtol=0, atol=1e-9)
        lo, hi = lo[pair], hi[pair]
        if len(lo):
            cov = np.round(1 - 2 * q[lo], 12)
            self._aci().record(self.y_.index[-1], cov, quant[:, lo], quant[:, hi])

    def _aci_arrays(self) -> dict[str, np.ndarray]:
        """The ACI state, saved by ``save`` (empty without ACI)."""
        state = self.__dict__.get("aci_")
        return {} if state is None else cast(AciState, state).to_arrays()

    def _aci_restore(self, arrays: dict[str, Any]) -> None:
        """Restore a saved ACI state (``load_model``, after ``_set_state``)."""
        if "aci_alpha" in arrays and self._aci_on():
            self.aci_ = AciState.from_arrays(arrays, int(self.residuals_.shape[1]))

    # ------------------------------------------------------------------ volatility (issue 12)
    def _fit_volatility(self) -> None:
        """Fit the ``volatility`` model on the working-scale steps of ``y_`` (not on update)."""
        from tickcast.models.volatility import check_volatility, default_volatility, fit_volatility

        if getattr(self, "_keep_volatility", False):
            return
        self.volatility_ = None
        self.__dict__.pop("_vol_quantile_cache", None)
        self.__dict__.pop("_standard_sums_cache", None)
        if self._points_only:  # a backtest's clone recording no interval
            return
        requested = getattr(self, "volatility", "constant")
        kind = requested if requested is not None else default_volatility(self.kind_)
        kind = check_volatility(kind)
        if kind == "constant":
            return
        if self.target_ not in _ADDITIVE_TARGETS:
            if requested is None:
                return
            raise ConfigError(
                f"`volatility={kind!r}` needs a step target (log_return, diff, diff_bps, "
                f"sqrt_diff) for {type(self).__name__}; got target {self.target_!r}. Use "
                "volatility='constant' or a step target."
            )
        steps = self._working_steps(self.y_)
        saved = self.__dict__.pop("_restore_volatility", None)
        if saved is not None:  # load_model: the saved parameters, no re-estimation
            fit = _volatility_from_state(saved, steps)
            self._vol_anchor_ = tuple(int(v) for v in saved["vol_anchor"])
        else:
            with warnings.catch_warnings():
                if requested is None:  # the default falls back to EWMA silently (short y)
                    warnings.simplefilter("ignore", VolatilityFallbackWarning)
                fit = fit_volatility(steps, kind)
            self._vol_anchor_ = (len(steps), len(self.residuals_))
        self.volatility_ = fit
        sigma = fit.sigma_in_sample[np.minimum(self._vol_positions(), len(steps) - 1)]
        self._vol_ref_ = float(np.sqrt(np.mean(sigma**2))) if len(sigma) else 0.0
        if saved is not None:
            self._vol_ref_ = float(saved["vol_ref"])

    def _volatility_state(self) -> dict[str, np.ndarray]:
        """The fitted volatility parameters, saved by ``save`` (empty when constant)."""
        fit = self.__dict__.get("volatility_")
        if fit is None:
            return {}
        return {
            "vol_kind": np.asarray(fit.kind),
            "vol_requested": np.asarray(fit.requested),
            "vol_names": np.asarray(sorted(fit.params)),
            "vol_values": np.asarray([fit.params[k] for k in sorted(fit.params)]),
            "vol_anchor": np.asarray(self._vol_anchor_, dtype=np.int64),
            "vol_ref": np.asarray(self._vol_ref_),
        }

    def _working_steps(self, y: pd.Series) -> np.ndarray:
        return np.asarray(self.transform_.transform(y), dtype=float)

    def _vol_state(self) -> Any:
        """The fitted VolatilityFit filtered through the last observation, or None."""
        fit = self.__dict__.get("volatility_")
        if fit is None:
            return None
        n_seen = len(fit.steps)
        if n_seen + 1 < len(self.y_):
            fit = fit.update(self._working_steps(self.y_.iloc[n_seen:]))
            self.volatility_ = fit
        return fit

    def _vol_extend(self, y: pd.Series) -> None:
        """Filter the volatility through ``y`` (the fitted levels plus later ones)."""
        fit = self.volatility_
        if fit is None:
            raise NotFittedError("no volatility model to filter; fit the model first.")
        self.volatility_ = fit.update(self._working_steps(y.iloc[len(fit.steps) :]))

    def _vol_positions(self) -> np.ndarray:
        """Step positions of the rows of ``residuals_`` (the last rows end at the anchor)."""
        n_steps, n_rows = self._vol_anchor_
        end = n_steps + len(self.residuals_) - n_rows
        return np.clip(np.arange(end - len(self.residuals_), end), 0, None)

    def _interval_residuals(self) -> np.ndarray:
        """``residuals_``, standardised by the volatility of their dates (FHS) if any."""
        vol = self._vol_state()
        if vol is None:
            return np.asarray(self.residuals_, dtype=float)
        sigma = vol.sigma_in_sample[np.minimum(self._vol_positions(), len(vol.steps) - 1)]
        return standardise(self.residuals_, sigma[:, None])

    def _vol_cumulative_scale(self, horizon: int, sigma2_next: Any = None) -> np.ndarray:
        """sqrt(mean of the forecast variances over steps 1..h), shape (horizon,) or (K, h).

        Multiplies offsets computed from standardised residuals (1 without a volatility
        model). ``sigma2_next`` (n_origins,) gives one path per backtest origin.
        """
        vol = self._vol_state()
        if vol is None:
            return np.ones(horizon) if sigma2_next is None else np.ones((len(sigma2_next), horizon))
        first = vol.sigma2_next[-1:] if sigma2_next is None else sigma2_next
        paths = vol.forecast_variance_paths(first, horizon)
        if vol.flat_forecast:  # a flat path: its running mean is itself (exactly so here)
            scale = np.sqrt(paths)
        else:  # GARCH and EWMA paths revert to their long-run level
            scale = np.sqrt(np.cumsum(paths, axis=1) / np.arange(1, horizon + 1))
        return cast("np.ndarray", scale[0] if sigma2_next is None else scale)

    def _vol_standard_quantiles(self, horizon: int, quantiles: np.ndarray) -> np.ndarray:
        """Quantiles of standardised j-step sums, shape (horizon, n_q); Gaussian without one.

        With a volatility model, the p-quantile for step j is the empirical p-quantile of
        ``S_t = (sum_{i<j} e_{t+i}) / sqrt(sum_{i<j} s2_{t+i|t})`` over the origins ``t`` of
        the fit (after the first ``_INIT_STEPS``), divided by the root mean square of the
        ``S_t`` (so only the *shape* is taken from the data; the scale stays the model's):
        ``e`` the working steps minus their mean, ``s2_{.|t}`` the variance path forecast
        from ``t`` with the fitted parameters. It replaces the Gaussian ``ndtri(p)`` of the
        volatility-scaled intervals (Naive, ARIMA): a noisy volatility forecast makes the
        standardised sums a scale mixture, more peaked and fatter-tailed than N(0, 1), so
        Gaussian 80 % intervals over-cover and 95 % ones under-cover
        (``benchmarks/bench_calibration.py``). Only the steps up to the fit are used (fixed
        between refits, no look-ahead). A step j with fewer than ``_MIN_STANDARD_SUMS * j``
        sums (under 50 non-overlapping ones) takes the last step's quantiles before it, or
        stays Gaussian when there is none.
        """
        from scipy.special import ndtri

        q = np.asarray(quantiles, dtype=float)
        out = np.repeat(ndtri(q)[None, :], horizon, axis=0)
        if self.__dict__.get("volatility_") is None:
            return out
        key = (horizon, q.tobytes())
        cache = self.__dict__.setdefault("_vol_quantile_cache", {})
        if key in cache:
            return cast("np.ndarray", cache[key])
        sums = self._standard_sums(horizon)
        for j, values in enumerate(sums):  # sorted: np.quantile's numbers without partitions
            out[j] = sorted_quantiles(values, q)
        done = len(sums)
        if 0 < done < horizon:
            out[done:] = out[done - 1]
        cache[key] = out
        return out

    def _standard_sums(self, horizon: int) -> list[np.ndarray]:
        """The standardised j-step sums ``S_t / rms(S)`` of :meth:`_vol_standard_quantiles`
        for j = 1, 2, ... while there are enough of them (at most ``horizon`` arrays, each
        sorted ascending), cached per horizon: one pass serves every set of quantiles."""
        from tickcast.models.volatility import _INIT_STEPS

        cache = self.__dict__.setdefault("_standard_sums_cache", {})
        if horizon in cache:
            return cast("list[np.ndarray]", cache[horizon])
        vol = self.__dict__["volatility_"]
        n_fit = self._vol_anchor_[0]
        e = np.asarray(vol.steps[:n_fit], dtype=float)
        e = e - e.mean()
        s2 = np.asarray(vol.sigma2_next[:n_fit], dtype=float)
        cum = np.concatenate([[0.0], np.cumsum(e)])
        starts = np.arange(min(_INIT_STEPS, n_fit), n_fit)
        # cumulative forecast variance of 1..horizon steps from each start, (n_starts, h)
        cum_var = np.cumsum(vol.forecast_variance_paths(s2[starts], horizon), axis=1)
        out: list[np.ndarray] = []  # steps with their own empirical quantiles
        for j in range(1, horizon + 1):
            n_ok = len(starts) - j + 1  # the sums that end inside the fit
            if n_ok < _MIN_STANDARD_SUMS * j:  # too few non-overlapping sums: carry forward
                break
            var = cum_var[:n_ok, j - 1]
            st = starts[:n_ok]
            ok = var > 0
            sums = (cum[st + j] - cum[st])[ok] / np.sqrt(var[ok])
            rms = float(np.sqrt(np.mean(sums**2))) if len(sums) else 0.0
            if len(sums) < _MIN_STANDARD_SUMS * j or rms == 0:
                break
            out.append(np.sort(sums / rms))
        cache[horizon] = out
        return out

    def _vol_ratio(self, horizon: int, sigma2_next: Any = None) -> np.ndarray:
        """Forecast over in-sample volatility of the residuals' dates, for Gaussian models."""
        vol = self._vol_state()
        scale = self._vol_cumulative_scale(horizon, sigma2_next)
        if vol is None:
            return scale
        ref = self._vol_ref_  # fixed at fit: the residuals' average volatility then
        return scale / ref if ref > 0 else np.ones_like(scale)

    def _check_state(self, arrays: dict[str, np.ndarray]) -> None:
        """Refuse saved state arrays a fit could not have produced (ModelFileError).

        Called by :func:`~tickcast.models.persistence.load_model` before
        :meth:`_set_state`, so a loaded model is checked as strictly as a fitted one. The
        default: every array holds numbers (no strings or objects) and no NaN or infinity.
        Models add their own rules (ARIMA: a stationary, invertible model of its order).
        """
        for key, value in arrays.items():
            arr = np.asarray(value)
            if key in _VOLATILITY_NAME_KEYS and arr.dtype.kind == "U":
                continue  # the volatility model's kind and parameter names are text
            if arr.dtype.kind not in "biuf":
                raise ModelFileError(
                    f"state array {key!r} holds {arr.dtype} values, not numbers; the file "
                    "was edited or damaged."
                )
            if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
                raise ModelFileError(
                    f"state array {key!r} holds {int((~np.isfinite(arr)).sum())} NaN or "
                    "infinite value(s); a fitted model never does, so the file was edited or "
                    "damaged."
                )

    def _check_params(self) -> dict[str, Any]:
        """Check the declared ``_parameter_constraints``; returns the checked values.

        Called once by the public :meth:`fit`, by ``backtest`` before any work and by
        ``load_model``; ConfigError names the first bad parameter.
        """
        return check_params(self, self._parameter_constraints)

    # ------------------------------------------------------------------ checks
    @property
    def last_value_(self) -> float:
        """The last observed value of the series (a price or a rate)."""
        return float(self.y_.iloc[-1])

    def _check_fitted(self) -> None:
        if not hasattr(self, "transform_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call `fit(y)` first."
            )

    def _check_exog(
        self, X: Any, index: pd.DatetimeIndex, *, name: str = "X"
    ) -> pd.DataFrame | None:
        if X is None:
            return None
        if not self.supports_exog:
            raise ConfigError(
                f"`{name}` is not used by {type(self).__name__}; drop it or use a model that "
                "takes exogenous series (LinearForecaster, RNNForecaster)."
            )
        return check_exog(X, index, name=name)

    def _check_exog_future(self, X_future: Any, horizon: int) -> pd.DataFrame | None:
        fitted_X: pd.DataFrame | None = getattr(self, "X_", None) if self.supports_exog else None
        if fitted_X is None:
            if X_future is not None:
                raise ConfigError(
                    f"`X_future` was given but {type(self).__name__} was fitted without `X`."
                )
            return None
        if X_future is None:
            raise DataError(
                f"`X_future` is required: the model was fitted with exogenous columns "
                f"{list(fitted_X.columns)}; pass their values for the next {horizon} steps."
            )
        if isinstance(X_future, pd.Series):
            X_future = X_future.to_frame()
        if not isinstance(X_future, pd.DataFrame):
            raise InputTypeError(
                f"`X_future` must be a pandas DataFrame; got {type(X_future).__name__}."
            )
        if isinstance(X_future.index, pd.DatetimeIndex):
            X_future = X_future.loc[X_future.index > self.y_.index[-1]]
        if len(X_future) < horizon:
            raise DataError(
                f"`X_future` is missing future values: {horizon} rows after "
                f"{self.y_.index[-1].date()} are needed, got {len(X_future)}."
            )
        missing = [c for c in fitted_X.columns if c not in X_future.columns]
        if missing:
            raise DataError(f"`X_future` lacks the exogenous columns {missing}.")
        X_future = float_frame(X_future[list(fitted_X.columns)].iloc[:horizon], "X_future")
        if not np.all(np.isfinite(X_future.to_numpy())):
            raise DataError("`X_future` has NaN or infinite values in its first rows.")
        return X_future


def _volatility_from_state(saved: dict[str, Any], steps: np.ndarray) -> Any:
    """A VolatilityFit rebuilt from saved parameters and filtered through ``steps``."""
    from tickcast.models.volatility import VolatilityFit

    params = {
        str(k): float(v) for k, v in zip(saved["vol_names"], saved["vol_values"], strict=True)
    }
    kind, requested = str(saved["vol_kind"]), str(saved["vol_requested"])
    empty = VolatilityFit(kind, requested, params, np.empty(0), np.empty(1))
    return empty.refilter(steps)


def _draw_residuals(
    residuals: np.ndarray, horizon: int, n_paths: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap centred residual rows into shape (n_paths, horizon); see ``_simulate_steps``.

    Each column is centred on its mean first, so simulated paths are centred on the point
    forecast. An uncentred out-of-sample bias would otherwise accumulate into a drift over
    long horizons (252 steps x a small mean error); a model's bias is reported by its
    backtest metrics instead.
    """
    residuals = residuals - residuals.mean(axis=0)
    n, width = residuals.shape
    rows = rng.integers(0, n, size=n_paths)
    out = np.empty((n_paths, horizon))
    k = min(width, horizon)
    out[:, :k] = residuals[rows, :k]
    if horizon > k:
        out[:, k:] = residuals[rng.integers(0, n, size=(n_paths, horizon - k)), 0]
    return out


def check_origins(origins: Any, n_fitted: int, n_obs: int) -> np.ndarray:
    """Forecast origins for :meth:`Forecaster.forecast_origins`, as int64, or ConfigError.

    Parameters
    ----------
    origins : array-like of int, shape (n_origins,)
        Positions into the series.
    n_fitted : int
        Observations the model has seen; the first origin must be >= ``n_fitted - 1``.
    n_obs : int
        Length of the series; every origin must be < ``n_obs``.

    Returns
    -------
    ndarray of int64, shape (n_origins,)
    """
    origins = np.asarray(origins)
    if origins.ndim != 1 or len(origins) == 0 or origins.dtype.kind not in "iu":
        raise ConfigError(
            f"`origins` must be a non-empty 1-D array of integer positions; got {origins!r}."
        )
    if origins[0] < n_fitted - 1 or np.any(np.diff(origins) <= 0) or origins[-1] >= n_obs:
        raise ConfigError(
            "`origins` must increase strictly, start at or after the last fitted position "
            f"({n_fitted - 1}) and lie inside `y` (< {n_obs}); got {origins[:3]}..."
            f"{origins[-1]}. Refit the model on y[: origins[0] + 1] first."
        )
    return cast("np.ndarray", origins.astype(np.int64))


def forecast_origins_stepwise(
    model: Forecaster,
    y: pd.Series,
    X: pd.DataFrame | None,
    origins: np.ndarray,
    horizon: int,
    quantiles: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Reference loop of :meth:`Forecaster.forecast_origins`: update, then predict, per origin.

    Parameters and returns as :meth:`Forecaster.forecast_origins` (``origins`` already
    checked). The batched overrides are tested against this definition.
    """
    means = np.empty((len(origins), horizon))
    quants = np.empty((len(origins), horizon, len(quantiles)))
    prev = len(model.y_) - 1
    for k, o in enumerate(origins):
        if o > prev:
            y_new = y.iloc[prev + 1 : o + 1]
            X_new = None if model.X_ is None or X is None else X.reindex(y_new.index)
            model.update_trusted(y_new, X_new)
            prev = int(o)
        X_future = None
        if model.X_ is not None and X is not None:
            X_future = X.iloc[o + 1 : o + 1 + horizon]
        steps = model._predict_steps(horizon, X_future)
        means[k] = model.transform_.inverse_transform(steps, model.last_value_)
        quants[k] = model._predict_quantiles(horizon, quantiles, X_future)[0]
    return means, quants


def forecast_folds_stepwise(
    model: Forecaster,
    y: pd.Series,
    X: pd.DataFrame | None,
    folds: Sequence[Any],
    horizon: int,
    quantiles: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Reference loop of ``forecast_folds``: refit or update, then predict, fold by fold.

    Parameters
    ----------
    model : Forecaster
        Fitted or not; refitted at the first fold.
    y : pd.Series
        Levels through at least the last fold's origin.
    X : pd.DataFrame or None
        Exogenous rows aligned to ``y`` (future rows after an origin are its known future).
    folds : sequence of objects with ``origin``, ``train`` (range) and ``refit`` (bool)
        In increasing origin order (e.g. :class:`~tickcast.backtest.splitters.Fold`).
    horizon : int
        Steps forecast from each origin.
    quantiles : ndarray of shape (n_quantiles,)

    Returns
    -------
    means : ndarray of shape (n_folds, horizon)
    quants : ndarray of shape (n_folds, horizon, n_quantiles)
        Levels, as :meth:`Forecaster.forecast_origins`.
    """
    means = np.empty((len(folds), horizon))
    quants = np.empty((len(folds), horizon, len(quantiles)))
    use_x = X is not None and model.supports_exog
    prev = -1
    for k, fold in enumerate(folds):
        o = int(fold.origin)
        if fold.refit or k == 0:
            tr = slice(fold.train.start, fold.train.stop)
            model.fit_trusted(y.iloc[tr], X.iloc[tr] if use_x else None)  # type: ignore[union-attr]
        elif o > prev:
            new = slice(prev + 1, o + 1)
            model.update_trusted(y.iloc[new], X.iloc[new] if use_x else None)  # type: ignore[union-attr]
        prev = o
        X_future = X.iloc[o + 1 : o + 1 + horizon] if use_x else None  # type: ignore[union-attr]
        steps = model._predict_steps(horizon, X_future)
        means[k] = model.transform_.inverse_transform(steps, model.last_value_)
        quants[k] = model._predict_quantiles(horizon, quantiles, X_future)[0]
    return means, quants
