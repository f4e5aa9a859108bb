"""Learning-rate schedules: a factor applied to the optimizer's base rate at each epoch.

A schedule is any callable ``schedule(epoch) -> float`` (epoch counted from 0); the training
loop sets ``optimizer.lr = base_lr * schedule(epoch)`` before the epoch.

Examples
--------
>>> s = StepDecay(every=10, factor=0.5)
>>> [s(0), s(9), s(10), s(25)]
[1.0, 1.0, 0.5, 0.25]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

from tickcast.errors import ConfigError, InputTypeError
from tickcast.nn._checks import check_int, check_real

__all__ = ["Constant", "CosineDecay", "ExponentialDecay", "Schedule", "StepDecay", "make_schedule"]


class Schedule:
    """Base class: ``__call__(epoch) -> factor``."""

    name = "schedule"

    def __call__(self, epoch: int) -> float:
        raise NotImplementedError

    def validate(self) -> None:
        """Raise ConfigError for settings out of range."""

    def get_config(self) -> dict[str, Any]:
        """JSON-serialisable settings accepted by :func:`make_schedule`."""
        return {"name": self.name, **{k: v for k, v in vars(self).items()}}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def _positive(name: str, value: Any, *, integer: bool = False) -> None:
    if integer:
        check_int(name, value)
    else:
        check_real(name, value, low=0.0, low_open=True)


class Constant(Schedule):
    """Factor 1 at every epoch."""

    name = "constant"

    def __call__(self, epoch: int) -> float:
        return 1.0


class StepDecay(Schedule):
    """``factor ** (epoch // every)``.

    Parameters
    ----------
    every : int, default 10
        Epochs between decays.
    factor : float in (0, 1], default 0.5
    """

    name = "step"

    def __init__(self, every: int = 10, factor: float = 0.5) -> None:
        self.every = every
        self.factor = factor

    def validate(self) -> None:
        _positive("every", self.every, integer=True)
        _positive("factor", self.factor)

    def __call__(self, epoch: int) -> float:
        return float(self.factor ** (epoch // self.every))


class ExponentialDecay(Schedule):
    """``rate ** epoch``.

    Parameters
    ----------
    rate : float in (0, 1], default 0.97
    """

    name = "exponential"

    def __init__(self, rate: float = 0.97) -> None:
        self.rate = rate

    def validate(self) -> None:
        _positive("rate", self.rate)

    def __call__(self, epoch: int) -> float:
        return float(self.rate**epoch)


class CosineDecay(Schedule):
    """Half cosine from 1 down to ``floor`` over ``epochs``, then ``floor``.

    ``floor + (1 - floor) (1 + cos(pi min(epoch, epochs) / epochs)) / 2``.

    Parameters
    ----------
    epochs : int
        Length of the decay.
    floor : float in [0, 1], default 0.0
    """

    name = "cosine"

    def __init__(self, epochs: int, floor: float = 0.0) -> None:
        self.epochs = epochs
        self.floor = floor

    def validate(self) -> None:
        _positive("epochs", self.epochs, integer=True)
        check_real("floor", self.floor, low=0.0, high=1.0)

    def __call__(self, epoch: int) -> float:
        e = min(epoch, self.epochs) / self.epochs
        return float(self.floor + (1.0 - self.floor) * 0.5 * (1.0 + math.cos(math.pi * e)))


_SCHEDULES: dict[str, type[Schedule]] = {
    "constant": Constant,
    "step": StepDecay,
    "exponential": ExponentialDecay,
    "cosine": CosineDecay,
}


def make_schedule(spec: Any) -> Callable[[int], float] | None:
    """Return a validated schedule from None, a name, a config dict, a Schedule or a callable.

    Parameters
    ----------
    spec : None, {"constant", "step", "exponential"}, dict, Schedule or callable
        ``"cosine"`` needs its length, so pass ``CosineDecay(epochs=...)`` or
        ``{"name": "cosine", "epochs": ...}``.

    Returns
    -------
    callable or None
    """
    if spec is None:
        return None
    if isinstance(spec, Schedule):
        spec.validate()
        return spec
    if isinstance(spec, str) or (isinstance(spec, dict) and "name" in spec):
        cfg = {"name": spec} if isinstance(spec, str) else dict(spec)
        name = cfg.pop("name")
        if name not in _SCHEDULES:
            raise ConfigError(f"`lr_schedule` must be one of {sorted(_SCHEDULES)}; got {name!r}.")
        try:
            sched = _SCHEDULES[name](**cfg)
        except TypeError as exc:
            raise ConfigError(f"bad settings for schedule {name!r}: {exc}.") from None
        sched.validate()
        return sched
    if callable(spec):
        return cast("Callable[[int], float]", spec)
    raise InputTypeError(
        f"`lr_schedule` must be None, a name, a Schedule or a callable; got {type(spec).__name__}."
    )
