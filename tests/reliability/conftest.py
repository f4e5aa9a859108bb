"""Fixtures for tests/reliability: a programmable fake network on 127.0.0.1 and small series.

* ``net``: lifts ``TICKCAST_OFFLINE`` (set suite-wide by tests/conftest.py), records retry
  waits instead of sleeping, points FRED and ECB at a local ``http.server`` and fakes
  ``yfinance.Ticker.history`` (empty frame = unknown ticker). Routes are set per test:
  ``net.route("/fred", (200, body))``; a list of answers is served in turn (the last one
  repeats); an answer may also be ``("slow", seconds, status, body)`` (sleep before
  answering) or ``("drop", status, body)`` (promise the whole body, send a third, hang up).
* ``walk``: a 300-day positive random walk (a price) on business days.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
import urllib.parse
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from tickcast.data import http as tc_http

FRED_DGS10 = "DATE,DGS10\n2020-12-30,0.93\n2020-12-31,0.93\n2021-01-01,.\n2021-01-04,0.95\n"


class FakeNetwork:
    """One threaded HTTP server on 127.0.0.1 answering from a route table."""

    def __init__(self) -> None:
        self.routes: dict[str, list] = {}
        self.requests: list[str] = []
        self.waits: list[float] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                outer.requests.append(self.path)
                answers = outer.routes.get(path) or [(404, "Not Found")]
                answer = answers.pop(0) if len(answers) > 1 else answers[0]
                if answer[0] == "slow":
                    _, seconds, status, body = answer
                    time.sleep(seconds)
                    answer = (status, body)
                if answer[0] == "drop":
                    _, status, body = answer
                    data = body.encode()
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 3])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, body = answer
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/csv; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    if status == 429:
                        self.send_header("Retry-After", "7")
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout) before the answer
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def route(self, path: str, *answers) -> None:
        """Serve ``answers`` in turn at ``path`` (the last one repeats)."""
        self.routes[path] = list(answers)

    def reset(self) -> None:
        self.routes.clear()
        self.requests.clear()
        self.waits.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def _fake_network():
    srv = FakeNetwork()
    yield srv
    srv.close()


@pytest.fixture
def net(_fake_network, monkeypatch) -> FakeNetwork:
    """The fake network, online, with FRED at ``/fred`` and the ECB under ``/ecb``."""
    import yfinance
    import yfinance.data
    import yfinance.utils

    srv = _fake_network
    srv.reset()
    monkeypatch.delenv("TICKCAST_OFFLINE", raising=False)
    monkeypatch.setattr(
        tc_http, "RETRY", tc_http.Retry(retries=2, backoff=1.0, sleep=srv.waits.append)
    )
    monkeypatch.setenv("TICKCAST_FRED_URL", srv.url + "/fred")
    monkeypatch.setenv("TICKCAST_ECB_URL", srv.url + "/ecb/")

    def refuse(*args, **kwargs):
        raise AssertionError("a test reached the real yfinance transport")

    monkeypatch.setattr(yfinance.data.YfData, "get", refuse)
    monkeypatch.setattr(yfinance.data.YfData, "cache_get", refuse)
    monkeypatch.setattr(yfinance.Ticker, "history", lambda self, *a, **k: yfinance.utils.empty_df())
    return srv


@pytest.fixture
def closed_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def random_walk(n: int = 300, seed: int = 0, start: str = "2020-01-01") -> pd.Series:
    """A positive price path on business days (log-normal random walk)."""
    rng = np.random.default_rng(seed)
    values = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    return pd.Series(values, index=pd.bdate_range(start, periods=n), name="walk")


@pytest.fixture(scope="session")
def walk() -> pd.Series:
    return random_walk()


@pytest.fixture
def helpers():
    return SimpleNamespace(random_walk=random_walk, FRED_DGS10=FRED_DGS10)
