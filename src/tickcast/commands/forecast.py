"""``tickcast forecast SPEC --model M --horizon N``: a forecast table with intervals."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from tickcast.commands._neural import (
    NEURAL_MODELS,
    add_data_options,
    add_model_options,
    add_neural_options,
    add_target_option,
    add_volatility_option,
    cli_levels,
    model_params,
)
from tickcast.commands._paths import output_file
from tickcast.commands._stale import add_allow_stale_option, load_from_args

__all__ = ["MAX_HORIZON", "add_parser", "check_horizon"]


def add_parser(subparsers: Any) -> None:
    from tickcast.commands._neural import MODEL_NAMES

    p = subparsers.add_parser(
        "forecast",
        help="forecast a series with intervals (and barrier probabilities)",
        description="Fit a model on a series and print its forecast with central intervals. "
        "Example: tickcast forecast fred:DGS10 --model arima --horizon 252",
    )
    p.add_argument(
        "spec", metavar="SPEC", help="dataset name, ticker, fred:ID, ecb:FLOW/KEY or CSV"
    )
    p.add_argument("--model", default="naive", help=f"one of {', '.join(MODEL_NAMES)}")
    p.add_argument("--horizon", type=int, default=20, help="steps ahead (default: 20)")
    add_data_options(p)
    add_model_options(p, seed_help=" and of the simulated paths")
    add_allow_stale_option(p)
    p.add_argument(
        "--window",
        metavar="PERIOD",
        help="estimation window counted back from the last date used: '10Y', '18M', '250D' "
        "or 'all' (default: 10Y unless --start is given)",
    )
    p.add_argument(
        "--kind",
        choices=("price", "rate"),
        help="what the series is (price: log returns, rate: differences); default: "
        "what the source says, else a guess with a warning",
    )
    p.add_argument(
        "--plot",
        metavar="PNG",
        type=output_file("--plot"),
        help="save a fan chart to this file (its folder must exist)",
    )
    p.add_argument(
        "--prob-below",
        type=float,
        metavar="X",
        help="also print P(the series touches X or lower within the horizon)",
    )
    p.add_argument(
        "--prob-above",
        type=float,
        metavar="X",
        help="also print P(the series touches X or higher within the horizon)",
    )
    p.add_argument("--paths", type=int, default=10_000, help="simulated paths (default 10000)")
    p.add_argument(
        "--every",
        type=int,
        default=None,
        help="print every k-th row of the table (default: about 20 rows)",
    )
    add_neural_options(p)
    add_volatility_option(p)
    add_target_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    import pandas as pd

    import tickcast as tc
    from tickcast._validation import check_positive_int
    from tickcast.data.loader import DEFAULT_WINDOW, last_window, window_offset
    from tickcast.errors import ConfigError
    from tickcast.models.factory import make_model
    from tickcast.risk import check_seed, check_simulation_size

    # every option is checked before the (possibly long) fit
    check_horizon(args.horizon)
    levels = cli_levels(args.level)
    check_positive_int("paths", args.paths)
    check_seed(args.seed, name="--seed")
    if args.prob_below is not None or args.prob_above is not None:
        check_simulation_size(args.horizon, args.paths)
    if args.every is not None and not 1 <= args.every <= args.horizon:
        raise ConfigError(
            f"`--every` must be an integer between 1 and --horizon ({args.horizon}): it prints "
            f"every k-th of the {args.horizon} forecast rows; got {args.every}."
        )
    params = model_params([args.model], args, min(args.horizon, 20))  # longer: recursive
    if args.model.strip().lower() in NEURAL_MODELS:  # a tqdm bar over epochs, on a terminal only
        params[args.model]["verbose"] = 1
    model = make_model(args.model, **params.get(args.model, {}))
    if args.start is not None and args.window is not None:
        raise ConfigError(
            f"give either --start or --window, not both; got --start {args.start} and "
            f"--window {args.window}."
        )
    window = args.window or (None if args.start is not None else DEFAULT_WINDOW)
    window_offset(window)  # checked before loading
    y = last_window(
        load_from_args(args, kind=args.kind),
        window,
    )
    fc = model.fit(y).predict(args.horizon, level=levels)
    table = fc.to_frame()
    every = args.every or max(1, len(table) // 20)
    shown = table.iloc[every - 1 :: every]
    if shown.index[-1] != table.index[-1]:
        shown = pd.concat([shown, table.iloc[[-1]]])
    units = y.attrs.get("units", "")
    print(
        f"{y.name}: last {y.iloc[-1]:.4g} {units} on {y.index[-1].date()}; model {model.label}, "
        f"intervals: {fc.method}",
        file=out,
    )
    print(_window_line(y, window, args), file=out)
    print(_settings_line(model), file=out)
    with pd.option_context("display.width", 120, "display.float_format", "{:.4f}".format):
        print(shown.to_string(), file=out)
    hint = _negative_rate_hint(model, y, table)
    if hint:
        print(hint, file=out)
    for direction, level in (("below", args.prob_below), ("above", args.prob_above)):
        if level is None:
            continue
        paths = model.simulate(args.horizon, args.paths, seed=args.seed)
        p = tc.barrier_probability(paths, level, direction)
        print(
            f"P(touches {direction} {level:g} within {args.horizon} steps) = {p:.3f} "
            f"({args.paths} simulated paths)",
            file=out,
        )
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        asked = [lv for lv in (args.prob_below, args.prob_above) if lv is not None]
        ax = fc.plot(barriers=asked)
        ax.figure.savefig(args.plot, dpi=100, bbox_inches="tight")
        print(f"fan chart written to {args.plot}", file=out)
    return 0


#: Longest ``--horizon`` the command line accepts: 10,000 steps (about 40 years of sessions).
MAX_HORIZON = 10_000


def check_horizon(horizon: int, *, name: str = "horizon") -> int:
    """``--horizon`` is an integer in [1, :data:`MAX_HORIZON`], checked before any work."""
    from tickcast._validation import check_positive_int
    from tickcast.errors import ConfigError

    check_positive_int(name, horizon)
    if horizon > MAX_HORIZON:
        raise ConfigError(
            f"`{name}` must be at most {MAX_HORIZON:,} steps on the command line (about 40 "
            f"years of trading days); got {horizon:,}. Forecasts that far out are the "
            "model's long-run drift only; use a shorter horizon."
        )
    return horizon


def _window_line(y: Any, window: str | None, args: argparse.Namespace) -> str:
    """Which history the model was fitted on, and how it was chosen."""
    if args.start is not None:
        how = f"from --start {args.start}"
    elif args.window is None:
        how = f"default --window {window}; --window all or --start for a longer history"
    else:
        how = f"--window {window}"
    return (
        f"estimation window: {y.index[0].date()} to {y.index[-1].date()}, {len(y):,} "
        f"observations ({how})"
    )


def _negative_rate_hint(model: Any, y: Any, table: Any) -> str | None:
    """A note when a never-negative rate in differences gets bounds below zero, else None."""
    if getattr(model, "target_", None) not in ("diff", "diff_bps") or model.kind_ != "rate":
        return None
    below = (table[[c for c in table.columns if c.startswith("lower_")]] < 0).any(axis=1)
    if (y < 0).any() or not below.any():
        return None
    import textwrap

    first = below.index[below][0]
    return textwrap.fill(
        f"note: lower bounds go below 0 from {first.date()} on, though this rate was never "
        "negative in the window: changes in differences do not shrink near zero. "
        "--target sqrt_diff models changes that do (docs/METHODS.md).",
        width=100,
        subsequent_indent="  ",
    )


def _settings_line(model: Any) -> str:
    """The fitted kind and target, ARIMA's chosen orders, and every hyperparameter."""
    import textwrap

    fitted = f"kind {model.kind_}, target {model.target_}"
    if hasattr(model, "order_"):
        fitted += (
            f", chosen order {model.order_}, seasonal order {model.seasonal_order_}, "
            f"trend {model.trend_!r}"
        )
    vol = getattr(model, "volatility_", None)
    if vol is not None:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in sorted(vol.params.items()))
        fitted += f", volatility {vol.kind}" + (f" ({shown})" if shown else "")
    shown_params = {
        k: v for k, v in model.get_params(deep=False).items() if k != "alias" or v is not None
    }
    params = ", ".join(f"{k}={v!r}" for k, v in sorted(shown_params.items()))
    return textwrap.fill(
        f"settings: {fitted}; parameters: {params}", width=100, subsequent_indent="  "
    )
