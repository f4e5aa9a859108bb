"""``build_recurrent_network``: the stacked recurrent network the forecasters train."""

from __future__ import annotations

from typing import Any

from tickcast.errors import ConfigError
from tickcast.nn._checks import check_int, check_real, is_int
from tickcast.nn.layers import Dense, Dropout, Layer
from tickcast.nn.losses import Loss, make_loss
from tickcast.nn.network import Network
from tickcast.nn.optim import Optimizer
from tickcast.nn.registry import CELLS

__all__ = ["CELLS", "build_recurrent_network"]


def build_recurrent_network(
    *,
    cell: str = "lstm",
    n_features: int,
    hidden: int | tuple[int, ...] = 32,
    n_outputs: int = 1,
    activations: Any = ("tanh",),
    output_activation: Any = "linear",
    dropout: float = 0.0,
    loss: str | Loss = "mse",
    optimizer: str | Optimizer = "adam",
    lr: float | None = None,
    clip_norm: float | None = 5.0,
    lr_schedule: Any = None,
    dtype: str = "float32",
    seed: int | None = 0,
) -> Network:
    """Build (and initialise) a stacked recurrent network with a linear dense head.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default "lstm"
    n_features : int
        Input features per time step.
    hidden : int or tuple of int, default 32
        Units per recurrent layer; a tuple stacks layers (all but the last return
        sequences).
    n_outputs : int, default 1
        Targets per window (e.g. the horizons of a direct multi-horizon head). With a
        pinball loss of ``k`` quantiles the head has ``n_outputs * k`` units.
    activations : str, sequence or mapping, default ("tanh",)
        Hidden activation of every recurrent layer; ``("tanh", "relu")`` gives half the units
        of each layer tanh and half relu (see :class:`~tickcast.nn.activations.MixedActivation`).
    output_activation : str, Activation, sequence or mapping, default "linear"
        Activation of the dense head (linear for regression).
    dropout : float in [0, 1), default 0.0
        Inverted dropout after each recurrent layer (training only).
    loss, optimizer, lr, clip_norm, lr_schedule, dtype, seed
        As in :class:`Network`.

    Returns
    -------
    Network
        Built: weights exist, so ``get_weights``/``set_weights`` work before ``fit``.

    Examples
    --------
    >>> net = build_recurrent_network(cell="gru", n_features=4, hidden=(16, 8), seed=1)
    >>> [type(layer).__name__ for layer in net.layers]
    ['GRU', 'GRU', 'Dense']
    >>> net.n_params
    1641
    """
    if not isinstance(cell, str) or cell.lower() not in CELLS:
        raise ConfigError(f"`cell` must be one of {sorted(CELLS)}; got {cell!r}.")
    sizes = _hidden_sizes(hidden)
    check_int("n_outputs", n_outputs)
    check_real("dropout", dropout, low=0.0, high=1.0, high_open=True)
    loss_obj = make_loss(loss)
    layers: list[Layer] = []
    cls = CELLS[cell.lower()]
    for j, units in enumerate(sizes):
        layers.append(cls(units, activation=activations, return_sequences=j < len(sizes) - 1))
        if dropout > 0:
            layers.append(Dropout(float(dropout)))
    layers.append(Dense(int(n_outputs) * loss_obj.n_per_target, activation=output_activation))
    net = Network(
        layers,
        loss=loss_obj,
        optimizer=optimizer,
        lr=lr,
        clip_norm=clip_norm,
        lr_schedule=lr_schedule,
        dtype=dtype,
        seed=seed,
    )
    return net.build(n_features)


def _hidden_sizes(hidden: Any) -> tuple[int, ...]:
    """Units per recurrent layer from ``hidden`` (an int or a non-empty tuple/list of them)."""
    sizes = (hidden,) if is_int(hidden) else hidden
    if (
        not isinstance(sizes, (tuple, list))
        or not sizes
        or not all(is_int(h) and h >= 1 for h in sizes)
    ):
        raise ConfigError(
            f"`hidden` must be a positive integer or a non-empty tuple of them; got {hidden!r}."
        )
    return tuple(int(h) for h in sizes)
