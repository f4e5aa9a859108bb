"""FRED series through the no-key CSV endpoint ``fredgraph.csv?id=SERIES``.

Two header styles exist and both parse: older answers ``DATE,DGS10`` with ``.`` for a day
without observation, newer ones ``observation_date,DGS10`` with an empty cell. The endpoint
is :data:`FRED_URL`, overridable with the environment variable ``TICKCAST_FRED_URL``.
"""

from __future__ import annotations

import io
import os
import re
import urllib.parse

import pandas as pd

from tickcast.data import http
from tickcast.data.validate import NA_TOKENS, finish_frame, parse_dates, to_float_frame
from tickcast.errors import ConfigError, DataError

__all__ = ["FRED_URL", "check_series_id", "fetch", "parse"]

#: The CSV endpoint; ``?id=SERIES`` is appended.
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
_ID_RE = re.compile(r"^[A-Z0-9_]{1,40}$")
_DATE_HEADERS = {"DATE", "OBSERVATION_DATE"}


def check_series_id(series: str) -> str:
    """Upper-case a FRED series id and check its characters (``'dgs10'`` -> ``'DGS10'``)."""
    sid = series.strip().upper()
    if not _ID_RE.match(sid):
        raise ConfigError(
            f"a FRED series id must be letters, digits and '_' (e.g. 'fred:DGS10'); got "
            f"{series!r}. Look the id up on https://fred.stlouisfed.org."
        )
    return sid


def parse(text: str, series: str) -> pd.DataFrame:
    """Parse a ``fredgraph.csv`` answer.

    Parameters
    ----------
    text : str
        The CSV body (either header style).
    series : str
        The series id, for messages.

    Returns
    -------
    DataFrame of shape (n_obs, 1)
        Column ``value`` (float64) on a sorted DatetimeIndex; missing days dropped.

    Raises
    ------
    DataError
        If the answer is not a FRED CSV (e.g. an HTML error page) or holds no numbers.
    """
    what = f"FRED series {series!r}"
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    header = [h.strip().upper() for h in first_line.split(",")]
    if len(header) < 2 or header[0] not in _DATE_HEADERS:
        raise DataError(
            f"FRED did not return CSV data for {series!r} (first line: {first_line[:80]!r}); "
            f"check that the series exists: https://fred.stlouisfed.org/series/{series}"
        )
    try:
        table = pd.read_csv(
            io.StringIO(text), dtype="str", keep_default_na=False, na_values=list(NA_TOKENS)
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot parse the CSV FRED returned for {series!r}: {exc}") from exc
    names = [str(c).strip().upper() for c in table.columns]
    column = names.index(series) if series in names else 1
    index = parse_dates(table.iloc[:, 0], what=f"the dates of {what}")
    values = table.iloc[:, [column]].set_axis(["value"], axis=1).set_axis(index, axis=0)
    return finish_frame(to_float_frame(values, what=what), what=what)


def fetch(series: str, *, timeout: float | None = None) -> pd.DataFrame:
    """Fetch the full history of a FRED series.

    Parameters
    ----------
    series : str
        Series id (``"DGS10"``).
    timeout : float, optional
        Seconds per request.

    Returns
    -------
    DataFrame of shape (n_obs, 1)
        See :func:`parse`.

    Raises
    ------
    DataError
        The series does not exist (HTTP 404 or a non-CSV answer).
    NetworkError
        No connection, timeout, or 429/5xx after the retries.
    """
    sid = check_series_id(series)
    base = os.environ.get("TICKCAST_FRED_URL", "").strip() or FRED_URL
    url = f"{base}?{urllib.parse.urlencode({'id': sid})}"
    resp = http.get(url, what=f"FRED series {sid!r}", timeout=timeout)
    if resp.status in (400, 404):
        raise DataError(
            f"FRED has no series {sid!r} (HTTP {resp.status}); check the id on "
            f"https://fred.stlouisfed.org/series/{sid}"
        )
    if resp.status >= 400:
        raise DataError(f"FRED refused the request for {sid!r} (HTTP {resp.status}): {url}")
    return parse(resp.text, sid)
