"""Command-line sizes of the recurrent models: small enough for a laptop backtest."""

from __future__ import annotations

import argparse
from typing import Any

from tickcast.errors import ConfigError

__all__ = [
    "NEURAL_MODELS",
    "add_data_options",
    "add_interval_method_option",
    "add_model_options",
    "add_neural_options",
    "add_target_option",
    "add_volatility_option",
    "cli_levels",
    "model_params",
]

NEURAL_MODELS = ("rnn", "lstm", "gru")
#: The names of :data:`tickcast.models.factory.MODEL_NAMES`, for --help without importing the
#: models (and with them pandas and statsmodels); tests/test_cli_imports.py keeps them equal.
MODEL_NAMES = ("naive", "drift", "mean", "snaive", "linear", "arima", *NEURAL_MODELS)
#: Models with a ``volatility=`` option (issue 12).
VOLATILITY_MODELS = ("naive", "drift", "linear", "arima", *NEURAL_MODELS)


#: Models with an ``interval_method=`` option: conformal or adaptive conformal (ACI).
INTERVAL_METHOD_MODELS = ("linear", *NEURAL_MODELS)
#: The names of :data:`tickcast.features.transforms.TARGETS`, for --help without importing it.
TARGET_NAMES = ("log_return", "diff", "diff_bps", "sqrt_diff", "pct_change", "level")


def add_volatility_option(parser: argparse.ArgumentParser) -> None:
    """Add --volatility (constant, ewma, garch) for the models that take it."""
    parser.add_argument(
        "--volatility",
        choices=("constant", "ewma", "garch"),
        default=None,
        help="volatility model of the intervals and paths (default: per kind of series; "
        "ignored by mean and snaive)",
    )


def add_target_option(parser: argparse.ArgumentParser) -> None:
    """Add --target (the modelled step) for the models that take it."""
    parser.add_argument(
        "--target",
        choices=TARGET_NAMES,
        default=None,
        help="what the models forecast: log_return (prices), diff (rates), sqrt_diff "
        "(non-negative rates whose changes grow with the level: no negative forecasts), ... "
        "(default: per kind of series; ignored by mean and snaive)",
    )


def add_interval_method_option(parser: argparse.ArgumentParser) -> None:
    """Add --interval-method (conformal, aci) for the conformal models (``backtest`` only:
    ACI learns from the misses of a walk-forward; one fit and forecast has none yet)."""
    parser.add_argument(
        "--interval-method",
        choices=("conformal", "aci"),
        default=None,
        help="calibration of the conformal intervals of linear, rnn, lstm and gru: aci adapts "
        "the level online from past misses (Gibbs & Candes 2021; default conformal)",
    )


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """Add --source, --field, --start and --end: which data :func:`tickcast.load` reads."""
    parser.add_argument(
        "--source",
        default="auto",
        choices=("auto", "bundled", "cache", "network"),
        help="where to get the series (default: auto = cache, network, then bundled fallback)",
    )
    parser.add_argument("--field", default="close", help="column used (default: close)")
    parser.add_argument("--start", help="first date of the series used, e.g. 2015-01-01")
    parser.add_argument("--end", help="last date of the series used")


def add_model_options(parser: argparse.ArgumentParser, *, seed_help: str = "") -> None:
    """Add --order (ARIMA), --seed and --level (percent; repeatable or comma-separated)."""
    parser.add_argument(
        "--order",
        metavar="P,D,Q",
        help="ARIMA order, e.g. 1,1,1 (default: chosen by information criterion); arima only",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help=f"random seed of the models{seed_help} (default 0)"
    )
    parser.add_argument(
        "--level",
        action="append",
        metavar="PCT",
        help="interval level in percent, e.g. 95 or 80,95 (repeatable; default: 80 and 95)",
    )


def _usage_error(message: str) -> ConfigError:
    """A ConfigError that the CLI reports as a usage error: one line, exit status 2."""
    exc = ConfigError(message)
    exc.exit_status = 2  # type: ignore[attr-defined]  # read by tickcast.cli.main
    return exc


def cli_levels(values: list[str] | None) -> tuple[float, ...]:
    """The ``--level`` options (each ``"95"`` or ``"80,95"``) in percent, sorted; (80, 95) if none.

    Raises
    ------
    ConfigError
        A value that is not a number, or is at most 1: a probability where a percent is
        meant (0.95: "did you mean 95?"); the CLI prints one line, exit status 2 (a usage
        error). A number outside (0, 100) is a plain ConfigError, exit status 1.
    """
    from tickcast._validation import check_levels

    if not values:
        return (80.0, 95.0)
    out: list[float] = []
    for item in (t.strip() for v in values for t in v.split(",")):
        try:
            level = float(item)
        except ValueError:
            raise _usage_error(
                f"`--level` must be numbers in percent, e.g. 95 or 80,95; got {item!r}."
            ) from None
        if 0 < level <= 1:
            raise _usage_error(
                f"`--level` is in percent (a level of at most 1 looks like a probability): "
                f"did you mean {level * 100:g}? got {item}."
            )
        out.extend(check_levels(level))  # (0, 100): ConfigError, exit status 1 as before
    return tuple(sorted(set(out)))


def parse_order(text: str | None) -> tuple[int, int, int] | None:
    """``"1,1,1"`` -> ``(1, 1, 1)``; a ConfigError naming ``--order`` otherwise."""
    if text is None:
        return None
    parts = text.replace(":", ",").split(",")
    try:
        order = tuple(int(p) for p in parts)
    except ValueError:
        order = ()
    if len(order) != 3 or min(order) < 0:
        raise ConfigError(
            f"`--order` must be three non-negative integers p,d,q (e.g. 1,1,1); got {text!r}."
        )
    return (order[0], order[1], order[2])


def add_neural_options(parser: argparse.ArgumentParser) -> None:
    """Add --hidden, --lookback and --epochs (used by rnn, lstm and gru only)."""
    group = parser.add_argument_group("recurrent models (rnn, lstm, gru)")
    group.add_argument("--hidden", type=int, default=16, help="hidden units (default: 16)")
    group.add_argument("--lookback", type=int, default=20, help="window length (default: 20)")
    group.add_argument("--epochs", type=int, default=10, help="training epochs (default: 10)")


def model_params(names: list[str], args: argparse.Namespace, horizon: int) -> dict[str, Any]:
    """Per-model keyword arguments from the parsed options: {name: {param: value}}."""
    neural = {
        "hidden": args.hidden,
        "lookback": args.lookback,
        "epochs": args.epochs,
        "horizon": horizon,
        "warm_start": True,
    }
    out = {name: dict(neural) for name in names if name.lower() in NEURAL_MODELS}
    order = parse_order(getattr(args, "order", None))
    if order is not None:
        other = [n for n in names if n.lower() != "arima"]
        if other:
            raise ConfigError(
                f"`--order` is an ARIMA option; model {other[0]!r} does not take it. Use "
                "--model arima (or drop --order)."
            )
        for name in names:
            out.setdefault(name, {})["order"] = order
    for param in ("seed", "target"):  # given to the models that take them, ignored by others
        value = getattr(args, param, None)
        if value is None:
            continue
        from tickcast.models.factory import make_model

        for name in names:
            if param in make_model(name).get_params(deep=False):
                out.setdefault(name, {})[param] = value
    volatility = getattr(args, "volatility", None)
    if volatility is not None:
        for name in names:
            if name.lower() in VOLATILITY_MODELS:
                out.setdefault(name, {})["volatility"] = volatility
    method = getattr(args, "interval_method", None)
    if method is not None:
        takers = [n for n in names if n.lower() in INTERVAL_METHOD_MODELS]
        if not takers:
            raise ConfigError(
                f"`--interval-method` applies to the conformal models "
                f"{', '.join(INTERVAL_METHOD_MODELS)}; model {names[0]!r} does not take it. "
                "Drop the option or use e.g. --model linear."
            )
        for name in takers:
            out.setdefault(name, {})["interval_method"] = method
    return out
