"""The EWMA (RiskMetrics) volatility model against arch's EWMAVariance: the filter with a
given decay, and the maximum-likelihood decay itself."""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.models.volatility import fit_volatility


def _garch_steps(n: int, seed: int) -> np.ndarray:
    """GARCH(1,1) steps with Gaussian shocks (omega 0.05, alpha 0.10, beta 0.85), simulated
    by arch itself (500 burn-in steps), shape (n,)."""
    from arch.univariate import GARCH, Normal, ZeroMean

    model = ZeroMean(
        None, volatility=GARCH(), distribution=Normal(seed=np.random.default_rng(seed))
    )
    return model.simulate([0.05, 0.10, 0.85], n, burn=500)["data"].to_numpy()


def _arch_ewma(z: np.ndarray, lam: float | None, backcast: float):
    from arch.univariate import EWMAVariance, Normal, ZeroMean

    model = ZeroMean(z, volatility=EWMAVariance(lam=lam), distribution=Normal())
    return model.fit(disp="off", backcast=backcast)


@pytest.mark.parametrize("lam", [0.94, 0.97])
def test_ewma_filter_equals_arch_with_the_same_decay_and_start(lam):
    """arch's sigma2_t = lam sigma2_{t-1} + (1 - lam) e_{t-1}^2 from sigma2_0 = backcast:
    the conditional volatilities and the one-step forecast equal tickcast's."""
    z = _garch_steps(1500, seed=1)
    fit = fit_volatility(z, "ewma", lam=lam)
    res = _arch_ewma(z, lam, fit.params["sigma2_0"])
    np.testing.assert_allclose(fit.sigma_in_sample, res.conditional_volatility, rtol=1e-12)
    forecast = res.forecast(horizon=1, reindex=False).variance.to_numpy()[0, 0]
    assert fit.sigma2_next[-1] == pytest.approx(forecast, rel=1e-12)


@pytest.mark.parametrize("seed", [2, 3])
def test_estimated_decay_is_arch_maximum_likelihood_estimate(seed):
    """Both maximise the Gaussian likelihood of the same recursion from the same start;
    the estimates agree to the optimisers' tolerance, and tickcast's likelihood at its
    estimate is no worse than at arch's (arch evaluates both)."""
    z = _garch_steps(3000, seed=seed)
    fit = fit_volatility(z, "ewma")
    res = _arch_ewma(z, None, fit.params["sigma2_0"])
    lam_arch = float(res.params["lam"])
    assert 0.8 < lam_arch < 0.999  # interior: tickcast's bounds do not bind
    assert fit.params["lam"] == pytest.approx(lam_arch, abs=1e-4)
    at_ours = _arch_ewma(z, fit.params["lam"], fit.params["sigma2_0"]).loglikelihood
    assert at_ours >= res.loglikelihood - 1e-6
