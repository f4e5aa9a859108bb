"""ECB series through the data API: ``<ECB_URL>/FLOW/KEY?format=csvdata``.

Example spec: ``ecb:FM/D.U2.EUR.4F.KR.MRR_FR.LEV`` (the main refinancing rate). The answer has
one row per observation with ``KEY``, ``FREQ``, ``TIME_PERIOD`` and ``OBS_VALUE`` columns
(plus attributes such as ``UNIT`` and ``TITLE``). Periods are read as their first day: daily
``2024-01-02``, monthly ``2024-01``, quarterly ``2024-Q1``, half-yearly ``2024-S1``, annual
``2024``, weekly ``2024-W01``. The base URL is :data:`ECB_URL`, overridable with the
environment variable ``TICKCAST_ECB_URL``.
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

__all__ = ["ECB_URL", "check_key", "fetch", "parse"]

#: The data API root; ``/FLOW/KEY?format=csvdata`` is appended.
ECB_URL = "https://data-api.ecb.europa.eu/service/data"
_FLOW_RE = re.compile(r"^[A-Z0-9_]{1,20}$")
_KEY_RE = re.compile(r"^[A-Za-z0-9_+]*(\.[A-Za-z0-9_+]*)*$")
_EXAMPLE = "ecb:FM/D.U2.EUR.4F.KR.MRR_FR.LEV"


def check_key(ident: str) -> tuple[str, str]:
    """Split ``'FLOW/KEY'`` and check both parts; ConfigError with an example if malformed."""
    flow, slash, key = ident.strip().partition("/")
    flow = flow.strip().upper()
    key = key.strip()
    if not slash or not _FLOW_RE.match(flow) or not key or not _KEY_RE.match(key):
        raise ConfigError(
            f"an ECB spec must be 'ecb:FLOW/KEY' with the dimensions of KEY separated by '.', "
            f"e.g. {_EXAMPLE!r}; got 'ecb:{ident}'. Find keys on https://data.ecb.europa.eu."
        )
    return flow, key


def _periods(values: pd.Series, freq: str, what: str) -> pd.DatetimeIndex:
    text = values.astype("str").str.strip()
    try:
        if freq == "Q":
            return pd.PeriodIndex(text.to_numpy(), freq="Q").to_timestamp()
        if freq == "M":
            return pd.DatetimeIndex(pd.to_datetime(text.to_numpy(), format="%Y-%m"))
        if freq == "A":
            return pd.DatetimeIndex(pd.to_datetime(text.to_numpy(), format="%Y"))
        if freq == "H":
            half = text.str.replace(r"-[SH]1$", "-01", regex=True)
            half = half.str.replace(r"-[SH]2$", "-07", regex=True)
            return pd.DatetimeIndex(pd.to_datetime(half.to_numpy(), format="%Y-%m"))
        if freq == "W":
            return pd.DatetimeIndex(pd.to_datetime((text + "-1").to_numpy(), format="%G-W%V-%u"))
    except (ValueError, TypeError) as exc:
        raise DataError(f"cannot read the periods of {what} as FREQ={freq!r}: {exc}") from exc
    return parse_dates(text, what=f"the TIME_PERIOD column of {what}")


def parse(text: str, ident: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse an ECB ``csvdata`` answer.

    Parameters
    ----------
    text : str
        The CSV body.
    ident : str
        ``'FLOW/KEY'``, for messages.

    Returns
    -------
    frame : DataFrame of shape (n_obs, 1)
        Column ``value`` (float64) on a sorted DatetimeIndex.
    meta : dict
        ``units`` (the ``UNIT`` attribute, e.g. ``'PC'`` = percent) and ``description``
        (``TITLE``) when the answer has them.

    Raises
    ------
    DataError
        No ``TIME_PERIOD``/``OBS_VALUE`` columns, several series matched, or no numbers.
    """
    what = f"ECB series {ident!r}"
    try:
        table = pd.read_csv(
            io.StringIO(text), dtype="str", keep_default_na=False, na_values=list(NA_TOKENS)
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot parse the CSV the ECB returned for {ident!r}: {exc}") from exc
    if not {"TIME_PERIOD", "OBS_VALUE"} <= set(table.columns):
        raise DataError(
            f"the ECB answer for {ident!r} has no TIME_PERIOD/OBS_VALUE columns (got "
            f"{list(table.columns)[:8]}); is the key right? Example: {_EXAMPLE!r}."
        )
    if table.empty:
        raise DataError(f"the ECB returned no observations for {ident!r}.")
    if "KEY" in table.columns and table["KEY"].nunique() > 1:
        keys = sorted(table["KEY"].dropna().unique())
        raise DataError(
            f"the ECB key {ident!r} matches {len(keys)} series ({', '.join(keys[:4])}...); "
            "give every dimension of the key so that it names exactly one series."
        )
    freq = str(table["FREQ"].iloc[0]) if "FREQ" in table.columns else "D"
    index = _periods(table["TIME_PERIOD"], freq, what)
    values = table[["OBS_VALUE"]].set_axis(["value"], axis=1).set_axis(index, axis=0)
    meta = {}
    for column, name in (("UNIT", "units"), ("TITLE", "description")):
        if column in table.columns and pd.notna(table[column].iloc[0]):
            meta[name] = str(table[column].iloc[0])
    if meta.get("units") == "PC":
        meta["units"] = "percent"
    return finish_frame(to_float_frame(values, what=what), what=what), meta


def fetch(ident: str, *, timeout: float | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Fetch the full history of one ECB series.

    Parameters
    ----------
    ident : str
        ``'FLOW/KEY'``, e.g. ``'FM/D.U2.EUR.4F.KR.MRR_FR.LEV'``.
    timeout : float, optional
        Seconds per request.

    Returns
    -------
    frame, meta
        See :func:`parse`.

    Raises
    ------
    ConfigError
        Malformed key (checked before any request, or rejected by the ECB with HTTP 400).
    DataError
        No such flow or series (HTTP 404).
    NetworkError
        No connection, timeout, or 429/5xx after the retries.
    """
    flow, key = check_key(ident)
    base = (os.environ.get("TICKCAST_ECB_URL", "").strip() or ECB_URL).rstrip("/")
    url = f"{base}/{urllib.parse.quote(flow)}/{urllib.parse.quote(key)}?format=csvdata"
    resp = http.get(url, what=f"ECB series '{flow}/{key}'", timeout=timeout)
    if resp.status == 400:
        raise ConfigError(
            f"the ECB rejected the key '{flow}/{key}' as malformed (HTTP 400: "
            f"{resp.text.strip()[:120]!r}); check its dimensions, e.g. {_EXAMPLE!r}."
        )
    if resp.status == 404:
        raise DataError(
            f"the ECB has no data for '{flow}/{key}' (HTTP 404): the flow or key does not "
            "exist. Browse https://data.ecb.europa.eu for valid keys."
        )
    if resp.status >= 400:
        raise DataError(f"the ECB refused the request for '{flow}/{key}' (HTTP {resp.status}).")
    return parse(resp.text, f"{flow}/{key}")
