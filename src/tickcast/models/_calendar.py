"""Future dates for forecasts: the next business days (or the series' own spacing)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = ["future_index"]


def future_index(index: pd.DatetimeIndex, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` dates after the last date of ``index``.

    Daily data (median spacing of at most four days) continue on business days (Mon-Fri):
    exchange holidays differ per market and are not invented. Weekly, monthly and other
    regular spacings continue with the frequency pandas infers from the last observations.

    Parameters
    ----------
    index : pd.DatetimeIndex, sorted
    horizon : int, >= 1

    Returns
    -------
    pd.DatetimeIndex of length ``horizon``
    """
    last = index[-1]
    if len(index) >= 3:
        gaps = np.diff(index[-50:].to_numpy()).astype("timedelta64[s]").astype(float)
        spacing_days = float(np.median(gaps)) / 86_400
    else:
        spacing_days = 1.0
    if spacing_days <= 4:
        return pd.bdate_range(last + pd.offsets.BDay(1), periods=horizon, name=index.name)
    freq = None
    if len(index) >= 3:
        with warnings.catch_warnings():  # pandas 3 announces infer_freq's return type change
            warnings.simplefilter("ignore")
            freq = pd.infer_freq(index[-min(len(index), 12) :])
    if freq is None:
        step = pd.Timedelta(days=round(spacing_days))
        return pd.DatetimeIndex([last + step * (i + 1) for i in range(horizon)], name=index.name)
    offset = pd.tseries.frequencies.to_offset(freq)
    return pd.date_range(last + offset, periods=horizon, freq=offset, name=index.name)
