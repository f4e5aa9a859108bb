"""Search spaces: which hyperparameter values a tuning run tries, checked once.

A space is a dict ``{parameter name: values}``. With ``search="grid"`` every value must be a
list (or ``range``, or a 1-D ndarray) and the candidates are the Cartesian product of the
lists, in the order given. With ``search="random"`` a value may also be a frozen
``scipy.stats`` distribution (anything with ``rvs``); ``n_trials`` candidates are drawn with
``numpy.random.default_rng(seed)``, lists being sampled uniformly.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from tickcast._validation import check_int, check_one_of
from tickcast.errors import ConfigError, InputTypeError

__all__ = ["SEARCHES", "candidates", "check_space", "params_label"]

#: Accepted values of ``search``.
SEARCHES = ("grid", "random")


def _is_distribution(value: Any) -> bool:
    return callable(getattr(value, "rvs", None))


def _as_list(name: str, value: Any, search: str) -> list[Any] | Any:
    if isinstance(value, (list, range)):
        values = list(value)
    elif isinstance(value, np.ndarray) and value.ndim == 1:
        values = [v.item() if isinstance(v, np.generic) else v for v in value]
    elif _is_distribution(value):
        if search == "random":
            return value
        raise ConfigError(
            f"`space[{name!r}]` is a distribution, which only search='random' can sample; "
            "give a list of values or use search='random' with n_trials."
        )
    else:
        what = "a list of values" + (" or a scipy.stats distribution" if search == "random" else "")
        hint = (
            f"e.g. {{{name!r}: [{value!r}]}}"
            if not isinstance(value, tuple)
            else f"a tuple is one value, so write {{{name!r}: [{value!r}]}} for one candidate "
            f"or {{{name!r}: {list(value)!r}}} for several"
        )
        raise ConfigError(
            f"`space[{name!r}]` must be {what} (search={search!r}); got "
            f"{type(value).__name__} {value!r}. Use {hint}."
        )
    if not values:
        raise ConfigError(
            f"`space[{name!r}]` is an empty list; give at least one value or drop the parameter."
        )
    return values


def check_space(model: Any, space: Any, search: str = "grid") -> dict[str, Any]:
    """The space as ``{name: list or distribution}``, or a clear error.

    Parameters
    ----------
    model : Forecaster
        The model whose constructor parameters the space sets.
    space : dict of str to list or distribution
        Parameter name -> candidate values (see the module docstring).
    search : {"grid", "random"}, default "grid"
        The search the space is for; only "random" accepts distributions.

    Returns
    -------
    dict
        Names in the given order; lists copied.

    Raises
    ------
    InputTypeError
        ``space`` is not a dict.
    ConfigError
        The space is empty, names a parameter ``model`` does not have, or a value is not a
        non-empty list (or, for random search, a distribution).
    """
    check_one_of("search", search, SEARCHES)
    if not isinstance(space, Mapping):
        raise InputTypeError(
            f"`space` must be a dict of parameter name -> list of values; got "
            f"{type(space).__name__}. Use e.g. {{'lags': [5, 10, 20]}}."
        )
    if not space:
        raise ConfigError(
            "`space` is empty; name at least one parameter and its values, e.g. "
            "{'lags': [5, 10, 20]}."
        )
    known = model.get_params(deep=False)
    out: dict[str, Any] = {}
    for name, value in space.items():
        if name not in known:
            raise ConfigError(
                f"`space` names {name!r}, which is not a parameter of {type(model).__name__}; "
                f"its parameters are {', '.join(sorted(known))}."
            )
        out[name] = _as_list(name, value, search)
    return out


def _python(value: Any) -> Any:
    """NumPy scalars as Python numbers (the models' checks expect int and float)."""
    return value.item() if isinstance(value, np.generic) else value


def candidates(
    space: dict[str, Any],
    *,
    search: str = "grid",
    n_trials: int | None = None,
    seed: int | None = None,
) -> list[dict[str, Any]]:
    """The parameter settings a search tries, in a fixed order.

    Parameters
    ----------
    space : dict
        A space checked by :func:`check_space`.
    search : {"grid", "random"}, default "grid"
        "grid": the Cartesian product of the lists (first name varies slowest).
        "random": ``n_trials`` draws, duplicates dropped (first occurrence kept).
    n_trials : int, optional
        Number of random draws; required for "random", not allowed for "grid".
    seed : int, optional
        Seed of the random draws; the same seed gives the same candidates.

    Returns
    -------
    list of dict
        One ``{name: value}`` per candidate.
    """
    check_one_of("search", search, SEARCHES)
    if search == "grid":
        if n_trials is not None:
            raise ConfigError(
                f"`n_trials` only applies to search='random'; got n_trials={n_trials!r} with "
                "search='grid', which tries every combination. Drop n_trials or use "
                "search='random'."
            )
        for name, values in space.items():
            if _is_distribution(values):
                raise ConfigError(
                    f"`space[{name!r}]` is a distribution, which only search='random' can "
                    "sample; give a list or use search='random' with n_trials."
                )
        names = list(space)
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(space[n] for n in names))
        ]
    if n_trials is None:
        raise ConfigError("`n_trials` is required with search='random'; e.g. n_trials=20.")
    n_trials = check_int("n_trials", n_trials, minimum=1)
    rng = np.random.default_rng(seed)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(n_trials):
        draw = {}
        for name, values in space.items():
            if _is_distribution(values):
                draw[name] = _python(values.rvs(random_state=rng))
            else:
                draw[name] = values[int(rng.integers(len(values)))]
        key = repr(sorted(draw.items()))
        if key not in seen:
            seen.add(key)
            out.append(draw)
    return out


def params_label(params: Mapping[str, Any]) -> str:
    """``"lags=5, alpha=0.1"``: a candidate's name in tables."""
    return ", ".join(f"{k}={_short(v)}" for k, v in params.items())


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if isinstance(value, (int, str, tuple)) else repr(value)
