"""Baseline forecasters: the yardsticks every other model must beat.

All four are exact and cheap; their ``update`` refits, which is as fast as appending. Naive and
Drift give the analytic random-walk intervals of FPP3 §5.5 (as ``forecast::rwf``); Mean and
SeasonalNaive bootstrap their residuals.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
from scipy.special import ndtri

from tickcast._validation import Rule, integer, optional, seed
from tickcast._validation import alias as alias_rule
from tickcast.errors import ConfigError, DataError, TickcastError
from tickcast.models.base import _ADDITIVE_TARGETS, Forecaster

__all__ = ["Drift", "Mean", "Naive", "SeasonalNaive"]


class Naive(Forecaster):
    """Random walk: every future level equals the last observed one.

    Intervals are the textbook Gaussian random-walk intervals on the working scale (log
    returns for prices, differences for rates), mapped to levels; simulated paths
    bootstrap the demeaned historical steps and cumulate them along the horizon.

    Parameters
    ----------
    target : {"log_return", "diff", "diff_bps", "pct_change"}, optional
        Step definition; default log returns for prices, differences for rates.
    kind : {"price", "rate"}, optional
        What ``y`` is, when ``target`` is None: prices get log returns, rates differences.
        Overrides ``y.attrs["kind"]``; default: the attrs, else the sign (all positive ->
        price) with a :class:`~tickcast.errors.KindGuessWarning`. Checked in ``fit``.
    seed : int, default 0
        Seed of the bootstrap behind simulated paths (and behind the intervals of the
        ``"pct_change"`` target, which are bootstrapped).
    volatility : {"constant", "ewma", "garch"}, optional
        Volatility model of the steps (:mod:`tickcast.models.volatility`). ``"constant"``:
        the intervals above. ``"ewma"``: the EWMA variance forecast ``sd_h^2 = sum_j
        s2_{T+j}`` times the empirical quantiles of the fit's standardised h-step sums
        (``Forecaster._vol_standard_quantiles``; Gaussian ones where too few sums exist).
        ``"garch"``: filtered historical simulation (standardised steps resampled and
        rescaled by the GARCH(1,1)-t forecast path). None: the default for the series'
        kind (``DEFAULT_VOLATILITY``).
    alias : str, optional
        The name in results and reports (its ``label``) instead of "naive" or "drift"; two
        models in one backtest need different names.

    Attributes
    ----------
    residuals_ : ndarray of shape (n_obs - 1, 1)
        Demeaned historical steps.
    z_ : ndarray of shape (n_obs - 1,)
        The historical steps (kept so that ``update`` transforms only new observations).
    sigma_ : float
        Standard deviation of one step's forecast error, in the target's units:
        ``sqrt(mean(z_t ** 2))`` over the ``T = n_obs - 1`` steps ``z_t``.

    Notes
    -----
    With ``T`` historical steps, the h-step forecast of the cumulative step is ``h * drift``
    and its variance ``sigma_**2 * h`` (FPP3 §5.5, Table 5.2; ``forecast::rwf``); the
    central ``L`` % interval is ``h * drift +- z_{(1 + L/100)/2} * sd_h``, mapped to levels
    through the inverse target transform (``last * exp(.)`` for log returns). The method of
    each step is ``"analytic"``.

    Examples
    --------
    >>> import tickcast as tc
    >>> fc = tc.Naive().fit(tc.load("dbk")).predict(5)
    >>> bool((fc.mean == fc.mean.iloc[0]).all())
    True
    """

    short_name = "naive"
    interval_method = "analytic"
    #: Whether the mean step is estimated (Drift) or zero (Naive).
    estimates_drift: ClassVar[bool] = False
    #: Every origin of a refit block at once (:mod:`tickcast.models._baseline_batch`).
    batched_origins = True
    batched_folds = True
    _parameter_constraints: ClassVar[dict[str, Rule]] = {"seed": seed(), "alias": alias_rule()}

    def __init__(
        self,
        *,
        target: str | None = None,
        kind: str | None = None,
        seed: int | None = 0,
        volatility: str | None = None,
        alias: str | None = None,
    ) -> None:
        self.target = target
        self.kind = kind
        self.seed = seed
        self.volatility = volatility
        self.alias = alias

    def _update(self, y: pd.Series, X: pd.DataFrame | None, n_new: int) -> None:
        """Exact refit from the kept steps plus the new ones: only the new observations are
        transformed (the estimates are sums over the steps, recomputed on the same array a
        refit builds). A kind guessed from the sign is re-guessed by a full refit."""
        guessed = self.target is None and self.kind is None and "kind" not in y.attrs
        z_old = getattr(self, "z_", None)
        if guessed or z_old is None or len(z_old) != len(y) - n_new - self.transform_.n_dropped:
            self.fit_trusted(y, X)
            return
        tail = y.to_numpy(dtype=float)[len(y) - n_new - self.transform_.n_dropped :]
        try:
            z_new = np.asarray(self.transform_.transform(tail), dtype=float)
        except TickcastError:
            z_new = np.array([np.nan])
        if not np.all(np.isfinite(z_new)):
            self.fit_trusted(y, X)  # raises the refit's error, with its message
            return
        self._set_history(y, X)
        self._fit(y, np.concatenate([z_old, z_new]), X)

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
        <tickcast.models.base.Forecaster.forecast_origins>`; running sums of the new steps
        and the analytic intervals, see :func:`~tickcast.models._baseline_batch.
        naive_forecast_origins` (the stepwise loop where those do not apply).
        """
        from tickcast.models._baseline_batch import naive_forecast_origins

        return naive_forecast_origins(self, y, X, origins, horizon, quantiles)

    def forecast_folds(
        self,
        y: pd.Series,
        X: pd.DataFrame | None,
        folds: Any,
        horizon: int,
        quantiles: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """A whole backtest task: one fit per refit block, then its origins at once.

        Parameters and returns as ``forecast_folds`` in the protocol of
        :mod:`tickcast.models.base` (definition:
        :func:`~tickcast.models.base.forecast_folds_stepwise`).
        """
        from tickcast.models._baseline_batch import naive_forecast_folds

        return naive_forecast_folds(self, y, X, folds, horizon, quantiles)

    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        _require_step_target(self)
        self.z_ = z
        self.drift_ = 0.0
        self.drift_se_ = 0.0
        self.sigma_ = float(np.sqrt(np.mean(z**2)))
        self.residuals_ = (z - z.mean())[:, None]

    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        return np.full(horizon, self.drift_)

    def _predict_quantiles(
        self, horizon: int, quantiles: np.ndarray, X_future: pd.DataFrame | None
    ) -> tuple[np.ndarray, np.ndarray | str]:
        vol = self._vol_state()
        if self.target_ not in _ADDITIVE_TARGETS or (vol is not None and vol.kind == "garch"):
            return super()._predict_quantiles(horizon, quantiles, X_future)  # FHS paths
        h = np.arange(1, horizon + 1, dtype=float)
        var = self.sigma_**2 * h if vol is None else np.cumsum(vol.forecast_sigma(horizon) ** 2)
        sd = np.sqrt(var + (h * self.drift_se_) ** 2)
        if vol is None:
            zq = ndtri(np.asarray(quantiles))[None, :]
        else:  # empirical quantiles of standardised sums (base._vol_standard_quantiles)
            zq = self._vol_standard_quantiles(horizon, np.asarray(quantiles))
        cum = (h * self.drift_)[:, None] + sd[:, None] * zq
        return self._levels_from_cumulative(cum), np.full(horizon, "analytic", dtype=object)

    def _simulate_steps(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        X_future: pd.DataFrame | None,
    ) -> np.ndarray:
        """Bootstrapped steps plus, for a fitted drift, one N(0, drift_se_**2) per path."""
        steps = super()._simulate_steps(horizon, n_paths, rng, X_future)
        if self.drift_se_ > 0:
            steps += self.drift_se_ * rng.standard_normal(n_paths)[:, None]
        return steps


class Drift(Naive):
    r"""Random walk with drift: the mean historical step is added at every future step.

    Parameters as :class:`Naive`.

    Attributes
    ----------
    drift_ : float
        Mean historical step ``z_bar`` in the target's units per period.
    sigma_ : float
        Standard deviation of the steps about ``drift_``, ``T - 1`` denominator.
    drift_se_ : float
        Standard error of ``drift_``, ``sigma_ / sqrt(T)``.
    residuals_ : ndarray of shape (n_obs - 1, 1)
        Steps minus ``drift_``.

    Notes
    -----
    The h-step variance of the cumulative step includes the uncertainty of the estimated
    drift (FPP3 §5.5, Table 5.2):

    .. math:: \operatorname{Var}\Big(\sum_{j \le h} z_{T+j} - h \hat\mu\Big)
              = \hat\sigma^2 h + h^2 \hat\sigma^2 / T = \hat\sigma^2 h (1 + h / T),

    with :math:`\hat\sigma^2 = \sum_t (z_t - \hat\mu)^2 / (T - 1)`; this equals
    ``forecast::rwf(x, drift = TRUE)`` applied to the cumulated working series (log prices
    for prices, the levels for rates), which the tests check against committed R output.
    Simulated paths add one drift error :math:`\delta \sim N(0, \hat\sigma^2 / T)` per
    path to every step, so they carry the same variance.
    """

    short_name = "drift"
    estimates_drift = True

    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        _require_step_target(self)
        self.z_ = z
        self.drift_ = float(z.mean())
        self.sigma_ = float(np.std(z, ddof=1))
        self.drift_se_ = self.sigma_ / np.sqrt(len(z))
        self.residuals_ = (z - self.drift_)[:, None]


class Mean(Forecaster):
    """Every future level equals the mean of the last ``window`` levels (all if ``None``).

    Intervals come from the bootstrapped deviations of those levels from their mean.

    Parameters
    ----------
    window : int, optional
        Number of most recent observations averaged, >= 1.
    seed : int, default 0
    alias : str, optional
        The model's name in results and reports (its ``label``) instead of "mean"; two
        models in one backtest need different names.
    """

    short_name = "mean"
    fixed_target = "level"
    _parameter_constraints: ClassVar[dict[str, Rule]] = {
        "window": optional(integer(minimum=1)),
        "seed": seed(),
        "alias": alias_rule(),
    }

    def __init__(
        self, *, window: int | None = None, seed: int | None = 0, alias: str | None = None
    ) -> None:
        self.window = window
        self.seed = seed
        self.alias = alias

    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        _require_positive_prices(self, y)
        window = len(z) if self.window is None else int(self.window)
        recent = z[-window:]
        self.level_ = float(recent.mean())
        self.residuals_ = (recent - self.level_)[:, None]

    def _update(self, y: pd.Series, X: pd.DataFrame | None, n_new: int) -> None:
        _require_positive_prices(self, y.iloc[len(y) - n_new :], name="y_new")
        self.fit_trusted(y, X)

    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        return np.full(horizon, self.level_)

    def _simulate_steps(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        X_future: pd.DataFrame | None,
    ) -> np.ndarray:
        rows = rng.integers(0, len(self.residuals_), size=(n_paths, horizon))
        return cast("np.ndarray", self.level_ + self.residuals_[rows, 0])


class SeasonalNaive(Forecaster):
    """Each future level repeats the level one season earlier.

    Parameters
    ----------
    season_length : int, default 5
        Observations per season (5 = one business week of daily data).
    seed : int, default 0
    alias : str, optional
        The model's name in results and reports (its ``label``) instead of "snaive"; two
        models in one backtest need different names.

    Attributes
    ----------
    residuals_ : ndarray of shape (n_obs - season_length, 1)
        Seasonal differences ``y_t - y_{t - season_length}``, bootstrapped for intervals.
    """

    short_name = "snaive"
    fixed_target = "level"
    _parameter_constraints: ClassVar[dict[str, Rule]] = {
        "season_length": integer(minimum=1),
        "seed": seed(),
        "alias": alias_rule(),
    }

    def __init__(
        self, *, season_length: int = 5, seed: int | None = 0, alias: str | None = None
    ) -> None:
        self.season_length = season_length
        self.seed = seed
        self.alias = alias

    def _min_length(self) -> int:
        return max(3, int(self.season_length) + 2) if isinstance(self.season_length, int) else 3

    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        _require_positive_prices(self, y)
        m = int(self.season_length)
        if len(z) <= m + 1:
            raise ConfigError(
                f"`season_length` must be shorter than the history minus one; got {m} for "
                f"{len(z)} observations."
            )
        self.last_season_ = z[-m:].copy()
        self.residuals_ = (z[m:] - z[:-m])[:, None]

    def _update(self, y: pd.Series, X: pd.DataFrame | None, n_new: int) -> None:
        _require_positive_prices(self, y.iloc[len(y) - n_new :], name="y_new")
        self.fit_trusted(y, X)

    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        m = len(self.last_season_)
        return cast("np.ndarray", self.last_season_[np.arange(horizon) % m])

    def _simulate_steps(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        X_future: pd.DataFrame | None,
    ) -> np.ndarray:
        m = len(self.last_season_)
        shocks = self.residuals_[rng.integers(0, len(self.residuals_), (n_paths, horizon)), 0]
        paths = np.empty((n_paths, horizon))
        for j in range(horizon):
            previous = paths[:, j - m] if j >= m else self.last_season_[j]
            paths[:, j] = previous + shocks[:, j]
        return paths


def _require_step_target(model: Forecaster) -> None:
    if model.target_ == "level":
        raise ConfigError(
            f"`target` must be a step transform for {type(model).__name__} "
            "('log_return', 'diff' or 'pct_change'); got 'level'."
        )


def _require_positive_prices(model: Forecaster, y: pd.Series, *, name: str = "y") -> None:
    """DataError when a series of prices (``kind_ == "price"``) holds a value <= 0.

    ``name`` is the argument named in the message (``"y_new"`` for an update's new values;
    positions count within them).

    Mean and SeasonalNaive model the levels themselves, so no transform refuses such a
    value for them; Naive and Drift refuse it through the log-return target. The rule and
    the message are the same: prices are strictly positive.
    """
    if model.kind_ != "price":
        return
    values = y.to_numpy(dtype=float)
    bad = np.flatnonzero(values <= 0)
    if len(bad):
        pos = int(bad[0])
        raise DataError(
            f"`{name}` must be strictly positive for {type(model).__name__} on prices; got "
            f"{float(values[pos])} at {y.index[pos].date()} (position {pos}). Fix or drop "
            "that value, or mark the series as a rate (y.attrs['kind'] = 'rate') if it can "
            "be zero or negative."
        )
