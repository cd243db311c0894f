"""The one HTTP edge for what secgate sends out after a scan: webhooks, Pushgateway, Loki.

It follows ``secgate.github.client.GitHubClient``: a frozen ``RetryPolicy`` bounds the attempts and
the total time spent waiting; sleep, clock and session are injected so tests check every delay
without sleeping. What may pass on a retry is retried: connection errors and timeouts, 5xx answers,
429 (waiting what ``Retry-After`` asks when it fits the budget). Any other answer is final.
Redirects are not followed (a body meant for one host is not replayed to another).

A failure is data, not an exception: ``send`` returns a ``Delivery`` saying what happened, and
the caller turns a failed one into a warning. The URL is shown only through ``shown_url``:
webhook URLs carry their credential in the path (Slack, Teams), other URLs may carry a
``user:password@``; neither appears in any message, and exception texts (which quote the URL)
are reduced to the exception's type.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from secgate import __version__
from secgate.github.client import RetryPolicy, requests_module
from secgate.reports.presentation import one_line

if TYPE_CHECKING:
    import requests

OUTBOUND_RETRY = RetryPolicy(attempts=3, base_delay=1.0, max_delay=4.0, max_total_wait=10.0)
"""Three tries in about three seconds, ten at most: a CI job is not held up by a dead server."""
DEFAULT_TIMEOUT = (5.0, 10.0)
"""Seconds to connect, and to wait for the answer, per attempt."""
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def shown_url(url: str, *, hide_path: bool = False) -> str:
    """``url`` as it may appear in a message: no ``user:password@``, no query, and with
    ``hide_path`` no path either (``https://hooks.slack.com/…``)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    path = "/…" if hide_path and parts.path not in ("", "/") else parts.path
    return f"{parts.scheme}://{netloc}{path}"


def check_url(url: str, where: str) -> str | None:
    """Why ``url`` (named by ``where``) cannot be sent to, or None when it is an http(s) URL
    with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{where}: {shown_url(url, hide_path=True)!r} is not an http:// or https:// URL"
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return f"{where}: {shown_url(url, hide_path=True)!r} has a port that is not a number"
    return None


@dataclass(frozen=True)
class Delivery:
    """What became of one request: sent, or why not, after how many attempts and waits."""

    what: str
    """What was sent, as a person names it: ``notification``, ``Pushgateway push``..."""
    target: str
    """The URL as ``shown_url`` shows it."""
    ok: bool
    status: int | None = None
    attempts: int = 0
    waits: tuple[float, ...] = ()
    problem: str | None = None

    def warning(self) -> str:
        """The one line a failed delivery is reported with."""
        return f"{self.what} to {self.target} failed: {self.problem}"


class Sender:
    """Sends one request at a time, retrying what can pass on a retry, within the policy."""

    def __init__(
        self,
        *,
        retry: RetryPolicy = OUTBOUND_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.retry = retry
        self._sleep = sleep
        self._clock = clock
        self.timeout = timeout
        self._session = session or requests_module().Session()

    def __repr__(self) -> str:
        return f"Sender(retry={self.retry!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(
        self,
        method: str,
        url: str,
        body: bytes,
        *,
        what: str,
        shown: str,
        headers: Mapping[str, str] | None = None,
    ) -> Delivery:
        """One request with ``body``; ``shown`` is how ``url`` may be named in the result."""
        all_headers = {"User-Agent": f"secgate/{__version__}", **(headers or {})}
        waits: list[float] = []
        status: int | None = None
        for attempt in range(1, self.retry.attempts + 1):
            try:
                answer = self._session.request(
                    method,
                    url,
                    data=body,
                    headers=all_headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests_module().RequestException as exc:
                status = None
                problem = f"cannot reach it ({type(exc).__name__})"
                delay = self._backoff(attempt)
            else:
                status = answer.status_code
                if 200 <= status < 300:
                    return Delivery(what, shown, True, status, attempt, tuple(waits))
                problem = f"{status} {_reason_of(answer, url, shown)}"
                if status not in _RETRYABLE_STATUS:
                    return Delivery(what, shown, False, status, attempt, tuple(waits), problem)
                asked = self._retry_after(answer)
                delay = self._backoff(attempt) if asked is None else asked
            if attempt == self.retry.attempts:
                gave_up = f"gave up after {attempt} attempts"
            elif sum(waits) + delay > self.retry.max_total_wait:
                gave_up = (
                    f"the next try would be in {delay:.0f} s, past the "
                    f"{self.retry.max_total_wait:.0f} s secgate waits"
                )
            else:
                waits.append(delay)
                self._sleep(delay)
                continue
            return Delivery(
                what, shown, False, status, attempt, tuple(waits), f"{problem}; {gave_up}"
            )
        raise AssertionError("unreachable: the retry loop returns")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return float(min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1)))

    def _retry_after(self, answer: requests.Response) -> float | None:
        """The wait a ``Retry-After`` header asks for (seconds, or an HTTP date), else None."""
        value = answer.headers.get("Retry-After", "").strip()
        if not value:
            return None
        if value.isascii() and value.isdigit():  # isdigit alone takes "²", which float() refuses
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - self._clock())


def _reason_of(answer: requests.Response, url: str, shown: str) -> str:
    """The server's own short reason (Slack answers ``invalid_payload``, Loki a sentence), else
    the HTTP reason; never the URL, in case the server quotes it."""
    text = answer.text if answer.content else ""
    path = urlsplit(url).path
    for secret in (url, path if len(path) > 1 else ""):
        if secret:
            text = text.replace(secret, shown)
    return one_line(text, 200) or answer.reason or "error"
