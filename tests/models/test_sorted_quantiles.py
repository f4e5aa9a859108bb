"""Quantiles of a sorted sample equal np.quantile's, bit for bit."""

import numpy as np
import pytest

from tickcast.models._quantiles import sorted_quantiles


@pytest.mark.parametrize("seed", range(4))
def test_equals_np_quantile_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    for trial in range(300):
        n = int(rng.integers(1, 3000))
        values = rng.standard_t(3, n) * 10 ** rng.uniform(-5, 5)
        if trial % 5 == 0:  # ties: a coarse grid
            values = np.round(values, 1)
        q = np.concatenate([rng.uniform(0, 1, 25), [0.0, 1.0, 0.5, 0.025, 0.975, 0.005, 0.995]])
        expected = np.quantile(values, q)
        got = sorted_quantiles(np.sort(values), q)
        assert np.array_equal(got, expected), (n, q[~(got == expected)])


def test_small_samples_and_the_ends():
    assert sorted_quantiles(np.array([3.0]), np.array([0.0, 0.5, 1.0])).tolist() == [3.0] * 3
    s = np.array([1.0, 2.0, 4.0])
    # type 7: (n - 1) q = 0.5 -> halfway between 1 and 2; 1.5 -> between 2 and 4
    assert sorted_quantiles(s, np.array([0.25, 0.75, 1.0])).tolist() == [1.5, 3.0, 4.0]
