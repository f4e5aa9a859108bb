"""Risk questions answered from simulated paths: will the price touch a level, and when?"""

from __future__ import annotations

import re
from typing import Any, cast

import numpy as np

from tickcast._validation import (
    MAX_SIMULATED_VALUES,
    check_one_of,
    check_positive_int,
    check_seed,
    check_simulation_size,
)
from tickcast.errors import ConfigError, InputTypeError

__all__ = [
    "MAX_SIMULATED_VALUES",
    "barrier_probability",
    "check_seed",
    "check_simulation_size",
    "first_passage_times",
    "horizon_from_period",
    "prob_hit",
]

_PERIOD = re.compile(r"^\s*(\d+)\s*([DWMY])\s*$", re.IGNORECASE)
_STEPS_PER_UNIT = {"D": 1, "W": 5, "M": 21, "Y": 252}


def _check_paths(paths: Any) -> np.ndarray:
    from tickcast.data.validate import check_real_values

    if isinstance(paths, np.ndarray) and paths.dtype.kind not in "fiu":
        check_real_values(paths, "`paths`")
    try:
        arr = np.asarray(paths, dtype=float)
    except (ValueError, TypeError) as exc:
        raise InputTypeError(
            "`paths` must be a 2-D array of numbers of shape (n_paths, horizon), every path "
            f"of the same length (as Forecaster.simulate returns); it cannot be one ({exc})."
        ) from None
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputTypeError(
            f"`paths` must be a 2-D array of shape (n_paths, horizon); got shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise ConfigError("`paths` contains NaN or infinite values.")
    return arr


def _check_level(level: Any) -> float:
    if isinstance(level, (bool, np.bool_)) or not isinstance(level, (int, float, np.number)):
        raise ConfigError(
            f"`level` must be a finite number (the barrier, in the series' units); got "
            f"{level!r} ({type(level).__name__})."
        )
    if np.iscomplexobj(level) or not np.isfinite(level):
        raise ConfigError(f"`level` must be a finite number; got {level!r}.")
    return float(level)


def _hits(paths: np.ndarray, level: Any, direction: str) -> np.ndarray:
    check_one_of("direction", direction, ("below", "above"))
    level = _check_level(level)
    hits = paths <= level if direction == "below" else paths >= level
    return np.asarray(hits, dtype=bool)


def barrier_probability(paths: np.ndarray, level: float, direction: str = "below") -> float:
    """Probability that a path touches ``level`` at any step within its horizon.

    Parameters
    ----------
    paths : ndarray of shape (n_paths, horizon)
        Simulated levels (e.g. from ``Forecaster.simulate``), in the series' units.
    level : float
        The barrier, in the same units.
    direction : {"below", "above"}
        "below": P(min over the horizon <= level); "above": P(max >= level).

    Returns
    -------
    float in [0, 1]
        Fraction of paths whose running minimum (maximum) reaches the level — not only the
        final value. Paths are monitored at their steps (e.g. daily closes).

    Examples
    --------
    >>> import numpy as np
    >>> barrier_probability(np.array([[10.0, 4.0, 6.0], [10.0, 9.0, 8.0]]), 5.0)
    0.5
    """
    arr = _check_paths(paths)
    return float(_hits(arr, level, direction).any(axis=1).mean())


def first_passage_times(paths: np.ndarray, level: float, direction: str = "below") -> np.ndarray:
    """First step (1-based) at which each path touches ``level``; NaN where it never does.

    Returns
    -------
    ndarray of shape (n_paths,), float
    """
    arr = _check_paths(paths)
    hits = _hits(arr, level, direction)
    first = hits.argmax(axis=1).astype(float) + 1.0
    first[~hits.any(axis=1)] = np.nan
    return cast("np.ndarray", first)


def horizon_from_period(within: str | int, *, y: Any = None) -> int:
    """Steps of a series in a period such as "1Y", "6M", "2W" or "20D".

    Parameters
    ----------
    within : str or int
        A number of steps, or ``"<n>D"`` (trading days), ``"<n>W"``, ``"<n>M"``, ``"<n>Y"``.
    y : pd.Series, optional
        The series the steps belong to. Given, a week/month/year period counts the series'
        own steps: on daily data its calendar's sessions after the last date up to and
        including the last date plus that period ("1Y" from 2020-12-31 on Xetra: 255); on
        weekly, monthly, quarterly or yearly bars the number of such periods ("1Y" = 52
        weekly or 12 monthly steps). Without it, daily business-day steps are assumed:
        1Y = 252, 1M = 21, 1W = 5.

    Returns
    -------
    int, >= 1

    Raises
    ------
    ConfigError
        An unreadable period, or days (``"20D"``) on data coarser than daily.
    """
    if isinstance(within, (int, np.integer)) and not isinstance(within, bool):
        return check_positive_int("within", within)
    match = _PERIOD.match(str(within))
    if not match:
        raise ConfigError(
            f"`within` must be a number of steps or a period like '20D', '3M', '1Y'; "
            f"got {within!r}."
        )
    count, unit = int(match.group(1)), match.group(2).upper()
    if y is None:
        return check_positive_int("within", count * _STEPS_PER_UNIT[unit])
    return check_positive_int("within", _steps_in_period(y, count, unit, within))


def _steps_in_period(y: Any, count: int, unit: str, within: Any) -> int:
    import pandas as pd

    from tickcast.data.calendars import bar_period
    from tickcast.data.calendars import future_dates as future_index

    bars = bar_period(y.index)
    if unit == "D":
        if bars != "D":
            raise ConfigError(
                f"`within` {within!r} counts trading days but the series is not daily; give "
                "a period in weeks, months or years ('1Y') or a number of steps."
            )
        return count
    last = y.index[-1]
    offset = {"W": pd.DateOffset(weeks=count), "M": pd.DateOffset(months=count)}
    end = last + offset.get(unit, pd.DateOffset(years=count))
    if bars in ("W", "M", "Q", "Y"):  # one step per period: count the periods
        steps = pd.Period(end, freq=bars).ordinal - pd.Period(last, freq=bars).ordinal
    else:  # daily or irregular: the series' own future dates up to `end`
        dates = future_index(y, (end - last).days + 7)
        steps = int(np.searchsorted(dates.to_numpy(), end.to_datetime64(), side="right"))
    if steps < 1:
        raise ConfigError(
            f"`within` {within!r} is shorter than one step of the series (one step is "
            f"{future_index(y, 1)[0] - last}); give a longer period or a number of steps."
        )
    return cast("int", steps)


def prob_hit(
    spec: Any,
    *,
    level: float,
    within: str | int = "1Y",
    direction: str = "below",
    model: Any = None,
    n_paths: int = 10_000,
    seed: int | None = 0,
    window: str | None = "10Y",
    volatility: str | None = None,
) -> float:
    """Probability that a series touches ``level`` within a period, from simulated paths.

    Parameters
    ----------
    spec : str or pd.Series
        What :func:`tickcast.load` accepts (e.g. "dbk", "DBK.DE"), or a series of levels.
    level : float
        The barrier in the series' units (USD for "dbk", percent for rates).
    within : str or int, default "1Y"
        Period ("20D", "6M", "1Y") or number of steps. A period counts the series' own
        steps (:func:`horizon_from_period` with ``y``): "1Y" is one year of trading days on
        its market calendar for daily data, 52 steps on weekly data.
    direction : {"below", "above"}
    model : Forecaster, optional
        Unfitted forecaster to simulate with; default :class:`tickcast.Naive`.
    volatility : {"constant", "ewma", "garch"}, optional
        Sets the model's ``volatility`` option: its simulated paths are then filtered
        historical simulation with that volatility model (see
        :mod:`tickcast.models.volatility`). None keeps the model's own setting.
    n_paths : int, default 10000
    seed : int, optional
    window : str or None, default "10Y"
        Estimation window: the model is fitted on the observations within this calendar
        period of the last date ("10Y", "18M", "250D"; see
        :func:`tickcast.data.loader.last_window`), also for a series passed in. "all" or
        None fits on the whole history, whose volatility may be from another era (the
        1980s for US yields).

    Notes
    -----
    A random walk's touching probability grows with the volatility it was fitted on: for
    ``fred:DGS10`` at 0.93 % (January 2021) the naive model in differences gives about 0.20
    for "below 0 within 1Y" on ten years and 0.35 on the history since 1962, in line with
    the reflection principle ``2 Φ(-x / (σ √h))``. Such a model lets the changes of a
    yield be as large at 1 % as at 8 %; ``model=tc.Naive(target="sqrt_diff")`` walks on the
    yield's square root instead (changes that shrink with the level, no negative paths) and
    gives about 0.001 on the same ten years.

    Examples
    --------
    >>> import tickcast as tc
    >>> p = tc.prob_hit("dbk", level=5.0, within="1Y", n_paths=2000)
    >>> 0.0 <= p <= 1.0
    True
    """
    import pandas as pd

    from tickcast.data import load
    from tickcast.data.loader import last_window, window_offset
    from tickcast.data.validate import validate_series
    from tickcast.models import Naive

    # every option is checked before loading and fitting
    window_offset(window)
    _check_level(level)
    check_one_of("direction", direction, ("below", "above"))
    n_paths = check_positive_int("n_paths", n_paths)
    seed = check_seed(seed)
    if model is not None and not (hasattr(model, "fit") and hasattr(model, "simulate")):
        raise InputTypeError(
            f"`model` must be an unfitted tickcast forecaster such as tc.Naive() or None; got "
            f"{model!r} ({type(model).__name__})."
        )
    y = validate_series(spec, name="spec") if isinstance(spec, pd.Series) else load(spec)
    y = last_window(y, window)
    model = Naive() if model is None else model
    if volatility is not None:  # the same volatility model as the model's intervals
        from sklearn.base import clone

        model = clone(model).set_params(volatility=volatility)
    horizon = horizon_from_period(within, y=y)
    check_simulation_size(horizon, n_paths)
    paths = model.fit(y).simulate(horizon, n_paths, seed=seed)
    return barrier_probability(paths, level, direction)
