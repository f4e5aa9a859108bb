"""The :class:`Forecast` result: a point forecast with quantiles, in the user's units."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tickcast._validation import check_levels, check_quantile
from tickcast.errors import ConfigError

__all__ = ["QUANTILE_GRID", "Forecast", "quantiles_for_levels"]

#: Quantiles every forecast carries, so that ``Forecast.quantile(q)`` can interpolate any q in
#: [0.005, 0.995]. Interval levels add their own two quantiles exactly.
QUANTILE_GRID: tuple[float, ...] = (
    0.005,
    0.01,
    0.025,
    *np.round(np.arange(0.05, 0.951, 0.05), 2),
    0.975,
    0.99,
    0.995,
)


def quantiles_for_levels(levels: Sequence[float]) -> np.ndarray:
    """Sorted unique quantiles: :data:`QUANTILE_GRID` plus both ends of each central interval.

    Parameters
    ----------
    levels : sequence of float, percent in (0, 100)

    Returns
    -------
    ndarray of shape (n_quantiles,), probabilities in (0, 1)
    """
    ends = [q for lv in levels for q in ((1 - lv / 100) / 2, (1 + lv / 100) / 2)]
    return np.unique(np.round(np.concatenate([QUANTILE_GRID, ends]), 12))


class Forecast:
    """A point forecast with its quantiles on future dates, in the series' own units.

    Parameters
    ----------
    mean : pd.Series of shape (horizon,)
        The point forecast (price or rate level) on the future dates.
    quantiles : pd.DataFrame of shape (horizon, n_quantiles)
        Forecast quantiles; columns are probabilities in (0, 1), index as ``mean``.
    levels : sequence of float
        Central interval levels in percent that were asked for (e.g. ``(80, 95)``).
    model : str
        Label of the model that produced the forecast.
    method : str
        How the quantiles were obtained, in one string: a single name of
        ``interval_method`` when every step shares it, else each name with its steps, e.g.
        ``"conformal (steps 1-5), bootstrap (6-20)"``.
    interval_method : sequence of str of shape (horizon,), optional
        The method behind each step's quantiles (default: ``method`` on every step):

        - ``"analytic"``: a closed-form Gaussian distribution (Naive, Drift: the random-walk
          formulas of Hyndman & Athanasopoulos, FPP3 §5.5);
        - ``"model"``: the model's own predictive distribution (ARIMA's state space model);
        - ``"conformal"``: split-conformal quantiles of out-of-sample errors for that step;
        - ``"aci"``: the same at the level adapted online by adaptive conformal inference
          (``interval_method="aci"`` of the conformal models, :mod:`tickcast.models.aci`);
        - ``"bootstrap"``: quantiles of paths simulated from resampled residuals (steps
          beyond a model's direct head, level targets).
    history : pd.Series, optional
        The observed series up to the forecast origin, for plotting.

    Attributes
    ----------
    interval_method : pd.Series of str, shape (horizon,)
        Per-step method names on the forecast dates (not a column of :meth:`to_frame`).

    Notes
    -----
    For prices modelled as log returns the point forecast is
    ``last_price * exp(sum of expected log returns)``: the median, not the mean, of a
    log-normal level. Quantiles are exact for the requested levels and linearly interpolated
    on a fixed grid for other probabilities.

    Examples
    --------
    >>> import tickcast as tc
    >>> fc = tc.Naive().fit(tc.load("dgs10")).predict(5, level=95)
    >>> fc.to_frame().columns.tolist()
    ['mean', 'lower_95', 'upper_95']
    """

    def __init__(
        self,
        mean: pd.Series,
        quantiles: pd.DataFrame,
        *,
        levels: Sequence[float],
        model: str,
        method: str,
        interval_method: Sequence[str] | None = None,
        history: pd.Series | None = None,
    ) -> None:
        self.mean = mean
        self.quantiles = quantiles
        self.levels = tuple(levels)
        self.model = model
        self.method = method
        per_step = [method] * len(mean) if interval_method is None else list(interval_method)
        if len(per_step) != len(mean):
            raise ConfigError(
                f"`interval_method` must name one method per forecast step ({len(mean)}); "
                f"got {len(per_step)}."
            )
        self.interval_method = pd.Series(
            per_step, index=mean.index, name="interval_method", dtype=object
        )
        self.history = history

    @property
    def horizon(self) -> int:
        """Number of future steps."""
        return len(self.mean)

    @property
    def index(self) -> pd.DatetimeIndex:
        """The future dates."""
        return self.mean.index

    def quantile(self, q: float) -> pd.Series:
        """Forecast quantile ``q`` (a probability in (0, 1)) on each future date."""
        q = check_quantile(q)
        grid = self.quantiles.columns.to_numpy(dtype=float)
        if not grid[0] - 1e-12 <= q <= grid[-1] + 1e-12:
            raise ConfigError(
                f"`q` must lie within the quantiles this forecast carries "
                f"[{grid[0]}, {grid[-1]}]; got {q}."
            )
        values = self.quantiles.to_numpy()
        out = np.array([np.interp(q, grid, row) for row in values])
        return pd.Series(out, index=self.index, name=f"q{q:g}")

    def _check_level(self, level: float) -> float:
        (lv,) = check_levels(level)
        return lv

    def lower(self, level: float = 95) -> pd.Series:
        """Lower end of the central ``level`` % interval (level in percent, e.g. 95)."""
        lv = self._check_level(level)
        return self.quantile((1 - lv / 100) / 2).rename(f"lower_{lv:g}")

    def upper(self, level: float = 95) -> pd.Series:
        """Upper end of the central ``level`` % interval (level in percent, e.g. 95)."""
        lv = self._check_level(level)
        return self.quantile((1 + lv / 100) / 2).rename(f"upper_{lv:g}")

    def to_frame(self) -> pd.DataFrame:
        """Columns ``mean``, then ``lower_L``/``upper_L`` for each requested level L."""
        cols: dict[str, Any] = {"mean": self.mean.to_numpy()}
        for lv in self.levels:
            cols[f"lower_{lv:g}"] = self.lower(lv).to_numpy()
            cols[f"upper_{lv:g}"] = self.upper(lv).to_numpy()
        return pd.DataFrame(cols, index=self.index)

    def __repr__(self) -> str:
        start, end = self.index[0].date(), self.index[-1].date()
        return (
            f"Forecast(model={self.model!r}, horizon={self.horizon}, {start}..{end}, "
            f"levels={self.levels}, method={self.method!r})"
        )

    def plot(
        self,
        ax: Any = None,
        *,
        history_tail: int = 250,
        barriers: Sequence[float] = (),
    ) -> Any:
        """Fan chart: the last ``history_tail`` observations, the forecast and its intervals.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when None.
        history_tail : int, default 250
            Observations of the history shown before the forecast.
        barriers : sequence of float, default ()
            Levels (series units) drawn as dashed horizontal lines, e.g. the barrier of a
            ``prob_hit`` question.

        Returns
        -------
        matplotlib Axes
            Titled with the series, the model and the horizon; the y axis names the units
            (``history.attrs["units"]``) when known.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4))
        if self.history is not None:
            tail = self.history.iloc[-history_tail:]
            ax.plot(tail.index, tail.to_numpy(), color="black", lw=1, label="observed")
        for i, lv in enumerate(sorted(self.levels, reverse=True)):
            ax.fill_between(
                self.index,
                self.lower(lv).to_numpy(),
                self.upper(lv).to_numpy(),
                color="tab:blue",
                alpha=0.15 + 0.15 * i,
                lw=0,
                label=f"{lv:g}% interval",
            )
        ax.plot(self.index, self.mean.to_numpy(), color="tab:blue", lw=1.5, label=self.model)
        for level in barriers:
            ax.axhline(float(level), color="tab:red", lw=1, ls="--", label=f"barrier {level:g}")
        name = self.mean.name if self.mean.name is not None else "series"
        units = self.history.attrs.get("units") if self.history is not None else None
        if units not in (None, "", "unknown"):
            ax.set_ylabel(str(units))
        ax.legend(loc="best", fontsize="small")
        ax.set_title(f"{name}: {self.model}, {self.horizon}-step forecast")
        return ax
