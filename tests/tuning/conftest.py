"""Simulated price series with known truth for the tuning tests."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest


def price_series(returns: np.ndarray, name: str) -> pd.Series:
    """Prices 100 * exp(cumsum(returns)) on business days, marked as a price."""
    idx = pd.bdate_range("2010-01-01", periods=len(returns) + 1)
    y = pd.Series(100 * np.exp(np.concatenate([[0.0], np.cumsum(returns)])), index=idx, name=name)
    y.attrs["kind"] = "price"
    return y


def random_walk(seed: int, n: int = 600) -> pd.Series:
    """A geometric random walk: i.i.d. N(0, 1 %) log returns, nothing to predict."""
    rng = np.random.default_rng(seed)
    return price_series(0.01 * rng.standard_normal(n - 1), "rw")


def ar2_prices(seed: int, n: int = 600, phi=(0.5, -0.4)) -> pd.Series:
    """Log returns r_t = phi1 r_{t-1} + phi2 r_{t-2} + e_t (burn-in 100 dropped)."""
    rng = np.random.default_rng(seed)
    e = 0.01 * rng.standard_normal(n + 99)
    r = np.zeros(n + 99)
    for t in range(2, len(r)):
        r[t] = phi[0] * r[t - 1] + phi[1] * r[t - 2] + e[t]
    return price_series(r[100:], "ar2")


@pytest.fixture(scope="session")
def sim():
    """The simulators, as a fixture: ``sim.random_walk(seed)``, ``sim.ar2_prices(seed)``."""
    return SimpleNamespace(random_walk=random_walk, ar2_prices=ar2_prices)
