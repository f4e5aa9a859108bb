"""Layer contract, ``Dense`` and ``Dropout``.

Every layer follows one contract (STYLE rule 8):

- ``params: dict[str, ndarray]`` and ``grads`` with the same keys and shapes;
- ``forward(X, *, training=False)`` over a whole batch, caching exactly what ``backward``
  needs when ``training`` is true;
- ``backward(dY, *, need_input_grad=True)`` ADDS the parameter gradients into ``grads`` and
  returns ``dX``, or None when ``need_input_grad`` is false (the network's first layer in
  ``fit``, whose input gradient nobody uses).

Constructors only store their arguments; :meth:`Layer.build` checks them, learns the input
size and allocates the parameters (the :class:`~tickcast.nn.network.Network` calls it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tickcast.errors import TrainingError
from tickcast.nn._checks import check_choice, check_int, check_real
from tickcast.nn.activations import Activation, get_activation
from tickcast.nn.initializers import INITIALIZERS, initialize

__all__ = ["Dense", "Dropout", "Layer"]


class Layer:
    """Base class of all layers.

    Attributes
    ----------
    params : dict of str to ndarray
        Trainable parameters (empty for parameter-free layers).
    grads : dict of str to ndarray
        Gradients of the loss, same keys and shapes as ``params``.
    built : bool
        Whether :meth:`build` has run.
    n_in : int
        Size of the input's last axis (after :meth:`build`).
    n_out : int
        Size of the output's last axis (after :meth:`build`).
    """

    #: number of axes of the input: 2 for (batch, features), 3 for (batch, time, features),
    #: None when any is accepted
    input_ndim: int | None = None

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.built = False

    # -- building -----------------------------------------------------------------------
    def build(self, n_in: int, *, rng: np.random.Generator, dtype: Any = np.float32) -> int:
        """Check the settings, allocate parameters for inputs of size ``n_in``.

        Parameters
        ----------
        n_in : int
            Size of the input's last axis (features).
        rng : numpy.random.Generator
            Source of the initial weights (and of dropout masks).
        dtype : {numpy.float32, numpy.float64}
            Floating type of parameters and computations.

        Returns
        -------
        int
            Size of the output's last axis.
        """
        self.n_in = int(n_in)
        self.dtype = np.dtype(dtype)
        self._validate()
        self.params = {k: v.astype(self.dtype) for k, v in self._init_params(rng).items()}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.n_out = self._output_size()
        self.built = True
        return self.n_out

    def _validate(self) -> None:
        """Raise ConfigError for bad constructor arguments."""

    def _init_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {}

    def _output_size(self) -> int:
        return self.n_in

    # -- computing ----------------------------------------------------------------------
    def forward(self, X: np.ndarray, *, training: bool = False) -> np.ndarray:
        """Compute the layer's output for a batch; cache for backward when training."""
        raise NotImplementedError

    def backward(self, dY: np.ndarray, *, need_input_grad: bool = True) -> np.ndarray | None:
        """Add parameter gradients into ``grads``; return the gradient w.r.t. the input
        (None when ``need_input_grad`` is false: callers that discard it save its cost)."""
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Set every gradient to zero."""
        for g in self.grads.values():
            g.fill(0.0)

    @property
    def n_params(self) -> int:
        """Number of trainable scalars."""
        return int(sum(p.size for p in self.params.values()))

    def get_config(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments plus ``"class"``."""
        raise NotImplementedError

    def _missing_cache(self) -> TrainingError:
        return TrainingError(
            f"{type(self).__name__}.backward() needs a preceding forward(X, training=True); "
            "call forward with training=True first."
        )


def activation_config(act: Any) -> Any:
    """JSON-serialisable form of an ``activation`` argument (for ``get_config``)."""
    if isinstance(act, Activation):
        return act.get_config()
    return list(act) if isinstance(act, tuple) else act


class Dense(Layer):
    """Fully connected layer ``Y = act(X W + b)`` over the last axis.

    Parameters
    ----------
    units : int
        Output size.
    activation : str, Activation, sequence or mapping, default "linear"
        Output activation; mixed specifications per :class:`MixedActivation`. Linear is
        the regression default.
    kernel_init : {"glorot", "he", "orthogonal"}, default "glorot"

    Attributes
    ----------
    params : dict
        ``W`` of shape (n_in, units), ``b`` of shape (units,).

    Notes
    -----
    With ``Z = X W + b`` and ``Y = f(Z)``: ``dZ = dY * f'(Z)``, ``dW = X^T dZ``,
    ``db = sum_rows dZ``, ``dX = dZ W^T``. Inputs of shape (..., n_in) are treated as
    rows of a (prod(...), n_in) matrix.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dense(3, activation="relu")
    >>> layer.build(2, rng=np.random.default_rng(0), dtype=np.float64)
    3
    >>> layer.forward(np.ones((5, 2))).shape
    (5, 3)
    """

    #: what ``backward`` needs from the last ``forward(X, training=True)``:
    #: (X as rows, outputs Y, X's shape); None before any training forward
    _cache: tuple[np.ndarray, np.ndarray, tuple[int, ...]] | None = None

    def __init__(
        self, units: int, *, activation: Any = "linear", kernel_init: str = "glorot"
    ) -> None:
        super().__init__()
        self.units = units
        self.activation = activation
        self.kernel_init = kernel_init

    def _validate(self) -> None:
        check_int("units", self.units)
        check_choice("kernel_init", self.kernel_init, INITIALIZERS)
        self._act: Activation = get_activation(self.activation, self.units)

    def _init_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {
            "W": initialize(self.kernel_init, self.n_in, self.units, 1, rng),
            "b": np.zeros(self.units),
        }

    def _output_size(self) -> int:
        return int(self.units)

    def forward(self, X: np.ndarray, *, training: bool = False) -> np.ndarray:
        X2 = X.reshape(-1, X.shape[-1])
        Z = X2 @ self.params["W"]
        Z += self.params["b"]
        Y = self._act.forward(Z, out=Z)
        if training:
            self._cache = (X2, Y, X.shape)
        return Y.reshape(*X.shape[:-1], self.units)

    def backward(self, dY: np.ndarray, *, need_input_grad: bool = True) -> np.ndarray | None:
        cache = self._cache
        if cache is None:
            raise self._missing_cache()
        X2, Y, shape = cache
        dZ = dY.reshape(-1, self.units) * self._act.derivative(Y)  # dZ = dY * f'(Z)
        self.grads["W"] += X2.T @ dZ  # dW = X^T dZ
        self.grads["b"] += dZ.sum(axis=0)  # db = sum over rows of dZ
        if not need_input_grad:
            return None
        dX: np.ndarray = dZ @ self.params["W"].T  # dX = dZ W^T
        return dX.reshape(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            "class": "Dense",
            "units": int(self.units),
            "activation": activation_config(self.activation),
            "kernel_init": self.kernel_init,
        }


class Dropout(Layer):
    """Inverted dropout: zero each input with probability ``rate``, scale the rest by
    ``1 / (1 - rate)``; the identity when not training (predict).

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping a unit.

    Attributes
    ----------
    rng : numpy.random.Generator
        Source of the masks, set by :meth:`build` (so a seeded network gives the same
        masks every run).

    Notes
    -----
    ``Y = X * m / (1 - rate)`` with ``m ~ Bernoulli(1 - rate)``; ``dX = dY * m / (1 - rate)``.
    """

    #: the scaled mask ``m / (1 - rate)`` of the last training forward; None when it was
    #: the identity
    _mask: np.ndarray | None = None

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.rate = rate

    def _validate(self) -> None:
        check_real("rate", self.rate, low=0.0, high=1.0, high_open=True, label=" (dropout)")

    def build(self, n_in: int, *, rng: np.random.Generator, dtype: Any = np.float32) -> int:
        self.rng = rng
        return super().build(n_in, rng=rng, dtype=dtype)

    def forward(self, X: np.ndarray, *, training: bool = False) -> np.ndarray:
        if not training or self.rate == 0.0:
            self._mask = None
            return X
        keep = 1.0 - self.rate
        mask = self.rng.random(X.shape, dtype=X.dtype) < keep
        scaled = mask.astype(X.dtype)
        scaled *= 1.0 / keep
        self._mask = scaled
        Y: np.ndarray = X * scaled
        return Y

    def backward(self, dY: np.ndarray, *, need_input_grad: bool = True) -> np.ndarray | None:
        mask = self._mask
        if not need_input_grad:
            return None
        if mask is None:
            return dY
        dX: np.ndarray = dY * mask  # dX = dY * m / (1 - rate)
        return dX

    def get_config(self) -> dict[str, Any]:
        return {"class": "Dropout", "rate": float(self.rate)}
