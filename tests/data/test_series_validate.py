"""tickcast.data.validate: the checks every model input and every loaded file goes through."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tickcast.data.validate import (
    finish_frame,
    parse_dates,
    parse_freq,
    parse_range,
    resample_last,
    to_float_frame,
    validate_series,
)
from tickcast.errors import ConfigError, DataError, InputTypeError


def _series(values, start="2024-01-01", **kw):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), **kw), name="y")


def test_clean_float_series_is_returned_without_copy():
    y = _series([1.0, 2.0, 3.0])
    assert validate_series(y, min_length=3) is y


def test_ints_become_float64_and_tz_is_dropped_in_local_time():
    y = _series([1, 2, 3], tz="Europe/Berlin")
    out = validate_series(y)
    assert out.dtype == np.float64
    assert out.index.tz is None
    assert out.index[0] == pd.Timestamp("2024-01-01")  # local midnight kept, not UTC
    assert out.tolist() == [1.0, 2.0, 3.0]


def test_numeric_strings_are_converted():
    y = _series(["1.5", "2"]).astype(object)
    assert validate_series(y).tolist() == [1.5, 2.0]


def test_allow_nan_accepts_nan_but_never_inf():
    y = _series([1.0, np.nan, 3.0])
    assert validate_series(y, allow_nan=True) is y
    with pytest.raises(DataError, match="infinite"):
        validate_series(_series([1.0, np.inf]), allow_nan=True)


def _dup():
    return pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2024-01-01"] + ["2024-01-02"] * 2))


@pytest.mark.parametrize(
    ("make", "kwargs", "error", "match"),
    [
        (
            lambda: pd.DataFrame({"a": [1.0]}),
            {},
            InputTypeError,
            r"`y` must be a pandas Series; got DataFrame.*y\['close'\]",
        ),
        (lambda: np.arange(3.0), {}, InputTypeError, "got ndarray"),
        (lambda: [1.0, 2.0], {}, InputTypeError, "got list"),
        (lambda: pd.Series([1.0, 2.0]), {}, DataError, "must have a DatetimeIndex; got RangeIndex"),
        (lambda: _series([1.0, 2.0])[::-1], {}, DataError, r"sorted by date.*sort_index"),
        (_dup, {}, DataError, r"duplicate dates: 2024-01-02"),
        (lambda: _series([1.0, np.nan, 2.0]), {}, DataError, r"1 value\(s\) are NaN.*2024-01-02"),
        (lambda: _series([1.0, -np.inf]), {}, DataError, "infinite"),
        (lambda: _series(["1,5", "2"]).astype(object), {}, DataError, r"must hold numbers.*'1,5'"),
        (lambda: _series([True, False]), {}, DataError, "booleans"),
        (
            lambda: _series([1.0, 2.0]),
            {"min_length": 3},
            DataError,
            r"at least 3 observations are needed; got 2",
        ),
        (lambda: _series([]), {}, DataError, "at least 1 observations"),
        (lambda: _series([1.0]), {"min_length": -1}, ConfigError, "min_length"),
    ],
)
def test_invalid(make, kwargs, error, match):
    with pytest.raises(error, match=match):
        validate_series(make(), **kwargs)


def test_messages_use_the_argument_name():
    with pytest.raises(DataError, match="`X_train` must have a DatetimeIndex"):
        validate_series(pd.Series([1.0]), name="X_train")


# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "first"),
    [
        (["2020-01-02", "2020-01-03"], "2020-01-02"),
        (["1/2/2020", "1/3/2020"], "2020-01-02"),  # M/D/YYYY
        (["13/01/2020", "14/01/2020"], "2020-01-13"),  # D/M/YYYY (M/D impossible)
        (["02.01.2020", "03.01.2020"], "2020-01-02"),  # D.M.YYYY
        (["2022-01-03 00:00:00-05:00", "2022-03-14 00:00:00-04:00"], "2022-01-03"),  # offsets
    ],
)
def test_parse_dates_formats(values, first):
    idx = parse_dates(values, what="test")
    assert idx.tz is None
    assert idx[0] == pd.Timestamp(first)


def test_parse_dates_prefers_the_reading_that_increases():
    # every day <= 12: both M/D and D/M read it; only D/M gives increasing dates
    idx = parse_dates(["02/01/2020", "01/02/2020"], what="test")
    assert list(idx) == [pd.Timestamp("2020-01-02"), pd.Timestamp("2020-02-01")]


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (["2020-01-02", "not a date"], "'not a date' cannot be read"),
        (["2020-01-02", ""], "missing date in row 2"),
        (["1", "2"], "not a column of dates"),
    ],
)
def test_parse_dates_rejects(values, match):
    with pytest.raises(DataError, match=match):
        parse_dates(values, what="column 'd'")


def test_to_float_frame_names_the_bad_column_and_hints_at_decimal_commas():
    frame = pd.DataFrame(
        {"close": ["1.5", "1,5"]}, index=pd.DatetimeIndex(["2024-01-01", "2024-01-02"])
    )
    with pytest.raises(DataError, match=r"column 'close'.*'1,5' on 2024-01-02.*decimal comma"):
        to_float_frame(frame, what="x")
    out = to_float_frame(frame, what="x", decimal=",")
    assert out["close"].tolist() == [1.5, 1.5]


def test_to_float_frame_reads_missing_markers():
    frame = pd.DataFrame({"v": [".", "null", "", "2"]}, index=pd.date_range("2024", periods=4))
    assert to_float_frame(frame, what="x")["v"].isna().tolist() == [True, True, True, False]


def test_finish_frame_sorts_drops_empty_rows_and_rejects_duplicates():
    idx = pd.DatetimeIndex(["2024-01-03", "2024-01-01", "2024-01-02"])
    frame = pd.DataFrame({"v": [3.0, 1.0, np.nan]}, index=idx)
    out = finish_frame(frame, what="x")
    assert list(out.index.day) == [1, 3] and out.index.name == "date"
    dup = pd.DataFrame({"v": [1.0, 2.0]}, index=pd.DatetimeIndex(["2024-01-01"] * 2))
    with pytest.raises(DataError, match="duplicate dates: 2024-01-01"):
        finish_frame(dup, what="x")
    with pytest.raises(DataError, match="no observations"):
        finish_frame(frame.iloc[[2]], what="x")


def test_parse_range_and_freq():
    assert parse_range("2020-01-01", None) == (pd.Timestamp("2020-01-01"), None)
    with pytest.raises(ConfigError, match=r"`start` must not be after `end`.*2021-01-01.*Swap"):
        parse_range("2021-01-01", "2020-01-01")
    with pytest.raises(ConfigError, match="`end` must be a date"):
        parse_range(None, "yesterday-ish")
    with pytest.raises(ConfigError, match="`start` must be a date"):
        parse_range(3.5, None)
    assert parse_freq("M") == "ME" and parse_freq("W") == "W" and parse_freq(None) is None
    for bad in ("h", "zz", 5):
        with pytest.raises(ConfigError, match="`freq`"):
            parse_freq(bad)


def test_resample_aggregates_bars_per_field():
    idx = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-02-05"])
    frame = pd.DataFrame(
        {
            "open": [1.0, 2.0, 3.0],
            "high": [5.0, 6.0, 7.0],
            "low": [0.5, 0.1, 2.0],
            "close": [1.5, 2.5, 3.5],
            "volume": [10.0, 20.0, 30.0],
        },
        index=idx,
    )
    out = resample_last(frame, "ME")
    # dated on each month's last observation, never after the data (issue 14)
    assert list(out.index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-02-05")]
    assert out.iloc[0].to_dict() == {
        "open": 1.0,
        "high": 6.0,
        "low": 0.1,
        "close": 2.5,
        "volume": 30.0,
    }
    weekly = resample_last(frame["close"], "W")
    assert weekly.tolist() == [2.5, 3.5]  # weeks without data are dropped, not filled
