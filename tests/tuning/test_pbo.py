"""CSCV probability of backtest overfitting against hand-computed and known-truth cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tickcast.errors import ConfigError, DataError
from tickcast.tuning import cscv_pbo


def test_hand_computed_tiny_example():
    # 4 periods, S=4 groups of one row, C(4, 2) = 6 combinations, 3 candidates (losses).
    # IS rows (0,1): means (2, 1.5, 2.5) -> best c1; OOS rows (2,3): (1.5, 2.5, 2) -> c1 worst,
    #   rank 1, w = 1/4, logit log(1/3).       (0,2): best c0, OOS (2, 1.5, 2.5): rank 2, logit 0.
    # (0,3): best c0, OOS (2.5, 2, 1.5): rank 1. (1,2): best c2, OOS (1, 2, 3): rank 1.
    # (1,3): best c1, OOS (1.5, 2.5, 2): rank 1. (2,3): best c0, OOS (2, 1.5, 2.5): rank 2.
    loss = np.array([[1, 2, 3], [3, 1, 2], [2, 3, 1], [1, 2, 3]], dtype=float)
    res = cscv_pbo(loss, n_splits=4)
    third = math.log(1 / 3)
    np.testing.assert_allclose(res.logits, [third, 0, third, third, third, 0])
    assert res.pbo == 1.0  # logit <= 0 in every combination
    np.testing.assert_allclose(res.is_performance, [-1.5, -1.5, -1.0, -1.5, -1.5, -1.5])
    np.testing.assert_allclose(res.oos_performance, [-2.5, -2.0, -2.5, -3.0, -2.5, -2.0])
    assert (res.n_splits, res.n_candidates, res.n_periods) == (4, 3, 4)


def test_dominant_candidate_has_pbo_zero_for_loss_and_pnl():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((64, 5))
    loss = noise**2
    loss[:, 3] -= 10.0  # candidate 3 is the best in every period
    res = cscv_pbo(loss, n_splits=8)
    assert res.pbo == 0.0
    np.testing.assert_allclose(res.logits, math.log(5 / 1))  # rank 5 of 5: w = 5/6
    pnl = 0.01 * noise
    pnl[:, 1] += 0.05  # a far higher Sharpe ratio in every group
    assert cscv_pbo(pnl, n_splits=8, metric="pnl").pbo == 0.0


def test_null_of_exchangeable_candidates_gives_pbo_near_one_half():
    # i.i.d. candidates: the in-sample best's out-of-sample rank is uniform on 1..N, so with
    # N = 10 the chance of rank <= 5 (logit < 0) is exactly 1/2.
    pbos = [
        cscv_pbo(np.random.default_rng(s).standard_normal((160, 10)), n_splits=8).pbo
        for s in range(40)
    ]
    assert 0.42 < np.mean(pbos) < 0.58


def test_oldest_rows_are_dropped_to_equal_groups():
    loss = np.array([[9, 0], [1, 2], [3, 1], [2, 3], [1, 3]], dtype=float)
    res = cscv_pbo(loss, n_splits=2)
    assert res.n_periods == 4
    # the dropped first row (where c1 is far better) must not matter
    np.testing.assert_array_equal(res.logits, cscv_pbo(loss[1:], n_splits=2).logits)


def test_invalid():
    ok = np.ones((16, 3))
    with pytest.raises(ConfigError, match="even"):
        cscv_pbo(ok, n_splits=3)
    with pytest.raises(ConfigError, match="n_splits"):
        cscv_pbo(ok, n_splits=0)
    with pytest.raises(ConfigError, match="periods"):
        cscv_pbo(ok, n_splits=18)
    with pytest.raises(ConfigError, match="combinations"):
        cscv_pbo(np.ones((40, 2)), n_splits=20)
    with pytest.raises(DataError, match="2 candidates"):
        cscv_pbo(np.ones((16, 1)), n_splits=4)
    with pytest.raises(DataError, match="2-D"):
        cscv_pbo(np.ones(16), n_splits=4)
    bad = ok.copy()
    bad[0, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        cscv_pbo(bad, n_splits=4)
    with pytest.raises(ConfigError, match="metric"):
        cscv_pbo(ok, n_splits=4, metric="sharpe")
