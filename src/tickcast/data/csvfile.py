"""A user's CSV file (``csv:path`` or an existing path) -> tidy frame.

Detected, not configured: a UTF-8 byte-order mark; the delimiter (``,`` ``;`` tab ``|``); a
decimal comma when ``;`` separates the columns; the date column (named ``date``, ``datetime``,
``time``, ``timestamp``, ``observation_date``, ``time_period``, ``day``, or else the first
column if it holds dates); the date format (ISO, M/D/YYYY, D/M/YYYY, D.M.YYYY, with or without
a UTC offset). Column names are lower-cased (``Adj Close`` -> ``adj_close``); a single value
column that is not a known field (``close``...) is called ``value``.

:func:`read_with_meta` also reports the value columns' original headers and, for a FRED
download (header ``DATE,SERIESID`` or ``observation_date,SERIESID``: exactly two columns, the
second an upper-case FRED id), the series id; the loader decides the series' kind from them.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from pathlib import Path
from typing import Any, cast

import pandas as pd

from tickcast.data.validate import (
    finish_frame,
    normalize_column,
    parse_dates,
    to_float_frame,
)
from tickcast.errors import DataError

__all__ = ["read", "read_with_meta"]

_DATE_NAMES = {"date", "datetime", "time", "timestamp", "observation_date", "time_period", "day"}
_KNOWN_FIELDS = {"open", "high", "low", "close", "adj_close", "volume", "value"}
_FRED_DATE_HEADERS = {"DATE", "OBSERVATION_DATE"}
_GENERIC_NAMES = {"price", "rate", "yield", "level", "last", "series"}
_FRED_ID_RE = re.compile(r"^[A-Z0-9_]{1,40}$")


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _wide_encoding(raw: bytes) -> str | None:
    """'utf-16'/'utf-32' (with a BOM) or 'utf-16-le'/'-be' (text with every other byte 0)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    head = raw[:4096]
    even, odd = head[0::2], head[1::2]
    if len(head) >= 4 and odd.count(0) == len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if len(head) >= 4 and even.count(0) == len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _decode(raw: bytes, path: Path) -> str:
    wide = _wide_encoding(raw)
    if wide is not None:
        try:
            return raw.decode(wide).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise DataError(
                f"cannot read {str(path)!r}: it looks like {wide.upper()} text but does not "
                f"decode ({exc.reason} at byte {exc.start}). Save it as UTF-8 CSV."
            ) from None
    if b"\x00" in raw[:4096]:
        raise DataError(
            f"cannot read {str(path)!r}: it is not a text CSV file (binary content). If it is "
            "compressed or a spreadsheet, export it as CSV first."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _sniff(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = sample.split("\n", 1)[0]
        return max(",;\t|", key=header.count)


def read(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV file of dated observations; the frame of :func:`read_with_meta`."""
    return read_with_meta(path)[0]


def read_with_meta(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a CSV file of dated observations, with what its header says about the series.

    Parameters
    ----------
    path : str or PathLike
        The file (``~`` expanded).

    Returns
    -------
    frame : DataFrame of shape (n_rows, n_fields)
        float64 columns on a sorted, tz-naive DatetimeIndex named ``date``; rows without
        any value dropped.
    meta : dict
        ``"headers"``: list of str, the value columns' headers as written in the file;
        ``"fred_id"``: str or None, the series id when the file is a FRED download
        (``DATE,DGS30`` or ``observation_date,DGS30``, comma-separated).

    Raises
    ------
    DataError
        The file cannot be read (missing, a folder, no permission, binary), has no date
        column, has non-numeric values (names the column and an example), or duplicate dates.
    """
    path = Path(path).expanduser()
    what = f"file {str(path)!r}"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataError(
            f"cannot read {what}: {reason}. Check that the path names a readable CSV file."
        ) from exc
    text = _decode(raw, path)
    if not text.strip():
        raise DataError(f"{what} is empty; it needs a header line and dated rows.")
    sep = _sniff(text)
    _check_field_counts(text, sep, what)
    decimal = "," if sep == ";" and re.search(r"\d,\d", text[:65536]) else "."
    try:
        table = pd.read_csv(
            io.StringIO(text), sep=sep, dtype="str", keep_default_na=False, skipinitialspace=True
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot parse {what} as CSV (delimiter {sep!r}): {exc}") from exc
    table.columns = [str(c).strip() for c in table.columns]
    if table.shape[1] < 2 or table.empty:
        raise DataError(
            f"{what} must have a date column and at least one value column with rows; got "
            f"columns {list(table.columns)} and {len(table)} rows."
        )
    date_col = _date_column(table, what)
    index = parse_dates(table[date_col], what=f"column {date_col!r} of {what}")
    values = table.drop(columns=[date_col]).set_axis(index, axis=0)
    names = [normalize_column(c) or f"column_{i}" for i, c in enumerate(values.columns)]
    if len(set(names)) < len(names):
        raise DataError(f"{what} has repeated column names {list(values.columns)}; rename them.")
    if len(names) == 1 and names[0] not in _KNOWN_FIELDS:
        names = ["value"]
    frame = to_float_frame(values, what=what, decimal=decimal).set_axis(names, axis=1)
    headers = [str(c) for c in values.columns]
    fred_id = None
    if (
        sep == ","
        and len(headers) == 1
        and date_col.upper() in _FRED_DATE_HEADERS
        and _FRED_ID_RE.match(headers[0])
        and normalize_column(headers[0]) not in _KNOWN_FIELDS | _GENERIC_NAMES
    ):
        fred_id = headers[0]  # "DATE,CLOSE" is a generic file, not a FRED download
    return finish_frame(frame, what=what), {"headers": headers, "fred_id": fred_id}


def _check_field_counts(text: str, sep: str, what: str) -> None:
    """A row with more fields than the header is an error naming its line.

    pandas would silently take the first column as the index (and the dates as values), and
    then report the dates column as 'not a column of dates'.
    """
    rows = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
    try:
        header = next(rows)
        for row in rows:
            if len(row) > len(header):
                extra = row[len(header) :]
                hint = (
                    "a trailing delimiter counts as a field"
                    if not any(f.strip() for f in extra)
                    else f"the extra value(s) {extra[:3]!r}"
                )
                raise DataError(
                    f"line {rows.line_num} of {what} has {len(row)} fields but the header has "
                    f"{len(header)} ({[c.strip() for c in header]}); {hint}. Remove the extra "
                    f"field(s) or add a column name to the header."
                )
    except csv.Error as exc:
        raise DataError(
            f"cannot parse {what} as CSV (delimiter {sep!r}): line {rows.line_num}: {exc}"
        ) from None
    except StopIteration:
        return


def _date_column(table: pd.DataFrame, what: str) -> str:
    for column in table.columns:
        if normalize_column(column) in _DATE_NAMES:
            return cast("str", column)
    first = table.columns[0]
    try:
        parse_dates(table[first], what=what)
    except DataError:
        raise DataError(
            f"{what} has no date column: columns are {list(table.columns)} and the first "
            f"holds {table[first].iloc[0]!r}. Name the date column 'date' or put the dates "
            "first (YYYY-MM-DD, M/D/YYYY, D/M/YYYY or D.M.YYYY)."
        ) from None
    return cast("str", first)
