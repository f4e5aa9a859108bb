"""LSTM and GRU learn: held-out MSE within 10 % of the noise variance (the best possible).

Both series are AR(2) processes, so the conditional mean is a fixed function of the last two
values and the noise variance is the smallest achievable mean squared error:

- a noisy sine: the stochastic cycle ``y_t = 2 rho cos(w) y_{t-1} - rho^2 y_{t-2} + e_t``
  (rho = 0.9, period 12), a sine wave whose phase and amplitude the noise keeps perturbing;
- an AR(2) with real dynamics (phi = 0.5, 0.3).

The bound is checked against the realised noise of the test period, ``mean(e_test^2)``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.nn import build_recurrent_network

pytestmark = pytest.mark.slow

LOOKBACK, N_TRAIN, N_TEST = 12, 3000, 1500
SINE = (2 * 0.9 * np.cos(2 * np.pi / 12), -(0.9**2))
AR2 = (0.5, 0.3)


def _mse_over_noise(simulate_ar2, one_step_windows, cell, phi, optimizer, lr):
    y, e = simulate_ar2(*phi, N_TRAIN + N_TEST + LOOKBACK, seed=0)
    scale = y[:N_TRAIN].std()
    X, target = one_step_windows(y / scale, LOOKBACK)
    noise = (e / scale)[LOOKBACK:]
    net = build_recurrent_network(
        cell=cell, n_features=1, hidden=8, optimizer=optimizer, lr=lr, seed=0
    )
    net.fit(
        X[:N_TRAIN],
        target[:N_TRAIN],
        epochs=80,
        batch_size=32,
        patience=10,
        validation_fraction=0.2,
    )
    pred = net.predict(X[N_TRAIN:])[:, 0]
    mse = np.mean((pred - target[N_TRAIN:]) ** 2)
    return mse / np.mean(noise[N_TRAIN:] ** 2)


CELLS = pytest.mark.parametrize("cell", ["lstm", "gru"])


@CELLS
def test_fits_a_noisy_sine(cell, simulate_ar2, one_step_windows):
    ratio = _mse_over_noise(simulate_ar2, one_step_windows, cell, SINE, "adam", 0.005)
    assert ratio < 1.10


@CELLS
def test_fits_an_ar2_with_adam(cell, simulate_ar2, one_step_windows):
    ratio = _mse_over_noise(simulate_ar2, one_step_windows, cell, AR2, "adam", 0.005)
    assert ratio < 1.10


@CELLS
def test_fits_an_ar2_with_barzilai_borwein(cell, simulate_ar2, one_step_windows):
    ratio = _mse_over_noise(simulate_ar2, one_step_windows, cell, AR2, "bb", 0.05)
    assert ratio < 1.10
