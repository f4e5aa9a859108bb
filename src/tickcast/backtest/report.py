"""Tables and plots of a :class:`~tickcast.backtest.result.BacktestResult`."""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tickcast._validation import check_one_of

__all__ = ["PLOT_KINDS", "markdown_table", "plot", "summary_table", "to_html", "to_markdown"]

PLOT_KINDS = ("forecasts", "errors", "equity", "coverage")


def summary_table(result: Any) -> pd.DataFrame:
    """Table ranked by RMSE relative to the baseline, with the tests of each model against it.

    Returns
    -------
    pd.DataFrame
        Indexed like ``result.metrics()``; columns ``rel_rmse``, ``rmse``, ``mase``,
        ``r2_oos``, ``directional_accuracy``, ``coverage_L``/``width_L`` per level, then
        (when a baseline and another model were backtested) ``dm_stat``, ``dm_pvalue``,
        ``dm_pvalue_holm`` (when the DM table provides Holm-adjusted p-values), and
        ``pt_pvalue``, ``n``. Rows are sorted by ``rel_rmse`` (by ``rmse`` without a
        baseline), within each series when there are several.
    """
    m = result.metrics()
    key = "rel_rmse" if result.baseline is not None else "rmse"
    cols = ["rel_rmse", "rmse", "mase", "r2_oos", "directional_accuracy"]
    for lv in result.levels:
        cols += [f"coverage_{lv:g}", f"width_{lv:g}"]
    table = m[[c for c in cols if c in m.columns]].copy()
    if result.baseline is not None and len(result.models) > 1:
        dm = result.dm_test()
        table["dm_stat"] = dm["statistic"].reindex(table.index)
        table["dm_pvalue"] = dm["pvalue"].reindex(table.index)
        if "pvalue_holm" in dm.columns:
            table["dm_pvalue_holm"] = dm["pvalue_holm"].reindex(table.index)
    table["pt_pvalue"] = _pt_pvalues(result).reindex(table.index)
    table["n"] = m["n"]
    if isinstance(table.index, pd.MultiIndex):
        order = table.reset_index().sort_values([table.index.names[0], key], kind="stable")
        return order.set_index(list(table.index.names))
    return table.sort_values(key, kind="stable")


def _pt_pvalues(result: Any) -> pd.Series:
    """One-sided Pesaran-Timmermann p-value per model on its one-step forecasts."""
    from tickcast.backtest.tests import pt_table

    by = result._by(("model",))
    return pt_table(result.forecasts, by=by, step=1)["pvalue"]


def _legend(result: Any, table: pd.DataFrame) -> str:
    """What the columns of the summary ``table`` mean, in words."""
    base = result.baseline
    if base is None:
        parts = [
            "Rows are ranked by rmse (no naive model was backtested: no rel_rmse, no DM test)."
        ]
    else:
        parts = [
            f"Rows are ranked by rel_rmse, the model's RMSE divided by that of the random walk "
            f"('{base}') on the same targets: below 1, a smaller RMSE than the random walk."
        ]
    parts.append(
        "mase divides the mean absolute error by the in-sample one-step MAE of the random "
        "walk on the model's training window (Hyndman & Koehler, 2006); it is not a "
        "comparison with the random walk out of sample (the random walk itself need not "
        "score 1)."
    )
    if "dm_stat" in table.columns:
        parts.append(
            "dm_stat is the Diebold-Mariano statistic (HLN-corrected) of d = squared error of "
            "the model minus squared error of the random walk: negative means the model was "
            "more accurate, positive less accurate; dm_pvalue is its two-sided p-value"
            + (
                ", dm_pvalue_holm the same p-value Holm-adjusted over the models compared."
                if "dm_pvalue_holm" in table.columns
                else "."
            )
        )
    parts.append(
        "directional_accuracy is the share of correctly predicted up/down moves among the "
        "forecasts that predict a move and whose target moved; pt_pvalue is the one-sided "
        "Pesaran-Timmermann (1992) p-value of the one-step forecasts' directions against "
        "independence (empty when the model predicts no direction, or always the same one)."
    )
    return " ".join(parts)


def _fmt(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        return f"{value:.4g}"
    return str(value)


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a GitHub Markdown table (index included), numbers to 4 significant digits."""
    flat = frame.reset_index()
    header = "| " + " | ".join(str(c) for c in flat.columns) + " |"
    rule = "|" + "|".join("---" for _ in flat.columns) + "|"
    body = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in flat.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _settings_lines(result: Any) -> list[str]:
    sp = result.settings["splitter"]
    lines = [
        f"- series: {json.dumps(result.settings['series'])}",
        f"- origins: initial={sp['initial']}, step={sp['step']}, horizon={sp['horizon']}, "
        f"gap={sp['gap']}, window={sp['window']}, refit_every={sp['refit_every']}, "
        f"max_origins={sp['max_origins']}",
        f"- refit: {sp.get('refit', '')}",
        f"- models: {', '.join(result.models)}",
        f"- failures: {len(result.failures)}",
        f"- wall time: {result.settings['seconds']:.1f} s with n_jobs={result.settings['n_jobs']}",
    ]
    return lines


def to_markdown(result: Any) -> str:
    """Summary table, settings and failures as Markdown text."""
    table = summary_table(result)
    parts = [
        "## Backtest summary",
        "",
        markdown_table(table),
        "",
        _legend(result, table),
        "",
        "## Settings",
        "",
        *_settings_lines(result),
    ]
    if len(result.failures):
        counts = result.failures.groupby(["model", "error"]).size().rename("origins")
        parts += ["", "## Failures", "", markdown_table(counts.to_frame())]
    return "\n".join(parts) + "\n"


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def to_html(result: Any, path: str | os.PathLike) -> str:
    """Write a self-contained HTML report (tables and embedded PNG plots) to ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    images = []
    for kind in PLOT_KINDS:
        if kind == "equity" and len(result.series) > 1:
            continue
        ax = plot(result, kind)
        images.append((kind, _png(ax.figure)))
    table = summary_table(result)
    sections = [
        "<h1>tickcast backtest</h1>",
        "<h2>Summary</h2>",
        table.to_html(float_format=lambda v: f"{v:.4g}", na_rep=""),
        f"<p>{html.escape(_legend(result, table))}</p>",
    ]
    if len(result.series) == 1:
        from tickcast.errors import ConfigError

        sections += ["<h2>Trading (sign strategy, 5 bps costs)</h2>"]
        try:
            stats = result.trading().stats
        except ConfigError as exc:  # a yield without a duration, or days missing
            sections += [f"<p>No trading view: {html.escape(str(exc))}</p>"]
        else:
            sections += [
                "<p>Long when the forecast for the next origin's date (or the horizon, if "
                "shorter) is above the last close, flat otherwise; held on every day until "
                "the next origin. Sharpe ratios annualised, with Lo (2002) standard errors; "
                "psr/dsr: probabilistic and deflated Sharpe ratios.</p>",
                stats.to_html(float_format=lambda v: f"{v:.4g}", na_rep=""),
            ]
    sections += ["<h2>Plots</h2>"]
    sections += [f'<h3>{k}</h3><img alt="{k}" src="data:image/png;base64,{b}">' for k, b in images]
    sections += ["<h2>Settings</h2>", "<ul>"]
    sections += [f"<li>{html.escape(line[2:])}</li>" for line in _settings_lines(result)]
    sections += ["</ul>"]
    if len(result.failures):
        sections += [
            "<h2>Failures</h2>",
            result.failures.drop(columns="traceback").to_html(index=False),
        ]
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>tickcast backtest</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "table{border-collapse:collapse}td,th{padding:2px 8px;border:1px solid #ccc}"
        "</style></head><body>" + "\n".join(sections) + "</body></html>"
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return str(path)


def plot(
    result: Any,
    kind: str = "forecasts",
    *,
    ax: Any = None,
    series: str | None = None,
    step: int = 1,
) -> Any:
    """Plot a backtest with matplotlib; returns the Axes.

    Parameters
    ----------
    kind : {"forecasts", "errors", "equity", "coverage"}
        "forecasts": actual series and each model's ``step``-ahead forecasts;
        "errors": MAE by horizon step per model; "equity": trading equity curves (sign
        strategy held between origins, 5 bps) and buy-and-hold; "coverage": empirical vs
        nominal interval coverage per model.
    series : str, optional
        Which series, when several were backtested (default the first).
    step : int, default 1
        Horizon step shown by "forecasts".
    """
    import matplotlib.pyplot as plt

    check_one_of("kind", kind, PLOT_KINDS)
    series = series or result.series[0]
    frame = result.forecasts[result.forecasts["series"] == series]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    if kind == "forecasts":
        sel = frame[frame["step"] == step]
        actual = sel.drop_duplicates("date").set_index("date")["y_true"]
        ax.plot(actual.index, actual.to_numpy(), color="black", lw=1, label="actual")
        for model, g in sel.groupby("model", sort=False):
            ax.plot(g["date"], g["mean"], lw=0.8, label=str(model))
        ax.set_title(f"{series}: {step}-step-ahead forecasts")
    elif kind == "errors":
        err = (frame["y_true"] - frame["mean"]).abs()
        table = err.groupby([frame["model"], frame["step"]]).mean().unstack(0)
        table.plot(ax=ax, marker="o")
        ax.set_xlabel("horizon step")
        ax.set_ylabel("MAE")
        ax.set_title(f"{series}: mean absolute error by horizon")
    elif kind == "equity":
        from tickcast.errors import ConfigError

        try:
            tr = result.trading(series=series if len(result.series) > 1 else None)
        except ConfigError as exc:  # a yield without a duration, or days missing from the frame
            import textwrap

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
    else:
        rows = {}
        for lv in result.levels:
            lo, hi = frame[f"lower_{lv:g}"], frame[f"upper_{lv:g}"]
            inside = (frame["y_true"] >= lo) & (frame["y_true"] <= hi)
            rows[f"{lv:g}%"] = inside[lo.notna()].groupby(frame["model"]).mean()
        table = pd.DataFrame(rows)
        table.plot.bar(ax=ax)
        for lv in result.levels:
            ax.axhline(lv / 100, color="grey", lw=0.8, ls="--")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("empirical coverage")
        ax.set_title(f"{series}: interval coverage (dashed: nominal)")
    ax.legend(loc="best", fontsize="small")
    return ax
