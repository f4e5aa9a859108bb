"""Baseline forecasters: the yardsticks every other model must beat.

All four are exact and cheap; their ``update`` refits, which is as fast as appending.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tickcast._validation import check_int
from tickcast.errors import ConfigError
from tickcast.models.base import Forecaster

__all__ = ["Drift", "Mean", "Naive", "SeasonalNaive"]


class Naive(Forecaster):
    """Random walk: every future level equals the last observed one.

    Intervals and simulated paths come from the empirical distribution of the demeaned
    historical steps (log returns for prices, differences for rates), bootstrapped and
    cumulated along the horizon.

    Parameters
    ----------
    target : {"log_return", "diff", "pct_change"}, optional
        Step definition; default log returns for prices, differences for rates.
    kind : {"price", "rate"}, optional
        What ``y`` is, when ``target`` is None: prices get log returns, rates differences.
        Overrides ``y.attrs["kind"]``; default: the attrs, else the sign (all positive ->
        price) with a :class:`~tickcast.errors.KindGuessWarning`. Checked in ``fit``.
    seed : int, default 0
        Seed of the bootstrap behind the intervals.

    Attributes
    ----------
    residuals_ : ndarray of shape (n_obs - 1, 1)
        Demeaned historical steps.

    Examples
    --------
    >>> import tickcast as tc
    >>> fc = tc.Naive().fit(tc.load("dbk")).predict(5)
    >>> bool((fc.mean == fc.mean.iloc[0]).all())
    True
    """

    short_name = "naive"

    def __init__(
        self, *, target: str | None = None, kind: str | None = None, seed: int | None = 0
    ) -> None:
        self.target = target
        self.kind = kind
        self.seed = seed

    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        _require_step_target(self)
        self.drift_ = 0.0
        self.residuals_ = (z - z.mean())[:, None]

    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        return np.full(horizon, self.drift_)


class Drift(Naive):
    """Random walk with drift: the mean historical step is added at every future step.

    Parameters and attributes as :class:`Naive`, plus ``drift_`` (float, mean step in the
    target's units per period).
    """

    short_name = "drift"

    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        _require_step_target(self)
        self.drift_ = float(z.mean())
        self.residuals_ = (z - self.drift_)[:, None]


class Mean(Forecaster):
    """Every future level equals the mean of the last ``window`` levels (all if ``None``).

    Intervals come from the bootstrapped deviations of those levels from their mean.

    Parameters
    ----------
    window : int, optional
        Number of most recent observations averaged, >= 1.
    seed : int, default 0
    """

    short_name = "mean"
    fixed_target = "level"

    def __init__(self, *, window: int | None = None, seed: int | None = 0) -> None:
        self.window = window
        self.seed = seed

    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        window = len(z) if self.window is None else check_int("window", self.window, minimum=1)
        recent = z[-window:]
        self.level_ = float(recent.mean())
        self.residuals_ = (recent - self.level_)[:, None]

    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        return np.full(horizon, self.level_)

    def _simulate_steps(self, horizon, n_paths, rng, X_future):
        rows = rng.integers(0, len(self.residuals_), size=(n_paths, horizon))
        return self.level_ + self.residuals_[rows, 0]


class SeasonalNaive(Forecaster):
    """Each future level repeats the level one season earlier.

    Parameters
    ----------
    season_length : int, default 5
        Observations per season (5 = one business week of daily data).
    seed : int, default 0

    Attributes
    ----------
    residuals_ : ndarray of shape (n_obs - season_length, 1)
        Seasonal differences ``y_t - y_{t - season_length}``, bootstrapped for intervals.
    """

    short_name = "snaive"
    fixed_target = "level"

    def __init__(self, *, season_length: int = 5, seed: int | None = 0) -> None:
        self.season_length = season_length
        self.seed = seed

    def _min_length(self) -> int:
        return max(3, int(self.season_length) + 2) if isinstance(self.season_length, int) else 3

    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        m = check_int("season_length", self.season_length, minimum=1)
        if len(z) <= m + 1:
            raise ConfigError(
                f"`season_length` must be shorter than the history minus one; got {m} for "
                f"{len(z)} observations."
            )
        self.last_season_ = z[-m:].copy()
        self.residuals_ = (z[m:] - z[:-m])[:, None]

    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        m = len(self.last_season_)
        return self.last_season_[np.arange(horizon) % m]

    def _simulate_steps(self, horizon, n_paths, rng, X_future):
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
