"""Argument checks shared by the public entry points (STYLE rule 2: validate once, at the boundary).

Scalars (integers, levels, quantiles, seeds, simulation sizes) and the declared parameter
constraints of the forecasters (:func:`check_params` with the rules :func:`integer`,
:func:`real`, :func:`one_of`, :func:`optional`, :func:`seed`).

Each function raises a :mod:`tickcast.errors` type whose message names the argument, the rule,
the value received and, where there is one, a fix.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, SupportsInt, TypeAlias, cast

import numpy as np

from tickcast.errors import ConfigError

__all__ = [
    "MAX_SIMULATED_VALUES",
    "Rule",
    "check_int",
    "check_levels",
    "check_one_of",
    "check_params",
    "check_positive_int",
    "check_quantile",
    "check_seed",
    "check_simulation_size",
    "integer",
    "is_integer",
    "one_of",
    "optional",
    "real",
    "seed",
]

#: Most values (``n_paths * horizon``) one simulation may hold: 10^8 float64 = 800 MB.
MAX_SIMULATED_VALUES = 100_000_000


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


def check_seed(seed: Any, *, name: str = "seed", allow_generator: bool = True) -> Any:
    """Check a ``seed`` for ``numpy.random.default_rng`` before any work is done.

    Parameters
    ----------
    seed : None, int >= 0, numpy.random.SeedSequence or numpy.random.Generator
        None draws fresh entropy; an integer gives the same numbers on every run.
    name : str, default "seed"
        The argument's name in the message (``"--seed"`` on the command line).
    allow_generator : bool, default True
        Whether a ``Generator`` or ``SeedSequence`` is accepted (not for a model's ``seed``
        parameter, which is saved with the model as a number).

    Returns
    -------
    The seed, unchanged (a NumPy integer as int).

    Raises
    ------
    ConfigError
        A negative integer, a float, a boolean, a string or any other object.
    """
    if seed is None:
        return seed
    if allow_generator and isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    if is_integer(seed) and int(cast(SupportsInt, seed)) >= 0:
        return int(cast(SupportsInt, seed))
    raise ConfigError(
        f"`{name}` must be None or an integer >= 0; got {seed!r} ({type(seed).__name__}). "
        "Use e.g. seed=0 for repeatable numbers, or None for fresh ones."
    )


def check_simulation_size(horizon: int, n_paths: int) -> None:
    """Refuse a simulation of more than :data:`MAX_SIMULATED_VALUES` values before allocating.

    Raises
    ------
    ConfigError
        If ``n_paths * horizon`` exceeds the limit; the message gives the memory it would
        take and how far to lower ``n_paths``.
    """
    size = int(n_paths) * int(horizon)
    if size > MAX_SIMULATED_VALUES:
        most = max(MAX_SIMULATED_VALUES // max(int(horizon), 1), 0)
        raise ConfigError(
            f"`n_paths` x `horizon` = {int(n_paths):,} x {int(horizon):,} = {size:,} simulated "
            f"values ({size * 8 / 2**30:,.1f} GiB) exceeds the limit of "
            f"{MAX_SIMULATED_VALUES:,}; lower `n_paths` to at most {most:,} or shorten "
            "`horizon`."
        )


# --------------------------------------------------------------------------- parameter rules
#: A parameter rule: ``rule(name, value)`` returns the checked value or raises ConfigError.
Rule: TypeAlias = Callable[[str, Any], Any]


def check_params(owner: object, constraints: Mapping[str, Rule]) -> dict[str, Any]:
    """Check the parameters of ``owner`` against its declared ``constraints``, in order.

    The one parameter check of the forecasters (scikit-learn's ``_parameter_constraints``):
    each class declares ``{parameter name: rule}`` once and the public ``fit`` (and
    ``backtest``, before any work) calls this.

    Parameters
    ----------
    owner : object
        Holds each parameter as an attribute of the same name.
    constraints : mapping of str to Rule
        ``rule(name, value)`` returns the checked (normalised) value or raises
        :class:`~tickcast.errors.ConfigError` naming ``name``.

    Returns
    -------
    dict
        The checked value of every constrained parameter.
    """
    return {name: rule(name, getattr(owner, name)) for name, rule in constraints.items()}


def integer(*, minimum: int | None = None, fix: str = "") -> Rule:
    """Rule: an integer ``>= minimum`` (see :func:`check_int`)."""
    return lambda name, value: check_int(name, value, minimum=minimum, fix=fix)


def optional(rule: Rule) -> Rule:
    """Rule: None, or a value passing ``rule``."""
    return lambda name, value: None if value is None else rule(name, value)


def one_of(*options: object, fix: str = "") -> Rule:
    """Rule: one of ``options`` (compared with ``==``)."""

    def rule(name: str, value: object) -> object:
        if isinstance(value, (str, int, float, bool, type(None))) and value in options:
            return value
        listed = ", ".join(repr(o) for o in options)
        tail = f" {fix}" if fix else ""
        raise ConfigError(f"`{name}` must be one of {listed}; got {value!r}.{tail}")

    return rule


def real(
    low: float | None = None,
    high: float | None = None,
    *,
    closed: str = "both",
    rule: str = "",
    fix: str = "",
) -> Rule:
    """Rule: a finite real number (not a bool) in the interval from ``low`` to ``high``.

    ``closed`` is "both", "left", "right" or "neither"; ``rule`` replaces the generated
    wording ("a number in [0, 1)") and ``fix`` is appended to the message.
    """
    lo_ok = closed in ("both", "left")
    hi_ok = closed in ("both", "right")
    if not rule:
        if low is not None and high is not None:
            rule = f"a number in {'[' if lo_ok else '('}{low:g}, {high:g}{']' if hi_ok else ')'}"
        elif low is not None:
            rule = f"a finite number {'>=' if lo_ok else '>'} {low:g}"
        elif high is not None:
            rule = f"a finite number {'<=' if hi_ok else '<'} {high:g}"
        else:
            rule = "a finite number"

    def check(name: str, value: Any) -> float:
        ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
        if ok:
            v = float(value)
            ok = bool(np.isfinite(v))
            if ok and low is not None:
                ok = v >= low if lo_ok else v > low
            if ok and high is not None:
                ok = v <= high if hi_ok else v < high
        if not ok:
            tail = f" {fix}" if fix else ""
            raise ConfigError(f"`{name}` must be {rule}; got {value!r}.{tail}")
        return float(value)

    return check


def alias() -> Rule:
    """Rule: a model's ``alias``, None or a non-empty string (its name in results)."""

    def check(name: str, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and value.strip()):
            return value
        raise ConfigError(
            f"`{name}` must be None or a non-empty string naming the model in results "
            f"(e.g. alias='naive_weekly'); got {value!r}."
        )

    return check


def seed(*, allow_none: bool = True) -> Rule:
    """Rule: a model's ``seed``, None (if ``allow_none``) or an integer >= 0."""
    if allow_none:
        return lambda name, value: check_seed(value, name=name, allow_generator=False)
    return integer(minimum=0, fix="Use e.g. seed=0; the ensemble uses seed, seed + 1, ...")
