"""The pieces the refactor of issue 16 split out: early stopping, need_input_grad, the one cell
registry, per-slot optimizer state and the nn-internal checks."""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.errors import ConfigError
from tickcast.nn import CELLS, GRU, LAYER_CLASSES, LSTM, RNN, Adam, Dense, Dropout, Network
from tickcast.nn._checks import check_int, check_real
from tickcast.nn.training import EarlyStopping


def test_early_stopping_counts_epochs_without_improvement_beyond_min_delta():
    w = np.array([0.0])
    stop = EarlyStopping(w, patience=2, min_delta=0.1)
    w[0] = 1.0
    assert not stop.update(1, 5.0)  # first epoch always improves on inf
    w[0] = 2.0
    assert not stop.update(2, 4.95)  # better, but by less than min_delta: wait = 1
    assert stop.best_epoch == 1 and stop.best_weights[0] == 1.0
    w[0] = 3.0
    assert not stop.update(3, 4.5)  # improvement by 0.5 resets the wait
    assert stop.best_epoch == 3 and stop.best_weights[0] == 3.0
    assert not stop.update(4, 4.5)
    assert stop.update(5, 9.0) and stop.stopped  # two epochs without improvement
    never = EarlyStopping(w, patience=None, min_delta=0.0)
    assert not any(never.update(e, 1.0) for e in range(1, 50))


@pytest.mark.parametrize("cell", [RNN, LSTM, GRU], ids=lambda c: c.__name__)
def test_need_input_grad_false_skips_dx_only(cell):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 5, 2))
    grads = []
    for need in (True, False):
        net = Network([cell(4), Dropout(0.3), Dense(1)], dtype="float64", seed=1).build(2)
        out = net.forward(X, training=True)
        dX = net.backward(np.ones_like(out), need_input_grad=need)
        assert (dX is None) == (not need)
        if need:
            assert dX.shape == X.shape
        grads.append({k: g.copy() for k, g in net.named_grads().items()})
    for k in grads[0]:
        np.testing.assert_array_equal(grads[0][k], grads[1][k])


def test_one_cell_registry_used_by_forecaster_builder_and_config():
    from tickcast.models.rnn import _CELLS

    assert set(CELLS) == set(_CELLS) == {"lstm", "gru", "rnn"}
    assert {LAYER_CLASSES[c.__name__] for c in CELLS.values()} == set(CELLS.values())
    assert LAYER_CLASSES["Dense"] is Dense and LAYER_CLASSES["Dropout"] is Dropout


def test_adam_state_is_one_dict_per_slot_keyed_like_params():
    opt = Adam(0.1)
    params = {"a": np.ones(3), "b": np.ones((2, 2))}
    opt.step(params, {"a": np.ones(3), "b": np.ones((2, 2))})
    assert set(opt._state) == {"m", "v"}
    assert all(set(opt._state[slot]) == {"a", "b"} for slot in ("m", "v"))
    np.testing.assert_allclose(opt._state["m"]["a"], 0.1)  # (1 - beta1) g
    np.testing.assert_allclose(opt._state["v"]["b"], 0.001)  # (1 - beta2) g^2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_int("units", 0), "`units` must be a positive integer; got 0."),
        (lambda: check_int("units", True), "`units` must be a positive integer; got True."),
        (lambda: check_int("seed", -1, minimum=0, none_ok=True), "non-negative integer or None"),
        (lambda: check_real("rate", 1.0, high=1.0, low=0.0, high_open=True), r"in \[0.0, 1.0\)"),
        (lambda: check_real("lr", 0.0, low=0.0, low_open=True), "`lr` must be a positive number"),
        (lambda: check_real("lr", float("nan"), low=0.0), "non-negative number; got nan"),
        (lambda: check_real("eps", float("inf"), low=0.0), "non-negative number; got inf"),
    ],
)
def test_nn_checks_reject_with_named_messages(call, message):
    with pytest.raises(ConfigError, match=message):
        call()


def test_nn_checks_accept_valid_values():
    check_int("units", np.int64(3))
    check_int("seed", None, minimum=0, none_ok=True)
    check_real("delta", float("inf"), low=0.0, low_open=True, finite=False)
    check_real("rate", np.float32(0.5), low=0.0, high=1.0, high_open=True)
