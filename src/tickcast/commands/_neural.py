"""Command-line sizes of the recurrent models: small enough for a laptop backtest."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["NEURAL_MODELS", "add_neural_options", "add_volatility_option", "model_params"]

NEURAL_MODELS = ("rnn", "lstm", "gru")
#: Models with a ``volatility=`` option (issue 12).
VOLATILITY_MODELS = ("naive", "drift", "linear", "arima", *NEURAL_MODELS)


def add_volatility_option(parser: argparse.ArgumentParser) -> None:
    """Add --volatility (constant, ewma, garch) for the models that take it."""
    parser.add_argument(
        "--volatility",
        choices=("constant", "ewma", "garch"),
        default=None,
        help="volatility model of the intervals and paths (default: per kind of series; "
        "ignored by mean and snaive)",
    )


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
    volatility = getattr(args, "volatility", None)
    if volatility is not None:
        for name in names:
            if name.lower() in VOLATILITY_MODELS:
                out.setdefault(name, {})["volatility"] = volatility
    return out
