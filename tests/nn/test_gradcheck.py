"""Every differentiable piece against central differences, float64, seeded small shapes."""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.errors import ConfigError, InputTypeError
from tickcast.nn import (
    ACTIVATIONS,
    GRU,
    LSTM,
    RNN,
    Dense,
    Dropout,
    Huber,
    Network,
    Pinball,
    gradcheck,
)

TOL = 1e-6
CELLS = [RNN, LSTM, GRU]
ACTS = [
    *sorted(ACTIVATIONS),
    ("tanh", "relu"),
    ("relu", "tanh", "linear"),
    {"elu": 0.25, "softplus": 0.75},
]


def _near_targets(model, X, rng, scale=0.05):
    """Targets close to the outputs: small residuals keep the check's round-off tiny."""
    out = model.forward(X, training=False)
    return out + scale * rng.normal(size=out.shape)


def _built(layer, n_in, seed):
    layer.build(n_in, rng=np.random.default_rng(seed), dtype=np.float64)
    return layer


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recurrent_layers_tanh(cell, return_sequences, seed):
    rng = np.random.default_rng(seed)
    B, T, F, H = 2 + seed, 3 + seed, 1 + seed, 2 + 2 * seed
    layer = _built(cell(H, return_sequences=return_sequences), F, seed)
    X = rng.normal(size=(B, T, F))
    err = gradcheck(layer, X, _near_targets(layer, X, rng))
    assert set(err) == {*layer.params, "input"}
    assert max(err.values()) < TOL, err


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("act", ACTS, ids=str)
def test_recurrent_layers_every_activation(cell, act):
    rng = np.random.default_rng(7)
    layer = _built(cell(5, activation=act, return_sequences=True), 3, 7)
    X = rng.normal(size=(3, 4, 3))  # batch 3 != units 5: a mix applied on the wrong axis fails
    err = gradcheck(layer, X, _near_targets(layer, X, rng))
    assert max(err.values()) < TOL, err


@pytest.mark.parametrize("act", ACTS, ids=str)
def test_dense_every_activation(act):
    rng = np.random.default_rng(3)
    layer = _built(Dense(5, activation=act), 4, 3)
    X = rng.normal(size=(6, 4))
    err = gradcheck(layer, X, _near_targets(layer, X, rng))
    assert max(err.values()) < TOL, err


def test_dense_on_sequences():
    rng = np.random.default_rng(4)
    layer = _built(Dense(3, activation="tanh"), 2, 4)
    X = rng.normal(size=(2, 5, 2))
    err = gradcheck(layer, X, _near_targets(layer, X, rng))
    assert max(err.values()) < TOL, err


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_stacked_network_with_dropout(cell):
    rng = np.random.default_rng(5)
    net = Network(
        [
            cell(4, return_sequences=True, activation=("tanh", "relu")),
            Dropout(0.3),
            cell(3),
            Dense(2),
        ],
        dtype="float64",
        seed=5,
    ).build(2)
    X = rng.normal(size=(3, 4, 2))
    err = gradcheck(net, X, _near_targets(net, X, rng))
    assert {"0.W", "0.U", "2.W", "3.W", "3.b", "input"} <= set(err)
    assert max(err.values()) < TOL, err


@pytest.mark.parametrize(
    "loss",
    ["mse", Huber(delta=0.05), Pinball(0.3), Pinball([0.1, 0.5, 0.9])],
    ids=["mse", "huber", "pinball", "pinball3"],
)
def test_every_loss(loss):
    rng = np.random.default_rng(6)
    k = 3 if isinstance(loss, Pinball) and np.size(loss.quantiles) == 3 else 1
    net = Network([LSTM(3), Dense(2 * k)], loss=loss, dtype="float64", seed=6).build(2)
    X = rng.normal(size=(5, 3, 2))
    y = rng.normal(size=(5, 2))  # residuals around 1: both Huber branches, away from kinks
    err = gradcheck(net, X, y)
    assert max(err.values()) < TOL, err


def test_gradcheck_catches_a_wrong_gradient():
    rng = np.random.default_rng(8)
    layer = _built(RNN(3), 2, 8)
    X = rng.normal(size=(2, 4, 2))
    y = _near_targets(layer, X, rng)
    original = layer.backward

    def wrong_backward(dY):
        dX = original(dY)
        layer.grads["U"] *= 1.01  # a 1 % error in one parameter's gradient
        return dX

    layer.backward = wrong_backward
    err = gradcheck(layer, X, y)
    assert err["U"] > 1e-3
    assert err["W"] < TOL


def test_gradcheck_invalid():
    layer = RNN(2)
    layer.build(1, rng=np.random.default_rng(0), dtype=np.float32)
    with pytest.raises(ConfigError, match="float64"):
        gradcheck(layer, np.zeros((1, 2, 1)), np.zeros((1, 2)))
    with pytest.raises(InputTypeError, match="model"):
        gradcheck(object(), np.zeros((1, 2, 1)), np.zeros((1, 2)))


@pytest.mark.parametrize("act", ["tanh", ("tanh", "relu")], ids=str)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_lstm_all_steps_weight_gradient_path(monkeypatch, act, return_sequences):
    """Large LSTMs keep every step's dZ for one weight-gradient GEMM; small ones sum the
    weight gradient step by step. Both against central differences, and against each other."""
    import tickcast.nn.lstm as lstm_module

    rng = np.random.default_rng(3)
    X = rng.normal(size=(3, 5, 2))
    grads = {}
    for limit in (0, 10**6):  # 0: every layer takes the all-steps path
        monkeypatch.setattr(lstm_module, "_STEP_WGRAD_MAX_UNITS", limit)
        layer = _built(LSTM(4, activation=act, return_sequences=return_sequences), 2, 3)
        y = _near_targets(layer, X, np.random.default_rng(4))
        err = gradcheck(layer, X, y)
        assert max(err.values()) < TOL, (limit, err)
        layer.zero_grad()
        out = layer.forward(X, training=True)
        dX = layer.backward(out - y)
        grads[limit] = {**{k: g.copy() for k, g in layer.grads.items()}, "input": dX}
    for k, g in grads[0].items():
        np.testing.assert_allclose(g, grads[10**6][k], rtol=1e-12, atol=1e-14)
