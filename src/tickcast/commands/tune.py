"""``tickcast tune SPEC --model linear --param lags=5,10,20``: nested walk-forward tuning.

Prints the summary of the nested forecasts against the naive forecast, the optimistic score
beside the nested one and the probability of backtest overfitting; ``--out`` writes the same
report as ``tickcast backtest`` plus chosen_params.csv, inner_scores.csv and optimism.csv.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from tickcast.commands._neural import NEURAL_MODELS, add_neural_options
from tickcast.commands._stale import add_allow_stale_option, load_fresh
from tickcast.errors import ConfigError, DataError

__all__ = ["add_parser", "parse_param"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "tune",
        help="nested walk-forward tuning of one model, with the optimism gap and PBO",
        description="Choose a model's hyperparameters per refit block by an inner walk-forward "
        "on past data only; print the nested score beside the optimistic one and the "
        "probability of backtest overfitting; write the backtest report to --out.",
    )
    p.add_argument("spec", metavar="SPEC", help="dataset name, ticker, fred:ID or CSV path")
    p.add_argument("--model", default="linear", help="model name (default: linear)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="candidate values of one parameter, e.g. lags=5,10,20 or order=0:1:0,1:1:1 "
        "(a:b:c is a tuple); repeat for several parameters",
    )
    p.add_argument("--scoring", default="rmse", choices=("rmse", "mae"), help="(rmse)")
    p.add_argument("--horizon", type=int, default=5, help="steps forecast per origin (5)")
    p.add_argument("--step", type=int, default=5, help="observations between origins (5)")
    p.add_argument("--initial", type=int, default=2000, help="observations before origin 1")
    p.add_argument(
        "--refit-every", type=int, default=20, help="refit (and re-tune) every k origins (20)"
    )
    p.add_argument("--max-origins", type=int, default=None, help="keep the last N origins")
    p.add_argument("--pbo-splits", type=int, default=16, help="CSCV groups for PBO (16)")
    p.add_argument("--start", help="first date of the series used")
    p.add_argument("--end", help="last date of the series used")
    p.add_argument("--jobs", type=int, default=1, help="parallel workers, -1 = all cores (1)")
    p.add_argument("--out", metavar="DIR", default=None, help="report folder (default: none)")
    add_neural_options(p)
    add_allow_stale_option(p)
    p.set_defaults(handler=run)


def _value(text: str) -> Any:
    """One candidate value: int, float, None/True/False, a:b:c tuple of them, or a string."""
    text = text.strip()
    if ":" in text:
        return tuple(_value(t) for t in text.split(":"))
    low = text.lower()
    if low in ("none", "true", "false"):
        return {"none": None, "true": True, "false": False}[low]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_param(text: str) -> tuple[str, list[Any]]:
    """``"lags=5,10"`` -> ``("lags", [5, 10])``; ConfigError naming the option otherwise."""
    name, sep, values = text.partition("=")
    items = [v for v in values.split(",") if v.strip()]
    if not sep or not name.strip() or not items:
        raise ConfigError(f"`--param` must look like NAME=V1,V2 (e.g. lags=5,10,20); got {text!r}.")
    return name.strip(), [_value(v) for v in items]


def run(args: argparse.Namespace, out: TextIO) -> int:
    import pandas as pd

    import tickcast as tc
    from tickcast.commands.backtest import print_summary, write_report
    from tickcast.models.factory import make_model

    if not args.param:
        raise ConfigError("`--param` is required: give at least one, e.g. --param lags=5,10,20.")
    space = dict(parse_param(p) for p in args.param)
    fixed: dict[str, Any] = {}
    if args.model.lower() in NEURAL_MODELS:
        fixed = {"hidden": args.hidden, "lookback": args.lookback, "epochs": args.epochs}
    if "horizon" in make_model(args.model).get_params():
        fixed["horizon"] = args.horizon
    model = make_model(args.model, **{k: v for k, v in fixed.items() if k not in space})
    y = load_fresh(args.spec, allow_stale=args.allow_stale, start=args.start, end=args.end)
    splitter = tc.WalkForward(
        initial=args.initial,
        step=args.step,
        horizon=args.horizon,
        refit_every=args.refit_every,
        max_origins=args.max_origins,
    )
    result = tc.tune(model, space, y, splitter=splitter, scoring=args.scoring, n_jobs=args.jobs)
    origins = result.forecasts["origin"]
    print(
        f"{y.name}: {len(result.candidate_params)} candidates, {len(result.chosen_params)} "
        f"refit blocks, {origins.nunique()} origins {origins.min().date()}.."
        f"{origins.max().date()}, horizon {args.horizon}",
        file=out,
    )
    print_summary(result, out)
    optimism = result.optimism()
    with pd.option_context("display.width", 140, "display.float_format", "{:.4g}".format):
        print("\nnested vs optimistic (selected on the outer origins themselves):", file=out)
        print(optimism.to_string(), file=out)
        print("\nchosen per refit block:", file=out)
        print(result.chosen_params.to_string(), file=out)
    try:
        pbo = result.pbo(args.pbo_splits)
        print(
            f"\nprobability of backtest overfitting (CSCV, S={pbo.n_splits}, loss): {pbo.pbo:.3f}",
            file=out,
        )
    except (ConfigError, DataError) as exc:
        print(f"\nprobability of backtest overfitting: not computed ({exc})", file=out)
    if args.out:
        path = write_report(result, args.out)
        result.chosen_params.to_csv(path / "chosen_params.csv")
        result.inner_scores.to_csv(path / "inner_scores.csv")
        optimism.to_csv(path / "optimism.csv")
        print(f"\nreport written to {path / 'report.html'}", file=out)
    return 0
