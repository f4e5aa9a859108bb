"""Element-wise activations, vectorised, with derivatives computed from the output.

Every activation here can express its derivative through its own output ``y = f(z)``
(``tanh' = 1 - y**2``, ``relu' = [y > 0]``...), so layers cache outputs only, never
pre-activations. :class:`MixedActivation` gives different units of one layer different
activations.

Examples
--------
>>> import numpy as np
>>> from tickcast.nn.activations import get_activation
>>> act = get_activation(("tanh", "relu"), units=4)
>>> act.forward(np.array([[-1.0, 1.0, -1.0, 1.0]])).round(3)
array([[-0.762,  0.762,  0.   ,  1.   ]])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tickcast.errors import ConfigError, InputTypeError

__all__ = [
    "ACTIVATIONS",
    "ELU",
    "Activation",
    "LeakyReLU",
    "Linear",
    "MixedActivation",
    "ReLU",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "get_activation",
]


class Activation:
    """Base class: ``forward(z)`` and ``derivative(y)`` with ``y = forward(z)``.

    Subclasses are stateless; ``out=`` may alias the input.
    """

    name = "activation"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Apply the activation element-wise.

        Parameters
        ----------
        z : ndarray of any shape
            Pre-activations.
        out : ndarray of the same shape, optional
            Where to write the result (may be ``z`` itself).

        Returns
        -------
        ndarray of the same shape as ``z``
        """
        raise NotImplementedError

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return ``f'(z)`` expressed through the output ``y = f(z)``.

        Parameters
        ----------
        y : ndarray of any shape
            Outputs of :meth:`forward`.
        out : ndarray of the same shape, optional
            Where to write the result (may be ``y`` itself).

        Returns
        -------
        ndarray of the same shape as ``y``
        """
        raise NotImplementedError

    def get_config(self) -> Any:
        """JSON-serialisable description accepted by :func:`get_activation`."""
        return self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Tanh(Activation):
    """Hyperbolic tangent; ``f' = 1 - y**2``."""

    name = "tanh"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y: np.ndarray = np.tanh(z, out=out)
        return y

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        d: np.ndarray = np.multiply(y, y, out=out)
        np.subtract(1.0, d, out=d)
        return d


class Sigmoid(Activation):
    """Logistic function ``1 / (1 + exp(-z))``; ``f' = y (1 - y)``."""

    name = "sigmoid"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y: np.ndarray = np.negative(z, out=out)
        np.exp(y, out=y)  # exp(-z) overflows to inf for z << 0, giving exactly 0
        np.add(y, 1.0, out=y)
        np.reciprocal(y, out=y)
        return y

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        tmp = np.subtract(1.0, y)
        d: np.ndarray = np.multiply(y, tmp, out=out)
        return d


class ReLU(Activation):
    """Rectified linear unit ``max(z, 0)``; ``f' = [y > 0]``."""

    name = "relu"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y: np.ndarray = np.maximum(z, 0.0, out=out)
        return y

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return _where_into(y > 0.0, 1.0, 0.0, out, y.dtype)


class LeakyReLU(Activation):
    """``max(z, alpha z)`` for ``0 <= alpha < 1``; ``f' = 1`` if ``y > 0`` else ``alpha``.

    Parameters
    ----------
    alpha : float, default 0.01
        Slope for negative inputs.
    """

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = alpha

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        scaled = np.multiply(z, self.alpha)
        y: np.ndarray = np.maximum(z, scaled, out=out)
        return y

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return _where_into(y > 0.0, 1.0, self.alpha, out, y.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class ELU(Activation):
    """Exponential linear unit: ``z`` if ``z > 0`` else ``alpha (exp(z) - 1)``.

    ``f' = 1`` if ``y > 0`` else ``y + alpha``.

    Parameters
    ----------
    alpha : float, default 1.0
        Saturation value ``-alpha`` for large negative inputs.
    """

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        neg = np.expm1(np.minimum(z, 0.0))
        neg *= self.alpha
        return _where_into(z > 0.0, z, neg, out, z.dtype)

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return _where_into(y > 0.0, 1.0, y + self.alpha, out, y.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"


class Softplus(Activation):
    """``log(1 + exp(z))``, computed stably; ``f' = sigmoid(z) = 1 - exp(-y)``."""

    name = "softplus"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        soft = np.log1p(np.exp(-np.abs(z)))  # log(1 + e^{-|z|}) never overflows
        y: np.ndarray = np.add(np.maximum(z, 0.0), soft, out=out)
        return y

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        d: np.ndarray = np.negative(y, out=out)
        np.expm1(d, out=d)
        np.negative(d, out=d)
        return d


class Linear(Activation):
    """Identity; ``f' = 1``. The default output activation for regression."""

    name = "linear"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            y: np.ndarray = z.copy()
            return y
        if out is not z:
            np.copyto(out, z)
        return out

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            return np.ones_like(y)
        out.fill(1.0)
        return out


def _where_into(
    cond: np.ndarray, a: Any, b: Any, out: np.ndarray | None, dtype: np.dtype[Any]
) -> np.ndarray:
    res: np.ndarray = np.where(cond, a, b).astype(dtype, copy=False)
    if out is None:
        return res
    np.copyto(out, res)
    return out


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Tanh, Sigmoid, ReLU, LeakyReLU, ELU, Softplus, Linear)
}
"""Names accepted wherever an activation is expected."""


class MixedActivation(Activation):
    """Different activations for different units of one layer.

    Axis ``axis`` of ``z`` indexes the units (the last one for dense layers; recurrent
    layers, which keep states as (units, batch) blocks, use -2). The units are split into
    contiguous blocks, one per activation.

    Parameters
    ----------
    spec : sequence of str or mapping of str to float
        - A sequence of ``k`` names splits the units into ``k`` contiguous blocks of equal
          size (sizes differ by at most one when ``k`` does not divide the number of units):
          ``("tanh", "relu")`` gives the first half tanh and the second half relu. When ``k``
          equals the number of units it is a per-unit list.
        - A mapping ``{name: fraction}`` with fractions summing to 1 gives each activation
          that share of the units (largest-remainder rounding), in the mapping's order.
    units : int
        Number of units (length of the units axis).
    axis : int, default -1
        Axis of the units.

    Attributes
    ----------
    groups : list of (slice, Activation)
        Contiguous blocks of units and their activation; neighbouring blocks with the same
        activation are merged.
    """

    name = "mixed"

    def __init__(
        self, spec: Sequence[str] | Mapping[str, float], units: int, *, axis: int = -1
    ) -> None:
        self.spec = spec
        self.units = units
        self.axis = axis
        self.groups = _resolve_groups(spec, units)

    def _index(self, ndim: int, sl: slice) -> tuple[slice, ...]:
        idx = [slice(None)] * ndim
        idx[self.axis] = sl
        return tuple(idx)

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            out = np.empty_like(z)
        for sl, act in self.groups:
            idx = self._index(z.ndim, sl)
            act.forward(z[idx], out=out[idx])
        return out

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            out = np.empty_like(y)
        for sl, act in self.groups:
            idx = self._index(y.ndim, sl)
            act.derivative(y[idx], out=out[idx])
        return out

    def get_config(self) -> dict[str, Any]:
        spec = dict(self.spec) if isinstance(self.spec, Mapping) else list(self.spec)
        return {"name": self.name, "spec": spec}

    def __repr__(self) -> str:
        return f"MixedActivation({self.spec!r}, units={self.units})"


def _single(spec: Any) -> Activation:
    if isinstance(spec, Activation) and not isinstance(spec, MixedActivation):
        return spec
    if isinstance(spec, Mapping) and "name" in spec and spec["name"] in ACTIVATIONS:
        kwargs = {k: v for k, v in spec.items() if k != "name"}
        return ACTIVATIONS[spec["name"]](**kwargs)
    if isinstance(spec, str):
        key = spec.lower()
        if key in ACTIVATIONS:
            return ACTIVATIONS[key]()
        raise ConfigError(
            f"`activation` must be one of {sorted(ACTIVATIONS)}; got {spec!r}. "
            "Check the spelling, e.g. 'leaky_relu'."
        )
    raise InputTypeError(
        f"`activation` must be a name such as 'tanh' or an Activation; got "
        f"{type(spec).__name__} {spec!r}."
    )


def _resolve_groups(spec: Any, units: int) -> list[tuple[slice, Activation]]:
    if not isinstance(units, (int, np.integer)) or units < 1:
        raise ConfigError(f"`units` must be a positive integer; got {units!r}.")
    if isinstance(spec, Mapping):
        names = list(spec)
        fracs = np.asarray([spec[n] for n in names], dtype=float)
        if fracs.size == 0 or np.any(~np.isfinite(fracs)) or np.any(fracs < 0):
            raise ConfigError(
                f"`activation` fractions must be non-negative numbers; got {dict(spec)!r}."
            )
        if not np.isclose(fracs.sum(), 1.0, atol=1e-6):
            raise ConfigError(
                f"`activation` fractions must sum to 1; got {dict(spec)!r} "
                f"(sum {fracs.sum():.6g}). Rescale them."
            )
        raw = fracs * units
        sizes = np.floor(raw).astype(int)
        short = units - sizes.sum()
        sizes[np.argsort(-(raw - sizes), kind="stable")[:short]] += 1
    elif isinstance(spec, Sequence) and not isinstance(spec, str):
        names = list(spec)
        if not names:
            raise ConfigError("`activation` sequence must name at least one activation; got ().")
        if len(names) > units:
            raise ConfigError(
                f"`activation` lists {len(names)} activations for {units} units; give at most "
                "one per unit."
            )
        sizes = np.array([len(a) for a in np.array_split(np.arange(units), len(names))])
    else:
        raise InputTypeError(
            "`activation` for mixed units must be a sequence of names or a mapping "
            f"name -> fraction; got {type(spec).__name__} {spec!r}."
        )
    groups: list[tuple[slice, Activation]] = []
    start = 0
    prev_key = None
    for name, size in zip(names, sizes, strict=False):
        act = _single(name)
        key = repr(act)
        if size == 0:
            continue
        if groups and key == prev_key:
            sl, a = groups[-1]
            groups[-1] = (slice(sl.start, start + int(size)), a)
        else:
            groups.append((slice(start, start + int(size)), act))
        prev_key = key
        start += int(size)
    return groups


def get_activation(spec: Any, units: int | None = None, *, axis: int = -1) -> Activation:
    """Turn a specification into an :class:`Activation`.

    Parameters
    ----------
    spec : str, Activation, sequence of str, or mapping of str to float
        A name from :data:`ACTIVATIONS`; an activation object; or a mixed specification
        (see :class:`MixedActivation`). A one-element sequence such as ``("tanh",)`` means
        that single activation for all units.
    units : int, optional
        Number of units; required for a mixed specification.
    axis : int, default -1
        Axis of the units for a mixed activation.

    Returns
    -------
    Activation

    Raises
    ------
    ConfigError
        Unknown name, bad fractions, more activations than units.
    InputTypeError
        ``spec`` of an unsupported type.
    """
    if isinstance(spec, MixedActivation):
        if (units is not None and spec.units != units) or spec.axis != axis:
            return MixedActivation(spec.spec, spec.units if units is None else units, axis=axis)
        return spec
    if isinstance(spec, (str, Activation)):
        return _single(spec)
    if isinstance(spec, Mapping) and "name" in spec:
        if spec["name"] == "mixed":
            return get_activation(spec["spec"], units, axis=axis)
        return _single(spec)
    if isinstance(spec, (Sequence, Mapping)):
        if units is None:
            raise ConfigError(
                f"a mixed `activation` {spec!r} needs the number of units; pass `units`."
            )
        groups = _resolve_groups(spec, units)
        if len(groups) == 1:
            return groups[0][1]
        return MixedActivation(spec, units, axis=axis)
    return _single(spec)


def is_tanh(act: Activation) -> bool:
    """True when ``act`` is the plain hyperbolic tangent (enables fused fast paths)."""
    return type(act) is Tanh
