"""CSCV probability of backtest overfitting against its exact value under the null.

Bailey, Borwein, López de Prado & Zhu (2017): when the N candidates' per-period results are
i.i.d. (no candidate has skill), the in-sample winner is chosen on data independent of the
out-of-sample half, so its out-of-sample rank is uniform on 1..N in every combination. Hence
E[PBO] = P(rank <= (N + 1) / 2) = floor((N + 1) / 2) / N (rank (N + 1) / 2 has logit 0 and
counts), 1/2 for N even and (N + 1) / (2N) for N odd; and the share of combinations whose
winner is strictly below the out-of-sample median is floor(N / 2) / N.
"""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.tuning import cscv_pbo

SEED = 20261203


def _null(n_candidates: int, metric: str, reps: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """PBO and prob_oos_below_median of ``reps`` independent null panels (16 x N, S = 4:
    6 combinations each; many small panels give a sharper mean than a few large ones)."""
    rng = np.random.default_rng(SEED + n_candidates + (metric == "pnl"))
    pbo, below = [], []
    for _ in range(reps):
        values = rng.standard_normal((16, n_candidates))
        if metric == "loss":
            values = values**2  # squared errors of equally good forecasts
        res = cscv_pbo(values, n_splits=4, metric=metric)
        pbo.append(res.pbo)
        below.append(res.prob_oos_below_median)
    return np.array(pbo), np.array(below)


@pytest.mark.parametrize(
    ("n_candidates", "metric"), [(4, "loss"), (5, "loss"), (5, "pnl"), (10, "pnl")]
)
def test_pbo_of_skill_less_candidates_is_its_exact_null_value(n_candidates, metric):
    """Mean over 400 independent panels within 4 standard errors (the spread of the
    per-panel values over sqrt(400); the combinations of one panel are dependent). The
    standard error is about 0.013, so 4 of them separate 1/2 from 3/5."""
    pbo, below = _null(n_candidates, metric)
    exact_pbo = ((n_candidates + 1) // 2) / n_candidates
    exact_below = (n_candidates // 2) / n_candidates
    for values, exact in ((pbo, exact_pbo), (below, exact_below)):
        se = values.std(ddof=1) / np.sqrt(len(values))
        assert se < 0.02
        assert abs(values.mean() - exact) < 4 * se, (values.mean(), exact, se)
    # the two shares differ by the combinations whose winner has the median rank: 1/N for N
    # odd, none for N even
    at_median = pbo - below
    exact = 1 / n_candidates if n_candidates % 2 else 0.0
    se = at_median.std(ddof=1) / np.sqrt(len(at_median))
    assert abs(at_median.mean() - exact) <= 4 * se


def test_logits_of_the_null_are_uniform_ranks():
    """The logits are log(w / (1 - w)) with w = rank / (N + 1): every logit is one of the N
    values, and over many null panels each rank appears in about 1/N of the combinations
    (4 standard errors of the per-panel share)."""
    rng = np.random.default_rng(SEED)
    n = 5
    possible = np.log(np.arange(1, n + 1) / (n + 1 - np.arange(1, n + 1)))
    shares = []
    for _ in range(60):
        res = cscv_pbo(rng.standard_normal((64, n)) ** 2, n_splits=8)
        rank = np.rint(np.exp(res.logits) / (1 + np.exp(res.logits)) * (n + 1)).astype(int)
        np.testing.assert_allclose(res.logits, possible[rank - 1], atol=1e-12)
        shares.append(np.bincount(rank - 1, minlength=n) / len(rank))
    shares = np.array(shares)
    se = shares.std(axis=0, ddof=1) / np.sqrt(len(shares))
    np.testing.assert_array_less(np.abs(shares.mean(axis=0) - 1 / n), 4 * se)


def test_degradation_fit_equals_numpy_least_squares():
    """slope and intercept are the least-squares line of oos on is performance (numpy)."""
    rng = np.random.default_rng(SEED)
    values = rng.standard_normal((128, 6)) + np.linspace(0, 0.3, 6)  # some spread of skill
    res = cscv_pbo(values, n_splits=8, metric="pnl")
    slope, intercept = np.polyfit(res.is_performance, res.oos_performance, 1)
    assert res.slope == pytest.approx(slope, rel=1e-10)
    assert res.intercept == pytest.approx(intercept, rel=1e-10, abs=1e-14)
