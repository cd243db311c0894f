"""The HTTP edge every outgoing request goes through, against a real server on 127.0.0.1:
bounded retries, Retry-After, final answers, no redirects, nothing secret in its messages.
Sleep and clock are injected, so the waits are asserted without waiting."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from secgate.github.client import RetryPolicy
from secgate.outbound.http import OUTBOUND_RETRY, Sender, check_url, shown_url
from tests.support.servers import closed_port_url, serving


class Scripted:
    """Answers each request with the next (status, headers, body) of ``plan``."""

    def __init__(self, plan: list[tuple[int, dict[str, str], str]]) -> None:
        self.plan = plan
        self.seen: list[tuple[str, str, bytes]] = []
        self.url = ""


@contextlib.contextmanager
def scripted(plan: list[tuple[int, dict[str, str], str]]) -> Iterator[Scripted]:
    state = Scripted(plan)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.seen.append((self.command, self.path, body))
            status, headers, text = state.plan[min(len(state.seen), len(state.plan)) - 1]
            data = text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_PUT = _serve

    with serving(Handler) as state.url:
        yield state


def _sender(waits: list[float], retry: RetryPolicy = OUTBOUND_RETRY) -> Sender:
    return Sender(retry=retry, sleep=waits.append, clock=lambda: 1_800_000_000.0)


def test_server_errors_are_retried_with_backoff_then_delivered() -> None:
    waits: list[float] = []
    with scripted([(503, {}, "busy"), (502, {}, ""), (204, {}, "")]) as server:
        result = _sender(waits).send("POST", f"{server.url}/hook", b"{}", what="test", shown="S")
    assert result.ok and result.status == 204 and result.attempts == 3
    assert waits == [1.0, 2.0] and result.waits == (1.0, 2.0)
    assert [s[2] for s in server.seen] == [b"{}"] * 3


def test_retry_after_is_honoured_in_seconds_and_as_a_date() -> None:
    waits: list[float] = []
    plan = [
        (429, {"Retry-After": "3"}, ""),
        (503, {"Retry-After": "Fri, 15 Jan 2027 08:00:05 GMT"}, ""),
        (200, {}, "ok"),
    ]
    with scripted(plan) as server:
        sender = Sender(
            retry=RetryPolicy(attempts=3, max_total_wait=10.0),
            sleep=waits.append,
            clock=lambda: 1_800_000_000.0,
        )  # 2027-01-15 08:00:00 UTC
        assert sender.send("POST", server.url, b"", what="test", shown="S").ok
    assert waits == [3.0, 5.0]


def test_a_wait_past_the_budget_gives_up_at_once() -> None:
    waits: list[float] = []
    with scripted([(429, {"Retry-After": "60"}, "slow down")]) as server:
        result = _sender(waits).send(
            "POST", server.url, b"", what="notification", shown="http://hooks/…"
        )
    assert not result.ok and waits == [] and result.attempts == 1
    assert result.warning() == (
        "notification to http://hooks/… failed: 429 slow down; the "
        "next try would be in 60 s, past the 10 s secgate waits"
    )


def test_client_errors_and_redirects_are_final() -> None:
    for status, headers in ((400, {}), (404, {}), (302, {"Location": "http://elsewhere/"})):
        waits: list[float] = []
        with scripted([(status, headers, "invalid_payload")]) as server:
            result = _sender(waits).send("POST", server.url, b"", what="t", shown="S")
        assert not result.ok and result.status == status and result.attempts == 1
        assert len(server.seen) == 1 and waits == []


def test_an_unreachable_server_is_retried_and_reported_without_its_url() -> None:
    waits: list[float] = []
    url = f"{closed_port_url()}/services/T0/B0/credential-in-path"
    result = _sender(waits).send(
        "POST", url, b"", what="notification", shown=shown_url(url, hide_path=True)
    )
    assert not result.ok and result.status is None and result.attempts == 3
    assert waits == [1.0, 2.0]
    assert "credential-in-path" not in result.warning()
    assert "cannot reach it (ConnectionError); gave up after 3 attempts" in result.warning()


def test_a_server_quoting_the_url_does_not_leak_it() -> None:
    with scripted([(400, {}, "bad request to /hook/credential-in-path")]) as server:
        url = f"{server.url}/hook/credential-in-path"
        result = _sender([]).send("POST", url, b"", what="t", shown=shown_url(url, hide_path=True))
    assert "credential-in-path" not in result.warning()


@pytest.mark.parametrize(
    ("url", "hide", "shown"),
    [
        ("https://user:token@loki.example:3100/loki?x=1", False, "https://loki.example:3100/loki"),
        ("https://hooks.slack.com/services/T/B/XYZ", True, "https://hooks.slack.com/…"),
        ("http://[::1]:9091", False, "http://[::1]:9091"),
    ],
)
def test_shown_urls_hold_no_credentials(url: str, hide: bool, shown: str) -> None:
    assert shown_url(url, hide_path=hide) == shown


def test_check_url() -> None:
    assert check_url("https://example.com/x", "--notify") is None
    assert check_url("example.com", "--notify") is not None
    assert check_url("http://host:port/", "--loki") == (
        "--loki: 'http://host/' has a port that is not a number"
    )
    assert "secret" not in (check_url("ftp://host/secret", "--notify") or "")
    assert repr(Sender()).startswith("Sender(retry=")
