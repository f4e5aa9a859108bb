"""Suite-wide guards: no test reaches the internet or the user's cache.

Autouse for every test:

* ``TICKCAST_CACHE_DIR`` points at a fresh temporary folder;
* ``TICKCAST_OFFLINE=1``: tickcast's Yahoo/FRED/ECB access fails at once with NetworkError
  (this also covers yfinance, whose curl transport bypasses Python sockets), so
  ``load("DB")`` falls back to the bundled snapshot with a FallbackWarning;
* Python sockets may connect only to loopback addresses, and only local names resolve
  (tests serve fake FRED/ECB answers from ``http.server`` on 127.0.0.1).

A test that needs the fake network deletes ``TICKCAST_OFFLINE`` itself (see
``tests/data/conftest.py``: fixture ``online``).
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "", socket.gethostname()}


def _is_local(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]")
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("TICKCAST_CACHE_DIR", str(tmp_path_factory.mktemp("tickcast-cache")))
    monkeypatch.setenv("TICKCAST_OFFLINE", "1")

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def _check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not _is_local(address[0]):
                raise ConnectionRefusedError(f"tests must not use the internet: {address!r}")

    def connect(self, address):
        _check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        _check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host):
            raise socket.gaierror(socket.EAI_NONAME, f"tests must not resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
