"""tickcast: forecast stock prices and interest rates, and say honestly whether it worked.

The public API is re-exported here lazily: ``import tickcast`` imports neither statsmodels,
scikit-learn, matplotlib nor yfinance; each is imported the first time a name that needs it
is used.

Examples
--------
>>> import tickcast as tc
>>> y = tc.load("dgs10")                 # bundled FRED 10-year yield, percent
>>> float(y.loc["2020-12-31"])
0.93
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from tickcast import errors

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # data
    "load": "tickcast.data",
    "list_datasets": "tickcast.data",
    "load_bundled": "tickcast.data",
    "clear_cache": "tickcast.data",
    # features
    "LogReturn": "tickcast.features",
    "Diff": "tickcast.features",
    "PctChange": "tickcast.features",
    "SqrtDiff": "tickcast.features",
    "Level": "tickcast.features",
    "StandardScaler": "tickcast.features",
    "RobustScaler": "tickcast.features",
    "make_windows": "tickcast.features",
    "FeatureSet": "tickcast.features",
    # models
    "Forecaster": "tickcast.models",
    "Forecast": "tickcast.models",
    "Naive": "tickcast.models",
    "Drift": "tickcast.models",
    "Mean": "tickcast.models",
    "SeasonalNaive": "tickcast.models",
    "LinearForecaster": "tickcast.models",
    "ARIMAForecaster": "tickcast.models",
    "RNNForecaster": "tickcast.models",
    "load_model": "tickcast.models",
    # risk
    "barrier_probability": "tickcast.risk",
    "first_passage_times": "tickcast.risk",
    "prob_hit": "tickcast.risk",
    # backtest (the function `backtest` is bound eagerly below)
    "WalkForward": "tickcast.backtest",
    "BacktestResult": "tickcast.backtest",
    "diebold_mariano": "tickcast.backtest",
    # tuning
    "tune": "tickcast.tuning",
    "Tuned": "tickcast.tuning",
}

_SUBMODULES = {"data", "features", "nn", "models", "backtest", "tuning", "risk", "cli"}

__all__ = ["__version__", "errors", *sorted(_EXPORTS)]


__all__.append("backtest")


class _Package(types.ModuleType):
    """``tickcast`` itself: ``tickcast.backtest`` stays the function, imported lazily.

    The function shares its name with the subpackage :mod:`tickcast.backtest`; importing the
    subpackage binds it as an attribute of its parent, which would shadow the function. Here
    that binding is replaced by the function the subpackage exports, so ``tc.backtest`` is
    the function whether or not (and in whichever order) the subpackage was imported, and
    ``import tickcast`` (hence ``tickcast --version``) imports neither pandas nor numpy.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "backtest" and isinstance(value, types.ModuleType):
            value = value.backtest
        super().__setattr__(name, value)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # pickled by name, as plain modules are: cloudpickle (joblib's loky workers) finds
        # its module reducer by exact type and would otherwise refuse this subclass, so a
        # function defined in a script or notebook that uses ``tc`` could not be sent to a
        # worker
        return importlib.import_module, (self.__name__,)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name == "backtest":
        importlib.import_module("tickcast.backtest")  # binds the function (see _Package)
        return globals()["backtest"]
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"tickcast.{name}")
    raise AttributeError(f"module 'tickcast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | _SUBMODULES)
