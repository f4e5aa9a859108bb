"""``tickcast demo``: the main job end to end, offline, on bundled data, in about a minute.

Backtests Naive, Linear (ridge on lags), ARIMA and an LSTM on Deutsche Bank (``dbk``) and the
10-year Treasury yield (``dgs10``), prints the summary table with Diebold-Mariano p-values
against the random walk, and writes an HTML report with plots.
"""

from __future__ import annotations

import argparse
import time
from typing import Any, TextIO

from tickcast.commands._paths import output_dir

__all__ = ["DEMO_SETTINGS", "add_parser", "run"]

#: Small enough to finish in about a minute on 2 cores; the notebooks run the full versions.
DEMO_SETTINGS: dict[str, Any] = {
    "series": ("dbk", "dgs10"),
    "last": 1500,  # observations of each series used
    "models": ("naive", "linear", "arima", "lstm"),
    "horizon": 5,
    "step": 10,
    "initial": 1000,
    "refit_every": 10,
    "model_params": {
        "linear": {"lags": 10, "horizon": 5},
        "arima": {"order": (1, 1, 1)},
        "lstm": {
            "hidden": 16,
            "lookback": 20,
            "horizon": 5,
            "epochs": 15,
            "batch_size": 64,
            "warm_start": True,
        },
    },
}


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo",
        help="backtest naive, linear, ARIMA and LSTM on bundled data and write a report",
        description="Run the main job offline: a walk-forward backtest of Naive, Linear, "
        "ARIMA and LSTM on Deutsche Bank and the 10-year Treasury yield.",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        type=output_dir("--out"),
        default="demo-report",
        help="report folder, replaced as a whole if it holds a report (default: demo-report)",
    )
    p.add_argument("--jobs", type=int, default=-1, help="parallel workers (default: all cores)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    import tickcast as tc
    from tickcast.commands.backtest import print_summary, write_report
    from tickcast.models.factory import make_model

    s = DEMO_SETTINGS
    started = time.perf_counter()
    print("tickcast demo: offline, bundled data\n", file=out)
    print(
        tc.list_datasets()[["name", "kind", "start", "end", "rows"]].to_string(index=False),
        file=out,
    )
    series = {name: tc.load(name).iloc[-s["last"] :] for name in s["series"]}
    models = [make_model(n, **s["model_params"].get(n, {})) for n in s["models"]]
    splitter = tc.WalkForward(
        initial=s["initial"], step=s["step"], horizon=s["horizon"], refit_every=s["refit_every"]
    )
    print(
        f"\nbacktest: {', '.join(s['models'])} on {', '.join(series)}; "
        f"{splitter.n_splits(next(iter(series.values())))} origins per series, horizon "
        f"{s['horizon']}, refit every {s['refit_every']} origins\n",
        file=out,
    )
    result = tc.backtest(models, series, splitter=splitter, n_jobs=args.jobs)
    print_summary(result, out)
    path = write_report(result, args.out)
    print(f"\nreport: {(path / 'report.html').resolve()}", file=out)
    print(f"done in {time.perf_counter() - started:.0f} s", file=out)
    return 0
