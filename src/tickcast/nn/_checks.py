"""The argument checks of ``tickcast.nn``, written once (NumPy only).

``nn`` keeps this minimal copy instead of importing ``tickcast._validation`` so that it stays a
NumPy-only core; every layer, optimizer, schedule, loss and the network use these.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from tickcast.errors import ConfigError

__all__ = ["check_choice", "check_int", "check_real", "is_int", "is_real"]


def is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for ``bool``."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_real(value: Any) -> bool:
    """True for Python and NumPy integers and floats, False for ``bool``."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_int(name: str, value: Any, *, minimum: int = 1, none_ok: bool = False) -> None:
    """Raise ConfigError unless ``value`` is an integer ``>= minimum`` (or None if allowed)."""
    if value is None and none_ok:
        return
    if not is_int(value) or value < minimum:
        kind = {1: "a positive integer", 0: "a non-negative integer"}.get(
            minimum, f"an integer >= {minimum}"
        )
        tail = " or None" if none_ok else ""
        raise ConfigError(f"`{name}` must be {kind}{tail}; got {value!r}.")


def check_real(
    name: str,
    value: Any,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
    none_ok: bool = False,
    label: str = "",
) -> None:
    """Raise ConfigError unless ``value`` is a real number in the interval from ``low`` to
    ``high`` (each end open or closed), finite unless ``finite=False``.

    ``label`` is appended to the argument's name in the message (e.g. ``" (dropout)"``).
    """
    if value is None and none_ok:
        return
    ok = is_real(value) and not math.isnan(value) and (math.isfinite(value) or not finite)
    ok = ok and (value > low if low_open else value >= low)
    ok = ok and (value < high if high_open else value <= high)
    if ok:
        return
    if high == math.inf and low == 0:
        kind = "a positive number" if low_open else "a non-negative number"
    else:
        kind = f"a number in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    tail = " or None" if none_ok else ""
    raise ConfigError(f"`{name}`{label} must be {kind}{tail}; got {value!r}.")


def check_choice(name: str, value: Any, choices: Iterable[str]) -> None:
    """Raise ConfigError unless ``value`` is one of ``choices``."""
    allowed = sorted(choices)
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"`{name}` must be one of {allowed}; got {value!r}.")
