"""Layer contract: shapes, caching, gradient accumulation, dtypes, dropout, initialisers."""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.errors import ConfigError, TrainingError
from tickcast.nn import GRU, LSTM, RNN, Dense, Dropout
from tickcast.nn.initializers import glorot_uniform, he_normal, orthogonal

CELLS = [RNN, LSTM, GRU]


def _build(layer, n_in, dtype=np.float64, seed=0):
    layer.build(n_in, rng=np.random.default_rng(seed), dtype=dtype)
    return layer


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_shapes(cell, return_sequences):
    layer = _build(cell(6, return_sequences=return_sequences), 3)
    X = np.random.default_rng(0).normal(size=(4, 5, 3))
    Y = layer.forward(X, training=True)
    assert Y.shape == ((4, 5, 6) if return_sequences else (4, 6))
    dX = layer.backward(np.ones_like(Y))
    assert dX.shape == X.shape
    assert set(layer.grads) == set(layer.params)
    assert all(layer.grads[k].shape == v.shape for k, v in layer.params.items())


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_last_state_equals_last_step_of_sequence(cell):
    X = np.random.default_rng(1).normal(size=(3, 7, 2))
    last = _build(cell(4), 2, seed=3).forward(X)
    seq = _build(cell(4, return_sequences=True), 2, seed=3).forward(X)
    np.testing.assert_allclose(seq[:, -1], last, rtol=1e-12)


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_backward_adds_into_grads(cell):
    layer = _build(cell(3), 2)
    X = np.random.default_rng(2).normal(size=(2, 4, 2))
    layer.forward(X, training=True)
    layer.backward(np.ones((2, 3)))
    once = {k: g.copy() for k, g in layer.grads.items()}
    layer.forward(X, training=True)
    layer.backward(np.ones((2, 3)))
    for k, g in layer.grads.items():
        np.testing.assert_allclose(g, 2 * once[k], rtol=1e-12)
        assert np.abs(once[k]).max() > 0


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_backward_needs_training_forward(cell):
    layer = _build(cell(3), 2)
    layer.forward(np.zeros((2, 4, 2)), training=False)
    with pytest.raises(TrainingError, match="training=True"):
        layer.backward(np.ones((2, 3)))


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_matches_a_plain_step_by_step_reference(cell):
    """The fused, transposed implementation equals the textbook equations."""
    layer = _build(cell(3), 2, seed=4)
    X = np.random.default_rng(4).normal(size=(2, 5, 2))
    p = {k: v.copy() for k, v in layer.params.items()}
    H = 3

    def sig(z):
        return 1 / (1 + np.exp(-z))

    h = np.zeros((2, H))
    c = np.zeros((2, H))
    for t in range(5):
        z = X[:, t] @ p["W"] + h @ p["U"] + p["b"]
        if cell is RNN:
            h = np.tanh(z)
        elif cell is LSTM:  # gate order [o, i, f, g]
            o, i, f, g = (
                sig(z[:, :H]),
                sig(z[:, H : 2 * H]),
                sig(z[:, 2 * H : 3 * H]),
                np.tanh(z[:, 3 * H :]),
            )
            c = f * c + i * g
            h = o * np.tanh(c)
        else:  # GRU, gate order [z, r, n], reset applied after the product (PyTorch form)
            zx = X[:, t] @ p["W"] + p["b"]
            zh = h @ p["U"]
            u, r = sig(zx[:, :H] + zh[:, :H]), sig(zx[:, H : 2 * H] + zh[:, H : 2 * H])
            n = np.tanh(zx[:, 2 * H :] + r * (zh[:, 2 * H :] + p["bh"]))
            h = (1 - u) * n + u * h
    np.testing.assert_allclose(layer.forward(X), h, rtol=1e-12, atol=1e-14)


def test_lstm_forget_bias_starts_at_one():
    b = _build(LSTM(4), 2).params["b"]
    np.testing.assert_array_equal(b[8:12], 1.0)  # gate order [o, i, f, g]
    np.testing.assert_array_equal(np.delete(b, np.s_[8:12]), 0.0)


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_float32_close_to_float64(cell):
    X = np.random.default_rng(5).normal(size=(8, 20, 3))
    y64 = _build(cell(16, return_sequences=True), 3, np.float64, seed=1).forward(X)
    l32 = _build(cell(16, return_sequences=True), 3, np.float32, seed=1)
    y32 = l32.forward(X.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, atol=2e-5)


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_read_only_strided_input_is_left_untouched(cell):
    series = np.random.default_rng(6).normal(size=(40, 2))
    X = np.lib.stride_tricks.sliding_window_view(series, 6, axis=0).transpose(0, 2, 1)
    assert not X.flags.writeable
    before = series.copy()
    layer = _build(cell(3), 2)
    out = layer.forward(X[:10], training=True)
    layer.backward(np.ones_like(out))
    np.testing.assert_array_equal(series, before)
    np.testing.assert_allclose(out, layer.forward(np.ascontiguousarray(X[:10])))


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_buffers_reused_across_batch_shapes(cell):
    layer = _build(cell(4), 2)
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(3, 5, 2)), rng.normal(size=(6, 2, 2))
    ya = layer.forward(a)
    layer.forward(b)
    np.testing.assert_array_equal(layer.forward(a), ya)


def test_dense_matches_matrix_product():
    layer = _build(Dense(3, activation="relu"), 2)
    X = np.random.default_rng(8).normal(size=(5, 2))
    expected = np.maximum(X @ layer.params["W"] + layer.params["b"], 0)
    np.testing.assert_allclose(layer.forward(X), expected)


def test_dropout_inverted_and_off_at_predict():
    layer = _build(Dropout(0.25), 4)
    X = np.ones((2000, 4))
    assert layer.forward(X, training=False) is X
    Y = layer.forward(X, training=True)
    kept = Y != 0
    assert set(np.unique(Y)) == {0.0, 1.0 / 0.75}
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_array_equal(layer.backward(np.ones_like(X)), Y)  # same mask and scale


def test_initialisers():
    rng = np.random.default_rng(0)
    q = orthogonal((8, 8), rng)
    np.testing.assert_allclose(q.T @ q, np.eye(8), atol=1e-12)
    wide = orthogonal((3, 8), rng)
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-12)
    g = glorot_uniform((200, 300), rng)
    assert np.abs(g).max() <= np.sqrt(6 / 500)
    assert abs(he_normal((400, 400), rng).std() - np.sqrt(2 / 400)) < 0.005


@pytest.mark.parametrize(
    ("layer", "match"),
    [
        (Dense(0), "units"),
        (Dense(2.5), "units"),
        (Dense(2, kernel_init="zeros"), "kernel_init"),
        (Dense(2, activation="swish"), "activation"),
        (LSTM(True), "units"),
        (GRU(3, recurrent_init="xavier"), "recurrent_init"),
        (RNN(3, return_sequences="yes"), "return_sequences"),
        (Dropout(1.0), "rate"),
        (Dropout(-0.1), "rate"),
    ],
)
def test_invalid(layer, match):
    with pytest.raises(ConfigError, match=match):
        layer.build(2, rng=np.random.default_rng(0))
