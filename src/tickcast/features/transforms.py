"""Invertible target transforms: log returns, differences, square-root differences,
percentage changes, levels.

A forecaster models a *transformed* target (log returns of a price, daily changes of a rate)
and answers in the user's units by mapping its forecasts back with ``inverse_transform``.
Every transform here has the same three methods:

``fit(y) -> self``
    Checks ``y`` and remembers its last value (``last_value_``). The transforms keep no other
    state, so ``transform`` also works without ``fit``.
``transform(y)``
    The transformed series, one value per step; differencing transforms drop the first
    observation (``n_dropped = 1``).
``inverse_transform(z, last_level=None)``
    Levels from forecasts ``z`` of the transformed series, starting from ``last_level`` (the
    last observed level). ``z`` is a point forecast of shape ``(horizon,)`` or simulated paths
    of shape ``(n_paths, horizon)``; the transform is cumulated along the last axis.

The round trip ``inverse_transform(transform(y)[k:], y[k])`` gives back ``y[k + 1:]`` to
rounding error (about 1e-15 relative per step).
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tickcast.errors import ConfigError, DataError, InputTypeError, NotFittedError

__all__ = [
    "TARGETS",
    "Diff",
    "Level",
    "LogReturn",
    "PctChange",
    "SqrtDiff",
    "TargetTransform",
    "default_target",
    "make_target",
]


# --------------------------------------------------------------------------- helpers
# Shared by the other modules of tickcast.features (validation at the public boundary).


def _where(index: pd.Index | None, pos: int) -> str:
    """Describe position ``pos`` as a date (when an index is known) and a position."""
    if index is None:
        return f"position {pos}"
    label = index[pos]
    if isinstance(label, pd.Timestamp):
        label = label.date() if label == label.normalize() else label
    return f"{label} (position {pos})"


def _as_float_array(values: ArrayLike, name: str) -> np.ndarray:
    """Convert to a floating array without copying floating input; reject non-numbers."""
    if isinstance(values, (pd.Series, pd.DataFrame)):
        dtypes = [values.dtype] if isinstance(values, pd.Series) else list(values.dtypes)
        numeric = all(pd.api.types.is_numeric_dtype(d) for d in dtypes)
        if numeric and any(isinstance(d, pd.api.extensions.ExtensionDtype) for d in dtypes):
            # nullable Int64/Float64...: pd.NA becomes NaN
            arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            arr = values.to_numpy()
    else:
        arr = np.asarray(values)
    if arr.dtype.kind == "f":
        return cast("np.ndarray", arr)
    if arr.dtype.kind in "iub":
        return cast("np.ndarray", arr.astype(np.float64))
    raise InputTypeError(
        f"`{name}` must hold numbers; got dtype {arr.dtype}. "
        "Convert it first, e.g. pd.to_numeric(values)."
    )


def _as_series_values(y: ArrayLike, name: str = "y") -> tuple[np.ndarray, pd.Index | None]:
    """Return the values of a 1-D series as float array and its index (None for arrays)."""
    if isinstance(y, pd.DataFrame):
        raise InputTypeError(
            f"`{name}` must be one series (pd.Series or 1-D array); got a DataFrame with "
            f"columns {list(y.columns)[:5]}. Select one column, e.g. df['Close']."
        )
    index = y.index if isinstance(y, pd.Series) else None
    arr = _as_float_array(y, name)
    if arr.ndim != 1:
        raise InputTypeError(
            f"`{name}` must be 1-D of shape (n_obs,); got shape {arr.shape}. "
            "Pass one series; use .ravel() if it is a single column."
        )
    return arr, index


def _check_finite(arr: np.ndarray, name: str, index: pd.Index | None) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = int(np.flatnonzero(bad.reshape(len(arr), -1).any(axis=1))[0])
        raise DataError(
            f"`{name}` must be finite; found {float(arr[pos])} at {_where(index, pos)}. "
            "Drop or fill missing values first, e.g. y.dropna()."
        )


# --------------------------------------------------------------------------- transforms


def _refuse_first(bad: np.ndarray, arr: np.ndarray, index: pd.Index | None, message: str) -> None:
    """Raise DataError at the first ``bad`` level: ``message`` with ``{value}`` and ``{where}``."""
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(message.format(value=float(arr[pos]), where=_where(index, pos)))


def _refuse_start(bad: np.ndarray, last: np.ndarray, message: str) -> None:
    """Raise DataError at the first ``bad`` starting level: ``message`` with ``{value}``."""
    if np.any(bad):
        raise DataError(message.format(value=float(last[bad].ravel()[0])))


class TargetTransform:
    """Base class of the invertible target transforms (not used directly).

    Attributes
    ----------
    name : str
        Name accepted by :func:`make_target`.
    n_dropped : int
        Leading observations that ``transform`` drops (1 for differencing, 0 for levels).
    last_value_ : float
        Last value of the series passed to ``fit``; the default start of
        ``inverse_transform``.
    n_obs_ : int
        Length of the series passed to ``fit``.
    """

    name: ClassVar[str] = ""
    n_dropped: ClassVar[int] = 1

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, as a dict."""
        return {}

    # -- subclass hooks (trusted inputs) ----------------------------------------------
    def check_domain(self, y: ArrayLike, *, name: str = "y") -> None:
        """Raise DataError if levels ``y`` lie outside this transform's domain.

        The check ``fit`` and ``transform`` make, for new observations alone (a model's
        ``update`` checks its ``y_new`` with it): strictly positive for LogReturn, non-zero
        before the last value for PctChange; the message names ``name`` and the date.

        Parameters
        ----------
        y : pd.Series or array-like of shape (n_obs,)
            Levels in the series' units, already finite.
        name : str, default "y"
            The argument's name in the message (``"y_new"`` for an update).
        """
        arr, index = _as_series_values(y, name)
        self._check_domain(arr, index, name)

    def _check_domain(self, arr: np.ndarray, index: pd.Index | None, name: str) -> None:
        """Raise DataError if ``arr`` (levels) is outside the transform's domain."""

    def _forward(self, arr: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _backward(self, z: np.ndarray, last: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- public API ---------------------------------------------------------------------
    def fit(self, y: ArrayLike) -> TargetTransform:
        """Check ``y`` and remember its last value.

        Parameters
        ----------
        y : pd.Series or array-like of shape (n_obs,)
            Levels in the series' units (price, percent).

        Returns
        -------
        self
        """
        arr, index = _as_series_values(y)
        self._validate(arr, index, "y")
        return self.observe(arr)

    def observe(self, y: ArrayLike) -> TargetTransform:
        """Remember the last value and the length of a grown history ``y`` (trusted).

        Parameters
        ----------
        y : pd.Series or ndarray of shape (n_obs,)
            The levels seen so far, already checked (``fit`` checks them).

        Returns
        -------
        self
        """
        arr = np.asarray(y, dtype=float)
        self.last_value_ = float(arr[-1])
        self.n_obs_ = len(arr)
        return self

    def _validate(self, arr: np.ndarray, index: pd.Index | None, name: str) -> None:
        need = self.n_dropped + 1
        if len(arr) < need:
            raise DataError(
                f"`{name}` needs at least {need} observation(s) for {type(self).__name__}; "
                f"got {len(arr)}. Pass a longer series."
            )
        _check_finite(arr, name, index)
        self._check_domain(arr, index, name)

    def transform(self, y: ArrayLike) -> pd.Series | np.ndarray:
        """Transform levels into the modelled quantity.

        Parameters
        ----------
        y : pd.Series or array-like of shape (n_obs,)
            Levels in the series' units.

        Returns
        -------
        pd.Series or ndarray of shape (n_obs - n_dropped,)
            A Series (indexed by ``y.index[n_dropped:]``, same name) for Series input,
            else an ndarray. Value ``t`` uses only ``y[: t + n_dropped + 1]``.
        """
        arr, index = _as_series_values(y)
        self._validate(arr, index, "y")
        out = self._forward(arr)
        if index is not None:
            return pd.Series(out, index=index[self.n_dropped :], name=getattr(y, "name", None))
        return out

    def fit_transform(self, y: ArrayLike) -> pd.Series | np.ndarray:
        """``fit(y)`` then ``transform(y)``."""
        return self.fit(y).transform(y)

    def inverse_transform(
        self, z: ArrayLike, last_level: ArrayLike | None = None
    ) -> pd.Series | np.ndarray:
        """Map forecasts of the transformed series back to levels.

        Parameters
        ----------
        z : pd.Series or array-like of shape (horizon,) or (n_paths, horizon)
            Forecast steps of the transformed series (a point forecast or simulated
            paths); cumulated along the last axis.
        last_level : float or array-like of shape z.shape[:-1], optional
            The last observed level each path starts from, in the series' units. One value
            per path (or per forecast origin) is allowed. Defaults to ``last_value_`` from
            ``fit``.

        Returns
        -------
        pd.Series or ndarray of shape z.shape
            Levels in the series' units; a Series with ``z``'s index for Series input.
        """
        if isinstance(z, pd.DataFrame):
            raise InputTypeError(
                "`z` must be a Series or an array with the horizon along the last axis; "
                "got a DataFrame. Pass df.to_numpy() (shape (n_paths, horizon))."
            )
        zarr = _as_float_array(z, "z")
        if zarr.ndim == 0:
            raise InputTypeError(
                "`z` must have shape (horizon,) or (n_paths, horizon); got a scalar. "
                "Wrap a one-step forecast in a list: [value]."
            )
        if last_level is None:
            if not hasattr(self, "last_value_"):
                raise NotFittedError(
                    f"{type(self).__name__}.inverse_transform needs `last_level` or a prior "
                    "call to fit(y); got neither. Pass last_level=y.iloc[-1]."
                )
            last_level = self.last_value_
        last = _as_float_array(last_level, "last_level")
        try:
            np.broadcast_shapes(last.shape, zarr.shape[:-1])
        except ValueError:
            raise ConfigError(
                f"`last_level` must be a scalar or have shape z.shape[:-1] = "
                f"{zarr.shape[:-1]}; got shape {last.shape}. Pass one level per path."
            ) from None
        if not np.all(np.isfinite(last)):
            raise DataError(f"`last_level` must be finite; got {last_level!r}.")
        self._check_last(last)
        out = self._backward(zarr, last[..., np.newaxis])
        if isinstance(z, pd.Series):
            return pd.Series(out, index=z.index, name=z.name)
        return out

    def _check_last(self, last: np.ndarray) -> None:
        """Raise DataError if a starting level is outside the transform's domain."""

    def to_integrated(self, levels: np.ndarray) -> np.ndarray:
        """Levels -> the scale whose differences the transform takes (shape kept).

        The identity here (differences, levels); ``log`` for :class:`LogReturn`, ``sqrt``
        for :class:`SqrtDiff`. An ARIMA model is fitted on this scale.
        """
        return np.asarray(levels, dtype=float)

    def from_integrated(self, w: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`to_integrated` (monotone, so it maps quantiles)."""
        return np.asarray(w, dtype=float)


class LogReturn(TargetTransform):
    """Log returns of a positive price: ``r[t] = log(y[t]) - log(y[t-1])``.

    The default target for prices. ``transform`` drops the first observation.

    Attributes
    ----------
    last_value_ : float
        Last price seen by ``fit`` (price units).
    n_obs_ : int
        Length of the series seen by ``fit``.

    Notes
    -----
    Forward: :math:`r_t = \\log y_t - \\log y_{t-1}` (dimensionless, per step).
    Inverse from the last level :math:`y_T`:
    :math:`\\hat y_{T+h} = y_T \\exp(\\sum_{i=1}^{h} \\hat r_{T+i})`.
    Prices must be strictly positive; the first offending date is named in the error.

    Examples
    --------
    >>> import numpy as np
    >>> t = LogReturn()
    >>> r = t.transform(np.array([100.0, 110.0, 99.0]))
    >>> np.round(t.inverse_transform(r, last_level=100.0), 10)
    array([110.,  99.])
    """

    name = "log_return"

    def _check_domain(self, arr: np.ndarray, index: pd.Index | None, name: str) -> None:
        _refuse_first(
            arr <= 0,
            arr,
            index,
            f"`{name}` must be strictly positive for LogReturn (log of a price); got "
            "{value} at {where}. Fix or drop that value, or use Diff() for series that can "
            "be zero or negative (e.g. rates).",
        )

    def _check_last(self, last: np.ndarray) -> None:
        _refuse_start(
            last <= 0,
            last,
            "`last_level` (the level the forecast starts from) must be a positive price for "
            "LogReturn; got {value}. Pass the last observed price.",
        )

    def _forward(self, arr: np.ndarray) -> np.ndarray:
        return np.diff(np.log(arr))

    def _backward(self, z: np.ndarray, last: np.ndarray) -> np.ndarray:
        return cast("np.ndarray", last * np.exp(np.cumsum(z, axis=-1)))

    def to_integrated(self, levels: np.ndarray) -> np.ndarray:
        return cast("np.ndarray", np.log(np.asarray(levels, dtype=float)))

    def from_integrated(self, w: np.ndarray) -> np.ndarray:
        return cast("np.ndarray", np.exp(np.asarray(w, dtype=float)))


class Diff(TargetTransform):
    """First differences in the series' units, optionally in basis points.

    The default target for rates. ``transform`` drops the first observation.

    Parameters
    ----------
    bps : bool, default False
        If True, report changes in basis points, i.e. multiply by 100; this assumes the
        series is in percent (FRED yields are). ``inverse_transform`` then expects basis
        points and divides by 100 before cumulating.

    Attributes
    ----------
    last_value_ : float
        Last level seen by ``fit`` (series units, e.g. percent).
    n_obs_ : int
        Length of the series seen by ``fit``.

    Notes
    -----
    Forward: :math:`d_t = c\\,(y_t - y_{t-1})` with :math:`c = 100` if ``bps`` else 1.
    Inverse: :math:`\\hat y_{T+h} = y_T + \\sum_{i=1}^{h} \\hat d_{T+i} / c`.

    Examples
    --------
    >>> import numpy as np
    >>> Diff(bps=True).transform(np.array([4.00, 4.05, 3.95]))
    array([  5., -10.])
    """

    name = "diff"

    def __init__(self, *, bps: bool = False) -> None:
        self.bps = bps

    def get_params(self) -> dict[str, Any]:
        return {"bps": self.bps}

    def _factor(self) -> float:
        if not isinstance(self.bps, (bool, np.bool_)):
            raise ConfigError(f"`bps` must be True or False; got {self.bps!r}.")
        return 100.0 if self.bps else 1.0

    def _forward(self, arr: np.ndarray) -> np.ndarray:
        return np.diff(arr) * self._factor()

    def _backward(self, z: np.ndarray, last: np.ndarray) -> np.ndarray:
        return last + np.cumsum(z / self._factor(), axis=-1)


class SqrtDiff(TargetTransform):
    """Changes of the square root of a non-negative rate: ``s[t] = sqrt(y[t]) - sqrt(y[t-1])``.

    A level-dependent model of a rate: steps of constant variance in ``sqrt(y)`` are changes
    of ``y`` whose variance grows with the level, ``Var(dy) ~ 4 y Var(s)``, the elasticity
    1/2 of the square-root diffusion (Cox, Ingersoll & Ross 1985; Chan, Karolyi, Longstaff &
    Sanders 1992). Forecast paths cannot go below zero: a path whose root would turn
    negative is at 0 (a zero lower bound), so the lower quantiles of a rate near zero are 0
    rather than negative. ``transform`` drops the first observation.

    Attributes
    ----------
    last_value_ : float
        Last level seen by ``fit`` (series units, e.g. percent).
    n_obs_ : int
        Length of the series seen by ``fit``.

    Notes
    -----
    Forward: :math:`s_t = \\sqrt{y_t} - \\sqrt{y_{t-1}}` (square-root units of the series,
    per step). Inverse from the last level :math:`y_T`:
    :math:`\\hat y_{T+h} = \\max(\\sqrt{y_T} + \\sum_{i=1}^{h} \\hat s_{T+i}, 0)^2`, monotone
    in the cumulated steps, so it maps quantiles. Levels must be >= 0 (US Treasury yields
    are); for rates that can be negative use :class:`Diff`. The first offending date is
    named in the error.

    Examples
    --------
    >>> import numpy as np
    >>> t = SqrtDiff()
    >>> s = t.transform(np.array([4.0, 9.0, 1.0]))
    >>> s
    array([ 1., -2.])
    >>> t.inverse_transform(s, last_level=4.0)
    array([9., 1.])
    >>> t.inverse_transform(np.array([-3.0]), last_level=4.0)  # the root would be -1
    array([0.])
    """

    name = "sqrt_diff"

    def _check_domain(self, arr: np.ndarray, index: pd.Index | None, name: str) -> None:
        _refuse_first(
            arr < 0,
            arr,
            index,
            f"`{name}` must be >= 0 for SqrtDiff (square root of a rate); got {{value}} at "
            "{where}. Use Diff() (target='diff') for rates that can be negative.",
        )

    def _check_last(self, last: np.ndarray) -> None:
        _refuse_start(
            last < 0,
            last,
            "`last_level` (the level the forecast starts from) must be >= 0 for SqrtDiff; "
            "got {value}. Pass the last observed rate.",
        )

    def _forward(self, arr: np.ndarray) -> np.ndarray:
        return np.diff(np.sqrt(arr))

    def _backward(self, z: np.ndarray, last: np.ndarray) -> np.ndarray:
        return self.from_integrated(np.sqrt(last) + np.cumsum(z, axis=-1))

    def to_integrated(self, levels: np.ndarray) -> np.ndarray:
        return cast("np.ndarray", np.sqrt(np.asarray(levels, dtype=float)))

    def from_integrated(self, w: np.ndarray) -> np.ndarray:
        return cast("np.ndarray", np.square(np.maximum(np.asarray(w, dtype=float), 0.0)))


class PctChange(TargetTransform):
    """Simple returns: ``p[t] = y[t] / y[t-1] - 1``.

    ``transform`` drops the first observation. Levels must be non-zero.

    Attributes
    ----------
    last_value_ : float
        Last level seen by ``fit``.
    n_obs_ : int
        Length of the series seen by ``fit``.

    Notes
    -----
    Forward: :math:`p_t = y_t / y_{t-1} - 1` (dimensionless fraction, not percent).
    Inverse: :math:`\\hat y_{T+h} = y_T \\prod_{i=1}^{h} (1 + \\hat p_{T+i})`.

    Examples
    --------
    >>> import numpy as np
    >>> PctChange().transform(np.array([100.0, 110.0]))
    array([0.1])
    """

    name = "pct_change"

    def _check_domain(self, arr: np.ndarray, index: pd.Index | None, name: str) -> None:
        _refuse_first(
            arr[:-1] == 0,
            arr,
            index,
            f"`{name}` must be non-zero for PctChange (it divides by the previous level); "
            "got {value} at {where}. Use Diff() instead.",
        )

    def _forward(self, arr: np.ndarray) -> np.ndarray:
        return cast("np.ndarray", arr[1:] / arr[:-1] - 1.0)

    def _backward(self, z: np.ndarray, last: np.ndarray) -> np.ndarray:
        return cast("np.ndarray", last * np.cumprod(1.0 + z, axis=-1))


class Level(TargetTransform):
    """Identity: the model sees the levels themselves.

    ``inverse_transform`` returns the forecasts unchanged; ``last_level`` is accepted only
    so that every transform shares one signature and plays no part in the result.

    Attributes
    ----------
    last_value_ : float
        Last level seen by ``fit``.
    n_obs_ : int
        Length of the series seen by ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> Level().transform(np.array([1.0, 2.0]))
    array([1., 2.])
    """

    name = "level"
    n_dropped = 0

    def _forward(self, arr: np.ndarray) -> np.ndarray:
        return cast("np.ndarray", arr.copy())

    def _backward(self, z: np.ndarray, last: np.ndarray) -> np.ndarray:
        return cast("np.ndarray", z.copy())


# --------------------------------------------------------------------------- factory

#: Names accepted by :func:`make_target`, with the transform each builds.
TARGETS: dict[str, tuple[type[TargetTransform], dict[str, Any]]] = {
    "log_return": (LogReturn, {}),
    "diff": (Diff, {}),
    "diff_bps": (Diff, {"bps": True}),
    "sqrt_diff": (SqrtDiff, {}),
    "pct_change": (PctChange, {}),
    "level": (Level, {}),
}

_DEFAULT_TARGETS = {"price": "log_return", "rate": "diff"}


def make_target(name: str | TargetTransform) -> TargetTransform:
    """Build a fresh, unfitted target transform from its name.

    Parameters
    ----------
    name : {"log_return", "diff", "diff_bps", "sqrt_diff", "pct_change", "level"} or TargetTransform
        ``"log_return"`` -> :class:`LogReturn`; ``"diff"`` -> :class:`Diff` in the series'
        units; ``"diff_bps"`` -> ``Diff(bps=True)`` (percent series, changes in basis
        points); ``"sqrt_diff"`` -> :class:`SqrtDiff` (non-negative rates, level-dependent
        changes); ``"pct_change"`` -> :class:`PctChange`; ``"level"`` -> :class:`Level`.
        A transform instance is copied (so fitting the result never changes it).

    Returns
    -------
    TargetTransform

    Examples
    --------
    >>> make_target("log_return")
    LogReturn()
    >>> make_target(default_target("rate"))
    Diff(bps=False)
    """
    if isinstance(name, TargetTransform):
        return copy.deepcopy(name)
    if not isinstance(name, str):
        raise InputTypeError(
            f"`target` must be a name (str) or a TargetTransform; got {type(name).__name__}. "
            f"Use one of {sorted(TARGETS)}."
        )
    key = name.strip().lower()
    if key not in TARGETS:
        raise ConfigError(
            f"`target` must be one of {sorted(TARGETS)}; got {name!r}. "
            "Prices usually use 'log_return', rates 'diff'."
        )
    cls, kwargs = TARGETS[key]
    return cls(**kwargs)


def default_target(kind: str) -> str:
    """Default target name for a kind of series.

    Parameters
    ----------
    kind : {"price", "rate"}
        ``"price"`` (positive prices, index levels) -> ``"log_return"``;
        ``"rate"`` (interest rates in percent, which can be zero or negative) -> ``"diff"``.

    Returns
    -------
    str
        A name accepted by :func:`make_target`.
    """
    if not isinstance(kind, str) or kind.strip().lower() not in _DEFAULT_TARGETS:
        raise ConfigError(
            f"`kind` must be one of {sorted(_DEFAULT_TARGETS)}; got {kind!r}. "
            "Use 'price' for prices and indices, 'rate' for interest rates."
        )
    return _DEFAULT_TARGETS[kind.strip().lower()]
