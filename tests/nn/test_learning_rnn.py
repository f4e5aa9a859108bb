"""A linear-activation RNN extrapolates a trend-free series beyond its training range;
a tanh RNN saturates there."""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.nn import build_recurrent_network

pytestmark = pytest.mark.slow


def test_linear_rnn_extrapolates_without_saturating(one_step_windows):
    rng = np.random.default_rng(0)
    y = np.cumsum(rng.normal(0.0, 0.1, 3000))  # a driftless random walk
    y -= y.mean()
    X, target = one_step_windows(y, 10)
    level = 3 * np.abs(y).max()  # far outside every level seen in training
    X_far, target_far = X[-500:] + level, target[-500:] + level
    persistence = np.mean(np.abs(X_far[:, -1, 0] - target_far))  # the optimal forecast's error
    errors = {}
    for act in ("linear", "tanh"):
        net = build_recurrent_network(
            cell="rnn", n_features=1, hidden=4, activations=act, lr=0.01, seed=0
        )
        net.fit(X, target, epochs=40, batch_size=32, patience=8)
        errors[act] = np.mean(np.abs(net.predict(X_far)[:, 0] - target_far))
    assert errors["linear"] < 1.5 * persistence
    assert errors["tanh"] > 10 * persistence  # bounded units cannot follow the level
