""":class:`BacktestResult`: every forecast of a backtest, the settings, and what they mean."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import pandas as pd

from tickcast.errors import ConfigError

__all__ = ["BacktestResult"]


class BacktestResult:
    """The outcome of :func:`tickcast.backtest`.

    Attributes
    ----------
    forecasts : pd.DataFrame
        One row per (series, model, origin, step): ``series``, ``model``, ``origin``,
        ``step``, ``date``, ``origin_pos`` and ``target_pos`` (positions of the origin and
        the target in the series), ``y_true``, ``y_last``, ``mean``, ``lower_L``/``upper_L`` per
        level L, ``scale`` (in-sample one-step naive MAE of the training window behind the
        forecast, for MASE), ``refit`` (the
        model was re-estimated at this origin) and ``seconds`` (fit + forecast time); with
        ``quantiles=``, one ``q_TAU`` column per forecast quantile asked (e.g. ``q_0.05``).
    failures : pd.DataFrame
        One row per (series, model, origin) that raised: ``error``, ``message``,
        ``traceback``. Empty when every origin worked.
    settings : dict
        Splitter and its refit semantics, levels, models and their parameters, series spans,
        parallel settings, library versions and wall time.
    y : dict of str to pd.Series
        The evaluated series by name (empty for results built by hand); the trading view
        reads the prices of every day between origins from it.
    """

    def __init__(
        self,
        forecasts: pd.DataFrame,
        failures: pd.DataFrame,
        settings: dict[str, Any],
        *,
        y: Mapping[str, pd.Series] | None = None,
    ) -> None:
        self.forecasts = forecasts
        self.failures = failures
        self.settings = settings
        self.y = dict(y or {})

    # ------------------------------------------------------------------ basics
    @property
    def models(self) -> list[str]:
        """Model labels in the order they were given."""
        return list(self.settings["models"])

    @property
    def series(self) -> list[str]:
        """Series names."""
        return list(self.settings["series"])

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(self.settings["levels"])

    @property
    def quantiles(self) -> tuple[float, ...]:
        """The quantile grid recorded (``quantiles=`` of the backtest; () when none)."""
        return tuple(self.settings.get("quantiles", ()))

    @property
    def baseline(self) -> str | None:
        """ "naive" when it was backtested, else None."""
        return "naive" if "naive" in self.models else None

    def _by(self, by: tuple[str, ...] | str) -> tuple[str, ...]:
        by = (by,) if isinstance(by, str) else tuple(by)
        if len(self.series) > 1 and "series" not in by:
            by = ("series", *by)
        return by

    def __repr__(self) -> str:
        n_origins = self.forecasts["origin"].nunique() if len(self.forecasts) else 0
        return (
            f"BacktestResult(models={self.models}, series={self.series}, "
            f"origins={n_origins}, rows={len(self.forecasts)}, failures={len(self.failures)})"
        )

    # ------------------------------------------------------------------ statistics
    def metrics(self, by: tuple[str, ...] | str = ("model",)) -> pd.DataFrame:
        """Accuracy, relative accuracy and interval metrics per model (see ``compute_metrics``).

        Parameters
        ----------
        by : str or tuple of str, default ("model",)
            Grouping; ``("model", "step")`` gives one row per horizon step. With several
            series, ``"series"`` is always added.

        The ``crps`` column is computed on the backtest's ``quantiles=`` grid when one was
        asked, else on the interval bounds and the mean; ``attrs["crps_method"]`` says which.
        """
        from tickcast.backtest.metrics import compute_metrics

        by = self._by(by)
        if by == self._by(("model",)):
            return self._default_metrics.copy()
        return compute_metrics(
            self.forecasts,
            by=by,
            levels=self.levels,
            naive_model=self.baseline,
            quantiles=self.quantiles,
        )

    @cached_property
    def _default_metrics(self) -> pd.DataFrame:
        from tickcast.backtest.metrics import compute_metrics

        return compute_metrics(
            self.forecasts,
            by=self._by(("model",)),
            levels=self.levels,
            naive_model=self.baseline,
            quantiles=self.quantiles,
        )

    def dm_test(
        self,
        baseline: str | None = None,
        *,
        loss: str = "se",
        h: int | None = None,
        by: tuple[str, ...] | str = ("model",),
        alternative: str = "two-sided",
    ) -> pd.DataFrame:
        """Diebold-Mariano tests (HLN-corrected) of each model against ``baseline``.

        Parameters
        ----------
        baseline : str, optional
            Model label to compare against; default "naive".
        loss : {"se", "ae"}
            Squared or absolute error.
        h : int, optional
            Furthest step ahead entering the loss, in observations; default the largest
            step of each group (``by=("model", "step")``: that step).
        by : str or tuple of str
            Grouping, as in :meth:`metrics`.
        alternative : {"two-sided", "less", "greater"}, default "two-sided"
            ``"less"`` tests whether the model beats the baseline.

        Returns
        -------
        pandas.DataFrame
            As :func:`~tickcast.backtest.significance.dm_table`: ``n``, ``h``, ``spacing`` (of the
            origins, observations), ``overlap_lags`` (``ceil(h / spacing) - 1``),
            ``statistic`` (negative: the model has the smaller loss), ``pvalue``,
            ``pvalue_holm`` (Holm-adjusted over the models of the same series/step),
            ``mean_loss_diff`` and ``kernel`` (long-run variance estimator used).
        """
        from tickcast.backtest.significance import dm_table

        baseline = baseline or self.baseline
        if baseline is None:
            raise ConfigError(
                "`baseline` is required: no 'naive' model was backtested. Pass one of "
                f"{self.models}."
            )
        return dm_table(
            self.forecasts,
            baseline=baseline,
            loss=loss,  # type: ignore[arg-type]
            h=h,
            by=self._by(by),
            alternative=alternative,  # type: ignore[arg-type]
        )

    def trading(
        self,
        strategy: str = "sign",
        *,
        cost_bps: float = 5.0,
        threshold: float = 0.0,
        allow_short: bool = False,
        series: str | None = None,
        periods_per_year: float | None = None,
        duration: float | None = None,
        kind: str | None = None,
        prices: pd.Series | None = None,
    ) -> Any:
        """Trade each model's forecasts with costs, positions held between origins.

        See :func:`tickcast.backtest.trading.trading_backtest` for the rules. With several
        series, ``series`` names the one to trade. A yield series (kind "rate") needs
        ``duration`` (years) and is traded as a constant-maturity bond. ``periods_per_year``
        defaults to the one inferred from the dates (252 for business-daily data).
        ``prices`` (the evaluated series) is needed when the forecasts do not cover every
        day between origins (splitter step > horizon or gap > 0), unless the result keeps
        its series in ``y``.
        """
        from tickcast.backtest.trading import trading_backtest

        if series is None and len(self.series) > 1:
            raise ConfigError(
                f"`series` is required with several series; pass one of {self.series}."
            )
        name = series if series is not None else (self.series[0] if self.series else None)
        if prices is None and name in self.y:
            prices = self.y[name]
        if kind is None:
            info = self.settings.get("series", {})
            info = info.get(name) if isinstance(info, Mapping) else None
            if isinstance(info, Mapping) and info.get("kind") in ("price", "rate"):
                kind = info["kind"]
        return trading_backtest(
            self.forecasts,
            prices=prices,
            strategy=strategy,  # type: ignore[arg-type]
            threshold=threshold,
            cost_bps=cost_bps,
            allow_short=allow_short,
            series=series,
            periods_per_year=periods_per_year,
            kind=kind,  # type: ignore[arg-type]
            duration=duration,
        )

    def summary(self) -> pd.DataFrame:
        """Ranked table: RMSE relative to naive, MASE, R2_oos, direction, coverage and tests.

        Rows are sorted by ``rel_rmse``, the model's RMSE divided by the naive (random-walk)
        RMSE on the same targets (below 1: a smaller RMSE than the random walk); by ``rmse``
        when no naive model was backtested. ``mase`` is scaled by the in-sample one-step
        naive MAE of each forecast's training window (Hyndman & Koehler, 2006).
        ``dm_stat`` is the HLN-corrected Diebold-Mariano statistic of
        ``d = squared error(model) - squared error(naive)``: negative means the model was
        more accurate. ``dm_pvalue`` is its two-sided p-value, and ``dm_pvalue_holm`` (when
        the DM table provides it) the Holm-adjusted one; all three NaN for the naive model
        and for a model whose forecasts are naive's up to round-off (no test of equal
        forecasts).
        ``directional_accuracy`` is the hit rate over forecasts that predict a direction
        (NaN for the random walk); ``pt_pvalue`` is the one-sided Pesaran-Timmermann
        p-value of the one-step directions (NaN when the model predicts no direction or
        always the same one).
        """
        from tickcast.backtest.report import summary_table

        return summary_table(self)

    # ------------------------------------------------------------------ reports
    def to_markdown(self) -> str:
        """The summary table and settings as Markdown."""
        from tickcast.backtest.report import to_markdown

        return to_markdown(self)

    def to_html(self, path: str) -> str:
        """Write a self-contained HTML report (tables + embedded PNG plots); returns the path."""
        from tickcast.backtest.report import to_html

        return to_html(self, path)

    def plot(self, kind: str = "forecasts", *, ax: Any = None, **kwargs: Any) -> Any:
        """Plot with matplotlib: "forecasts", "errors", "equity", "coverage" or "calibration"."""
        from tickcast.backtest.report import plot

        return plot(self, kind, ax=ax, **kwargs)
