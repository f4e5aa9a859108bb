"""Zero-copy sliding windows for sequence models.

:func:`make_windows` turns a series (plus optional exogenous columns) into supervised
samples: ``X[i]`` holds the ``lookback`` observations that end at ``origins[i]`` and
``y[i]`` the ``horizon`` target values that follow. ``X`` and ``y`` are read-only views
built with :func:`numpy.lib.stride_tricks.sliding_window_view`: no observation is copied
per window, so memory does not grow with ``lookback``. Mini-batches are gathered from the
view (:func:`iter_batches`, :meth:`Windows.take`); only the batch is copied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from tickcast._validation import check_int
from tickcast.errors import ConfigError, DataError, InputTypeError
from tickcast.features.transforms import _as_float_array, _where

__all__ = [
    "Windows",
    "first_complete_row",
    "iter_batches",
    "last_window",
    "make_windows",
    "min_windows",
]


class Windows(NamedTuple):
    """Supervised windows; unpacks as ``X, y, origins = make_windows(...)``.

    Attributes
    ----------
    X : ndarray of shape (n_windows, lookback, n_features)
        Inputs, read-only view of the data. Feature 0 is the target, then the exogenous
        columns in the order given. Units as in the input.
    y : ndarray of shape (n_windows, horizon)
        The ``horizon`` target values after each window (read-only view).
    origins : pd.Index of length n_windows
        Timestamp (or integer position when no index is known) of the last observation in
        each window: the time at which the forecast ``y[i]`` is made.
    """

    X: np.ndarray
    y: np.ndarray
    origins: pd.Index

    def take(self, idx: ArrayLike) -> Windows:
        """Gather the windows at positions ``idx`` (copies only those windows).

        Parameters
        ----------
        idx : array-like of int, shape (batch_size,)
            Window positions, e.g. from :func:`iter_batches`.

        Returns
        -------
        Windows
            ``X`` of shape (batch_size, lookback, n_features), ``y`` of shape
            (batch_size, horizon), both writeable copies.
        """
        idx = np.asarray(idx)
        return Windows(self.X[idx], self.y[idx], self.origins[idx])


def _stack_features(
    values: ArrayLike, exog: ArrayLike | None, index: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, pd.Index | None]:
    """Return (data (n_obs, n_features), target column view (n_obs,), index), validated.

    Copies only when exogenous columns must be stacked beside the target (once,
    O(n_obs * n_features)); 1-D or 2-D floating input without ``exog`` is not copied.
    """
    own_index = values.index if isinstance(values, (pd.Series, pd.DataFrame)) else None
    arr = _as_float_array(values, "values")
    if arr.ndim == 1:
        arr = arr[:, np.newaxis]
    if arr.ndim != 2:
        raise InputTypeError(
            f"`values` must have shape (n_obs,) or (n_obs, n_features) with the target in "
            f"column 0; got shape {arr.shape}."
        )
    n = arr.shape[0]
    target = arr[:, 0]
    if index is not None:
        idx = pd.Index(index)
        if len(idx) != n:
            raise DataError(
                f"`index` must have one label per observation ({n}); got {len(idx)}. "
                "Pass the index of `values`."
            )
    else:
        idx = own_index
    if exog is not None:
        ex = _as_float_array(exog, "exog")
        if ex.ndim == 1:
            ex = ex[:, np.newaxis]
        if ex.ndim != 2 or ex.shape[0] != n:
            raise DataError(
                f"`exog` must have shape ({n}, n_exog), one row per observation of `values`; "
                f"got shape {ex.shape}. Align it first with tickcast.features.align_exog."
            )
        if isinstance(exog, (pd.Series, pd.DataFrame)) and idx is not None:
            if not exog.index.equals(idx):
                raise DataError(
                    "`exog` must have the same index as `values`; got a different index "
                    f"(first exog label {exog.index[0]!r}, first values label {idx[0]!r}). "
                    "Align it first: align_exog(values.index, exog)."
                )
        arr = np.concatenate([arr, ex.astype(arr.dtype, copy=False)], axis=1)
    # Fast path without an (n_obs, n_features) temporary: the sum of finite values is
    # finite unless it overflows, in which case the exact check below runs and passes.
    if not np.isfinite(arr.sum()) and not np.isfinite(arr).all():
        row, col = np.argwhere(~np.isfinite(arr))[0]
        which = "values" if col < arr.shape[1] - (0 if exog is None else ex.shape[1]) else "exog"
        raise DataError(
            f"`{which}` must be finite inside windows; found {float(arr[row, col])} at "
            f"{_where(idx, int(row))}, feature {col}. Drop the leading NaN rows of a "
            "FeatureSet (features.iloc[fs.max_lookback:]) or fill/drop missing values."
        )
    return arr, target, idx


def make_windows(
    values: ArrayLike,
    lookback: int,
    horizon: int,
    *,
    stride: int = 1,
    exog: ArrayLike | None = None,
    index: ArrayLike | None = None,
) -> Windows:
    """Cut a series into (past ``lookback`` steps -> next ``horizon`` targets) samples.

    Parameters
    ----------
    values : pd.Series, pd.DataFrame or array-like of shape (n_obs,) or (n_obs, n_features)
        The target (already transformed, e.g. log returns), or a 2-D array whose column 0
        is the target and whose other columns are features.
    lookback : int
        Observations per window (>= 1).
    horizon : int
        Target steps after each window (>= 1). For the last window, which has no future
        yet, use :func:`last_window`.
    stride : int, default 1
        Step between consecutive window origins. Windows are anchored at the end: the most
        recent complete window is always included, earlier ones every ``stride`` steps.
    exog : pd.Series, pd.DataFrame or array-like of shape (n_obs,) or (n_obs, n_exog), optional
        Exogenous features, one row per observation of ``values`` (same index if both are
        pandas; see :func:`~tickcast.features.align_exog`). They become features 1...
        of ``X`` and are stacked once beside the target (one O(n_obs * n_features) copy);
        ``X`` is then a view of that stacked array.
    index : array-like of length n_obs, optional
        Timestamps of the observations; defaults to ``values.index`` for pandas input,
        else origins are integer positions.

    Returns
    -------
    Windows
        Named tuple ``(X, y, origins)``: ``X`` of shape (n_windows, lookback, n_features),
        ``y`` of shape (n_windows, horizon), ``origins`` a pd.Index of length n_windows,
        with ``n_windows = (n_obs - lookback - horizon) // stride + 1``. ``X`` and ``y``
        are read-only views: ``X`` shares memory with ``values`` when no ``exog`` is given
        and ``values`` is a floating array or a single-dtype float DataFrame (then nothing
        is copied at all); ``y`` always shares memory with the target.

    Raises
    ------
    ConfigError
        ``lookback``, ``horizon`` or ``stride`` is not an integer >= 1.
    DataError
        Fewer than ``lookback + horizon`` observations, non-finite values, misaligned
        ``exog`` or ``index``.

    Notes
    -----
    Window ``i`` covers rows ``s_i .. s_i + lookback - 1`` and its target rows
    ``s_i + lookback .. s_i + lookback + horizon - 1`` of the target column, where
    :math:`s_i = o + i \\cdot \\text{stride}` and
    :math:`o = (n - \\text{lookback} - \\text{horizon}) \\bmod \\text{stride}`.
    ``X[i]`` never contains data after ``origins[i]``.

    Examples
    --------
    >>> import numpy as np
    >>> X, y, origins = make_windows(np.arange(10.0), lookback=3, horizon=2)
    >>> X.shape, y.shape
    ((6, 3, 1), (6, 2))
    >>> X[0, :, 0], y[0]
    (array([0., 1., 2.]), array([3., 4.]))
    """
    lookback = check_int("lookback", lookback, minimum=1)
    horizon = check_int("horizon", horizon, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    data, target, idx = _stack_features(values, exog, index)
    n = data.shape[0]
    if n < lookback + horizon:
        raise DataError(
            f"`values` needs at least lookback + horizon = {lookback} + {horizon} = "
            f"{lookback + horizon} observations for one window; got {n}. Use a shorter "
            "lookback or horizon, or more data."
        )
    n_full = n - lookback - horizon + 1
    offset = (n_full - 1) % stride
    # (n - lookback + 1, n_features, lookback) -> (n_windows, lookback, n_features), a view.
    X = sliding_window_view(data, lookback, axis=0)[offset:n_full:stride].transpose(0, 2, 1)
    y = sliding_window_view(target[lookback:], horizon)[offset::stride]
    # Row of the last observation of each window, as a slice (no per-window array).
    last_rows = slice(offset + lookback - 1, n_full + lookback - 1, stride)
    origins = idx[last_rows] if idx is not None else pd.RangeIndex(n)[last_rows]
    return Windows(X, y, origins)


def last_window(values: ArrayLike, lookback: int, *, exog: ArrayLike | None = None) -> np.ndarray:
    """The most recent window, to forecast from the end of the data.

    Parameters
    ----------
    values : pd.Series, pd.DataFrame or array-like of shape (n_obs,) or (n_obs, n_features)
        As in :func:`make_windows`.
    lookback : int
        Observations in the window (>= 1).
    exog : array-like of shape (n_obs,) or (n_obs, n_exog), optional
        As in :func:`make_windows`.

    Returns
    -------
    ndarray of shape (1, lookback, n_features)
        Read-only view of the last ``lookback`` rows (same feature order as
        :func:`make_windows`).

    Examples
    --------
    >>> import numpy as np
    >>> last_window(np.arange(10.0), 3)[0, :, 0]
    array([7., 8., 9.])
    """
    lookback = check_int("lookback", lookback, minimum=1)
    data, _, _ = _stack_features(values, exog, None)
    if data.shape[0] < lookback:
        raise DataError(
            f"`values` needs at least lookback = {lookback} observations for the last "
            f"window; got {data.shape[0]}. Use a shorter lookback or more data."
        )
    out = data[np.newaxis, data.shape[0] - lookback :, :]
    out.flags.writeable = False
    return out


def iter_batches(
    n: int,
    batch_size: int,
    rng: np.random.Generator | int | None,
    *,
    shuffle: bool = True,
) -> Iterator[np.ndarray]:
    """Yield index arrays that split ``range(n)`` into mini-batches.

    Parameters
    ----------
    n : int
        Number of samples (e.g. ``len(windows.X)``), >= 1.
    batch_size : int
        Samples per batch (>= 1); the last batch may be smaller.
    rng : np.random.Generator, int or None
        Source of the shuffle order (an int seeds ``np.random.default_rng``). May be None
        only when ``shuffle=False``.
    shuffle : bool, default True
        If True, a fresh random permutation per call (one epoch); if False, batches in
        time order.

    Yields
    ------
    ndarray of int64, shape (batch,)
        Positions to gather, e.g. ``windows.take(idx)`` or ``X[idx]`` (which copies only
        the batch).

    Examples
    --------
    >>> [b.tolist() for b in iter_batches(5, 2, None, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    n = check_int("n", n, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise ConfigError(f"`shuffle` must be True or False; got {shuffle!r}.")
    if shuffle:
        if rng is None:
            raise ConfigError(
                "`rng` must be a np.random.Generator or an int seed when shuffle=True; "
                "got None. Pass rng=np.random.default_rng(seed)."
            )
        if not isinstance(rng, np.random.Generator):
            if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
                raise InputTypeError(
                    f"`rng` must be a np.random.Generator, an int seed or None; got "
                    f"{type(rng).__name__}. Pass rng=np.random.default_rng(seed)."
                )
            rng = np.random.default_rng(rng)
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    # Validated above, eagerly; the generator below only slices.
    return (order[start : start + batch_size] for start in range(0, n, batch_size))


def first_complete_row(M: np.ndarray, dates: pd.Index, *, offset: int = 0) -> int:
    """The first row of ``M`` without NaN, after which no row has one: the features' warm-up.

    Parameters
    ----------
    M : ndarray of shape (n_rows, n_columns)
        Feature (or input) rows; row ``r`` is dated ``dates[r + offset]``.
    dates : pd.Index
        The series' dates, for messages.
    offset : int, default 0
        Observations before row 0 (the target transform's dropped ones).

    Returns
    -------
    int

    Raises
    ------
    DataError
        Every row has a NaN (the series is shorter than the features' lookback), or a NaN
        follows the warm-up (a gap in ``y`` or ``X``).
    """
    finite = np.isfinite(M).all(axis=1)
    if not finite.any():
        raise DataError(
            "`features` are undefined (NaN) on every row of `y`; the series is shorter "
            "than the features' lookback. Pass a longer series."
        )
    first = int(np.argmax(finite))
    if not finite[first:].all():
        bad = first + int(np.argmin(finite[first:])) + offset
        raise DataError(
            f"`features` have NaN at {dates[bad].date()} after their warm-up; check `y` "
            "(and `X`) for gaps."
        )
    return first


def min_windows(start: int, enough: Callable[[int], bool]) -> int:
    """The smallest window count ``n >= start`` for which ``enough(n)`` holds.

    Models split their windows into training and held-out ones by a fraction; the split
    of ``n`` windows is not monotone in ``n`` after rounding, so the smallest count that
    leaves enough of both is found by counting up.
    """
    n = start
    while not enough(n):
        n += 1
    return n
