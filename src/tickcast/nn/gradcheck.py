"""Central-difference gradient check for layers and networks."""

from __future__ import annotations

from typing import Any

import numpy as np

from tickcast.errors import ConfigError, InputTypeError
from tickcast.nn.layers import Layer
from tickcast.nn.losses import make_loss

__all__ = ["gradcheck"]


def _rngs(model: Any) -> list[np.random.Generator]:
    layers = model.layers if hasattr(model, "layers") else [model]
    return [
        layer.rng
        for layer in layers
        if isinstance(getattr(layer, "rng", None), np.random.Generator)
    ]


def gradcheck(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Any = None,
    eps: float = 1e-5,
    floor: float = 1e-3,
    seed: int = 0,
) -> dict[str, float]:
    """Compare analytic gradients with central differences, parameter by parameter.

    Parameters
    ----------
    model : Layer or Network
        Must compute in float64. An unbuilt layer is built for ``X`` in float64 with
        ``seed``; an unbuilt network is built for ``X``.
    X : ndarray of shape (batch, features) or (batch, time, features)
        Inputs; their gradient is checked too (key ``"input"``).
    y : ndarray
        Targets, shaped like the model's output (a layer) or like ``fit``'s ``y`` (a network).
    loss : str or Loss, optional
        Loss for a bare layer (default MSE); a network uses its own.
    eps : float, default 1e-5
        Step ``h`` of the fourth-order central difference
        ``(8 (L(p + h) - L(p - h)) - (L(p + 2h) - L(p - 2h))) / (12 h)``.
    floor : float, default 1e-3
        Smallest denominator of the relative error, as a fraction of the parameter's largest
        analytic entry: entries with (near-)zero gradient are judged against
        ``floor * max|a|`` instead of dividing by zero or by round-off.
    seed : int, default 0
        Seed used to build an unbuilt layer.

    Returns
    -------
    dict of str to float
        For each parameter (``"W"`` for a layer, ``"0.W"`` for a network) and for
        ``"input"``: ``max |a - n| / max(|a|, |n|, floor * max|a|)`` over its entries,
        with ``a`` the analytic and ``n`` the numerical gradient.

    Notes
    -----
    The forward pass runs with ``training=True``; random layers (dropout) have their
    generator rewound before every evaluation so all evaluations use the same mask.

    Examples
    --------
    >>> import numpy as np
    >>> from tickcast.nn import LSTM, gradcheck
    >>> rng = np.random.default_rng(0)
    >>> err = gradcheck(LSTM(3), rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 3)))
    >>> max(err.values()) < 1e-6
    True
    """
    X = np.array(X, dtype=np.float64)
    y = np.array(y, dtype=np.float64)
    if isinstance(model, Layer):
        if not model.built:
            model.build(X.shape[-1], rng=np.random.default_rng(seed), dtype=np.float64)
        lossfn = make_loss("mse" if loss is None else loss)
        params, grads = model.params, model.grads

        def zero() -> None:
            model.zero_grad()

    elif hasattr(model, "layers") and hasattr(model, "named_params"):
        if not model.built:
            model.build(X.shape[-1])
        lossfn = model.loss_
        params, grads = model.named_params(), model.named_grads()
        if y.ndim == 1:
            y = y[:, None]

        def zero() -> None:
            for layer in model.layers:
                layer.zero_grad()

    else:
        raise InputTypeError(f"`model` must be a Layer or a Network; got {type(model).__name__}.")
    if any(p.dtype != np.float64 for p in params.values()):
        raise ConfigError(
            "gradcheck needs float64 parameters; got "
            f"{sorted({str(p.dtype) for p in params.values()})}. Build with dtype='float64'."
        )
    rngs = _rngs(model)
    states = [r.bit_generator.state for r in rngs]

    def evaluate(inp: np.ndarray) -> float:
        for r, s in zip(rngs, states, strict=False):
            r.bit_generator.state = s
        return lossfn.value(model.forward(inp, training=True), y)

    for r, s in zip(rngs, states, strict=False):
        r.bit_generator.state = s
    zero()
    out = model.forward(X, training=True)
    dX = model.backward(lossfn.gradient(out, y))  # need_input_grad defaults to True
    analytic = {k: g.copy() for k, g in grads.items()}
    targets = dict(params)
    targets["input"] = X
    analytic["input"] = np.asarray(dX)
    result: dict[str, float] = {}
    for name, arr in targets.items():
        num = np.zeros(arr.shape)
        flat = arr.reshape(-1)
        nflat = num.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            diffs = []
            for step in (eps, 2.0 * eps):
                flat[i] = old + step
                up = evaluate(X)
                flat[i] = old - step
                diffs.append(up - evaluate(X))
            flat[i] = old
            # fourth-order central difference: (8 d(h) - d(2h)) / (12 h), d(h) = L(p+h) - L(p-h)
            nflat[i] = (8.0 * diffs[0] - diffs[1]) / (12.0 * eps)
        a = analytic[name]
        scale = floor * float(np.max(np.abs(a))) if a.size else 0.0
        denom = np.maximum(np.maximum(np.abs(a), np.abs(num)), max(scale, 1e-300))
        result[name] = float(np.max(np.abs(a - num) / denom)) if a.size else 0.0
    return result
