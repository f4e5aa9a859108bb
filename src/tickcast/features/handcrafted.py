"""Handcrafted features, vectorised and computed from the past only.

Each function maps a series indexed by dates to a feature indexed the same way, where the
value at date ``t`` uses observations at dates ``<= t`` only. The first rows, where the
window is not full yet, are NaN. :class:`FeatureSet` composes them by name::

    FeatureSet(["ret_5", "vol_20", "rsi_14", "dow", "slope_10y2y"], target_key="dgs10")

Names (``k`` is a positive integer window, in observations/business days):

=============== ========================================================= ========
name            value at date t                                           NaN rows
=============== ========================================================= ========
``ret_k``       log return over k steps: log(y_t / y_{t-k})               k
``vol_k``       realised volatility: std (ddof=1) of the last k daily     k
                log returns, annualised by sqrt(252)
``ma_gap_k``    log(y_t / SMA_k(y)_t), SMA over the last k levels incl. t k - 1
``rsi_k``       Wilder's relative strength index, 0-100                   k
``drawdown``    y_t / max(y_0..y_t) - 1, in (-1, 0]                       0
``chg_k``       change over k steps in the series' units: y_t - y_{t-k}   k
``dow``         day of week as ``dow_sin``, ``dow_cos`` (period 7 days)   0
``month``       month as ``month_sin``, ``month_cos`` (period 12 months)  0
``slope_10y2y`` DGS10 - DGS2, percentage points (``dgs10``, ``dgs2``)     0
``slope_10y3m`` DGS10 - DGS3MO, percentage points (``dgs10``, ``dgs3mo``) 0
=============== ========================================================= ========

``ret``, ``vol``, ``ma_gap`` and ``drawdown`` need strictly positive levels (prices).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from tickcast._validation import check_int
from tickcast.errors import ConfigError, DataError, InputTypeError
from tickcast.features.align import LagLike, align_exog
from tickcast.features.transforms import _as_series_values, _check_finite, _where

__all__ = [
    "FEATURES",
    "FeatureSet",
    "as_feature_set",
    "chg",
    "curve_slope",
    "day_of_week",
    "drawdown",
    "log_return",
    "ma_gap",
    "month_of_year",
    "realised_vol",
    "rsi",
]

TRADING_DAYS = 252


# --------------------------------------------------------------------------- functions


def _prepare(y: Any, *, positive: bool, what: str) -> pd.Series:
    """Check ``y`` once (Series, finite, sorted, optionally positive); return it as float."""
    if not isinstance(y, pd.Series):
        raise InputTypeError(
            f"`y` must be a pd.Series indexed by date; got {type(y).__name__}. "
            "Wrap it: pd.Series(values, index=dates)."
        )
    arr, _ = _as_series_values(y, "y")
    index = y.index
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise DataError(
            "`y` must have a sorted index without duplicates; got an unsorted or "
            "duplicated index. Use y.sort_index() and drop duplicate dates."
        )
    _check_finite(arr, "y", index)
    if positive:
        bad = arr <= 0
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"`y` must be strictly positive for {what} (logs or ratios of prices); got "
                f"{float(arr[pos])} at {_where(index, pos)}. Use chg_<k> for rates."
            )
    return pd.Series(arr, index=index, name=y.name)


def log_return(y: pd.Series, k: int) -> pd.Series:
    """Log return over ``k`` steps.

    Parameters
    ----------
    y : pd.Series of shape (n_obs,)
        Positive levels (prices).
    k : int
        Steps back (>= 1).

    Returns
    -------
    pd.Series of shape (n_obs,)
        :math:`\\log(y_t / y_{t-k})`, dimensionless; NaN for the first ``k`` rows.
    """
    k = check_int("k", k, minimum=1)
    y = _prepare(y, positive=True, what="log_return")
    return np.log(y).diff(k)


def realised_vol(
    y: pd.Series, k: int, *, annualize: bool = True, periods_per_year: int = TRADING_DAYS
) -> pd.Series:
    """Realised volatility of daily log returns over the last ``k`` returns.

    Parameters
    ----------
    y : pd.Series of shape (n_obs,)
        Positive levels (prices), one per business day.
    k : int
        Number of returns in the window (>= 2).
    annualize : bool, default True
        Multiply by ``sqrt(periods_per_year)`` (annualised volatility, e.g. 0.2 = 20 %);
        if False, the per-step standard deviation.
    periods_per_year : int, default 252
        Steps per year used to annualise.

    Returns
    -------
    pd.Series of shape (n_obs,)
        Sample standard deviation (``ddof=1``); NaN for the first ``k`` rows.
    """
    k = check_int("k", k, minimum=2)
    periods_per_year = check_int("periods_per_year", periods_per_year, minimum=1)
    y = _prepare(y, positive=True, what="realised_vol")
    out = np.log(y).diff().rolling(k, min_periods=k).std(ddof=1)
    return out * np.sqrt(periods_per_year) if annualize else out


def ma_gap(y: pd.Series, k: int) -> pd.Series:
    """Log gap between the level and its ``k``-step simple moving average.

    Returns
    -------
    pd.Series of shape (n_obs,)
        :math:`\\log(y_t / \\mathrm{SMA}_k(y)_t)` with the SMA over ``y_{t-k+1} .. y_t``;
        NaN for the first ``k - 1`` rows.
    """
    k = check_int("k", k, minimum=1)
    y = _prepare(y, positive=True, what="ma_gap")
    return np.log(y / y.rolling(k, min_periods=k).mean())


def rsi(y: pd.Series, k: int) -> pd.Series:
    """Wilder's relative strength index over ``k`` steps, 0-100.

    Notes
    -----
    Gains :math:`g_t = \\max(\\Delta y_t, 0)` and losses :math:`l_t = \\max(-\\Delta y_t, 0)`
    are smoothed with Wilder's recursion :math:`a_t = a_{t-1} + (x_t - a_{t-1}) / k`
    (``ewm(alpha=1/k, adjust=False)``), then :math:`RSI = 100\\, G / (G + L)`; 50 where
    the series did not move at all (:math:`G = L = 0`). NaN for the first ``k`` rows.
    """
    k = check_int("k", k, minimum=1)
    y = _prepare(y, positive=False, what="rsi")
    d = y.diff()
    gain = d.clip(lower=0.0).ewm(alpha=1.0 / k, adjust=False, min_periods=k).mean()
    loss = (-d).clip(lower=0.0).ewm(alpha=1.0 / k, adjust=False, min_periods=k).mean()
    total = (gain + loss).to_numpy()
    g = gain.to_numpy()
    out = np.full_like(g, np.nan)
    np.divide(100.0 * g, total, out=out, where=total > 0)
    out[(total == 0) & ~np.isnan(total)] = 50.0
    return pd.Series(out, index=y.index)


def drawdown(y: pd.Series) -> pd.Series:
    """Fractional drawdown from the running maximum, in (-1, 0].

    Returns
    -------
    pd.Series of shape (n_obs,)
        :math:`y_t / \\max_{s \\le t} y_s - 1`; 0 at new highs.
    """
    y = _prepare(y, positive=True, what="drawdown")
    return y / y.cummax() - 1.0


def chg(y: pd.Series, k: int) -> pd.Series:
    """Change over ``k`` steps in the series' units (percentage points for yields).

    Returns
    -------
    pd.Series of shape (n_obs,)
        :math:`y_t - y_{t-k}`; NaN for the first ``k`` rows.
    """
    k = check_int("k", k, minimum=1)
    y = _prepare(y, positive=False, what="chg")
    return y.diff(k)


def _cyclic(values: np.ndarray, period: float, index: pd.Index, stem: str) -> pd.DataFrame:
    angle = 2.0 * np.pi * values / period
    return pd.DataFrame({f"{stem}_sin": np.sin(angle), f"{stem}_cos": np.cos(angle)}, index=index)


def day_of_week(index: pd.DatetimeIndex) -> pd.DataFrame:
    """Day of week as a point on the unit circle (Monday = angle 0, period 7 days).

    Returns
    -------
    pd.DataFrame of shape (n_obs, 2)
        Columns ``dow_sin``, ``dow_cos`` in [-1, 1]; known in advance for any date.
    """
    return _cyclic(index.day_of_week.to_numpy(dtype=float), 7.0, index, "dow")


def month_of_year(index: pd.DatetimeIndex) -> pd.DataFrame:
    """Month as a point on the unit circle (January = angle 0, period 12 months).

    Returns
    -------
    pd.DataFrame of shape (n_obs, 2)
        Columns ``month_sin``, ``month_cos`` in [-1, 1].
    """
    return _cyclic(index.month.to_numpy(dtype=float) - 1.0, 12.0, index, "month")


def curve_slope(long: pd.Series, short: pd.Series) -> pd.Series:
    """Yield-curve slope ``long - short`` (percentage points for FRED yields in percent).

    Both series must share the index (see :func:`~tickcast.features.align_exog`).
    """
    return long - short


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class _Spec:
    """How to compute one named feature."""

    compute: Callable[[pd.Series, int, Mapping[str, pd.Series]], pd.Series | pd.DataFrame]
    min_k: int | None  # None: the name takes no window suffix
    nan_rows: Callable[[int], int]
    columns: Callable[[str], list[str]] = lambda name: [name]
    needs: tuple[str, ...] = ()  # named series required (from exog / target_key)
    positive: bool = False  # needs strictly positive levels
    dates: bool = False  # needs a DatetimeIndex


#: Every feature name FeatureSet accepts (``_<k>`` marks an integer window suffix).
FEATURES: dict[str, _Spec] = {
    "ret": _Spec(lambda y, k, s: log_return(y, k), 1, lambda k: k, positive=True),
    "vol": _Spec(lambda y, k, s: realised_vol(y, k), 2, lambda k: k, positive=True),
    "ma_gap": _Spec(lambda y, k, s: ma_gap(y, k), 1, lambda k: k - 1, positive=True),
    "rsi": _Spec(lambda y, k, s: rsi(y, k), 1, lambda k: k),
    "chg": _Spec(lambda y, k, s: chg(y, k), 1, lambda k: k),
    "drawdown": _Spec(lambda y, k, s: drawdown(y), None, lambda k: 0, positive=True),
    "dow": _Spec(
        lambda y, k, s: day_of_week(y.index),
        None,
        lambda k: 0,
        columns=lambda name: ["dow_sin", "dow_cos"],
        dates=True,
    ),
    "month": _Spec(
        lambda y, k, s: month_of_year(y.index),
        None,
        lambda k: 0,
        columns=lambda name: ["month_sin", "month_cos"],
        dates=True,
    ),
    "slope_10y2y": _Spec(
        lambda y, k, s: curve_slope(s["dgs10"], s["dgs2"]),
        None,
        lambda k: 0,
        needs=("dgs10", "dgs2"),
    ),
    "slope_10y3m": _Spec(
        lambda y, k, s: curve_slope(s["dgs10"], s["dgs3mo"]),
        None,
        lambda k: 0,
        needs=("dgs10", "dgs3mo"),
    ),
}

_SUFFIX = re.compile(r"^(?P<stem>[a-z_]+?)_(?P<k>\d+)$")


def _available() -> list[str]:
    return sorted(f"{n}_<k>" if s.min_k is not None else n for n, s in FEATURES.items())


def _parse(name: Any) -> tuple[str, _Spec, int]:
    """Split a feature name into (stem, spec, k); k is 0 for names without a window."""
    if not isinstance(name, str):
        raise ConfigError(
            f"each feature must be a name (str); got {name!r}. Available: {_available()}."
        )
    key = name.strip().lower()
    if key in FEATURES and FEATURES[key].min_k is None:
        return key, FEATURES[key], 0
    m = _SUFFIX.match(key)
    if m and m["stem"] in FEATURES and FEATURES[m["stem"]].min_k is not None:
        spec = FEATURES[m["stem"]]
        k, min_k = int(m["k"]), int(spec.min_k or 0)
        if k < min_k:
            raise ConfigError(
                f"feature {name!r} needs a window k >= {min_k}; got k={k}. "
                f"Use e.g. {m['stem']}_{max(min_k, 5)}."
            )
        return m["stem"], spec, k
    if key in FEATURES:
        raise ConfigError(
            f"feature {name!r} needs an integer window suffix; got none. Use e.g. {key}_20."
        )
    raise ConfigError(f"unknown feature {name!r}. Available: {_available()}.")


class FeatureSet:
    """A set of handcrafted features, composed by name.

    Stateless: nothing is fitted, so :meth:`transform` may be applied to any span; the
    value at each date uses only data at or before that date (and exogenous values known
    by then, see ``exog_lag``).

    Parameters
    ----------
    features : sequence of str
        Feature names, e.g. ``["ret_5", "vol_20", "rsi_14", "dow", "slope_10y2y"]``. See
        the module docstring (or ``tickcast.features.FEATURES``) for the list; ``k`` is a
        window length in observations.
    target_key : str, optional
        Name under which the target itself serves the features that need named series:
        e.g. ``"dgs10"`` when forecasting the 10-year yield, so ``slope_10y2y`` needs only
        ``exog={"dgs2": ...}``. None: those series must all come from ``exog``.
    exog_lag : int, str or Timedelta, default 0
        Publication lag applied when aligning ``exog`` to the target's dates (see
        :func:`~tickcast.features.align_exog`): 0 uses a value on its own date, 1 from the
        next business day.

    Attributes
    ----------
    names : list of str
        Output columns, in order (``dow`` and ``month`` give two columns each).
    max_lookback : int
        Leading rows that are NaN because a window is not full yet; drop them with
        ``frame.iloc[fs.max_lookback:]``. Exogenous series that start later than the
        target can leave more NaN rows.
    required_exog : list of str
        Named series the features need (``dgs10``, ``dgs2``, ``dgs3mo``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> days = pd.bdate_range("2024-01-01", periods=30)
    >>> y = pd.Series(np.linspace(100.0, 110.0, 30), index=days)
    >>> fs = FeatureSet(["ret_5", "vol_10", "dow"])
    >>> X = fs.transform(y)
    >>> X.shape, fs.max_lookback, int(X.iloc[fs.max_lookback:].isna().sum().sum())
    ((30, 4), 10, 0)
    """

    def __init__(
        self,
        features: Sequence[str],
        *,
        target_key: str | None = None,
        exog_lag: LagLike = 0,
    ) -> None:
        self.features = features
        self.target_key = target_key
        self.exog_lag = exog_lag

    def __repr__(self) -> str:
        return (
            f"FeatureSet({list(self.features)!r}, target_key={self.target_key!r}, "
            f"exog_lag={self.exog_lag!r})"
        )

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as JSON-ready values (``exog_lag`` a str if a Timedelta).

        Returns
        -------
        dict
            ``features`` (list of str), ``target_key`` (str or None), ``exog_lag`` (int or
            str); :meth:`from_config` rebuilds an equal FeatureSet from it.
        """
        lag = self.exog_lag
        return {
            "features": list(self.features),
            "target_key": self.target_key,
            "exog_lag": int(lag) if isinstance(lag, (int, np.integer)) else str(lag),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FeatureSet:
        """The FeatureSet of :meth:`get_config`'s output (a str ``exog_lag`` is a Timedelta)."""
        lag = config["exog_lag"]
        if isinstance(lag, str):
            lag = pd.Timedelta(lag)
        return cls(config["features"], target_key=config["target_key"], exog_lag=lag)

    def _specs(self) -> list[tuple[str, str, _Spec, int]]:
        if isinstance(self.features, str) or not isinstance(self.features, Sequence):
            raise ConfigError(
                f"`features` must be a list of names; got {self.features!r}. "
                f"Wrap a single name in a list: [{self.features!r}]."
            )
        if len(self.features) == 0:
            raise ConfigError(
                f"`features` must name at least one feature; got []. Available: {_available()}."
            )
        parsed = [(str(name).strip().lower(), *_parse(name)) for name in self.features]
        cols = [c for name, _, spec, _ in parsed for c in spec.columns(name)]
        dup = sorted({c for c in cols if cols.count(c) > 1})
        if dup:
            raise ConfigError(f"`features` must not repeat a feature; got {dup} twice or more.")
        return parsed

    @property
    def names(self) -> list[str]:
        """Output column names, in order (``dow``/``month`` expand to sin/cos)."""
        return [c for name, _, spec, _ in self._specs() for c in spec.columns(name)]

    @property
    def max_lookback(self) -> int:
        """Leading rows of ``transform`` output that can be NaN (windows not full)."""
        return max(spec.nan_rows(k) for _, _, spec, k in self._specs())

    @property
    def required_exog(self) -> list[str]:
        """Named series needed from ``exog`` or ``target_key`` (sorted)."""
        needs = {n for _, _, spec, _ in self._specs() for n in spec.needs}
        return sorted(needs)

    def _named_series(
        self,
        y: pd.Series,
        exog: pd.DataFrame | Mapping[str, pd.Series] | None,
        needs: list[str],
    ) -> dict[str, pd.Series]:
        pool: dict[str, Any] = {}
        if exog is not None:
            if isinstance(exog, pd.DataFrame):
                items = {str(c): exog[c] for c in exog.columns}
            elif isinstance(exog, Mapping):
                items = {str(k): v for k, v in exog.items()}
            else:
                raise InputTypeError(
                    f"`exog` must be a DataFrame or a mapping of name -> pd.Series; got "
                    f"{type(exog).__name__}."
                )
            pool = {k.lower(): v for k, v in items.items()}
        key = self.target_key.lower() if isinstance(self.target_key, str) else None
        if self.target_key is not None and key is None:
            raise ConfigError(f"`target_key` must be a str or None; got {self.target_key!r}.")
        missing = [n for n in needs if n not in pool and n != key]
        if missing:
            raise DataError(
                f"features {self.features!r} need the series {needs}; missing {missing} "
                f"(exog has {sorted(pool)}, target_key={self.target_key!r}). Pass them, e.g. "
                "exog={'dgs2': tc.load('fred:DGS2')}, or target_key='dgs10' when the target "
                "is the 10-year yield."
            )
        from_exog = [n for n in needs if n != key]
        out: dict[str, pd.Series] = {}
        if from_exog:
            aligned = align_exog(y.index, {n: pool[n] for n in from_exog}, lag=self.exog_lag)
            out.update({n: aligned[n].astype(float) for n in from_exog})
        if key in needs:
            out[key] = y
        return out

    def transform(
        self,
        y: pd.Series,
        exog: pd.DataFrame | Mapping[str, pd.Series] | None = None,
    ) -> pd.DataFrame:
        """Compute the features for every date of ``y``.

        Parameters
        ----------
        y : pd.Series of shape (n_obs,)
            Target levels (prices or rates), sorted by date. A DatetimeIndex is required
            by ``dow``, ``month`` and the exogenous features.
        exog : pd.DataFrame or mapping of name -> pd.Series, optional
            Named series for ``slope_*`` features (keys case-insensitive: ``dgs10``,
            ``dgs2``, ``dgs3mo``), on any calendar; aligned to ``y``'s dates with
            :func:`~tickcast.features.align_exog` (``lag=exog_lag``).

        Returns
        -------
        pd.DataFrame of shape (n_obs, len(names))
            Indexed like ``y``, columns ``names``, float64. The first ``max_lookback`` rows
            hold NaN where a window is not full yet.
        """
        specs = self._specs()
        positive = [n for n, _, spec, _ in specs if spec.positive]
        yf = _prepare(y, positive=bool(positive), what=f"features {positive}")
        index = yf.index
        if any(spec.dates or spec.needs for _, _, spec, _ in specs) and not isinstance(
            index, pd.DatetimeIndex
        ):
            raise InputTypeError(
                f"`y` must have a DatetimeIndex for calendar or exogenous features; got "
                f"{type(index).__name__}. Set y.index = pd.to_datetime(y.index)."
            )
        series = self._named_series(yf, exog, self.required_exog)
        blocks = []
        for name, _stem, spec, k in specs:
            value = spec.compute(yf, k, series)
            cols = spec.columns(name)
            if isinstance(value, pd.Series):
                value = value.to_frame(cols[0])
            value.columns = cols
            blocks.append(value.set_axis(index, axis=0))
        return pd.concat(blocks, axis=1).astype(np.float64)


def as_feature_set(spec: Any) -> FeatureSet | None:
    """A model's ``features`` argument as a checked :class:`FeatureSet`, or None.

    Parameters
    ----------
    spec : None, str, sequence of str or FeatureSet
        Feature names (e.g. ``["ret_5", "vol_20", "dow"]``) or a ready FeatureSet. None or an
        empty list means no features.

    Raises
    ------
    InputTypeError
        ``spec`` is neither names nor a FeatureSet.
    ConfigError
        A name is unknown or repeated.
    """
    if spec is None:
        return None
    if not isinstance(spec, FeatureSet):
        if isinstance(spec, str):
            spec = [spec]
        if not isinstance(spec, Sequence) or not all(isinstance(s, str) for s in spec):
            raise InputTypeError(
                "`features` must be a FeatureSet or a list of feature names (str); got "
                f"{spec!r}. Example: features=['ret_5', 'vol_20', 'dow']."
            )
        if len(spec) == 0:
            return None
        spec = FeatureSet(list(spec))
    spec.names  # noqa: B018 - raises ConfigError on unknown or repeated names now
    return cast("FeatureSet | None", spec)
