"""The token stays with its API: real HTTP servers on 127.0.0.1 (the API, and a second one on
another port standing for another host) show that a cross-host ``Link``, ``Location`` or ``url``
is refused before anything is sent there; echoed tokens are scrubbed in any case and when cut
short; ``SECGATE_GITHUB_MAX_WAIT`` bounds a whole call, a dribbling answer included."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from secgate.findings.scrub import scrub_line
from secgate.github.client import (
    GitHubClient,
    GitHubError,
    GitHubUnavailable,
    RetryPolicy,
    scrub_token,
)
from secgate.github.code_scanning import upload_sarif
from secgate.github.publish import find_comment, publish_comment
from tests.support.ghserver import BOT, REPO, TOKEN, FakeGitHub, serve

FIXTURE_SARIF = (
    Path(__file__).resolve().parent.parent / "fixtures/bandit/1.9.4/vulnerable-app.sarif"
)
OWNER, NAME = REPO.split("/")
SHA = "0123456789abcdef0123456789abcdef01234567"
COMMENTS = f"/repos/{REPO}/issues/7/comments"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with serve() as server:
        yield server
        assert server.violations == []


@pytest.fixture
def elsewhere() -> Iterator[FakeGitHub]:
    """Another host: a second server whose every request is recorded."""
    with serve(FakeGitHub(token="never-sent")) as server:
        yield server


def client_for(api: FakeGitHub, **retry: float) -> GitHubClient:
    return GitHubClient(
        TOKEN,
        api.url,
        retry=RetryPolicy(**retry),  # type: ignore[arg-type]
        sleep=lambda _: None,
    )


def test_a_cross_host_link_is_refused_and_the_other_host_sees_nothing(
    api: FakeGitHub, elsewhere: FakeGitHub
) -> None:
    api.plan(
        "GET",
        r"/comments$",
        200,
        body=[{"id": 1, "body": "first page", "user": BOT}],
        headers={"Link": f'<{elsewhere.url}{COMMENTS}?page=2>; rel="next"'},
    )
    with client_for(api) as client, pytest.raises(GitHubError) as caught:
        find_comment(client, OWNER, NAME, 7)
    assert str(caught.value) == (
        f'refusing to send the GitHub token to {elsewhere.url}: the Link header\'s rel="next" '
        f"page points away from the API at {api.url} (GITHUB_API_URL)"
    )
    assert elsewhere.requests == []
    assert len(api.requests) == 1


@pytest.mark.parametrize("swap", ["host name", "scheme"])
def test_same_port_under_another_name_or_scheme_is_another_host(api: FakeGitHub, swap: str) -> None:
    port = api.url.rsplit(":", 1)[1]
    other = f"http://localhost:{port}" if swap == "host name" else f"https://127.0.0.1:{port}"
    api.plan(
        "GET",
        r"/comments$",
        200,
        body=[],
        headers={"Link": f'<{other}{COMMENTS}?page=2>; rel="next"'},
    )
    with client_for(api) as client, pytest.raises(GitHubError, match="refusing to send"):
        list(client.paginate(COMMENTS))
    assert len(api.requests) == 1  # nothing went to the second address (the same server)


def test_a_cross_host_redirect_is_refused(api: FakeGitHub, elsewhere: FakeGitHub) -> None:
    api.plan("POST", r"/comments$", 307, headers={"Location": f"{elsewhere.url}{COMMENTS}"})
    with client_for(api) as client, pytest.raises(GitHubError) as caught:
        client.post(COMMENTS, {"body": "x"})
    assert "refusing to send the GitHub token to" in str(caught.value)
    assert "a redirect's Location header points away from the API" in str(caught.value)
    assert elsewhere.requests == []


def test_a_redirect_within_the_api_is_followed(api: FakeGitHub) -> None:
    """A renamed repository answers 301 (GET) or 307 (POST, the body kept)."""
    api.add_comment("LGTM")
    api.plan(
        "GET",
        r"^/repos/old/name/issues/7/comments$",
        301,
        headers={"Location": f"{api.url}{COMMENTS}?per_page=100"},
    )
    api.plan(
        "POST", r"^/repos/old/name/issues/7/comments$", 307, headers={"Location": COMMENTS}
    )  # relative: resolved against the request
    with client_for(api) as client:
        outcome = publish_comment(client, "old", "name", 7, "report")
    assert outcome.action == "created"
    posts = api.of("POST")
    assert [p.path for p in posts] == ["/repos/old/name/issues/7/comments", COMMENTS]
    assert posts[1].body == posts[0].body  # 307 keeps the method and the body


def test_an_upload_url_on_another_host_is_not_polled(
    api: FakeGitHub, elsewhere: FakeGitHub
) -> None:
    api.plan(
        "POST",
        r"/code-scanning/sarifs$",
        202,
        body={"id": "abc", "url": f"{elsewhere.url}/repos/{REPO}/code-scanning/sarifs/abc"},
    )
    with client_for(api) as client, pytest.raises(GitHubError) as caught:
        upload_sarif(
            client, OWNER, NAME, FIXTURE_SARIF, ref="refs/heads/main", sha=SHA, sleep=lambda _: None
        )
    assert "the 'url' field of the upload's answer points away from the API" in str(caught.value)
    assert elsewhere.requests == []


def test_the_upload_is_polled_where_its_answer_says(api: FakeGitHub) -> None:
    with client_for(api) as client:
        outcome = upload_sarif(
            client,
            OWNER,
            NAME,
            FIXTURE_SARIF,
            ref="refs/heads/main",
            sha=SHA,
            sleep=lambda _: None,
            poll_interval=0.01,
        )
    assert outcome.status == "complete"
    assert [r.path for r in api.of("GET")] == [
        f"/repos/{REPO}/code-scanning/sarifs/{outcome.sarif_id}"
    ] * 2


def test_echoed_tokens_are_scrubbed_in_any_case_and_cut_short(api: FakeGitHub) -> None:
    echoes = [TOKEN.upper(), TOKEN.lower(), TOKEN[:12], TOKEN.swapcase()[:20]]
    api.plan("GET", r"/comments$", 401, body={"message": "Bad credentials: " + " | ".join(echoes)})
    with client_for(api) as client, pytest.raises(GitHubError) as caught:
        client.get(COMMENTS)
    text = str(caught.value)
    assert text.endswith("401 Bad credentials: *** | *** | *** | ***")
    for echo in echoes:
        assert echo not in text


def test_scrubbing_rules() -> None:
    token = "_".join(("ghs", "AbCdEf" + "0123456789"))  # built: no credential-like literal
    assert scrub_token(f"x{token}y", token) == "x***y"
    assert scrub_token(f"{token.upper()}{token[:9]}", token) == "******"
    assert scrub_token("ghs_AbC and ghs_", token) == "ghs_AbC and ghs_"  # under 8 characters
    assert scrub_token("ghs_abcdef and more", token) == "*** and more"
    assert scrub_token("a t0k b", "t0k") == "a *** b"  # a short token is scrubbed whole


def test_every_line_secgate_prints_is_scrubbed_of_the_clients_token() -> None:
    token = "_".join(("ghs", "LineScrub" + "9876543210"))  # built: no credential-like literal
    GitHubClient(token, "http://127.0.0.1:9")
    # the command line's error boundary (scrub_line) masks it as the client does, in any
    # case and cut short, whichever scan's secrets it also knows
    assert scrub_line(f"failed: {token.swapcase()} and {token[:10]}.") == "failed: *** and ***."


class Dribbler:
    """A server on 127.0.0.1 that accepts, sends headers for a large body, then one byte every
    0.2 s — a read timeout (a pause between bytes) never fires on it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 100000\r\n\r\n["
                )
                for _ in range(300):  # at most a minute, whatever happens
                    if self.stop.wait(0.2):
                        break
                    try:
                        conn.sendall(b" ")
                    except OSError:
                        break

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.listener.close()


def test_max_wait_bounds_the_whole_call_including_a_dribbling_answer() -> None:
    server = Dribbler()
    try:
        client = GitHubClient.from_env(
            environ={
                "GITHUB_TOKEN": TOKEN,
                "GITHUB_API_URL": server.url,
                "SECGATE_GITHUB_MAX_WAIT": "1",
            }
        )
        assert client.timeout == 30.0  # each pause could be 30 s; the call still ends at 1 s
        started = time.monotonic()
        with client, pytest.raises(GitHubUnavailable) as caught:
            client.get(COMMENTS)
        assert time.monotonic() - started < 25  # a hang bound only (the server dribbles 60 s)
        assert str(caught.value) == (
            f"GitHub API GET {COMMENTS}: no complete answer within "
            "the 1 s secgate waits (SECGATE_GITHUB_MAX_WAIT)"
        )
    finally:
        server.close()


def test_time_spent_answering_counts_against_the_retry_budget(api: FakeGitHub) -> None:
    """The clock advances 0.3 s at each reading: the 502 took 0.6 s of the 1.5 s, so a
    retry 1 s later no longer fits."""
    now = [0.0]

    def slow_clock() -> float:
        now[0] += 0.3  # read before and after each request
        return now[0]

    api.plan("GET", r"/comments$", 502, body={"message": "Bad Gateway"})
    client = GitHubClient(
        TOKEN,
        api.url,
        retry=RetryPolicy(max_total_wait=1.5),
        sleep=lambda _: None,
        monotonic=slow_clock,
    )
    with client, pytest.raises(GitHubUnavailable) as caught:
        client.get(COMMENTS)
    assert "the next retry would be in 1 s, past the 1.5 s secgate waits" in str(caught.value)
    assert client.waits == []


def test_max_wait_must_be_positive() -> None:
    with pytest.raises(GitHubError, match="must be more than 0 seconds"):
        RetryPolicy.from_env({"SECGATE_GITHUB_MAX_WAIT": "0"})
