"""The one place that checks a series: index, dtype, missing values, length, date ranges.

Two audiences:

* the loaders (:mod:`tickcast.data.bundled`, ``yahoo``, ``fred``, ``ecb``, ``csvfile``) turn
  raw tables into tidy frames with :func:`parse_dates`, :func:`to_float_frame` and
  :func:`finish_frame`; they repair what is safe to repair (sort, drop empty rows, drop the
  time zone) and raise :class:`~tickcast.errors.DataError` on the rest;
* models and backtests check their inputs with :func:`validate_series` and exogenous frames
  with :func:`check_exog`, which repair nothing and are cheap on clean input.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from tickcast.errors import ConfigError, DataError, InputTypeError

__all__ = [
    "NA_TOKENS",
    "check_exog",
    "check_real_values",
    "finish_frame",
    "float_frame",
    "normalize_column",
    "parse_date",
    "parse_dates",
    "parse_freq",
    "parse_range",
    "resample_last",
    "slice_range",
    "span_text",
    "to_float_frame",
    "validate_series",
]

#: Cell contents read as "no observation" (FRED writes ``.``, Yahoo exports write ``null``).
NA_TOKENS = frozenset(
    {"", ".", "null", "NULL", "Null", "nan", "NaN", "NAN", "NA", "N/A", "n/a", "#N/A", "None", "-"}
)

# Tried in this order when a file does not say how its dates are written.
_DATE_FORMATS = ("ISO8601", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d")
_OFFSET_RE = r"(?:\s*(?:[+-]\d\d:?\d\d|Z|UTC))$"
_DATE_LIKE_RE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|^\d{8}$")
_FREQ_ALIASES = {
    "M": "ME",
    "Q": "QE",
    "Y": "YE",
    "A": "YE",
    "BM": "BME",
    "BQ": "BQE",
    "BY": "BYE",
    "BA": "BYE",
}
# every loaded index gets the default unit of this pandas ("us" on pandas 3, "ns" on 2)
_UNIT = pd.DatetimeIndex(["2000-01-01"]).unit
_FIRST = ("open",)
_MAX = ("high",)
_MIN = ("low",)
_SUM = ("volume",)


def span_text(index: pd.DatetimeIndex) -> str:
    """``'1996-11-18 – 2020-12-31 (6,070 rows)'`` for an index; used in messages and warnings."""
    if len(index) == 0:
        return "no rows"
    return f"{index[0]:%Y-%m-%d} – {index[-1]:%Y-%m-%d} ({len(index):,} rows)"


def normalize_column(name: Hashable) -> str:
    """Lower-case a label and join its words with ``_``: ``'Adj Close'`` -> ``'adj_close'``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


# --------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------
def parse_dates(values: Iterable[Any], *, what: str, fmt: str | None = None) -> pd.DatetimeIndex:
    """Parse a column of dates into a tz-naive :class:`~pandas.DatetimeIndex`.

    Parameters
    ----------
    values : array-like of shape (n_rows,)
        Date strings (``2020-12-31``, ``12/31/2020``, ``31.12.2020``, ``2020-12-31
        00:00:00-05:00``...), datetimes or a DatetimeIndex.
    what : str
        How to name the data in error messages, e.g. ``"column 'Date' of prices.csv"``.
    fmt : str, optional
        The ``strptime`` format when it is known (fast path for the bundled files).

    Returns
    -------
    DatetimeIndex of shape (n_rows,)
        Tz-naive. A UTC offset written after a time (``-05:00``) is dropped, keeping the local
        wall-clock date: ``2022-01-03 00:00:00-05:00`` is 2022-01-03, not 05:00 UTC.

    Raises
    ------
    DataError
        If a value is missing or is not a date in one consistent format.

    Notes
    -----
    Without ``fmt`` the formats ISO 8601, M/D/YYYY, D/M/YYYY, D.M.YYYY, YYYY/M/D and YYYYMMDD
    are tried in turn. When both M/D and D/M read every value (all days <= 12), the one that
    gives increasing dates wins.
    """
    if isinstance(values, pd.DatetimeIndex):
        return values.tz_localize(None) if values.tz is not None else values
    idx = pd.Index(values)
    if isinstance(idx.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(idx).tz_localize(None)
    if pd.api.types.is_datetime64_dtype(idx.dtype):
        return pd.DatetimeIndex(idx)
    text = pd.Series(idx.astype("str"), dtype="str").str.strip()
    missing = text.isna() | text.isin(NA_TOKENS)
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0])
        raise DataError(
            f"{what} has a missing date in row {row + 1} (value {idx[row]!r}); every row needs "
            "a date: remove that row or fill in its date."
        )
    text = text.str.replace(_OFFSET_RE, "", regex=True)
    formats: tuple[str, ...] = (fmt,) if fmt is not None else _DATE_FORMATS
    if fmt is None and len(text) and not text.str.match(_DATE_LIKE_RE).all():
        formats = ()
    parsed: list[pd.DatetimeIndex] = []
    for candidate in formats:
        try:
            out = pd.DatetimeIndex(pd.to_datetime(text.to_numpy(), format=candidate))
        except (ValueError, TypeError, OverflowError):
            continue
        if out.is_monotonic_increasing or fmt is not None:
            return out
        parsed.append(out)
    if parsed:
        return parsed[0]
    bad = pd.to_datetime(text.to_numpy(), format="mixed", errors="coerce")
    rows = np.flatnonzero(pd.isna(bad))
    example = text.iloc[int(rows[0])] if len(rows) else text.iloc[0]
    expected = f"format {fmt!r}" if fmt else "YYYY-MM-DD, M/D/YYYY, D/M/YYYY or D.M.YYYY"
    raise DataError(
        f"{what} is not a column of dates: {example!r} cannot be read as a date "
        f"(expected {expected}); fix that value or name the date column 'date'."
    )


def parse_date(value: Any, *, name: str) -> pd.Timestamp | None:
    """Read one user-given date (``start``/``end``) as a tz-naive Timestamp, or None."""
    if value is None:
        return None
    if not isinstance(value, (str, _dt.date, np.datetime64, pd.Timestamp)):
        raise ConfigError(
            f"`{name}` must be a date (a string like '2020-12-31', a datetime.date or a "
            f"pandas.Timestamp) or None; got {value!r} of type {type(value).__name__}."
        )
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(
            f"`{name}` must be a date like '2020-12-31'; got {value!r} ({exc})."
        ) from None
    if pd.isna(ts):
        raise ConfigError(f"`{name}` must be a date like '2020-12-31'; got {value!r}.")
    return ts.tz_localize(None) if ts.tz is not None else ts


def parse_range(start: Any, end: Any) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Check ``start``/``end`` (both inclusive) and return them as Timestamps.

    Raises
    ------
    ConfigError
        If either is not a date, or ``start`` is after ``end``.
    """
    lo = parse_date(start, name="start")
    hi = parse_date(end, name="end")
    if lo is not None and hi is not None and lo > hi:
        raise ConfigError(
            f"`start` must not be after `end`; got start={lo:%Y-%m-%d} and end={hi:%Y-%m-%d}. "
            "Swap them."
        )
    return lo, hi


def slice_range(
    obj: pd.DataFrame | pd.Series,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    *,
    what: str,
) -> pd.DataFrame | pd.Series:
    """Rows with ``start <= date <= end`` of a sorted frame; DataError if none are left."""
    if start is None and end is None:
        return obj
    out = obj.loc[start:end]
    if len(out) == 0:
        asked = f"{start:%Y-%m-%d}" if start is not None else "the start"
        asked += f" – {end:%Y-%m-%d}" if end is not None else " – the end"
        raise DataError(
            f"{what} has no observations between `start` and `end` ({asked}); it covers "
            f"{span_text(obj.index)}. Choose dates inside that span."
        )
    return out


def parse_freq(freq: str | None) -> str | None:
    """Check a ``freq`` option and return the pandas rule (``'M'`` -> ``'ME'``), or None."""
    if freq is None:
        return None
    if not isinstance(freq, str):
        raise ConfigError(f"`freq` must be a string like 'W' or 'M', or None; got {freq!r}.")
    rule = _FREQ_ALIASES.get(freq.strip().upper(), freq.strip())
    try:
        offset = pd.tseries.frequencies.to_offset(rule)
        too_fine = pd.Timestamp("2000-01-03") + offset < pd.Timestamp("2000-01-04")
    except (ValueError, TypeError):
        offset, too_fine = None, False
    if offset is None or too_fine:
        raise ConfigError(
            f"`freq` must be a daily or coarser pandas frequency such as 'B', 'W', 'W-FRI', "
            f"'M', 'Q' or 'Y'; got {freq!r}."
        )
    return rule


def resample_last(obj: pd.DataFrame | pd.Series, rule: str) -> pd.DataFrame | pd.Series:
    """Aggregate to a coarser frequency, one row per period that has data.

    Prices and rates take the period's last value; for a frame of bars ``open`` takes the
    first, ``high`` the maximum, ``low`` the minimum and ``volume`` the sum. Each row is
    labelled with the date of its period's last observation (a week's bar ending on a holiday
    Thursday is dated that Thursday), so no bar is dated after the data it summarises;
    periods without observations are dropped, not filled.
    """
    grouped = obj.resample(rule)
    counts = grouped.size().to_numpy() > 0
    if isinstance(obj, pd.Series):
        out = _agg(grouped, normalize_column(obj.name or ""))
    else:
        out = pd.DataFrame({c: _agg(grouped[c], str(c)) for c in obj.columns})
    last_dates = pd.Series(obj.index, index=obj.index).resample(rule).last()
    out = out[counts]
    out.index = pd.DatetimeIndex(last_dates.to_numpy()[counts], name=obj.index.name)
    return out


def _agg(grouped: Any, column: str) -> pd.Series:
    if column in _FIRST:
        return grouped.first()
    if column in _MAX:
        return grouped.max()
    if column in _MIN:
        return grouped.min()
    if column in _SUM:
        return grouped.sum(min_count=1)
    return grouped.last()


# --------------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------------
def _numbers(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The one numeric coercion: ``values`` as float64 and where they are present but no number.

    Numeric (and boolean) dtypes convert as they are; anything else goes through
    ``pd.to_numeric(errors="coerce")``. Callers decide about booleans and word the error.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64"), np.zeros(len(values), dtype=bool)
    out = pd.to_numeric(values, errors="coerce")
    return out.astype("float64"), out.isna().to_numpy() & values.notna().to_numpy()


def to_float_frame(frame: pd.DataFrame, *, what: str, decimal: str = ".") -> pd.DataFrame:
    """Convert every column to float64; the :data:`NA_TOKENS` become NaN.

    Parameters
    ----------
    frame : DataFrame of shape (n_rows, n_columns)
        Numbers or strings, indexed by date.
    what : str
        How to name the data in messages.
    decimal : {'.', ','}
        The decimal mark of string cells.

    Raises
    ------
    DataError
        Naming the first column with a value that is not a number, an example and its date.
    """
    out: dict[Hashable, pd.Series] = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s.dtype):
            raise DataError(f"column {col!r} of {what} holds True/False, not numbers.")
        if pd.api.types.is_numeric_dtype(s.dtype):
            out[col] = s.astype("float64")
            continue
        text = s.astype("str").str.strip()
        missing = text.isna() | text.isin(NA_TOKENS)
        clean = text.where(~missing)
        if decimal != ".":
            clean = clean.str.replace(decimal, ".", regex=False)
        values, bad = _numbers(clean)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            example = text.iloc[row]
            when = frame.index[row]
            when = f"{when:%Y-%m-%d}" if isinstance(when, pd.Timestamp) else f"row {row + 1}"
            raise DataError(
                f"column {col!r} of {what} must hold numbers; {int(bad.sum())} value(s) are "
                f"not, e.g. {example!r} on {when}. {_numeric_hint(example, decimal)}"
            )
        out[col] = values
    return pd.DataFrame(out, index=frame.index)


def _numeric_hint(example: str, decimal: str) -> str:
    if decimal == "." and re.fullmatch(r"[-+]?\d+,\d+", example):
        return (
            "It looks like a decimal comma: separate the columns with ';' (then ',' is read as "
            "the decimal mark) or write decimals with '.'."
        )
    if re.fullmatch(r"[-+]?\d{1,3}([,.]\d{3})+([.,]\d+)?", example):
        return "Remove the thousands separators."
    return "Fix or delete those values (empty cells and '.' count as missing)."


def finish_frame(frame: pd.DataFrame, *, what: str) -> pd.DataFrame:
    """Last loader step: tz-naive sorted unique index named ``date``, empty rows dropped.

    Parameters
    ----------
    frame : DataFrame of shape (n_rows, n_fields)
        Float columns on a DatetimeIndex.
    what : str
        How to name the data in messages.

    Returns
    -------
    DataFrame of shape (n_kept, n_fields)
        Rows sorted by date; rows where every field is NaN (holidays written as ``.`` or
        ``null``) removed.

    Raises
    ------
    DataError
        If two rows share a date (naming the dates) or no row has a value.
    """
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise DataError(f"{what} is not indexed by dates; got a {type(idx).__name__}.")
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    if idx.unit != _UNIT:
        idx = idx.as_unit(_UNIT)
    if idx is not frame.index:
        frame = frame.set_axis(idx, axis=0)
    if not frame.index.is_unique:
        _raise_duplicates(frame.index, what)
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index(kind="stable")
    check_real_values(frame, what)
    frame = frame.dropna(how="all")
    if frame.empty or frame.shape[1] == 0:
        raise DataError(f"{what} has no observations: every value is missing.")
    infinite = np.isinf(frame.to_numpy(dtype="float64"))
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise DataError(
            f"column {frame.columns[col]!r} of {what} holds an infinite value "
            f"({frame.iat[row, col]}) on {frame.index[row]:%Y-%m-%d}; {int(infinite.sum())} "
            "value(s) are infinite. Fix them, or leave the cells empty to mark them missing."
        )
    frame.index.name = "date"
    frame.columns.name = None
    return frame


def _raise_duplicates(index: pd.DatetimeIndex, what: str, *, fix: str = "") -> None:
    dups = index[index.duplicated()].unique()
    shown = ", ".join(f"{d:%Y-%m-%d}" for d in dups[:5]) + (", ..." if len(dups) > 5 else "")
    raise DataError(
        f"{what} has duplicate dates: {shown} ({len(dups)} date(s) appear more than once). "
        f"Each date may appear once; {fix or 'remove the repeated rows.'}"
    )


# --------------------------------------------------------------------------------------------
# real numbers
# --------------------------------------------------------------------------------------------
_NOT_REAL = (
    bool,
    np.bool_,
    complex,
    np.complexfloating,
    _dt.date,
    _dt.time,
    _dt.timedelta,
    np.datetime64,
    np.timedelta64,
)


_REAL_FIXES = {
    "True/False (booleans)": "Convert them yourself (e.g. .astype(float)) if 0/1 is meant.",
    "complex numbers": "Take .real or abs() yourself if one of those is meant.",
    "time spans (timedeltas)": "Convert them to a number, e.g. .dt.total_seconds().",
    "dates or times": "Pass the column of prices or rates, not the dates (they go in the index).",
}


def _kind_of(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "True/False (booleans)"
    if isinstance(value, (complex, np.complexfloating)):
        return "complex numbers"
    if isinstance(value, (_dt.timedelta, np.timedelta64)):
        return "time spans (timedeltas)"
    return "dates or times"


def check_real_values(values: Any, what: str, *, allow_bool: bool = False) -> None:
    """Refuse values that are not real numbers: dates, time spans, complex numbers, booleans.

    pandas and NumPy convert all of these to floats without complaint (a datetime becomes
    nanoseconds since 1970, ~1e18; a complex number loses its imaginary part), so a model
    would fit and forecast nonsense. Strings and other objects are left to the numeric
    conversion that follows, which names the first bad value.

    Parameters
    ----------
    values : array-like, Series or DataFrame
        The values about to be converted to float64.
    what : str
        How to name them in the message, e.g. ``"`y`"`` or ``"column 'close' of file ..."``.
    allow_bool : bool, default False
        Accept booleans (read as 0/1): right for exogenous dummies, wrong for a series of
        prices or rates.

    Raises
    ------
    DataError
        If the dtype is boolean, complex, datetime, timedelta or period, or an object array
        holds such a value; the message names the kind, an example and the fix.
    """
    if isinstance(values, pd.DataFrame):
        for col in values.columns:
            check_real_values(values[col], f"column {col!r} of {what}", allow_bool=allow_bool)
        return
    dtype = getattr(values, "dtype", None)
    if dtype is None:
        values = np.asarray(values, dtype=object)
        dtype = values.dtype
    kind = None
    example: Any = None
    if pd.api.types.is_bool_dtype(dtype):
        kind = None if allow_bool else "True/False (booleans)"
    elif pd.api.types.is_complex_dtype(dtype):
        kind = "complex numbers"
    elif pd.api.types.is_timedelta64_dtype(dtype):
        kind = "time spans (timedeltas)"
    elif pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        kind = "dates or times"
    elif pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        flat = np.asarray(values, dtype=object).ravel()
        hits = [
            v
            for v in flat[:100_000]
            if isinstance(v, _NOT_REAL) and not (allow_bool and isinstance(v, (bool, np.bool_)))
        ]
        if hits:
            example = hits[0]
            kind = _kind_of(example)
    if kind is None:
        return
    if example is None and len(values):
        example = np.asarray(values).ravel()[0]
    shown = f" (e.g. {example!r})" if example is not None else ""
    raise DataError(
        f"{what} must hold real numbers (prices, rates); got {kind}{shown}, dtype {dtype}. "
        f"{_REAL_FIXES[kind]}"
    )


# --------------------------------------------------------------------------------------------
# model inputs
# --------------------------------------------------------------------------------------------
def validate_series(
    y: Any, *, name: str = "y", min_length: int = 1, allow_nan: bool = False
) -> pd.Series:
    """Check a model input and return it as a float64 Series.

    Called once at each public boundary (``fit``, ``backtest``); a clean float64 series is
    checked in a few vectorised passes and returned as is (no copy).

    Parameters
    ----------
    y : pandas.Series of shape (n_obs,)
        Values (price, percent...) on a DatetimeIndex.
    name : str, default "y"
        The argument's name, used in messages.
    min_length : int, default 1
        Fewest observations accepted.
    allow_nan : bool, default False
        Accept NaN values (never infinities).

    Returns
    -------
    pandas.Series of shape (n_obs,)
        float64, same index (tz-aware indexes are made tz-naive in local time) and name.

    Raises
    ------
    InputTypeError
        If ``y`` is not a pandas Series (a DataFrame, an array, a list...).
    DataError
        If the index is not a DatetimeIndex, not increasing or has duplicate dates; if values
        are not numeric, are NaN (unless ``allow_nan``) or infinite; if there are fewer than
        ``min_length`` observations.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([1, 2, 3], index=pd.date_range("2024-01-01", periods=3))
    >>> validate_series(y, min_length=2).dtype
    dtype('float64')
    """
    if not isinstance(y, pd.Series):
        fix = (
            f"select one column, e.g. {name}['close']"
            if isinstance(y, pd.DataFrame)
            else "wrap it: pd.Series(values, index=pd.DatetimeIndex(dates)), or use tc.load()"
        )
        raise InputTypeError(f"`{name}` must be a pandas Series; got {type(y).__name__}. {fix}.")
    idx = y.index
    if not isinstance(idx, pd.DatetimeIndex):
        if _mixes_time_zones(idx):
            raise DataError(
                f"`{name}` mixes time-zone aware and naive dates in its index, so it is not a "
                "DatetimeIndex. Make them consistent, e.g. "
                f"{name}.index = pd.to_datetime({name}.index, utc=True).tz_localize(None)."
            )
        raise DataError(
            f"`{name}` must have a DatetimeIndex; got {type(idx).__name__}. "
            f"Set one, e.g. {name}.index = pd.to_datetime({name}.index)."
        )
    if not idx.is_monotonic_increasing:
        if not idx.is_unique:
            _raise_duplicates(idx, f"`{name}`", fix=f"e.g. {name}[~{name}.index.duplicated()].")
        raise DataError(
            f"`{name}` must be sorted by date (increasing); it is not. Use {name}.sort_index()."
        )
    if not idx.is_unique:
        _raise_duplicates(idx, f"`{name}`", fix=f"e.g. {name}[~{name}.index.duplicated()].")
    if not isinstance(min_length, (int, np.integer)) or min_length < 0:
        raise ConfigError(f"`min_length` must be a non-negative integer; got {min_length!r}.")
    if len(y) < min_length:
        raise DataError(
            f"`{name}` is too short: at least {min_length} observations are needed; got "
            f"{len(y)}. Load a longer span or lower the window/lookback."
        )
    if y.dtype != np.float64:
        check_real_values(y, f"`{name}`")
        y = _as_float(y, name)
    values = y.to_numpy()
    finite = np.isfinite(values)
    if not finite.all():
        bad = ~finite & ~np.isnan(values) if allow_nan else ~finite
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            kind = "NaN" if np.isnan(values[row]) else "infinite"
            raise DataError(
                f"`{name}` must hold finite numbers; {int(bad.sum())} value(s) are NaN or "
                f"infinite, the first ({kind}) on {idx[row]:%Y-%m-%d}. Drop them with "
                f"{name}.dropna() or fill them."
            )
    if idx.tz is not None:
        y = y.set_axis(idx.tz_localize(None))
    return y


def _mixes_time_zones(index: pd.Index) -> bool:
    """True for an object index holding both time-zone aware and naive timestamps."""
    if index.dtype != object or len(index) == 0:
        return False
    stamps = [v for v in index if isinstance(v, (_dt.datetime, pd.Timestamp))]
    return len({v.tzinfo is None for v in stamps}) == 2


def _as_float(y: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(y.dtype):
        raise DataError(f"`{name}` must hold numbers; got booleans (dtype {y.dtype}).")
    values, bad = _numbers(y)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        example = y.iloc[row]
        fix = f"Convert it with pd.to_numeric({name}) after fixing those values."
        if isinstance(example, str) and re.fullmatch(r"\s*[-+]?\d+,\d+\s*", example):
            fix = (
                "It looks like a decimal comma: convert with "
                f"pd.to_numeric({name}.str.replace(',', '.')), or load the file with "
                "tc.load('csv:...'), which reads ';'-separated files with decimal commas."
            )
        raise DataError(
            f"`{name}` must hold numbers; got dtype {y.dtype} with values like "
            f"{example!r} on {y.index[row]:%Y-%m-%d}. {fix}"
        )
    return values


def check_exog(X: Any, index: pd.DatetimeIndex, *, name: str = "X") -> pd.DataFrame:
    """Exogenous columns on exactly the dates ``index``, as float64, or a clear error.

    The one check of exogenous input at the public boundary (``fit``, ``update`` and
    ``backtest``).

    Parameters
    ----------
    X : pd.DataFrame or pd.Series with a DatetimeIndex
        Exogenous series; rows beyond ``index`` are allowed (and dropped here).
    index : pd.DatetimeIndex
        The target's dates.
    name : str, default "X"
        The argument's name in messages.

    Returns
    -------
    pd.DataFrame of shape (len(index), n_exog)
        float64, indexed by ``index``.

    Raises
    ------
    InputTypeError
        ``X`` is not a pandas DataFrame or Series.
    DataError
        ``X`` is not indexed by dates, mixes time-zone aware and naive dates with ``index``,
        has duplicate dates, lacks some dates of ``index``, or holds non-numbers, NaN or
        infinities on them.
    """
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise InputTypeError(
            f"`{name}` must be a pandas DataFrame indexed by date; got {type(X).__name__}."
        )
    if not isinstance(X.index, pd.DatetimeIndex):
        raise DataError(
            f"`{name}` must have a DatetimeIndex like `y`; got {type(X.index).__name__}. "
            f"Set one, e.g. {name}.index = pd.to_datetime({name}.index)."
        )
    if (X.index.tz is None) != (index.tz is None):
        raise DataError(
            f"`{name}` and `y` must both have time-zone aware or both naive dates; got "
            f"{X.index.tz} and {index.tz}. Use {name}.tz_localize(None) (or tz_convert) first."
        )
    if X.index.has_duplicates:
        dup = X.index[X.index.duplicated()][0]
        raise DataError(
            f"`{name}` has duplicate dates, first {dup.date()}; keep one row per date, e.g. "
            f"{name}[~{name}.index.duplicated(keep='last')]."
        )
    missing = index.difference(X.index)
    if len(missing):
        raise DataError(
            f"`{name}` is misaligned with `y`: {len(missing)} dates of `y` are missing from "
            f"`{name}`, first {missing[0].date()}. Align {name} to y's index (see "
            "tickcast.features.align_exog)."
        )
    check_real_values(X.loc[index], f"`{name}`", allow_bool=True)  # dummies may be booleans
    X = float_frame(X.loc[index], name)
    finite = np.isfinite(X.to_numpy())
    if not finite.all():
        bad = X.index[~finite.all(axis=1)][0]
        raise DataError(
            f"`{name}` has NaN or infinite values, first on {bad.date()}. Fill or drop them "
            "(and the same dates of `y`) first."
        )
    return X


def float_frame(X: pd.DataFrame, name: str) -> pd.DataFrame:
    """``X`` as float64; DataError naming the first column that does not hold numbers.

    Parameters
    ----------
    X : pd.DataFrame of shape (n_rows, n_columns)
        Numbers, booleans or numeric strings.
    name : str
        The argument's name in messages.

    Returns
    -------
    pd.DataFrame of shape (n_rows, n_columns), float64
    """
    out = {}
    for col in X.columns:
        values, bad = _numbers(X[col])
        if bad.any():
            when = X.index[bad][0]
            when = when.date() if isinstance(when, pd.Timestamp) else when
            raise DataError(
                f"column {col!r} of `{name}` must hold numbers; got "
                f"{X[col][bad].iloc[0]!r} on {when}. Convert it with pd.to_numeric after "
                "fixing those values."
            )
        out[col] = values
    return pd.DataFrame(out, index=X.index, columns=X.columns)
