"""Scalers whose statistics come from the training slice only.

Fit a scaler on the training part of a series or feature frame, then apply it to anything:
``transform`` only reads the fitted ``center_`` and ``scale_``, so applying it to later data
never reads the future. Missing values (NaN, e.g. the leading rows of a
:class:`~tickcast.features.FeatureSet`) are ignored by ``fit`` and kept by ``transform``.

A column with zero spread (constant in the training slice) gets ``scale_ = 1.0``: it is
centred but not divided, so nothing is divided by zero. Such columns are flagged in
``constant_``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tickcast.errors import ConfigError, DataError, InputTypeError, NotFittedError
from tickcast.features.transforms import _as_float_array

__all__ = ["RobustScaler", "StandardScaler"]

# A spread this small relative to the column's size counts as zero (rounding noise of a
# constant column); such columns are scaled by 1.0.
_ZERO_SPREAD_RTOL = 1e-12


class _Scaler:
    """Shared fit/transform/inverse_transform logic; subclasses give the statistics."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, as a dict."""
        return {}

    def _statistics(self, arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    # -- boundary checks ---------------------------------------------------------------
    @staticmethod
    def _to_2d(X: ArrayLike, name: str) -> tuple[np.ndarray, list[str] | None]:
        if isinstance(X, pd.DataFrame):
            names: list[str] | None = [str(c) for c in X.columns]
        elif isinstance(X, pd.Series):
            names = [str(X.name)] if X.name is not None else None
        else:
            names = None
        arr = _as_float_array(X, name)
        if arr.ndim == 1:
            arr = arr[:, np.newaxis]
        if arr.ndim != 2:
            raise InputTypeError(
                f"`{name}` must have shape (n_obs,) or (n_obs, n_features) for fit; got shape "
                f"{arr.shape}. Reshape to 2-D, e.g. X.reshape(-1, X.shape[-1])."
            )
        return arr, names

    def _check_fitted(self) -> None:
        if not hasattr(self, "scale_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; got a call before fit(). "
                "Call fit(X_train) first."
            )

    def _check_apply(self, X: ArrayLike, name: str) -> np.ndarray:
        self._check_fitted()
        if isinstance(X, pd.DataFrame) and self.feature_names_in_ is not None:
            cols = [str(c) for c in X.columns]
            if cols != self.feature_names_in_:
                raise DataError(
                    f"`{name}` must have the columns seen in fit {self.feature_names_in_}; "
                    f"got {cols}. Select and order them the same way."
                )
        arr = _as_float_array(X, name)
        if arr.ndim == 0:
            raise InputTypeError(f"`{name}` must be an array of observations; got a scalar.")
        if arr.ndim == 1 and self.n_features_in_ == 1:
            return arr
        if arr.ndim == 1 or arr.shape[-1] != self.n_features_in_:
            raise DataError(
                f"`{name}` must have {self.n_features_in_} feature(s) along its last axis (as "
                f"in fit); got shape {arr.shape}. Pass the same columns as in fit."
            )
        return arr

    @staticmethod
    def _wrap(out: np.ndarray, like: ArrayLike) -> Any:
        if isinstance(like, pd.DataFrame):
            return pd.DataFrame(out, index=like.index, columns=like.columns)
        if isinstance(like, pd.Series):
            return pd.Series(out, index=like.index, name=like.name)
        return out

    # -- public API ----------------------------------------------------------------------
    def fit(self, X: ArrayLike) -> _Scaler:
        """Learn ``center_`` and ``scale_`` from training data.

        Parameters
        ----------
        X : pd.Series, pd.DataFrame or array-like of shape (n_obs,) or (n_obs, n_features)
            The training slice only. NaN values are ignored; infinities are rejected.

        Returns
        -------
        self
        """
        arr, names = self._to_2d(X, "X")
        if np.isinf(arr).any():
            row, col = np.argwhere(np.isinf(arr))[0]
            raise DataError(
                f"`X` must not contain infinities; got {float(arr[row, col])} at row {row}, "
                f"column {col}. Replace them, e.g. X.replace([np.inf, -np.inf], np.nan)."
            )
        empty = np.isnan(arr).all(axis=0)
        if arr.shape[0] == 0 or empty.any():
            col = int(np.flatnonzero(empty)[0]) if empty.any() else 0
            raise DataError(
                f"`X` must have at least one non-missing value per column; column {col} "
                f"has none among {arr.shape[0]} row(s). Fit on a longer training slice or "
                "drop that column."
            )
        center, spread = self._statistics(arr)
        constant = spread <= _ZERO_SPREAD_RTOL * np.maximum(1.0, np.abs(center))
        self.center_ = center
        self.scale_ = np.where(constant, 1.0, spread)
        self.constant_ = constant
        self.n_features_in_ = arr.shape[1]
        self.feature_names_in_ = names
        self.n_samples_seen_ = arr.shape[0]
        return self

    def transform(self, X: ArrayLike) -> Any:
        """Scale ``X`` with the fitted statistics: ``(X - center_) / scale_``.

        Parameters
        ----------
        X : pd.Series, pd.DataFrame or ndarray of shape (..., n_features)
            Any data with the fitted features along the last axis (1-D is allowed for a
            single feature), e.g. windows of shape (n_windows, lookback, n_features).

        Returns
        -------
        Same type and shape as ``X``
            A new array or frame (never a view of ``X``); NaN stays NaN.
        """
        arr = self._check_apply(X, "X")
        return self._wrap((arr - self.center_) / self.scale_, X)

    def inverse_transform(self, X: ArrayLike) -> Any:
        """Undo :meth:`transform`: ``X * scale_ + center_``.

        Parameters
        ----------
        X : pd.Series, pd.DataFrame or ndarray of shape (..., n_features)
            Scaled values (e.g. scaled forecasts).

        Returns
        -------
        Same type and shape as ``X``
            Values in the original units.
        """
        arr = self._check_apply(X, "X")
        return self._wrap(arr * self.scale_ + self.center_, X)

    def fit_transform(self, X: ArrayLike) -> Any:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)


class StandardScaler(_Scaler):
    """Centre by the mean and divide by the standard deviation (training slice only).

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        Column means of the training data (data units).
    scale_ : ndarray of shape (n_features,)
        Column standard deviations (``ddof=0``, data units); 1.0 where ``constant_``.
    constant_ : ndarray of bool, shape (n_features,)
        True for columns whose standard deviation is zero (up to 1e-12 relative to the
        column's mean): they are centred but divided by 1.0, never by zero.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : list of str or None
        Column names when ``fit`` got a DataFrame (or a named Series).
    n_samples_seen_ : int
        Number of rows seen in ``fit`` (NaN included).

    Notes
    -----
    :math:`z = (x - \\bar x) / s` with :math:`\\bar x, s` the NaN-ignoring mean and
    population standard deviation of the training slice.

    Examples
    --------
    >>> import numpy as np
    >>> sc = StandardScaler().fit(np.array([1.0, 2.0, 3.0]))
    >>> sc.transform(np.array([2.0, 5.0]))
    array([0.        , 3.67423461])
    """

    def _statistics(self, arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.nanmean(arr, axis=0), np.nanstd(arr, axis=0)


class RobustScaler(_Scaler):
    """Centre by the median and divide by the interquartile range (training slice only).

    Less sensitive than :class:`StandardScaler` to the fat tails of returns.

    Parameters
    ----------
    quantile_range : tuple of float, default (25.0, 75.0)
        Lower and upper percentiles (0-100) whose difference is the scale.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        Column medians of the training data (data units).
    scale_ : ndarray of shape (n_features,)
        Column interquartile ranges (data units); 1.0 where ``constant_``.
    constant_ : ndarray of bool, shape (n_features,)
        True for columns whose interquartile range is zero (up to 1e-12 relative to the
        median) — a constant column, or one where most values are equal: they are centred
        but divided by 1.0, never by zero.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : list of str or None
        Column names when ``fit`` got a DataFrame (or a named Series).
    n_samples_seen_ : int
        Number of rows seen in ``fit`` (NaN included).

    Notes
    -----
    :math:`z = (x - \\mathrm{median}) / (q_{hi} - q_{lo})`, NaN ignored, linear
    interpolation between order statistics.

    Examples
    --------
    >>> import numpy as np
    >>> RobustScaler().fit(np.array([1.0, 2.0, 3.0, 100.0])).center_
    array([2.5])
    """

    def __init__(self, *, quantile_range: tuple[float, float] = (25.0, 75.0)) -> None:
        self.quantile_range = quantile_range

    def get_params(self) -> dict[str, Any]:
        return {"quantile_range": self.quantile_range}

    def _statistics(self, arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        qr = self.quantile_range
        ok = (
            isinstance(qr, (tuple, list))
            and len(qr) == 2
            and all(isinstance(q, (int, float)) and not isinstance(q, bool) for q in qr)
            and 0.0 <= qr[0] < qr[1] <= 100.0
        )
        if not ok:
            raise ConfigError(
                "`quantile_range` must be two percentiles (lo, hi) with 0 <= lo < hi <= 100; "
                f"got {qr!r}. Use the default (25.0, 75.0) for the interquartile range."
            )
        lo, med, hi = np.nanpercentile(arr, [qr[0], 50.0, qr[1]], axis=0)
        return med, hi - lo
