"""Align exogenous series to a target's dates using only values known at each date.

An exogenous observation dated ``d`` becomes *known* at ``d + lag``; each target date gets
the most recent value already known then (``pandas.merge_asof``, backward). Nothing is
filled from the future: dates before the first known value are NaN and the caller decides
what to do with them (typically drop those rows).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from datetime import timedelta
from typing import TypeAlias

import pandas as pd
from pandas.tseries.frequencies import to_offset

from tickcast.errors import ConfigError, DataError, InputTypeError

__all__ = ["align_exog"]

LagLike: TypeAlias = int | str | pd.Timedelta | timedelta | pd.DateOffset


def _lag_offset(lag: LagLike) -> pd.DateOffset | pd.Timedelta | None:
    """Turn ``lag`` into something added to dates, or None for no lag."""
    if isinstance(lag, bool):
        pass  # fall through to the error below
    elif isinstance(lag, numbers.Integral):
        if lag < 0:
            raise ConfigError(
                f"`lag` must be >= 0 (a negative lag would read the future); got {lag}. "
                "Use lag=1 for data published the next business day."
            )
        return pd.offsets.BDay(int(lag)) if lag else None
    elif isinstance(lag, str):
        try:
            offset = to_offset(lag)
        except ValueError:
            raise ConfigError(
                f"`lag` must be a business-day count or a pandas offset string like '1D' or "
                f"'1B'; got {lag!r}."
            ) from None
        if pd.Timestamp("2000-01-03") + offset < pd.Timestamp("2000-01-03"):
            raise ConfigError(f"`lag` must not be negative; got {lag!r}.")
        return offset
    elif isinstance(lag, (pd.Timedelta, timedelta, pd.DateOffset)):
        if isinstance(lag, (pd.Timedelta, timedelta)) and pd.Timedelta(lag) < pd.Timedelta(0):
            raise ConfigError(f"`lag` must not be negative; got {lag!r}.")
        return lag
    raise ConfigError(
        f"`lag` must be an int (business days), an offset string ('1D', '1B') or a "
        f"Timedelta; got {lag!r} ({type(lag).__name__})."
    )


def _dates(index: pd.Index, name: str) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        raise InputTypeError(
            f"`{name}` must be indexed by dates (DatetimeIndex); got {type(index).__name__}. "
            "Set one, e.g. s.index = pd.to_datetime(s.index)."
        )
    return index


def align_exog(
    target_index: pd.Index | pd.Series | pd.DataFrame,
    exog: pd.Series | pd.DataFrame | Mapping[str, pd.Series],
    *,
    lag: LagLike = 0,
) -> pd.Series | pd.DataFrame:
    """Values of ``exog`` known at each date of ``target_index`` (no look-ahead).

    Parameters
    ----------
    target_index : pd.DatetimeIndex, or a Series/DataFrame whose index is used
        Dates of the target, sorted ascending.
    exog : pd.Series, pd.DataFrame or mapping of name -> pd.Series
        Exogenous series with DatetimeIndex (any calendar). Missing values (NaN) are
        skipped column by column, so each date gets the last *observed* value.
    lag : int, str, Timedelta or DateOffset, default 0
        Publication delay. An observation dated ``d`` is usable from ``d + lag`` on:

        - ``0``: usable on its own date (fine for end-of-day data of the same close);
        - int ``k > 0``: ``k`` business days later (``pd.offsets.BDay(k)``), e.g. ``1``
          for FRED yields, published the next business day;
        - offset string or Timedelta (``"1D"``, ``"1B"``, ``pd.Timedelta(hours=18)``):
          added to the observation's timestamp.

    Returns
    -------
    pd.Series or pd.DataFrame
        Indexed by ``target_index``: a Series for Series ``exog``, else a DataFrame with
        one column per exogenous series. NaN where no value was known yet.

    Raises
    ------
    InputTypeError
        Indexes are not DatetimeIndex, or ``exog`` is of another type.
    DataError
        ``target_index`` unsorted, duplicated exog dates, or mixed time zones.
    ConfigError
        ``lag`` negative or not understood.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.bdate_range("2024-01-01", periods=4)
    >>> x = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-01", "2024-01-03"]))
    >>> align_exog(days, x, lag=1).tolist()
    [nan, 1.0, 1.0, 2.0]
    """
    if isinstance(target_index, (pd.Series, pd.DataFrame)):
        target_index = target_index.index
    tidx = _dates(
        pd.Index(target_index) if not isinstance(target_index, pd.Index) else target_index,
        "target_index",
    )
    if not tidx.is_monotonic_increasing:
        raise DataError(
            "`target_index` must be sorted ascending; got an unsorted index. "
            "Sort the target first: y.sort_index()."
        )
    offset = _lag_offset(lag)
    if isinstance(exog, pd.Series):
        frame, as_series = exog.to_frame(name=exog.name if exog.name is not None else 0), True
    elif isinstance(exog, pd.DataFrame):
        frame, as_series = exog, False
    elif isinstance(exog, Mapping):
        for key, s in exog.items():
            if not isinstance(s, pd.Series):
                raise InputTypeError(
                    f"`exog[{key!r}]` must be a pd.Series; got {type(s).__name__}."
                )
        frame, as_series = pd.DataFrame(dict(exog)), False
    else:
        raise InputTypeError(
            f"`exog` must be a pd.Series, pd.DataFrame or a mapping of name -> Series; got "
            f"{type(exog).__name__}."
        )
    eidx = _dates(frame.index, "exog")
    if (eidx.tz is None) != (tidx.tz is None):
        raise DataError(
            f"`exog` and `target_index` must both be time-zone aware or both naive; got "
            f"{eidx.tz} and {tidx.tz}. Use .tz_localize(None) or .tz_convert(...)."
        )
    if eidx.has_duplicates:
        dup = eidx[eidx.duplicated()][0]
        raise DataError(
            f"`exog` must have unique dates; got {dup} more than once. "
            "Keep one value per date, e.g. exog[~exog.index.duplicated(keep='last')]."
        )
    frame = frame.sort_index()
    left = pd.DataFrame({"_known": tidx.as_unit("ns")})
    out = {}
    for col in frame.columns:
        s = frame[col].dropna()
        known = s.index if offset is None else s.index + offset
        right = pd.DataFrame({"_known": known.as_unit("ns"), "_value": s.to_numpy()})
        merged = pd.merge_asof(left, right, on="_known", direction="backward")
        out[col] = merged["_value"].to_numpy()
    result = pd.DataFrame(out, index=target_index, columns=frame.columns)
    if as_series:
        return result.iloc[:, 0].rename(getattr(exog, "name", None))
    return result
