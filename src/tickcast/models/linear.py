"""Ridge regression on lagged targets, handcrafted features and exogenous series.

:class:`LinearForecaster` is a *direct* multi-horizon model: one ridge regression with
``horizon`` outputs, output ``j`` predicting the transformed step ``j + 1`` ahead from what is
known at the forecast origin. The estimator is scikit-learn's
``make_pipeline(StandardScaler(), Ridge(alpha))`` (standardised inputs, unpenalised intercept);
it is solved here from running sums of ``X'X`` and ``X'Y`` so that ``update`` and the batched
backtest path re-estimate it exactly without touching old rows (tests check both against
scikit-learn refits to 1e-8).
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd

from tickcast._validation import Rule, check_params, integer, real, seed
from tickcast._validation import alias as alias_rule
from tickcast.errors import DataError
from tickcast.features.windows import first_complete_row, min_windows
from tickcast.models.aci import ACI_PARAMETER_CONSTRAINTS
from tickcast.models.base import (
    _ADDITIVE_TARGETS,
    Forecaster,
    _History,
    check_origins,
    forecast_folds_stepwise,
    forecast_origins_stepwise,
)
from tickcast.models.conformal import conformal_cumulative_offsets

__all__ = ["LinearForecaster"]

# Fewest windows accepted for the calibration fit and for the conformal calibration set.
_MIN_TRAIN_WINDOWS = 10
_MIN_CALIBRATION_WINDOWS = 10


class LinearForecaster(Forecaster):
    """Ridge regression on lags of the target (+ features, + exog), one output per step.

    At a forecast origin ``t`` (the last observed date) the inputs are

    * the last ``lags`` transformed steps ``z[t], z[t-1], ..., z[t-lags+1]`` (log returns for
      prices, differences for rates, by default);
    * the handcrafted ``features`` evaluated on the levels up to ``t`` (row ``t`` of
      ``FeatureSet.transform(y)``);
    * the exogenous columns of ``X`` at row ``t`` (values known at the origin);

    and the outputs are the next ``horizon`` steps ``z[t+1], ..., z[t+horizon]``.

    Parameters
    ----------
    lags : int, default 20
        Number of lagged transformed steps used as inputs, >= 1.
    features : FeatureSet or sequence of str, optional
        Handcrafted features from :mod:`tickcast.features.handcrafted` (a ``FeatureSet`` or the
        names to build one from). Leading rows where a feature is not yet defined
        (``max_lookback``) are skipped.
    alpha : float, default 1.0
        Ridge penalty on the standardised coefficients, >= 0 (as ``sklearn.linear_model.Ridge``).
    horizon : int, default 5
        Number of direct outputs (steps ahead), >= 1. Forecasts up to ``horizon`` steps use
        the direct outputs; longer ones iterate them (see Notes).
    target : {"log_return", "diff", "diff_bps", "sqrt_diff", "pct_change", "level"}, optional
        Modelled transform of the levels; default log returns for prices, differences for rates.
    kind : {"price", "rate"}, optional
        What ``y`` is, when ``target`` is None: prices get log returns, rates differences.
        Overrides ``y.attrs["kind"]``; default: the attrs, else the sign (all positive ->
        price) with a :class:`~tickcast.errors.KindGuessWarning`. Checked in ``fit``.
    calibration_fraction : float, default 0.2
        Share of the training windows (the most recent ones) held out to calibrate the
        split-conformal intervals, strictly between 0 and 1.
    seed : int, default 0
        Seed of the residual bootstrap used for intervals beyond ``horizon`` and for
        ``simulate``.
    volatility : {"constant", "ewma", "garch"}, optional
        Volatility model of the steps (:mod:`tickcast.models.volatility`). Non-constant: the
        calibration residuals are divided by the conditional volatility of their dates
        (normalised conformal scores) and the offsets multiplied by the forecast volatility,
        ``sqrt(mean_{j<=h} s2_{T+j})``; bootstrapped steps are filtered historical
        simulation. None: the default for the series' kind (``DEFAULT_VOLATILITY``).
    interval_method : {"conformal", "aci"}, default "conformal"
        How the intervals of the direct steps are calibrated. "conformal": split-conformal
        quantiles of ``residuals_`` at the nominal level. "aci": adaptive conformal inference
        (Gibbs & Candès 2021, :mod:`tickcast.models.aci`): per step and level the miscoverage
        target is updated online, ``alpha_{t+1} = alpha_t + aci_gamma * (alpha - err_t)``,
        from the misses of the intervals issued so far, each learned only when its outcome
        is observed (``update``, or a walk-forward refit on a longer history; a public
        ``fit`` starts afresh); the conformal quantile of ``residuals_`` is taken at the
        adapted level ``1 - alpha_t``. Needs a step target.
    aci_gamma : float, default 0.005
        Step size of the ACI update, in (0, 1] (0.005 as in Gibbs & Candès; larger adapts
        faster and fluctuates more). Used only with ``interval_method="aci"``.
    alias : str, optional
        The model's name in results and reports (its ``label``) instead of "linear"; two
        models in one backtest need different names.

    Attributes
    ----------
    coef_ : ndarray of shape (n_inputs, horizon)
        Coefficients on the raw (unscaled) inputs, in target units per input unit.
    intercept_ : ndarray of shape (horizon,)
        Intercepts in target units.
    input_names_ : list of str
        Names of the ``n_inputs`` inputs: ``lag1..lagL``, then features, then exog columns.
    scale_ : ndarray of shape (n_inputs,)
        Standard deviations (ddof=0) of the inputs over the training windows (1.0 for
        constant inputs), as ``StandardScaler.scale_``.
    residuals_ : ndarray of shape (n_calibration, horizon)
        Out-of-sample errors ``z - z_hat`` per step on the calibration windows, from the model
        fitted on the earlier windows; they set the conformal intervals.
    n_windows_ : int
        Training windows in the current point model (grows with ``update``).
    z_ : ndarray of shape (n_obs - 1,)
        Transformed history (one value fewer than ``y_`` for differencing targets).

    Notes
    -----
    **Estimator.** With inputs :math:`x_i` (rows), outputs :math:`Y_i`, means
    :math:`\\bar x, \\bar Y` and standard deviations :math:`s` over the :math:`n` windows,
    :math:`S_{xx} = \\sum (x_i - \\bar x)(x_i - \\bar x)^\\top` and
    :math:`S_{xY} = \\sum (x_i - \\bar x)(Y_i - \\bar Y)^\\top`:

    .. math::

        (D^{-1} S_{xx} D^{-1} + \\alpha I)\\,B = D^{-1} S_{xY}, \\quad D = \\mathrm{diag}(s),
        \\quad W = D^{-1} B, \\quad b = \\bar Y - \\bar x^\\top W.

    All of it comes from the running sums :math:`n, \\sum x, \\sum Y, \\sum x x^\\top,
    \\sum x Y^\\top` (kept on data shifted by the first fit's means, for accuracy), so adding
    windows costs O(p^2) each plus one p x p solve.

    **Fast paths.** ``update(y_new)`` appends the windows whose ``horizon`` targets have become
    observed and re-solves: the point model then equals a full refit on all data (to ~1e-12).
    The conformal ``residuals_`` are *not* recomputed by ``update`` or by the batched
    ``forecast_origins``: they stay those of the last full ``fit``. ``forecast_folds`` (a whole
    backtest task, used by :func:`tickcast.backtest` for every ``refit_every``) recomputes
    them at every refit as ``fit`` does, from prefix sums of the same running statistics and
    one batched solve for all folds and calibration fits; a volatility model (the default
    EWMA, GARCH) is estimated on each refit's training steps as ``fit`` does and filtered
    through its folds, so the intervals equal the fold-by-fold loop's for every option. The
    backtest runs it as one task per series (``tasks_per_model = 1``). With
    ``interval_method="aci"`` both batched paths run their stepwise definitions
    (``batched_origins`` and ``batched_folds`` are False, so the backtest takes the fold
    loop): the adapted levels of each origin depend on the misses learned at the origins
    before it.

    **Intervals.** Split-conformal: the model is fitted on the first
    ``1 - calibration_fraction`` of the windows, the next ``horizon - 1`` windows are skipped
    (their targets overlap the training targets), the rest give out-of-sample errors per step
    ``residuals_``; then the model is refitted on all windows. Intervals on the cumulative step
    (hence on levels) have the nominal coverage under exchangeability of the errors. Steps
    beyond ``horizon`` take the quantiles of paths bootstrapped from those residuals, each
    path iterated through the ridge on its own simulated lags (one residual row per block of
    ``horizon`` steps), so that early shocks move the later means as the model says
    (``Forecast.interval_method`` says which steps are "conformal" and which "bootstrap"), and
    a non-additive target is bootstrapped on every step. Each bound's distance from the point
    forecast (on the cumulative step scale) is a running maximum over the steps, so intervals
    never narrow with the horizon; predict warns with
    :class:`~tickcast.errors.CalibrationWarning` when a requested level needs more
    calibration residuals than there are.

    **Beyond ``horizon``.** Forecasts are built in blocks of ``horizon`` steps: the predicted
    steps are appended to the transformed history, the level path is reconstructed with the
    inverse transform (on the next business days), features are recomputed on that path, the
    exogenous inputs of each new origin are taken from ``X_future`` (row ``k - 1`` for an origin
    ``k`` steps ahead), and the direct model is applied again.

    Examples
    --------
    >>> import tickcast as tc
    >>> y = tc.load("dbk").iloc[-1500:]
    >>> fc = tc.LinearForecaster(lags=10, horizon=5).fit(y).predict(5, level=90)
    >>> fc.to_frame().shape
    (5, 3)
    """

    short_name = "linear"
    feature_names_: list[str] | None
    #: one backtest task per series: the batched task costs less than splitting it
    tasks_per_model = 1
    supports_exog = True
    _instability_fix = "Refit with a larger `alpha` or forecast fewer steps."
    _parameter_constraints: ClassVar[dict[str, Rule]] = {
        "lags": integer(minimum=1),
        "horizon": integer(minimum=1),
        "alpha": real(
            0.0,
            rule="a finite number >= 0 (the ridge penalty)",
            fix="Use alpha=1.0, or alpha=0 for ordinary least squares.",
        ),
        "calibration_fraction": real(
            0.0,
            1.0,
            closed="neither",
            rule="a number strictly between 0 and 1 (share of windows held out for the "
            "conformal intervals)",
            fix="Use e.g. 0.2.",
        ),
        "seed": seed(),
        **ACI_PARAMETER_CONSTRAINTS,
        "alias": alias_rule(),
    }

    def __init__(
        self,
        lags: int = 20,
        *,
        features: Any = None,
        alpha: float = 1.0,
        horizon: int = 5,
        target: str | None = None,
        kind: str | None = None,
        calibration_fraction: float = 0.2,
        seed: int | None = 0,
        volatility: str | None = None,
        interval_method: str = "conformal",
        aci_gamma: float = 0.005,
        alias: str | None = None,
    ) -> None:
        self.lags = lags
        self.features = features
        self.alpha = alpha
        self.horizon = horizon
        self.target = target
        self.kind = kind
        self.calibration_fraction = calibration_fraction
        self.seed = seed
        self.volatility = volatility
        self.interval_method = interval_method
        self.aci_gamma = aci_gamma
        self.alias = alias

    # ------------------------------------------------------------------ fast-path flags
    @property
    def batched_origins(self) -> bool:  # type: ignore[override]
        """Whether the engine uses the batched ``forecast_origins``: not with ACI, whose
        levels are learned origin by origin (the engine then runs the update loop)."""
        return self.interval_method != "aci"

    @property
    def batched_folds(self) -> bool:  # type: ignore[override]
        """Whether the engine uses the batched ``forecast_folds``: not with ACI (see
        :attr:`batched_origins`)."""
        return self.interval_method != "aci"

    # ------------------------------------------------------------------ parameters
    def _checked_params(self) -> tuple[int, float, int, float]:
        """(lags, alpha, horizon, calibration_fraction), checked by the declared rules."""
        p = check_params(self, self._parameter_constraints)
        return p["lags"], p["alpha"], p["horizon"], p["calibration_fraction"]

    def _build_feature_set(self) -> Any:
        from tickcast.features.handcrafted import as_feature_set

        return as_feature_set(self.features)

    # ------------------------------------------------------------------ inputs
    def _feature_matrix(self, y: pd.Series, X: pd.DataFrame | None) -> np.ndarray | None:
        """Feature values on ``y``'s rows, shape (n_obs, n_features), or None."""
        if self.feature_set_ is None:
            return None
        frame = self.feature_set_.transform(y, exog=X)
        if len(frame) != len(y):
            raise DataError(
                f"`features` returned {len(frame)} rows for a series of {len(y)}; a "
                "FeatureSet must return one row per observation."
            )
        if self.feature_names_ is None:
            self.feature_names_ = [str(c) for c in getattr(frame, "columns", range(0))]
        return np.asarray(frame, dtype=float).reshape(len(y), -1)

    def _design(
        self,
        z: np.ndarray,
        F: np.ndarray | None,
        Xv: np.ndarray | None,
        t: np.ndarray,
    ) -> np.ndarray:
        """Input rows for z-origins ``t`` (the origin's level is ``y[t + 1]``).

        Returns ndarray of shape (len(t), n_inputs).
        """
        lag_idx = t[:, None] - np.arange(self.lags_)[None, :]
        blocks = [z[lag_idx]]
        if F is not None:
            blocks.append(F[t + 1])
        if Xv is not None:
            blocks.append(Xv[t + 1])
        return np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]

    def _targets(self, z: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Outputs ``z[t+1 .. t+horizon]`` for z-origins ``t``, shape (len(t), horizon)."""
        return z[t[:, None] + 1 + np.arange(self.horizon_)[None, :]]

    def _min_obs(self, first_origin: int, frac: float) -> int:
        """Fewest observations giving enough training and calibration windows."""
        gap = self.horizon_ - 1

        def enough(n: int) -> bool:
            n_cal = int(n * frac)
            return n_cal >= _MIN_CALIBRATION_WINDOWS and n - n_cal - gap >= _MIN_TRAIN_WINDOWS

        n_win = min_windows(_MIN_TRAIN_WINDOWS + gap + _MIN_CALIBRATION_WINDOWS, enough)
        # windows have z-origins first_origin .. n_z - 1 - horizon; n_obs = n_z + n_dropped
        return first_origin + n_win + self.horizon_ + self.transform_.n_dropped

    # ------------------------------------------------------------------ fit
    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        lags, alpha, horizon, frac = self._checked_params()
        self.lags_, self.alpha_, self.horizon_ = lags, alpha, horizon
        self.feature_set_ = self._build_feature_set()
        self.feature_names_ = None
        if self.transform_.n_dropped != 1:
            # align z with y[1:] so that "origin level = y[t + 1]" holds for every target
            z = z[1:]
        F = self._feature_matrix(y, X)
        Xv = None if X is None else X.to_numpy(dtype=float)
        first_origin = lags - 1
        warmup = 0
        feature_names: list[str] = []
        if F is not None:
            first_row = first_complete_row(F, y.index)
            first_origin = max(first_origin, first_row - 1)
            warmup = first_row
            feature_names = list(self.feature_names_ or [])
            if len(feature_names) != F.shape[1]:
                feature_names = [f"feature{k}" for k in range(F.shape[1])]
        self.first_origin_ = first_origin
        need = self._min_obs(first_origin, frac)
        if len(y) < need:
            what = f"lags={lags}, horizon={horizon}"
            if F is not None:
                what += f", features with {warmup} warm-up rows"
            raise DataError(
                f"`y` is too short for LinearForecaster({what}, calibration_fraction={frac}): "
                f"it needs at least {need} observations ({_MIN_TRAIN_WINDOWS} training and "
                f"{_MIN_CALIBRATION_WINDOWS} calibration windows); got {len(y)}. Pass a longer "
                "series or reduce `lags`/`horizon`."
            )
        self.input_names_ = (
            [f"lag{k}" for k in range(1, lags + 1)]
            + feature_names
            + ([] if X is None else [str(c) for c in X.columns])
        )
        t_all = np.arange(first_origin, len(z) - horizon)
        D = self._design(z, F, Xv, t_all)
        Y = self._targets(z, t_all)
        n_win = len(t_all)
        n_cal = int(n_win * frac)
        n_train = n_win - n_cal - (horizon - 1)
        # calibration fit on the first windows, errors on the last ones
        cal = _Stats.from_rows(D[:n_train], Y[:n_train])
        coef, intercept, _ = cal.solve(alpha)
        Dc, Yc = D[n_win - n_cal :], Y[n_win - n_cal :]
        self.residuals_ = Yc - (Dc @ coef + intercept)
        self.n_calibration_ = n_cal
        # point model on all windows
        self.stats_ = _Stats.from_rows(D, Y)
        self._resolve()
        self.z_ = np.asarray(z, dtype=float).copy()

    def _resolve(self) -> None:
        self.coef_, self.intercept_, self.scale_ = self.stats_.solve(self.alpha_)
        self.n_windows_ = int(self.stats_.n)

    # ------------------------------------------------------------------ update
    def _z_of(self, y: pd.Series) -> np.ndarray:
        """Transformed series of ``y`` aligned so that z[t] ends at y[t + 1]."""
        z = np.asarray(self.transform_.transform(y), dtype=float)
        return z if self.transform_.n_dropped == 1 else z[1:]

    def _extend_z(self, y: pd.Series) -> np.ndarray:
        """``z_`` extended over the observations of ``y`` after the fitted ones."""
        n_old = len(self.y_)
        tail = self._z_of(y.iloc[n_old - 1 :])
        return np.concatenate([self.z_, tail])

    def _update(self, y: pd.Series, X: pd.DataFrame | None, n_new: int) -> None:
        z = self._extend_z(y)
        F = self._feature_matrix(y, X)
        Xv = None if X is None else X.to_numpy(dtype=float)
        t_new = np.arange(self.first_origin_ + self.n_windows_, len(z) - self.horizon_)
        if len(t_new):
            self.stats_.add(self._design(z, F, Xv, t_new), self._targets(z, t_new))
            self._resolve()
        self._set_history(y, X)
        self.z_ = z

    # ------------------------------------------------------------------ predict
    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        F = self._feature_matrix(self.y_, self.X_)
        Xv = None if self.X_ is None else self.X_.to_numpy(dtype=float)
        z = self.z_
        t = np.array([len(z) - 1])
        steps = (self._design(z, F, Xv, t) @ self.coef_ + self.intercept_)[0]

        def next_block(out: np.ndarray, history: _History) -> np.ndarray:
            k = len(out)  # the next origin is k steps ahead
            z_ext = np.concatenate([z, out])
            F_ext = None
            if self.feature_set_ is not None:
                F_ext = self._feature_matrix(*history())
            X_ext = None
            if Xv is not None:
                X_ext = np.concatenate([Xv, X_future.to_numpy(dtype=float)[:k]])  # type: ignore[union-attr]
            t = np.array([len(z_ext) - 1])
            return np.asarray(
                (self._design(z_ext, F_ext, X_ext, t) @ self.coef_ + self.intercept_)[0]
            )

        return self._beyond_horizon(steps, horizon, X_future, next_block)

    def _simulate_steps(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        X_future: pd.DataFrame | None,
    ) -> np.ndarray:
        """Simulated transformed steps, shape (n_paths, horizon).

        Up to ``horizon_`` steps, as :meth:`Forecaster._simulate_steps`. Beyond it, each
        path is iterated through the ridge on its own lags
        (:meth:`Forecaster._iterated_steps`). Models with features or exogenous inputs, whose
        later inputs are not functions of the simulated steps alone, keep the point path plus
        independent draws.
        """
        if horizon <= self.horizon_ or self.feature_set_ is not None or self.X_ is not None:
            return super()._simulate_steps(horizon, n_paths, rng, X_future)
        L = self.lags_

        def block_mean(lags: np.ndarray) -> np.ndarray:  # (n_paths, L), oldest first
            return cast("np.ndarray", lags[:, ::-1] @ self.coef_ + self.intercept_)

        first = self._predict_steps(self.horizon_, None)
        return self._iterated_steps(horizon, n_paths, rng, first, self.z_[-L:], block_mean)

    # ------------------------------------------------------------------ batched backtest
    def forecast_origins(
        self,
        y: pd.Series,
        X: pd.DataFrame | None,
        origins: np.ndarray,
        horizon: int,
        quantiles: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Update through each origin and forecast from it, all origins at once.

        Parameters and returns as :meth:`Forecaster.forecast_origins
        <tickcast.models.base.Forecaster.forecast_origins>`.

        Notes
        -----
        Equivalent to ``update_trusted(y[prev + 1 : o + 1])`` then
        ``predict_trusted(horizon, ...)`` for each origin ``o`` in turn (the model is left
        updated through ``origins[-1]``), but for ``horizon <= self.horizon`` and an additive
        target the ridge re-estimates are done from cumulative sums and one batched solve.
        The conformal residuals stay those of the last full ``fit``.
        """
        origins = check_origins(origins, len(self.y_), len(y))
        quantiles = np.asarray(quantiles, dtype=float)
        if not self.batched_origins:  # ACI: levels learned origin by origin
            return forecast_origins_stepwise(self, y, X, origins, horizon, quantiles)
        if self.X_ is not None and X is None:
            raise DataError(
                "`X` is required: the model was fitted with exogenous columns "
                f"{list(self.X_.columns)}; pass them aligned to `y`."
            )
        if horizon > self.horizon_ or self.target_ not in _ADDITIVE_TARGETS:
            return forecast_origins_stepwise(self, y, X, origins, horizon, quantiles)
        end = int(origins[-1]) + 1
        y_all = y.iloc[:end]
        X_all = None if self.X_ is None else X.reindex(y_all.index)  # type: ignore[union-attr]
        z = self._extend_z(y_all)
        F = self._feature_matrix(y_all, X_all)
        Xv = None if X_all is None else X_all.to_numpy(dtype=float)
        # training windows available at each origin o: z-origins t <= o - 1 - horizon_
        t_first = self.first_origin_ + self.n_windows_
        counts = np.maximum(origins - 1 - self.horizon_ - t_first + 1, 0)
        t_new = np.arange(t_first, t_first + int(counts[-1]))
        D = self._design(z, F, Xv, t_new)
        Y = self._targets(z, t_new)
        stacked = self.stats_.cumulative(D, Y, counts)
        coef, intercept, _ = stacked.solve(self.alpha_)  # (K, p, H), (K, H)
        x0 = self._design(z, F, Xv, origins - 1)  # (K, p)
        steps = (np.einsum("kp,kph->kh", x0, coef) + intercept)[:, :horizon]
        last = y_all.to_numpy(dtype=float)[origins]
        means = np.asarray(self.transform_.inverse_transform(steps, last))
        # conformal: same nested offsets at every origin (residuals of the last full fit)
        offsets = conformal_cumulative_offsets(self._interval_residuals(), horizon, quantiles)
        if self._vol_state() is not None:  # volatility filtered through each origin
            self._vol_extend(y_all)
            scale = self._vol_cumulative_scale(horizon, self._vol_state().sigma2_next[origins])
            offsets = offsets[None] * scale[:, :, None]
        quants = self._quantiles_from_offsets(np.cumsum(steps, axis=1), offsets, quantiles, last)
        # leave the model as the slow path would
        if len(t_new):
            self.stats_.add(D, Y)
            self._resolve()
        y_keep = y_all.copy()
        y_keep.attrs = dict(self.y_.attrs)
        self._set_history(y_keep, X_all)
        self.z_ = z
        return means, quants

    def forecast_folds(
        self,
        y: pd.Series,
        X: pd.DataFrame | None,
        folds: Any,
        horizon: int,
        quantiles: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """A whole backtest task, refits included, from prefix sums and one batched solve.

        Parameters and returns as ``forecast_folds`` in the protocol of
        :mod:`tickcast.models.base` (definition:
        :func:`~tickcast.models.base.forecast_folds_stepwise`). Every refit's conformal
        residuals are recomputed from its own calibration fit, as ``fit`` does.
        """
        from tickcast.models._linear_folds import linear_forecast_folds

        if not self.batched_folds:  # ACI: levels learned origin by origin
            return forecast_folds_stepwise(self, y, X, folds, horizon, quantiles)
        return linear_forecast_folds(self, y, X, folds, horizon, quantiles)

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> dict[str, np.ndarray]:
        s = self.stats_
        return {
            "residuals": self.residuals_,
            "n_windows": np.array(self.n_windows_),
            "stats_n": np.array(s.n),
            "shift_x": s.shift_x,
            "shift_y": s.shift_y,
            "sum_x": s.sx,
            "sum_y": s.sy,
            "sum_xx": s.xx,
            "sum_xy": s.xy,
        }

    def _set_state(self, y: pd.Series, X: pd.DataFrame | None, arrays: dict[str, Any]) -> None:
        # Refit (deterministic) to rebuild inputs, then restore the saved estimator state so
        # that an updated model loads exactly as it was saved.
        n_windows = int(arrays["n_windows"])
        self.fit_trusted(y, X)
        if n_windows != self.n_windows_:  # pragma: no cover - guarded by construction
            raise DataError("saved model state does not match its history.")
        self.residuals_ = np.asarray(arrays["residuals"], dtype=float)
        self.n_calibration_ = len(self.residuals_)
        self.stats_ = _Stats(
            float(arrays["stats_n"]),
            np.asarray(arrays["shift_x"], float),
            np.asarray(arrays["shift_y"], float),
            np.asarray(arrays["sum_x"], float),
            np.asarray(arrays["sum_y"], float),
            np.asarray(arrays["sum_xx"], float),
            np.asarray(arrays["sum_xy"], float),
        )
        self._resolve()


class _Stats:
    """Running sums of shifted inputs and outputs: everything the ridge solve needs.

    Sums are over ``x - shift_x`` and ``Y - shift_y`` with shifts fixed at creation (the means
    of the first rows) so that centring by subtraction stays accurate. Leading dimensions
    (from :meth:`cumulative`) stack independent problems.
    """

    def __init__(
        self,
        n: float | np.ndarray,
        shift_x: np.ndarray,
        shift_y: np.ndarray,
        sx: np.ndarray,
        sy: np.ndarray,
        xx: np.ndarray,
        xy: np.ndarray,
    ) -> None:
        self.n, self.shift_x, self.shift_y = n, shift_x, shift_y
        self.sx, self.sy, self.xx, self.xy = sx, sy, xx, xy

    @classmethod
    def from_rows(cls, D: np.ndarray, Y: np.ndarray) -> _Stats:
        shift_x, shift_y = D.mean(axis=0), Y.mean(axis=0)
        Dc, Yc = D - shift_x, Y - shift_y
        return cls(float(len(D)), shift_x, shift_y, Dc.sum(0), Yc.sum(0), Dc.T @ Dc, Dc.T @ Yc)

    def add(self, D: np.ndarray, Y: np.ndarray) -> None:
        Dc, Yc = D - self.shift_x, Y - self.shift_y
        self.n += len(D)
        self.sx = self.sx + Dc.sum(0)
        self.sy = self.sy + Yc.sum(0)
        self.xx = self.xx + Dc.T @ Dc
        self.xy = self.xy + Dc.T @ Yc

    def cumulative(self, D: np.ndarray, Y: np.ndarray, counts: np.ndarray) -> _Stats:
        """Stack of the sums after adding the first ``counts[k]`` rows, for each k.

        Row outer products are cumulated in chunks of at most ~4 million numbers, so memory
        stays bounded for long blocks.
        """
        Dc, Yc = D - self.shift_x, Y - self.shift_y
        m, p, H = len(D), D.shape[1], Y.shape[1]
        # cumulative sums after each row, with row 0 = the current sums (no new row)
        cxx, cxy = np.empty((m + 1, p, p)), np.empty((m + 1, p, H))
        cxx[0], cxy[0] = self.xx, self.xy
        chunk = max(1, 4_000_000 // (p * (p + H)))
        for start in range(0, m, chunk):
            stop = min(m, start + chunk)
            seg_x, seg_y = Dc[start:stop], Yc[start:stop]
            np.cumsum(seg_x[:, :, None] * seg_x[:, None, :], axis=0, out=cxx[start + 1 : stop + 1])
            np.cumsum(seg_x[:, :, None] * seg_y[:, None, :], axis=0, out=cxy[start + 1 : stop + 1])
            cxx[start + 1 : stop + 1] += cxx[start]
            cxy[start + 1 : stop + 1] += cxy[start]
        csx = np.concatenate([self.sx[None], self.sx + np.cumsum(Dc, axis=0)])
        csy = np.concatenate([self.sy[None], self.sy + np.cumsum(Yc, axis=0)])
        n = self.n + counts.astype(float)
        return _Stats(
            n, self.shift_x, self.shift_y, csx[counts], csy[counts], cxx[counts], cxy[counts]
        )

    def solve(self, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ridge on standardised inputs with an unpenalised intercept.

        Returns coef (..., p, H) on raw inputs, intercept (..., H) and the input scales (..., p).
        """
        n = np.asarray(self.n, dtype=float)[..., None]
        mx, my = self.sx / n, self.sy / n  # (..., p), (..., H)
        n_mx = n[..., None] * mx[..., :, None]  # (..., p, 1)
        # in place on (..., p, p) buffers: stacks of many refits are memory-bound
        A = np.multiply(n_mx, mx[..., None, :])
        np.subtract(self.xx, A, out=A)  # Sxx, the centred cross-products
        Sxy = self.xy - n_mx * my[..., None, :]
        var = np.clip(np.diagonal(A, axis1=-2, axis2=-1) / n, 0.0, None)
        mean = self.shift_x + mx
        eps = np.finfo(float).eps
        constant = var <= n * eps * var + (n * mean * eps) ** 2  # as sklearn StandardScaler
        scale = np.where(constant, 1.0, np.sqrt(var))
        A /= scale[..., :, None] * scale[..., None, :]
        diagonal = A.reshape(*A.shape[:-2], -1)[..., :: A.shape[-1] + 1]
        diagonal += alpha  # + alpha * I (a view: A is a fresh C-contiguous array)
        B = Sxy / scale[..., :, None]
        try:
            beta = np.linalg.solve(A, B)
        except np.linalg.LinAlgError:  # alpha = 0 with collinear inputs: minimum-norm solution
            beta = np.linalg.pinv(A) @ B
        coef = beta / scale[..., :, None]
        intercept = self.shift_y + my - np.einsum("...p,...ph->...h", mean, coef)
        return coef, intercept, scale
