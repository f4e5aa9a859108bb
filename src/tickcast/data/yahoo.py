"""Yahoo Finance through ``yfinance`` (imported on first use): one ticker -> one tidy frame.

:func:`fetch` asks ``yfinance.Ticker(t).history(period="max", auto_adjust=False)`` for the
full daily history (raw close and adjusted close, as in the bundled Yahoo exports) and
:func:`tidy` turns any yfinance 1.x result into ``open, high, low, close, adj_close, volume``
float64 columns on a tz-naive index of exchange-local dates. ``tidy`` accepts both shapes:

* ``yf.download``: columns a MultiIndex ``('Price', 'Ticker')`` even for one ticker (or
  ``('Ticker', 'Price')`` with ``group_by="ticker"``), tz-naive index;
* ``Ticker.history``: flat columns, index tz-aware in the exchange's zone.

Failures: an unknown or delisted ticker (yfinance returns an empty or all-NaN frame, or
raises ``YFTickerMissingError``) is a :class:`~tickcast.errors.DataError` naming the ticker;
``YFRateLimitError`` is retried under :data:`tickcast.data.http.RETRY` and then becomes a
:class:`~tickcast.errors.NetworkError`, as does any connection failure.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pandas as pd

from tickcast.data import http
from tickcast.data.validate import finish_frame, normalize_column, to_float_frame
from tickcast.errors import DataError, NetworkError

__all__ = ["RATE_TICKERS", "fetch", "tidy"]

#: Yahoo symbols quoted as yields in percent (CBOE Treasury yield indices).
RATE_TICKERS = frozenset({"^TNX", "^IRX", "^FVX", "^TYX"})
_FIELDS = ("open", "high", "low", "close", "adj_close", "volume")


def _no_data(ticker: str, detail: str = "") -> DataError:
    detail = f" ({detail})" if detail else ""
    return DataError(
        f"Yahoo Finance returned no prices for ticker {ticker!r}{detail}: it may be misspelt, "
        "delisted, or Yahoo may be unreachable. Check the symbol on https://finance.yahoo.com "
        "(exchange suffixes like 'SAP.DE'), or use a bundled dataset (tc.list_datasets())."
    )


def tidy(frame: Any, ticker: str) -> pd.DataFrame:
    """Turn a yfinance result for ``ticker`` into a tidy frame.

    Parameters
    ----------
    frame : DataFrame of shape (n_days, n_columns) or None
        What ``yf.download(ticker, ...)`` or ``yf.Ticker(ticker).history(...)`` returned.
    ticker : str
        The symbol asked for (picks the column block of a MultiIndex frame).

    Returns
    -------
    DataFrame of shape (n_days, n_fields)
        float64 columns among ``open, high, low, close, adj_close, volume`` (dividends and
        splits dropped) on a sorted, tz-naive DatetimeIndex named ``date``; all-NaN rows
        dropped.

    Raises
    ------
    DataError
        If the frame is empty or all NaN (Yahoo's answer for an unknown ticker).
    """
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise _no_data(ticker)
    if isinstance(frame.columns, pd.MultiIndex):
        frame = _one_ticker(frame, ticker)
    frame = frame.set_axis([normalize_column(c) for c in frame.columns], axis=1)
    frame = frame[[c for c in _FIELDS if c in frame.columns]]
    if frame.empty or frame.shape[1] == 0 or frame.isna().all().all():
        raise _no_data(ticker, "empty or all-NaN frame")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        try:
            index = pd.DatetimeIndex(pd.to_datetime(index))
        except (ValueError, TypeError) as exc:
            raise DataError(f"Yahoo returned an unreadable date index for {ticker!r}.") from exc
    if index.tz is not None:  # midnight exchange time -> that calendar date
        index = index.tz_localize(None)
    frame = frame.set_axis(index.normalize(), axis=0)
    what = f"Yahoo data for {ticker!r}"
    return finish_frame(to_float_frame(frame, what=what), what=what)


def _one_ticker(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    names = list(frame.columns.names)
    level = names.index("Ticker") if "Ticker" in names else 1
    symbols = list(frame.columns.get_level_values(level).unique())
    wanted = [s for s in symbols if str(s).upper() == ticker.upper()]
    if wanted:
        symbol = wanted[0]
    elif len(symbols) == 1:
        symbol = symbols[0]
    else:
        raise DataError(
            f"the Yahoo frame holds tickers {symbols}, not {ticker!r}; pass one ticker at a time."
        )
    return frame.xs(symbol, axis=1, level=level)


def _history(ticker: str, *, timeout: float) -> pd.DataFrame:
    """The one call into yfinance: full daily history, raw and adjusted close."""
    import yfinance as yf

    kwargs: dict[str, Any] = dict(
        period="max", interval="1d", auto_adjust=False, actions=False, timeout=timeout
    )
    logger = logging.getLogger("yfinance")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # its failures reach the user as our errors instead
    with warnings.catch_warnings():
        # raise_errors makes history raise instead of logging; it warns that it is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return yf.Ticker(ticker).history(raise_errors=True, **kwargs)
        except TypeError as exc:  # a yfinance without raise_errors
            if "raise_errors" not in str(exc):
                raise
            return yf.Ticker(ticker).history(**kwargs)
        finally:
            logger.setLevel(level)


def fetch(ticker: str, *, timeout: float | None = None) -> pd.DataFrame:
    """Fetch the full daily history of ``ticker`` from Yahoo Finance.

    Parameters
    ----------
    ticker : str
        Yahoo symbol (``"DBK.DE"``, ``"^GSPC"``).
    timeout : float, optional
        Seconds per request; default :data:`tickcast.data.http.TIMEOUT`.

    Returns
    -------
    DataFrame of shape (n_days, n_fields)
        See :func:`tidy`.

    Raises
    ------
    DataError
        Unknown ticker (names it).
    NetworkError
        Offline, rate-limited after the retries, or any other failure of the request.
    """
    what = f"Yahoo ticker {ticker!r}"
    http.check_online(what)
    timeout = http.TIMEOUT if timeout is None else timeout
    import yfinance.exceptions as yfe

    policy = http.RETRY
    attempt = 0
    while True:
        try:
            raw = _history(ticker, timeout=timeout)
        except yfe.YFRateLimitError as exc:
            if attempt >= policy.retries:
                raise NetworkError(
                    f"cannot fetch {what}: Yahoo rate-limited {attempt + 1} requests in "
                    "a row. Wait a few minutes, or use source='cache' / 'bundled'."
                ) from exc
            policy.sleep(policy.delay(attempt))
            attempt += 1
            continue
        except yfe.YFTickerMissingError as exc:
            raise _no_data(ticker, str(exc).split(": ", 1)[-1].strip()) from exc
        except DataError:
            raise
        except Exception as exc:  # yfinance / curl failures: a network problem to the caller
            raise NetworkError(
                f"cannot fetch {what}: {type(exc).__name__}: {str(exc).rstrip('. ')}. "
                "Check the network, or use source='cache' / 'bundled'."
            ) from exc
        return tidy(raw, ticker)
