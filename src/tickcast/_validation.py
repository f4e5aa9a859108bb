"""Argument checks shared by the public entry points (STYLE rule 2: validate once, at the boundary).

Each function raises a :mod:`tickcast.errors` type whose message names the argument, the rule,
the value received and, where there is one, a fix.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import SupportsInt, cast

import numpy as np

from tickcast.errors import ConfigError

__all__ = [
    "check_int",
    "check_levels",
    "check_one_of",
    "check_positive_int",
    "check_quantile",
    "is_integer",
]


def is_integer(value: object) -> bool:
    """True for Python and NumPy integers, False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value: object, *, minimum: int | None = None, fix: str = "") -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum``; else ConfigError.

    The one integer check of tickcast (``nn`` keeps a NumPy-only copy). Python and NumPy
    integers pass; bools, floats (even 2.0) and strings do not.

    Parameters
    ----------
    name : str
        The argument's name in the message.
    value : object
        What was passed.
    minimum : int, optional
        Smallest accepted value; ``1`` reads "a positive integer".
    fix : str, default ""
        A sentence appended to the message, e.g. "Use step=1 for an origin at every day."

    Returns
    -------
    int
    """
    if minimum is None:
        rule = "an integer"
    elif minimum == 1:
        rule = "a positive integer"
    else:
        rule = f"an integer >= {minimum}"
    tail = f" {fix}" if fix else ""
    if not is_integer(value):
        raise ConfigError(f"`{name}` must be {rule}; got {value!r} ({type(value).__name__}).{tail}")
    number = int(cast(SupportsInt, value))
    if minimum is not None and number < minimum:
        raise ConfigError(f"`{name}` must be {rule}; got {number}.{tail}")
    return number


def check_positive_int(name: str, value: object, *, fix: str = "") -> int:
    """Return ``value`` as a positive ``int``; else raise ConfigError (see :func:`check_int`)."""
    return check_int(name, value, minimum=1, fix=fix)


def check_one_of(name: str, value: object, options: Iterable[object]) -> object:
    """Return ``value`` if it is one of ``options``; else raise ConfigError listing them."""
    options = list(options)
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ConfigError(f"`{name}` must be one of {listed}; got {value!r}.")
    return value


def check_levels(
    level: float | Sequence[float] | None, *, name: str = "level"
) -> tuple[float, ...]:
    """Return interval levels in percent as a sorted tuple; each must lie strictly in (0, 100).

    The one interval-level check of tickcast. ``None`` or an empty sequence means no
    intervals; ``name`` is the argument's name in messages (``"levels"`` for metrics).
    """
    if level is None:
        return ()
    values = [level] if np.isscalar(level) else list(level)  # type: ignore[arg-type]
    out: list[float] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise ConfigError(
                f"`{name}` must hold numbers in percent strictly between 0 and 100; got {v!r}."
            )
        if not 0.0 < float(v) < 100.0:
            raise ConfigError(
                f"`{name}` must lie strictly between 0 and 100 (percent, e.g. 95); got {v!r}."
            )
        out.append(float(v))
    return tuple(sorted(set(out)))


def check_quantile(q: float) -> float:
    """Return ``q`` if it is a probability strictly between 0 and 1; else raise ConfigError."""
    if isinstance(q, bool) or not isinstance(q, numbers.Real) or not 0.0 < float(q) < 1.0:
        raise ConfigError(f"`q` must be a probability strictly between 0 and 1; got {q!r}.")
    return float(q)
