"""Plots of a :class:`~tickcast.backtest.result.BacktestResult`, one series per Axes.

Each kind is one function ``_plot_<kind>(result, ax, *, series, **options)`` listed in
:data:`_PLOTTERS`; :func:`plot` checks the arguments and dispatches, and the HTML report draws
every kind of :data:`PLOT_KINDS` for every series. A new kind (calibration plots, when the
calibration module lands) is one such function plus its name in :data:`PLOT_KINDS`.

Axes carry the series' units, read from ``result.settings["series"][name]["units"]`` (set
from the series' ``attrs`` by :func:`tickcast.backtest`): levels in those units ("%" for
rates in percent), errors of rates in basis points.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from tickcast._validation import check_int, check_one_of
from tickcast.errors import ConfigError

__all__ = ["PLOT_KINDS", "error_units", "level_units", "no_forecasts_text", "plot"]

#: Plot kinds, in the order the HTML report shows them for each series.
PLOT_KINDS = ("forecasts", "errors", "cssed", "equity", "coverage", "calibration")

#: Marker per model in the forecasts plot, so that overlapping forecasts stay distinguishable.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")

#: How units recorded by the loader are written on an axis.
_UNIT_LABELS = {"percent": "%"}


def level_units(result: Any, series: str) -> str | None:
    """Units of the levels of ``series`` as written on an axis ("EUR", "%"); None if unknown."""
    units = result.settings["series"].get(series, {}).get("units")
    if units in (None, "", "unknown"):
        return None
    return _UNIT_LABELS.get(units, str(units))


def error_units(result: Any, series: str) -> tuple[float, str | None]:
    """``(factor, label)`` for forecast errors of ``series``: rates in percent -> bps (x100)."""
    if result.settings["series"].get(series, {}).get("units") == "percent":
        return 100.0, "bps"
    return 1.0, level_units(result, series)


def _named(series: str, units: str | None) -> str:
    return f"{series} ({units})" if units else series


def plot(
    result: Any,
    kind: str = "forecasts",
    *,
    ax: Any = None,
    series: str | None = None,
    step: int = 1,
    last: int | None = 60,
) -> Any:
    """Plot one series of a backtest with matplotlib; returns the Axes.

    Parameters
    ----------
    kind : {"forecasts", "errors", "cssed", "equity", "coverage"}
        "forecasts": actual values and each model's ``step``-ahead forecasts over the last
        ``last`` origins; "errors": mean absolute error by horizon step per model (rates in
        bps); "cssed": cumulative sum over origins of the naive model's squared ``step``-ahead
        error minus each model's (Welch & Goyal, 2008), rising where the model was more
        accurate; "equity": trading equity curves (sign strategy, 5 bps) and buy-and-hold;
        "coverage": empirical vs nominal interval coverage per model.
    ax : matplotlib Axes, optional
        Where to draw; default a new 10 x 4 inch figure.
    series : str, optional
        Which series; required when several were backtested.
    step : int, default 1
        Horizon step shown by "forecasts" and "cssed".
    last : int or None, default 60
        Number of most recent origins shown by "forecasts"; None shows them all.
    """
    import matplotlib.pyplot as plt

    check_one_of("kind", kind, PLOT_KINDS)
    if series is None:
        if len(result.series) > 1:
            raise ConfigError(
                f"`series` is required with several series; pass one of {result.series}."
            )
        series = result.series[0]
    check_one_of("series", series, tuple(result.series))
    step = check_int("step", step, minimum=1)
    horizon = int(result.settings["splitter"]["horizon"])
    if step > horizon:
        raise ConfigError(f"`step` must be between 1 and the horizon {horizon}; got {step}.")
    if last is not None:
        last = check_int("last", last, minimum=1)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4), layout="constrained")
    if _frame(result, series).empty:  # every origin failed: say so instead of plotting
        return _no_forecasts(result, ax, series, kind)
    _PLOTTERS[kind](result, ax, series=series, step=step, last=last)
    if ax.get_legend() is None and ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    return ax


def _frame(result: Any, series: str) -> pd.DataFrame:
    return result.forecasts[result.forecasts["series"] == series]


def no_forecasts_text(result: Any, series: str) -> str:
    """Why a series has nothing to plot or tabulate: its failures, counted by error type."""
    failures = result.failures
    mine = failures[failures["series"] == series] if len(failures) else failures
    if len(mine) == 0:
        return f"{series}: no forecasts (no origin was forecast)."
    counts = mine["error"].value_counts()
    kinds = ", ".join(f"{n} {err}" for err, n in counts.items())
    return (
        f"{series}: no forecasts: every origin failed ({kinds}); see result.failures "
        f"(first: {mine['message'].iloc[0]})"
    )


def _no_forecasts(result: Any, ax: Any, series: str, kind: str) -> Any:
    import textwrap

    ax.text(
        0.5,
        0.5,
        textwrap.fill(no_forecasts_text(result, series), 80),
        ha="center",
        va="center",
        transform=ax.transAxes,
        fontsize="small",
    )
    ax.set_axis_off()
    ax.set_title(f"{series}: no {kind} to show")
    return ax


def _plot_forecasts(result: Any, ax: Any, *, series: str, step: int, last: int | None) -> Any:
    import matplotlib.dates as mdates

    frame = _frame(result, series)
    origins = frame["origin"].drop_duplicates().sort_values()
    if last is not None:
        origins = origins.iloc[-last:]
    frame = frame[frame["origin"].isin(origins)]
    # the actual level on every date the kept origins saw: their origins and their targets
    actual = pd.concat(
        [
            frame.set_index("date")["y_true"],
            frame.drop_duplicates("origin").set_index("origin")["y_last"],
        ]
    )
    actual = actual[~actual.index.duplicated()].sort_index()
    ax.plot(actual.index, actual.to_numpy(), color="black", lw=1, label="actual")
    sel = frame[frame["step"] == step]
    # points, not lines: a forecast is made at each origin only, not on the days between
    for (model, g), marker in zip(sel.groupby("model", sort=False), _MARKERS * 4, strict=False):
        ax.plot(g["date"], g["mean"], ls="none", marker=marker, ms=4, alpha=0.8, label=str(model))
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    units = level_units(result, series)
    ax.set_ylabel(f"level ({units})" if units else "level")
    n_all = _frame(result, series)["origin"].nunique()
    span = f"last {len(origins)} of {n_all} origins" if len(origins) < n_all else "all origins"
    ax.set_title(f"{_named(series, units)}: {step}-step-ahead forecasts, {span}")
    return ax


def _plot_errors(result: Any, ax: Any, *, series: str, **_: Any) -> Any:
    from matplotlib.ticker import MaxNLocator

    frame = _frame(result, series)
    factor, units = error_units(result, series)
    err = (frame["y_true"] - frame["mean"]).abs() * factor
    table = err.groupby([frame["model"], frame["step"]]).mean().unstack(0)
    table = table[[m for m in frame["model"].unique() if m in table.columns]]
    for model in table.columns:
        ax.plot(table.index, table[model].to_numpy(), marker="o", label=str(model))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("horizon step")
    ax.set_ylabel(f"MAE ({units})" if units else "MAE")
    ax.set_title(f"{_named(series, level_units(result, series))}: mean absolute error by horizon")
    return ax


def _plot_cssed(result: Any, ax: Any, *, series: str, step: int, **_: Any) -> Any:
    import matplotlib.dates as mdates

    base = result.baseline
    factor, units = error_units(result, series)
    title = f"{_named(series, level_units(result, series))}: cumulative squared-error gap"
    frame = _frame(result, series)
    frame = frame[frame["step"] == step]
    models = [m for m in frame["model"].unique() if m != base]
    if base is None or not models:
        ax.text(0.5, 0.5, "needs the naive model and another one", ha="center", va="center")
        ax.set_axis_off()
        ax.set_title(title)
        return ax
    sq = ((frame["y_true"] - frame["mean"]) * factor) ** 2
    wide = sq.groupby([frame["date"], frame["model"]]).first().unstack("model")
    for i, model in enumerate(sorted(frame["model"].unique())):
        if model == base:
            continue
        gap = (wide[base] - wide[model]).dropna().cumsum()  # only dates both forecast
        ax.plot(gap.index, gap.to_numpy(), lw=1.1, color=f"C{i}", label=str(model))
    ax.axhline(0, color="black", lw=0.8)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel(f"sum of squared-error gaps ({units}²)" if units else "sum of squared-error gaps")
    ax.set_title(f"{title}, {step}-step: {base} minus model (rising: model more accurate)")
    return ax


def _trading_options() -> frozenset[str]:
    """Keyword arguments of ``plot("equity", ...)`` passed on to ``BacktestResult.trading``:
    its parameters, read from its signature, except ``series`` (set per panel) and ``kind``
    (the plot's own first argument)."""
    import inspect

    from tickcast.backtest.result import BacktestResult

    names = set(inspect.signature(BacktestResult.trading).parameters)
    return frozenset(names - {"self", "series", "kind"})


def _plot_equity(result: Any, ax: Any, *, series: str, **kwargs: Any) -> Any:
    import textwrap

    from tickcast.errors import ConfigError

    try:
        allowed = _trading_options()
        options = {k: v for k, v in kwargs.items() if k in allowed}
        tr = result.trading(series=series if len(result.series) > 1 else None, **options)
    except ConfigError as exc:  # a yield without a duration, or days missing from the frame
        ax.text(
            0.5,
            0.5,
            textwrap.fill(str(exc), 80),
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize="small",
        )
        ax.set_axis_off()
        ax.set_title(f"{series}: no trading view")
        return ax
    for name, curve in tr.equity.items():
        ax.plot(
            curve.index,
            curve.to_numpy(),
            lw=1.2 if name == "buy_and_hold" else 0.9,
            color="black" if name == "buy_and_hold" else None,
            label=str(name),
        )
    ax.set_ylabel("equity (start = 1)")
    ax.set_title(
        f"{series}: equity of the sign strategy, held between origins, "
        f"{tr.settings['cost_bps']:g} bp costs"
    )
    return ax


def _plot_coverage(result: Any, ax: Any, *, series: str, **_: Any) -> Any:
    from matplotlib.ticker import PercentFormatter

    frame = _frame(result, series)
    rows = {}
    for lv in result.levels:
        lo, hi = frame[f"lower_{lv:g}"], frame[f"upper_{lv:g}"]
        inside = (frame["y_true"] >= lo) & (frame["y_true"] <= hi)
        rows[f"{lv:g}% interval"] = inside[lo.notna()].groupby(frame["model"]).mean()
    title = f"{_named(series, level_units(result, series))}: interval coverage"
    table = pd.DataFrame(rows).dropna(how="all")
    if table.empty:
        ax.text(0.5, 0.5, "no model gave intervals", ha="center", va="center")
        ax.set_axis_off()
        ax.set_title(title)
        return ax
    table.plot.bar(ax=ax, rot=0)
    for i, lv in enumerate(result.levels):
        ax.axhline(lv / 100, color=f"C{i}", lw=0.9, ls="--")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("")
    ax.set_ylabel("targets inside the interval")
    nominal = ", ".join(f"{lv:g}%" for lv in result.levels)
    ax.set_title(f"{title} (dashed: nominal {nominal})")
    return ax


def _plot_calibration(result: Any, ax: Any, *, series: str, **_: Any) -> Any:
    """Observed share below each forecast quantile against its nominal probability (the
    PIT's distribution function; the diagonal is perfect calibration), with the binned PIT
    density (observed / expected share per bin, 1 = calibrated) as an inset."""
    from tickcast.backtest.calibration import pit_histogram

    frame = _frame(result, series)
    title = f"{_named(series, level_units(result, series))}: calibration"
    levels = list(result.levels)
    ax.plot([0, 1], [0, 1], color="0.5", lw=0.9, ls="--")
    inset = ax.inset_axes([0.62, 0.08, 0.35, 0.3]) if levels else None
    drawn = 0
    for i, (model, g) in enumerate(frame.groupby("model", sort=True)):
        g = g[g[f"lower_{levels[0]:g}"].notna()] if levels else g.iloc[:0]
        if g.empty:
            continue
        pit = pit_histogram(g, levels)
        ax.plot(pit["hi"].iloc[:-1], pit["observed"].cumsum().iloc[:-1], marker="o", label=model)
        if inset is not None:
            inset.step(pit["lo"], pit["observed"] / pit["expected"], where="post", color=f"C{i}")
        drawn += 1
    if not drawn or inset is None:
        ax.text(0.5, 0.5, "no model gave intervals", ha="center", va="center")
        ax.set_axis_off()
        ax.set_title(title)
        return ax
    inset.axhline(1.0, color="0.5", lw=0.8, ls="--")
    inset.set_title("PIT density", fontsize="x-small")
    inset.tick_params(labelsize="x-small")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("nominal probability of the forecast quantile")
    ax.set_ylabel("share of targets below it")
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(title)
    return ax


_PLOTTERS: dict[str, Callable[..., Any]] = {
    "forecasts": _plot_forecasts,
    "errors": _plot_errors,
    "cssed": _plot_cssed,
    "equity": _plot_equity,
    "coverage": _plot_coverage,
    "calibration": _plot_calibration,
}
