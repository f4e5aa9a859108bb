"""``tickcast backtest SPEC --models naive,linear,arima,lstm``: a walk-forward report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from tickcast.commands._neural import (
    add_data_options,
    add_interval_method_option,
    add_model_options,
    add_neural_options,
    add_target_option,
    add_volatility_option,
    cli_levels,
    model_params,
)
from tickcast.commands._paths import atomic_folder, output_dir
from tickcast.commands._stale import add_allow_stale_option, load_from_args

__all__ = ["add_parser", "run_backtest", "write_report"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "backtest",
        help="walk-forward backtest of several models with a report",
        description="Backtest models on the same origins; print the summary table and write "
        "report.html, metrics.csv, forecasts.csv and plots to --out.",
    )
    p.add_argument("spec", metavar="SPEC", help="dataset name, ticker, fred:ID or CSV path")
    p.add_argument(
        "--models",
        default="naive,linear,arima,lstm",
        help="comma-separated model names (default: naive,linear,arima,lstm)",
    )
    p.add_argument("--horizon", type=int, default=5, help="steps forecast per origin (5)")
    p.add_argument("--step", type=int, default=5, help="observations between origins (5)")
    p.add_argument("--initial", type=int, default=2000, help="observations before origin 1")
    p.add_argument(
        "--refit-every", type=int, default=20, help="refit every k origins, update in between (20)"
    )
    p.add_argument("--max-origins", type=int, default=None, help="keep the last N origins")
    add_data_options(p)
    add_model_options(p)
    add_allow_stale_option(p)
    p.add_argument("--jobs", type=int, default=1, help="parallel workers, -1 = all cores (1)")
    p.add_argument(
        "--out",
        metavar="DIR",
        type=output_dir("--out"),
        default=None,
        help="report folder, replaced as a whole if it holds a report (default: none)",
    )
    add_neural_options(p)
    add_volatility_option(p)
    add_target_option(p)
    add_interval_method_option(p)
    p.set_defaults(handler=run)


def run_backtest(
    y: Any,
    names: list[str],
    *,
    horizon: int,
    step: int,
    initial: int,
    refit_every: int | None,
    max_origins: int | None,
    n_jobs: int,
    progress: bool | None = None,
    model_params: dict[str, Any] | None = None,
    level: Any = (80, 95),
) -> Any:
    """Backtest the named models on ``y``; returns the BacktestResult."""
    import tickcast as tc
    from tickcast.models.factory import make_model

    model_params = model_params or {}
    models = [make_model(n, **model_params.get(n, {})) for n in names]
    splitter = tc.WalkForward(
        initial=initial,
        step=step,
        horizon=horizon,
        refit_every=refit_every,
        max_origins=max_origins,
    )
    return tc.backtest(models, y, splitter=splitter, n_jobs=n_jobs, progress=progress, level=level)


def write_report(result: Any, out_dir: str | Path) -> Path:
    """Write report.html, metrics.csv, forecasts.csv, summary.md and PNG plots; returns the dir.

    The folder is written atomically: into a temporary sibling that then replaces
    ``out_dir`` as a whole (see :func:`~tickcast.commands._paths.atomic_folder`), so an
    interrupt never leaves old and new files mixed. PNG files are named ``KIND.png`` for one
    series and ``KIND-SERIES.png`` for several (``SERIES`` as in the report's section ids).
    """
    from tickcast.backtest.report import html_page, render_plots, series_ids

    out = Path(out_dir)
    images = render_plots(result)
    ids = series_ids(result)
    with atomic_folder(out) as tmp:
        (tmp / "report.html").write_text(html_page(result, images), encoding="utf-8")
        result.metrics().to_csv(tmp / "metrics.csv")
        result.forecasts.to_csv(tmp / "forecasts.csv", index=False)
        (tmp / "summary.md").write_text(result.to_markdown(), encoding="utf-8")
        for (series, kind), png in images.items():
            name = f"{kind}.png" if len(result.series) == 1 else f"{kind}-{ids[series]}.png"
            (tmp / name).write_bytes(png)
    return out


def print_summary(result: Any, out: TextIO) -> None:
    import pandas as pd

    with pd.option_context(
        "display.width", 140, "display.max_columns", 30, "display.float_format", "{:.4g}".format
    ):
        table = result.summary()
        print(table.to_string() if len(table) else "(no forecasts to summarise)", file=out)
    if len(result.failures):
        print(f"\n{len(result.failures)} origins failed; see failures in the report.", file=out)


def run(args: argparse.Namespace, out: TextIO) -> int:
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    levels = cli_levels(args.level)
    params = model_params(names, args, args.horizon)  # checked before loading
    y = load_from_args(args)
    result = run_backtest(
        y,
        names,
        horizon=args.horizon,
        step=args.step,
        initial=args.initial,
        refit_every=args.refit_every,
        max_origins=args.max_origins,
        n_jobs=args.jobs,
        model_params=params,
        level=levels,
    )
    origins = result.forecasts["origin"]
    span = f"{origins.min().date()}..{origins.max().date()}" if len(origins) else "none forecast"
    print(
        f"{y.name}: {origins.nunique()} origins {span}, horizon {args.horizon}, "
        f"{result.settings['seconds']:.1f} s",
        file=out,
    )
    print_summary(result, out)
    if args.out:
        path = write_report(result, args.out)
        print(f"\nreport written to {path / 'report.html'}", file=out)
    if len(origins) == 0:
        print(f"tickcast: error: {_all_failed(result)}", file=sys.stderr)
        return 1
    return 0


def _all_failed(result: Any) -> str:
    """One line saying that no origin was forecast, with the failures counted by error."""
    fr = result.failures
    if len(fr) == 0:
        return "no origin was forecast."
    counts = ", ".join(
        f"{model}: {n} x {err}" for (model, err), n in fr.groupby(["model", "error"]).size().items()
    )
    first = " ".join(str(fr["message"].iloc[0]).split())
    return f"every origin failed ({counts}); the first: {first} Fix that and run again" + (
        "; the report lists every failure." if len(fr) > 1 else "."
    )
