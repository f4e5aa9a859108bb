"""The fused LSTM (one exp, or with another activation one tanh, for all gates; precomputed
backward factors; per-step or batched weight gradients) against a textbook forward pass and
backpropagation through time written here step by step in float64, with sigmoid as
``1 / (1 + exp(-z))`` and the activations' own ``forward``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tickcast.nn import LSTM
from tickcast.nn.activations import get_activation
from tickcast.nn.lstm import _STEP_WGRAD_MAX_UNITS


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def reference(params, X, dY, activation, return_sequences):
    """Outputs, parameter gradients and dX of an LSTM with gate order [o, i, f, g]."""
    W, U, b = params["W"], params["U"], params["b"]
    B, T, _ = X.shape
    H = U.shape[0]
    act = get_activation(activation, H)  # acts on the last axis: (batch, H) here
    h = [np.zeros((B, H))]
    c = [np.zeros((B, H))]
    gates = []
    for t in range(T):
        z = X[:, t] @ W + h[-1] @ U + b
        o, i, f = (_sigmoid(z[:, k * H : (k + 1) * H]) for k in range(3))
        g = act.forward(z[:, 3 * H :].copy())
        c.append(f * c[-1] + i * g)
        h.append(o * act.forward(c[-1].copy()))
        gates.append((o, i, f, g))
    out = np.stack(h[1:], axis=1) if return_sequences else h[-1]
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    dX = np.zeros_like(X)
    dh = np.zeros((B, H))
    dc = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        dh = dh + (dY[:, t] if return_sequences else (dY if t == T - 1 else 0.0))
        o, i, f, g = gates[t]
        tc = act.forward(c[t + 1].copy())
        dc = dc + dh * o * act.derivative(tc)
        dz = np.concatenate(
            [
                dh * tc * o * (1 - o),
                dc * g * i * (1 - i),
                dc * c[t] * f * (1 - f),
                dc * i * act.derivative(g),
            ],
            axis=1,
        )
        dW += X[:, t].T @ dz
        dU += h[t].T @ dz
        db += dz.sum(axis=0)
        dX[:, t] = dz @ W.T
        dh = dz @ U.T
        dc = dc * f
    return out, {"W": dW, "U": dU, "b": db}, dX


def _layer(H, F, activation, return_sequences, seed):
    layer = LSTM(H, activation=activation, return_sequences=return_sequences)
    layer.build(F, rng=np.random.default_rng(seed), dtype=np.float64)
    rng = np.random.default_rng(seed + 100)
    for value in layer.params.values():  # larger weights than the init: saturated gates too
        value[...] = rng.normal(scale=0.6, size=value.shape)
    return layer


CASES = [
    # (batch, time, features, units): per-step weight gradient, batched one (> 64 units),
    # a single step, batch 1
    (3, 6, 2, 5),
    (4, 5, 3, _STEP_WGRAD_MAX_UNITS + 3),
    (2, 1, 3, 4),
    (1, 4, 1, 3),
]


@pytest.mark.parametrize("shape", CASES, ids=str)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "relu", ("tanh", "softplus")], ids=str)
def test_forward_and_bptt_equal_the_reference(shape, return_sequences, activation):
    B, T, F, H = shape
    layer = _layer(H, F, activation, return_sequences, seed=B + T + H)
    rng = np.random.default_rng(B * T)
    X = rng.normal(size=(B, T, F))
    out_shape = (B, T, H) if return_sequences else (B, H)
    dY = rng.normal(size=out_shape)
    ref_out, ref_grads, ref_dX = reference(layer.params, X, dY, activation, return_sequences)

    out = layer.forward(X, training=True)
    np.testing.assert_allclose(out, ref_out, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(layer.forward(X), ref_out, rtol=1e-12, atol=1e-13)  # predict
    layer.forward(X, training=True)
    dX = layer.backward(dY)
    np.testing.assert_allclose(dX, ref_dX, rtol=1e-11, atol=1e-12)
    for k, g in ref_grads.items():
        if k == "U" and T == 1:  # h_0 = 0: no recurrent gradient
            np.testing.assert_array_equal(layer.grads[k], 0.0)
            continue
        assert np.abs(g).max() > 0
        np.testing.assert_allclose(layer.grads[k], g, rtol=1e-11, atol=1e-12 * np.abs(g).max())

    # the buffers are reused: a second pass without the input gradient adds the same again
    layer.forward(X, training=True)
    assert layer.backward(dY, need_input_grad=False) is None
    for k, g in ref_grads.items():
        np.testing.assert_allclose(
            layer.grads[k], 2 * g, rtol=1e-11, atol=1e-12 * max(np.abs(g).max(), 1.0)
        )


def test_float32_gradients_close_to_the_float64_reference():
    B, T, F, H = 8, 30, 4, 64  # the benchmark's step shape, shorter
    rng = np.random.default_rng(0)
    layer = LSTM(H)
    layer.build(F, rng=np.random.default_rng(0), dtype=np.float32)
    params = {k: v.astype(np.float64) for k, v in layer.params.items()}
    X = rng.normal(size=(B, T, F))
    dY = rng.normal(size=(B, H))
    ref_out, ref_grads, _ = reference(params, X, dY, "tanh", False)
    out = layer.forward(X.astype(np.float32), training=True)
    layer.backward(dY.astype(np.float32), need_input_grad=False)
    np.testing.assert_allclose(out, ref_out, atol=1e-5)
    for k, g in ref_grads.items():
        np.testing.assert_allclose(layer.grads[k], g, atol=2e-5 * np.abs(g).max())


@pytest.mark.parametrize("training", [True, False])
def test_float32_saturated_gates_give_no_overflow_warning_and_the_reference(training):
    """Pre-activations beyond +-88, where float32 ``exp(-z)`` overflows to inf: the gates are
    exactly 0 or 1 (and the candidate +-1), with no RuntimeWarning and no NaN."""
    B, T, F, H = 4, 6, 3, 8
    layer = LSTM(H)
    layer.build(F, rng=np.random.default_rng(1), dtype=np.float32)
    rng = np.random.default_rng(2)
    for value in layer.params.values():
        value[...] = rng.normal(scale=40.0, size=value.shape)
    params = {k: v.astype(np.float64) for k, v in layer.params.items()}
    X = rng.normal(scale=3.0, size=(B, T, F))
    dY = rng.normal(size=(B, H))
    with np.errstate(over="ignore"):  # the float64 reference overflows too, beyond 709
        ref_out, ref_grads, _ = reference(params, X, dY, "tanh", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = layer.forward(X.astype(np.float32), training=training)
        if training:
            layer.backward(dY.astype(np.float32), need_input_grad=False)
    z = np.abs(X[:, 0] @ params["W"] + params["b"])
    assert z.max() > 200  # float32 exp(-z) overflows on some gates
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref_out, atol=1e-5)
    if training:
        for k, g in ref_grads.items():
            np.testing.assert_allclose(layer.grads[k], g, atol=1e-4 * max(np.abs(g).max(), 1.0))
