"""Forecasters by name, for the command line and quick experiments."""

from __future__ import annotations

import importlib
from typing import Any

from tickcast.errors import ConfigError

__all__ = ["MODEL_NAMES", "make_model"]

# name -> (module, class, fixed keyword arguments)
_MODELS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "naive": ("tickcast.models.baselines", "Naive", {}),
    "drift": ("tickcast.models.baselines", "Drift", {}),
    "mean": ("tickcast.models.baselines", "Mean", {}),
    "snaive": ("tickcast.models.baselines", "SeasonalNaive", {}),
    "linear": ("tickcast.models.linear", "LinearForecaster", {}),
    "arima": ("tickcast.models.arima", "ARIMAForecaster", {}),
    "rnn": ("tickcast.models.rnn", "RNNForecaster", {"cell": "rnn"}),
    "lstm": ("tickcast.models.rnn", "RNNForecaster", {"cell": "lstm"}),
    "gru": ("tickcast.models.rnn", "RNNForecaster", {"cell": "gru"}),
}

#: Names accepted by :func:`make_model`.
MODEL_NAMES: tuple[str, ...] = tuple(_MODELS)


def make_model(name: str, **params: Any) -> Any:
    """A new, unfitted forecaster by name.

    Parameters
    ----------
    name : {"naive", "drift", "mean", "snaive", "linear", "arima", "rnn", "lstm", "gru"}
        Case-insensitive.
    **params
        Hyperparameters passed to the class (e.g. ``hidden=16`` for "lstm").

    Examples
    --------
    >>> make_model("naive")
    Naive()
    """
    key = str(name).strip().lower()
    if key not in _MODELS:
        raise ConfigError(f"`model` must be one of {', '.join(MODEL_NAMES)}; got {name!r}.")
    module, cls_name, fixed = _MODELS[key]
    cls = getattr(importlib.import_module(module), cls_name)
    return cls(**{**fixed, **params})
