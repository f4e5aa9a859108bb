"""Shared fixtures for tickcast.nn tests: one BLAS thread, small seeded data."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """Tiny GEMMs run faster on one thread, and pytest-xdist already uses both cores."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        yield
        return
    with threadpool_limits(1):
        yield


def _simulate_ar2(phi1: float, phi2: float, n: int, seed: int, sigma: float = 0.5):
    """AR(2) ``y_t = phi1 y_{t-1} + phi2 y_{t-2} + e_t``; returns (y, e) after a burn-in."""
    rng = np.random.default_rng(seed)
    burn = 300
    e = rng.normal(0.0, sigma, n + burn)
    y = np.zeros(n + burn)
    for t in range(2, n + burn):
        y[t] = phi1 * y[t - 1] + phi2 * y[t - 2] + e[t]
    return y[burn:], e[burn:]


def _one_step_windows(y: np.ndarray, lookback: int):
    """Read-only strided windows (n, lookback, 1) of ``y`` and the next values (n,)."""
    X = sliding_window_view(y[:-1], lookback)[:, :, None]
    return X, y[lookback:]


@pytest.fixture(scope="session")
def simulate_ar2():
    """The AR(2) simulator ``(phi1, phi2, n, seed, sigma=0.5) -> (y, e)``."""
    return _simulate_ar2


@pytest.fixture(scope="session")
def one_step_windows():
    """``(y, lookback) -> (X, target)`` with X a read-only strided view (n, lookback, 1)."""
    return _one_step_windows
