"""Quantiles of an already sorted sample: ``np.quantile`` without its partition.

The volatility-scaled intervals read several sets of quantiles from the same standardised
samples (one per step and per set of levels). ``np.quantile`` partitions a copy of the
sample at every call (about 0.2 ms for 2,500 values and a few levels); sorting each sample
once and interpolating gives the same numbers, bit for bit, in microseconds.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sorted_quantiles"]


def sorted_quantiles(sorted_values: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.quantile(values, q)`` (method "linear") from ``np.sort(values)``.

    Parameters
    ----------
    sorted_values : ndarray of shape (n,)
        The sample sorted ascending, n >= 1, no NaN.
    q : ndarray of shape (m,)
        Probabilities in [0, 1].

    Returns
    -------
    ndarray of shape (m,)
        The same floating-point numbers as ``np.quantile``: Hyndman & Fan's type 7, the
        order statistics at ``(n - 1) q`` interpolated with NumPy's two-sided ``lerp``
        (from the lower neighbour below a weight of 0.5, from the upper one above).
    """
    s = np.asarray(sorted_values, dtype=float)
    q = np.asarray(q, dtype=float)
    n = len(s)
    virtual = (n - 1) * q
    below = np.floor(virtual)
    lo = below.astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)  # at q = 1 both neighbours are the largest value
    gamma = virtual - below
    a, b = s[lo], s[hi]
    diff = b - a
    out: np.ndarray = a + diff * gamma
    upper = gamma >= 0.5
    out[upper] = (b - diff * (1 - gamma))[upper]
    return out
