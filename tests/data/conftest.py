"""Fixtures for tests/data: a fake network.

* ``online``: lifts ``TICKCAST_OFFLINE`` (set suite-wide by tests/conftest.py), records retry
  waits instead of sleeping, and makes any real yfinance request fail loudly;
* ``fake_yahoo``: installs a fake ``yfinance.Ticker.history`` returning the exact yfinance 1.x
  shapes built from real fixture CSVs (recipe of ../shared/fixtures/yfinance/SHAPES.md);
* ``server``: an ``http.server`` on 127.0.0.1 in a thread, answering from a route table.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tickcast.data import http as tc_http

FIXTURES = Path(__file__).parent / "fixtures"
CALM = FIXTURES / "CALM-1d-no-bad-divs.csv"
IBE = FIXTURES / "IBE-MC-1d-no-bad-divs.csv"
PRICE = ["Open", "High", "Low", "Close"]


# --------------------------------------------------------------------------------------------
# yfinance 1.x shapes (SHAPES.md, verified there against real yfinance output)
# --------------------------------------------------------------------------------------------
def fake_history(csv_path, tz="America/New_York", auto_adjust=True, actions=True):
    """Same structure as yf.Ticker(t).history(start=..., end=...) with interval='1d'."""
    raw = pd.read_csv(csv_path, index_col=0)
    has_off = raw.index.astype(str).str.contains(r"[+-]\d\d:\d\d$").any()
    local = (
        pd.to_datetime(raw.index, utc=True).tz_convert(tz) if has_off else pd.to_datetime(raw.index)
    )
    idx = (
        pd.to_datetime(local.date)
        .tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        .rename("Date")
    )
    df = pd.DataFrame({c: raw[c].astype("float64").to_numpy() for c in PRICE}, index=idx)
    adj = raw["Adj Close"].astype("float64").to_numpy() if "Adj Close" in raw else None
    if adj is None:
        adj = df["Close"].to_numpy()
    if auto_adjust:
        ratio = adj / df["Close"].to_numpy()
        for c in PRICE:
            df[c] = df[c].to_numpy() * ratio
    else:
        df["Adj Close"] = adj
    df["Volume"] = raw["Volume"].fillna(0).astype("int64").to_numpy()
    if actions:
        for c in ["Dividends", "Stock Splits"]:
            df[c] = raw[c].astype("float64").to_numpy() if c in raw else 0.0
    return df


def fake_download(csv_path, ticker, auto_adjust=True, actions=False, tz="America/New_York"):
    """Same structure as yf.download(ticker, start, end, progress=False) for ONE ticker."""
    h = fake_history(csv_path, tz, auto_adjust, actions)
    h.index = h.index.tz_localize(None)
    h.columns = pd.MultiIndex.from_product([h.columns, [ticker.upper()]], names=["Price", "Ticker"])
    return h.sort_index(axis=1, level=0)


def empty_history():
    """yfinance's answer for an unknown ticker (``utils.empty_df()``): object index, all NaN."""
    import yfinance.utils

    return yfinance.utils.empty_df()


# --------------------------------------------------------------------------------------------
@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """Seconds the retry policy would have slept (nothing sleeps)."""
    recorded: list[float] = []
    monkeypatch.setattr(
        tc_http, "RETRY", tc_http.Retry(retries=3, backoff=1.0, sleep=recorded.append)
    )
    return recorded


@pytest.fixture
def online(monkeypatch, waits):
    """Allow tickcast's network code to run against the fakes of this folder."""
    monkeypatch.delenv("TICKCAST_OFFLINE", raising=False)
    return waits


class FakeYahoo:
    """Programmable ``Ticker.history``: per-ticker answers (frames or exceptions), call log."""

    def __init__(self) -> None:
        self.answers: dict[str, list[object]] = {}
        self.calls: list[tuple[str, dict]] = []

    def set(self, ticker: str, *answers: object) -> None:
        """Answer successive calls for ``ticker`` with these (the last one repeats)."""
        self.answers[ticker.upper()] = list(answers)

    def history(self, ticker_obj, *args, **kwargs):
        symbol = ticker_obj.ticker.upper()
        self.calls.append((symbol, kwargs))
        queue = self.answers.get(symbol) or [empty_history()]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer.copy()


@pytest.fixture
def fake_yahoo(monkeypatch, online) -> FakeYahoo:
    import yfinance
    import yfinance.data

    def refuse(*args, **kwargs):
        raise AssertionError("a test reached the real yfinance transport")

    monkeypatch.setattr(yfinance.data.YfData, "get", refuse)
    monkeypatch.setattr(yfinance.data.YfData, "cache_get", refuse)
    fake = FakeYahoo()
    monkeypatch.setattr(
        yfinance.Ticker, "history", lambda self, *a, **k: fake.history(self, *a, **k)
    )
    return fake


# --------------------------------------------------------------------------------------------
Route = Callable[[str, dict], tuple[int, str]] | tuple[int, str] | list[tuple[int, str]]


class LocalServer:
    """Answers GET requests from ``routes[path]``: (status, body), a list of them served in
    turn (the last repeats), or a callable ``(path, query) -> (status, body)``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                parsed = urllib.parse.urlsplit(self.path)
                outer.requests.append(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                route = outer.routes.get(parsed.path, (404, "Not Found"))
                if callable(route):
                    status, body = route(parsed.path, query)
                elif isinstance(route, list):
                    status, body = route.pop(0) if len(route) > 1 else route[0]
                else:
                    status, body = route
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/csv; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0.5")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def reset(self) -> None:
        self.routes.clear()
        self.requests.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def _local_server():
    srv = LocalServer()
    yield srv
    srv.close()


@pytest.fixture
def server(_local_server, online):
    """The local server with no routes and an empty request log."""
    _local_server.reset()
    return _local_server


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def shapes():
    """The shape builders and fixture paths, for tests that need them directly."""
    from types import SimpleNamespace

    return SimpleNamespace(
        history=fake_history, download=fake_download, empty=empty_history, CALM=CALM, IBE=IBE
    )
