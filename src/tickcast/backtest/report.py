"""Tables and plots of a :class:`~tickcast.backtest.result.BacktestResult`."""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import math
import os
import re
from typing import Any

import numpy as np
import pandas as pd

from tickcast.backtest.plots import PLOT_KINDS, level_units, no_forecasts_text, plot

__all__ = [
    "PLOT_KINDS",
    "html_page",
    "markdown_table",
    "plot",
    "render_plots",
    "series_ids",
    "summary_table",
    "to_html",
    "to_markdown",
]


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
    from tickcast.backtest.significance import pt_table

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
            "more accurate, positive less accurate (empty when the model's forecasts are the "
            "random walk's up to round-off: equal forecasts have nothing to test); dm_pvalue "
            "is its two-sided p-value"
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


def render_plots(result: Any, *, dpi: int = 96) -> dict[tuple[str, str], bytes]:
    """Every plot kind of :data:`PLOT_KINDS` for every series, as PNG images.

    Parameters
    ----------
    result : BacktestResult
    dpi : int, default 96
        Resolution; each figure is 10 x 4 inches (960 x 384 pixels at 96 dpi).

    Returns
    -------
    dict of (str, str) to bytes
        PNG file contents keyed by ``(series, kind)``, series in ``result.series`` order.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    images = {}
    for name in result.series:
        for kind in PLOT_KINDS:
            fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
            plot(result, kind, ax=ax, series=name)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
            plt.close(fig)
            images[name, kind] = buf.getvalue()
    return images


def series_ids(result: Any) -> dict[str, str]:
    """A distinct HTML id and file-name part per series, e.g. ``{"fred:DGS10": "fred-DGS10"}``.

    Runs of characters other than letters, digits, ``_``, ``.`` and ``-`` become ``-``;
    names that collide get ``-2``, ``-3``... in ``result.series`` order.
    """
    out: dict[str, str] = {}
    for name in result.series:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "series"
        candidate, k = slug, 2
        while candidate in out.values():
            candidate, k = f"{slug}-{k}", k + 1
        out[name] = candidate
    return out


def _table_html(frame: pd.DataFrame, css: str) -> str:
    """``frame`` as an HTML table, index as its first column; headers may wrap after "_"."""
    text = frame.reset_index().to_html(
        float_format=lambda v: f"{v:.4g}", na_rep="", classes=css, border=0, index=False
    )
    text = re.sub(
        r"(<th[^>]*>)([^<]*)(</th>)", lambda m: m[1] + m[2].replace("_", "_<wbr>") + m[3], text
    )
    return f"<div class='scroll'>{text}</div>"


def _trading_html(result: Any, series: str) -> list[str]:
    from tickcast.errors import ConfigError, DataError

    head = "<h3>Trading (sign strategy, 5 bps costs)</h3>"
    if not (result.forecasts["series"] == series).any():
        return [head, f"<p>No trading view: {html.escape(no_forecasts_text(result, series))}</p>"]
    try:
        trading = result.trading(series=series)
    except ConfigError as exc:  # a yield without a duration, or days missing
        return [head, f"<p>No trading view: {html.escape(str(exc))}</p>"]
    out = [
        head,
        "<p>Long when the forecast for the next origin's date (or the horizon, if shorter) "
        "is above the last close, flat otherwise; held on every day until the next origin. "
        "Sharpe ratios annualised, with Lo (2002) standard errors; psr/dsr: probabilistic and "
        "deflated Sharpe ratios.</p>",
        _table_html(trading.stats, "trading"),
    ]
    try:
        tests = trading.sharpe_tests().rename_axis("model")
    except DataError as exc:  # buy-and-hold's returns constant: no Sharpe ratio to test
        return [*out, f"<p>No Sharpe-ratio tests: {html.escape(str(exc))}</p>"]
    return [
        *out,
        "<p>Each Sharpe ratio minus buy-and-hold's, tested as a paired difference (Ledoit &amp; "
        "Wolf 2008, Newey-West): a strategy long on most days moves with buy-and-hold, so the "
        "standard error of the difference is far smaller than one ratio's. Two-sided p-values, "
        "no multiple-comparison correction; empty for a strategy that never traded or whose "
        "returns equal buy-and-hold's.</p>",
        _table_html(tests, "sharpe_tests"),
    ]


_CAPTIONS = {
    "forecasts": "Actual level (black) and each model's one-step forecasts at the most "
    "recent origins.",
    "errors": "Mean absolute error at each horizon step, over all origins.",
    "cssed": "Running sum over origins of the random walk's squared one-step error minus the "
    "model's: rising where the model beat the random walk, falling where it lost (Welch & "
    "Goyal, 2008). The end value divided by the number of origins is the MSE difference.",
    "equity": "Equity of the sign strategy of each model after costs, and buy-and-hold.",
    "coverage": "Share of actual values inside each model's intervals; dashed: nominal.",
}

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1040px;margin:0 auto;padding:0 16px 40px;
color:#222;line-height:1.45}
h1{margin-bottom:4px} h2{margin-top:36px;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{margin:22px 0 6px} small,.muted{color:#666;font-weight:normal}
nav a{margin-right:14px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:13px;margin:6px 0 10px}
th,td{padding:3px 8px;border-bottom:1px solid #e3e3e3;text-align:right}
td{white-space:nowrap;font-variant-numeric:tabular-nums}
thead th{background:#f3f3f3;border-bottom:1px solid #bbb;vertical-align:bottom}
th:first-child,td:first-child{text-align:left;font-weight:600}
tbody tr:hover{background:#fafafa}
figure{margin:12px 0 22px} figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:13px;color:#555}
"""


def html_page(result: Any, images: dict[tuple[str, str], bytes]) -> str:
    """The HTML report as one string: a section per series with its tables and plots.

    Parameters
    ----------
    images : dict of (series, kind) to bytes
        PNG images, as from :func:`render_plots`; embedded as base64 ``data:`` URIs.

    Returns
    -------
    str
        A self-contained page: each series in ``<section id="series-ID">`` (ids from
        :func:`series_ids`) holding its summary table (``table.summary``), trading table
        (``table.trading``) and one ``<figure data-kind=KIND>`` per plot kind.
    """
    ids = series_ids(result)
    table = summary_table(result)
    n_origins = result.forecasts["origin"].nunique() if len(result.forecasts) else 0
    names = [_series_title(result, s) for s in result.series]
    sections = [
        "<h1>tickcast backtest</h1>",
        f"<p class='muted'>{html.escape(', '.join(result.models))} on "
        f"{html.escape(', '.join(names))}; {n_origins} origins, horizon "
        f"{result.settings['splitter']['horizon']}.</p>",
        "<nav>"
        + "".join(f"<a href='#series-{ids[s]}'>{html.escape(s)}</a>" for s in result.series)
        + "<a href='#settings'>settings</a></nav>",
        "<h2>Reading the tables</h2>",
        f"<p>{html.escape(_legend(result, table))}</p>",
    ]
    for name in result.series:
        part = _series_part(table, name)
        span = result.settings["series"].get(name, {})
        sections += [
            f"<section id='series-{ids[name]}' class='series' data-series='{html.escape(name)}'>",
            f"<h2>{html.escape(_series_title(result, name))} <small>{span.get('start', '')} "
            f"to {span.get('end', '')}</small></h2>",
            "<h3>Summary</h3>",
            _table_html(part, "summary"),
            *_trading_html(result, name),
            "<h3>Plots</h3>",
        ]
        for kind in PLOT_KINDS:
            if (name, kind) not in images:
                continue
            data = base64.b64encode(images[name, kind]).decode("ascii")
            sections.append(
                f"<figure data-kind='{kind}'><img alt='{html.escape(name)}: {kind}' "
                f"src='data:image/png;base64,{data}'>"
                f"<figcaption>{_CAPTIONS.get(kind, '')}</figcaption></figure>"
            )
        sections.append("</section>")
    sections += ["<h2 id='settings'>Settings</h2>", "<ul>"]
    sections += [f"<li>{html.escape(line[2:])}</li>" for line in _settings_lines(result)]
    sections += ["</ul>"]
    if len(result.failures):
        sections += [
            "<h2>Failures</h2>",
            _table_html(result.failures.drop(columns="traceback").set_index("series"), "failures"),
        ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>tickcast backtest: {html.escape(', '.join(result.series))}</title>"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def _series_part(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows of series ``name`` in a (series, model) table; empty if it has none."""
    if not isinstance(table.index, pd.MultiIndex):
        return table
    if name not in table.index.get_level_values("series"):
        return table.iloc[:0].droplevel("series")
    return table.xs(name, level="series")


def _series_title(result: Any, name: str) -> str:
    units = level_units(result, name)
    return f"{name} ({units})" if units else name


def to_html(result: Any, path: str | os.PathLike[str]) -> str:
    """Write a self-contained HTML report (tables and embedded PNG plots) to ``path``.

    Every series gets its own section with its summary and trading tables and every plot
    kind of :data:`PLOT_KINDS`; see :func:`html_page`. The file is written under a temporary
    name and renamed, so ``path`` is never half written. Returns ``path`` as a string.
    """
    from tickcast._files import check_writable_path, unwritable_error

    path = check_writable_path(path, name="path", what="the HTML report")
    page = html_page(result, render_plots(result))
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise unwritable_error(path, exc, name="path", what="the HTML report") from exc
    return str(path)
