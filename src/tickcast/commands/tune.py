"""``tickcast tune SPEC --model linear --param lags=5,10,20``: nested walk-forward tuning.

Prints the summary of the nested forecasts against the naive forecast, the optimistic score
beside the nested one, the probability of backtest overfitting of the losses and of the
sign strategy's P&L, and the deflated Sharpe ratio of the best candidate's P&L (for a yield
only with ``--duration``: the P&L is that of a constant-maturity bond, see
:mod:`tickcast.backtest.trading`); ``--out`` writes the same report as ``tickcast
backtest`` plus chosen_params.csv, inner_scores.csv and optimism.csv. The data, model and
level options are those of ``forecast`` and ``backtest`` (:mod:`tickcast.commands._neural`).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from tickcast.commands._neural import (
    add_data_options,
    add_model_options,
    add_neural_options,
    add_target_option,
    add_volatility_option,
    cli_levels,
    model_params,
)
from tickcast.commands._paths import output_dir
from tickcast.commands._stale import add_allow_stale_option, load_from_args
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
    p.add_argument(
        "--duration",
        type=float,
        metavar="YEARS",
        help="yields only: modified duration of the constant-maturity bond whose P&L the "
        "P&L-based PBO and deflated Sharpe ratio use, e.g. 8.5 for a 10-year yield "
        "(without it they are not computed for a yield)",
    )
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


def _model(args: argparse.Namespace, space: dict[str, Any]) -> Any:
    """The template: the shared model options, then ``--horizon``; ``--param`` names win."""
    from tickcast.models.factory import make_model

    if args.order is not None and "order" in space:
        raise ConfigError(
            "give the ARIMA order either as --order (fixed) or as --param order=... (tuned), "
            "not both."
        )
    fixed = model_params([args.model], args, args.horizon).get(args.model, {})
    # every candidate is refitted from scratch per block, so that the nested forecasts equal
    # those of tc.Tuned (warm starts would carry one block's weights into the next)
    fixed.pop("warm_start", None)
    if "horizon" in make_model(args.model).get_params():
        fixed["horizon"] = args.horizon
    return make_model(args.model, **{k: v for k, v in fixed.items() if k not in space})


def _check_duration(duration: float | None, y: Any = None) -> None:
    """``--duration`` is a positive number (checked before loading), for a yield ``y``."""
    import math

    from tickcast.data.spec import kind_of

    if duration is None:
        return
    if not math.isfinite(duration) or duration <= 0:
        raise ConfigError(f"`--duration` must be a positive number of years; got {duration:g}.")
    if y is not None and kind_of(y)[0] != "rate":
        raise ConfigError(
            f"`--duration` only applies to yields; {y.name} is a price, whose P&L needs no "
            "duration. Drop --duration."
        )


def _print_pnl_views(result: Any, args: argparse.Namespace, y: Any, out: TextIO) -> None:
    """PBO of the P&L and the deflated Sharpe ratio, or why they were not computed."""
    from tickcast.data.spec import kind_of

    if kind_of(y)[0] == "rate" and args.duration is None:
        print(
            f"P&L-based PBO and deflated Sharpe ratio: not computed ({y.name} is a yield; pass "
            "--duration D to trade a constant-maturity bond of modified duration D years).",
            file=out,
        )
        return
    bond = f", bond of duration {args.duration:g} years" if args.duration is not None else ""
    try:
        pbo = result.pbo(args.pbo_splits, metric="pnl", duration=args.duration)
        print(
            f"probability of backtest overfitting (CSCV, S={pbo.n_splits}, sign-strategy "
            f"P&L, no costs{bond}): {pbo.pbo:.3f}",
            file=out,
        )
    except (ConfigError, DataError) as exc:
        print(f"probability of backtest overfitting (P&L): not computed ({exc})", file=out)
    try:
        dsr = result.deflated_sharpe(duration=args.duration)
    except (ConfigError, DataError) as exc:
        print(f"deflated Sharpe ratio: not computed ({exc})", file=out)
        return
    print(
        f"deflated Sharpe ratio of the best candidate's P&L ({dsr['candidate']}, "
        f"{dsr['n_trials']} trials): {dsr['deflated_sharpe']:.3f}; its per-origin Sharpe "
        f"{dsr['sharpe']:.4f}, long at {dsr['long_share']:.0%} of the origins; buy-and-hold's "
        f"Sharpe {dsr['buy_and_hold_sharpe']:.4f}",
        file=out,
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    import pandas as pd

    import tickcast as tc
    from tickcast.commands.backtest import print_summary, write_report

    # every option is checked before the data are loaded
    if not args.param:
        raise ConfigError("`--param` is required: give at least one, e.g. --param lags=5,10,20.")
    space = dict(parse_param(p) for p in args.param)
    levels = cli_levels(args.level)
    _check_duration(args.duration)
    model = _model(args, space)
    y = load_from_args(args)
    _check_duration(args.duration, y)
    splitter = tc.WalkForward(
        initial=args.initial,
        step=args.step,
        horizon=args.horizon,
        refit_every=args.refit_every,
        max_origins=args.max_origins,
    )
    result = tc.tune(
        model, space, y, splitter=splitter, scoring=args.scoring, level=levels, n_jobs=args.jobs
    )
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
    _print_pnl_views(result, args, y, out)
    if args.out:
        path = write_report(result, args.out)
        result.chosen_params.to_csv(path / "chosen_params.csv")
        result.inner_scores.to_csv(path / "inner_scores.csv")
        optimism.to_csv(path / "optimism.csv")
        print(f"\nreport written to {path / 'report.html'}", file=out)
    return 0
