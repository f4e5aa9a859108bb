"""Weight initialisers: Xavier/Glorot, He, orthogonal; all draw from an explicit ``rng``.

Fused gate matrices (LSTM ``(n_in, 4 * units)``) are initialised one gate block at a time,
so each gate gets the scale it would have on its own.
"""

from __future__ import annotations

import numpy as np

from tickcast.errors import ConfigError

__all__ = ["INITIALIZERS", "glorot_uniform", "he_normal", "initialize", "orthogonal"]


def glorot_uniform(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Xavier/Glorot uniform: ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``.

    Parameters
    ----------
    shape : (fan_in, fan_out)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape ``shape``, float64
    """
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, size=shape)


def he_normal(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """He (Kaiming) normal: ``N(0, 2 / fan_in)``, for ReLU-like units.

    Parameters
    ----------
    shape : (fan_in, fan_out)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape ``shape``, float64
    """
    return rng.normal(0.0, np.sqrt(2.0 / shape[0]), size=shape)


def orthogonal(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Orthogonal matrix (rows or columns orthonormal) from the QR of a Gaussian matrix.

    Keeps the recurrent Jacobian's singular values at 1 initially (Saxe et al., 2014).

    Parameters
    ----------
    shape : (rows, cols)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape ``shape``, float64
    """
    rows, cols = shape
    a = rng.normal(size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # make the decomposition unique (uniform over the group)
    return q if rows >= cols else q.T


INITIALIZERS = {"glorot": glorot_uniform, "he": he_normal, "orthogonal": orthogonal}
"""Names accepted by the layers' ``kernel_init`` / ``recurrent_init``."""


def initialize(
    name: str, fan_in: int, units: int, n_blocks: int, rng: np.random.Generator
) -> np.ndarray:
    """Initialise a fused matrix of ``n_blocks`` gate blocks of ``units`` columns each.

    Parameters
    ----------
    name : {"glorot", "he", "orthogonal"}
    fan_in : int
        Rows of the matrix.
    units : int
        Columns per block.
    n_blocks : int
        Number of gate blocks side by side.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (fan_in, n_blocks * units), float64
    """
    if name not in INITIALIZERS:
        raise ConfigError(f"initialiser must be one of {sorted(INITIALIZERS)}; got {name!r}.")
    fn = INITIALIZERS[name]
    return np.concatenate([fn((fan_in, units), rng) for _ in range(n_blocks)], axis=1)
