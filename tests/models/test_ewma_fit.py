"""The lean EWMA decay estimate equals fit_volatility's, bit for bit."""

import numpy as np
import pytest

import tickcast as tc
from tickcast.models._ewma_fit import ewma_lambda
from tickcast.models.volatility import RISKMETRICS_LAMBDA, fit_volatility


@pytest.mark.parametrize("name", ["dgs10", "dbk", "sp500"])
def test_equals_fit_volatility_on_many_windows(name):
    y = tc.load(name).iloc[-1500:].to_numpy()
    z = np.diff(y) if name == "dgs10" else np.diff(np.log(y))
    for n in range(40, len(z), 97):
        for window in (z[:n], z[n // 3 : n]):
            assert ewma_lambda(window) == fit_volatility(window, "ewma").params["lam"]


def test_simulated_garch_and_edge_cases():
    rng = np.random.default_rng(5)
    s2, z = 1e-4, np.empty(800)
    for t in range(800):  # GARCH(1,1) steps: the decay is interior, well identified
        z[t] = np.sqrt(s2) * rng.standard_normal()
        s2 = 1e-6 + 0.08 * z[t] ** 2 + 0.9 * s2
    assert ewma_lambda(z) == fit_volatility(z, "ewma").params["lam"]
    assert 0.8 < ewma_lambda(z) < 0.999
    # all-zero steps: RiskMetrics' value; zero first steps then moves: the likelihood path
    assert ewma_lambda(np.zeros(50)) == RISKMETRICS_LAMBDA
    late = np.concatenate([np.zeros(40), rng.normal(0, 0.01, 60)])
    assert ewma_lambda(late) == fit_volatility(late, "ewma").params["lam"]
