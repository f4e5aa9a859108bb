"""Small HTTP client for the CSV endpoints (FRED, ECB): stdlib ``urllib``, timeouts, retries.

Every request has a timeout (:data:`TIMEOUT`) and, whatever pace the server keeps, a total
deadline: one attempt (connect, answer, whole body) that takes longer than the timeout is
given up, so a server dripping a byte at a time cannot hold a caller for longer. HTTP 429
and 5xx answers, and answers cut off mid-body (a dropped connection), are retried with
exponential backoff under the module's :data:`RETRY` policy; a refused connection, a DNS
failure or a timeout is a :class:`~tickcast.errors.NetworkError` at once, so that
``load(source="auto")`` can fall back to the cache or the bundled snapshot quickly.

Setting the environment variable ``TICKCAST_OFFLINE=1`` turns every network access of tickcast
(these endpoints and Yahoo) into an immediate :class:`~tickcast.errors.NetworkError`.
"""

from __future__ import annotations

import http.client
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from tickcast.errors import NetworkError

__all__ = ["RETRY", "TIMEOUT", "Response", "Retry", "check_online", "get"]

#: Seconds one attempt may take in all: connecting, the answer and the whole body.
TIMEOUT = 20.0
_CHUNK = 65536
_USER_AGENT = "tickcast (+https://pypi.org/project/tickcast/)"


@dataclass(frozen=True)
class Retry:
    """How often and how patiently to retry a rate-limited or failing server.

    Attributes
    ----------
    retries : int
        Extra attempts after the first one.
    backoff : float
        Seconds before the first retry; doubled for each further retry.
    max_delay : float
        Upper bound of one wait, seconds (also caps a server's ``Retry-After``).
    sleep : callable
        ``sleep(seconds)``; replaced by a recorder in tests.
    """

    retries: int = 3
    backoff: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], object] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        wait = self.backoff * 2.0**attempt if retry_after is None else retry_after
        return float(min(max(wait, 0.0), self.max_delay))


#: The retry policy used by FRED, ECB and Yahoo requests (tests replace it).
RETRY = Retry()


@dataclass(frozen=True)
class Response:
    """A finished HTTP exchange: ``status`` code and the body decoded as text."""

    status: int
    text: str
    url: str


def check_online(what: str) -> None:
    """Raise NetworkError if ``TICKCAST_OFFLINE`` is set to a true value."""
    if os.environ.get("TICKCAST_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        raise NetworkError(
            f"cannot fetch {what}: network access is disabled by TICKCAST_OFFLINE="
            f"{os.environ['TICKCAST_OFFLINE']!r}. Unset it, or load the bundled snapshot."
        )


def get(url: str, *, what: str, timeout: float | None = None) -> Response:
    """GET ``url`` and return the response, retrying 429 and 5xx answers.

    Parameters
    ----------
    url : str
        Full URL with query string.
    what : str
        What is fetched, for messages (``"FRED series 'DGS10'"``).
    timeout : float, optional
        Seconds per attempt, a total deadline for connecting and reading the whole answer
        (not a limit per read); default :data:`TIMEOUT`.

    Returns
    -------
    Response
        For 2xx answers and for client errors other than 429 (the caller decides what a 404
        means).

    Raises
    ------
    NetworkError
        No connection, a timeout, or 429/5xx or a broken-off answer still after
        ``RETRY.retries`` retries.
    """
    check_online(what)
    policy = RETRY
    timeout = TIMEOUT if timeout is None else timeout
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    attempt = 0
    while True:
        deadline = time.monotonic() + timeout
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                return Response(resp.status, _decode(_read_all(resp, deadline, timeout)), url)
        except urllib.error.HTTPError as exc:
            body = _decode(exc.read() or b"")
            if exc.code != 429 and exc.code < 500:
                return Response(exc.code, body, url)
            if attempt >= policy.retries:
                raise NetworkError(
                    f"cannot fetch {what}: the server answered HTTP {exc.code} "
                    f"({exc.reason}) {attempt + 1} times ({url}). Try again later; "
                    "load(..., source='auto') falls back to the cache or bundled data."
                ) from exc
            policy.sleep(policy.delay(attempt, _retry_after(exc)))
            attempt += 1
        except http.client.HTTPException as exc:  # body cut short, malformed status line
            if attempt >= policy.retries:
                raise NetworkError(
                    f"cannot fetch {what}: the connection broke off mid-answer "
                    f"({type(exc).__name__}: {exc}) {attempt + 1} times ({url}). Try again "
                    "later; load(..., source='auto') falls back to the cache or bundled data."
                ) from exc
            policy.sleep(policy.delay(attempt))
            attempt += 1
        except TimeoutError as exc:
            raise NetworkError(
                f"cannot fetch {what}: {exc} ({url}); the server is too slow or stalled. "
                "Try again later, or use source='bundled' / 'cache'."
            ) from exc
        except (urllib.error.URLError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NetworkError(
                f"cannot fetch {what}: no connection to {url} ({reason}). Check the network "
                "or use source='bundled' / 'cache'."
            ) from exc
        except OSError as exc:  # e.g. a connection reset while reading the body
            raise NetworkError(f"cannot fetch {what} from {url}: {exc}.") from exc


def _read_all(resp: http.client.HTTPResponse, deadline: float, timeout: float) -> bytes:
    """The whole body, or TimeoutError once ``deadline`` (``time.monotonic()``) passes.

    Reads one socket chunk at a time (``read1``), and before each read shortens the socket's
    timeout to the time left, so neither a slow drip nor one stalled read outlasts the
    deadline.
    """
    sock = getattr(getattr(resp.fp, "raw", None), "_sock", None)
    parts: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"timed out: the answer took longer than {timeout:g} s in all")
        if sock is not None:
            sock.settimeout(left)
        try:
            chunk = resp.read1(_CHUNK)
        except TimeoutError:
            raise TimeoutError(
                f"timed out: the answer took longer than {timeout:g} s in all"
            ) from None
        if not chunk:
            if resp.length:  # the server promised more than it sent before hanging up
                raise http.client.IncompleteRead(b"".join(parts), resp.length)
            return b"".join(parts)
        parts.append(chunk)


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    value = exc.headers.get("Retry-After") if exc.headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
