"""The GitHub client and the publishing functions against a real HTTP server on 127.0.0.1.

Delays are injected (a recording ``sleep`` and a fixed clock), so retry and rate-limit sequences
run at full speed while their waits are asserted exactly.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from secgate.errors import InputError, UsageError
from secgate.github.client import GitHubClient, GitHubError, GitHubUnavailable, RetryPolicy
from secgate.github.code_scanning import encode_sarif, upload_sarif
from secgate.github.publish import MARKER, comment_body, publish_comment
from tests.support.ghserver import BOT, REPO, TOKEN, FakeGitHub, serve

FIXTURE_SARIF = (
    Path(__file__).resolve().parent.parent / "fixtures/bandit/1.9.4/vulnerable-app.sarif"
)
OWNER, NAME = REPO.split("/")
SHA = "0123456789abcdef0123456789abcdef01234567"
NOW = 1_800_000_000.0


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with serve() as server:
        yield server
        assert server.violations == []


_OPEN: list[GitHubClient] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def make_client(api: FakeGitHub, sleeps: list[float], **retry: float) -> GitHubClient:
    client = GitHubClient(
        TOKEN,
        api.url,
        retry=RetryPolicy(**retry),  # type: ignore[arg-type]
        sleep=sleeps.append,
        clock=lambda: NOW,
    )
    _OPEN.append(client)
    return client


def test_comment_is_created_when_none_is_marked(api: FakeGitHub) -> None:
    api.add_comment("LGTM")
    api.add_comment(
        "a human quoting it\n<!-- secgate-report -->", {"login": "alice", "type": "User"}
    )
    api.add_comment("another bot", BOT)
    sleeps: list[float] = []
    outcome = publish_comment(make_client(api, sleeps), OWNER, NAME, 7, "## secgate: PASS\n")
    assert outcome.action == "created"
    assert sleeps == []
    lists = api.of("GET")
    assert [r.query.get("page") for r in lists] == [None, ["2"]]  # followed the Link header
    assert lists[0].query["per_page"] == ["100"]
    (post,) = api.of("POST")
    assert post.path == f"/repos/{REPO}/issues/7/comments"
    assert post.body == {"body": f"{MARKER}\n## secgate: PASS\n"}
    assert outcome.comment_id in api.comments


def test_marked_bot_comment_is_edited_on_a_later_page(api: FakeGitHub) -> None:
    for text in ("one", "two", "three", "four"):
        api.add_comment(text)
    mine = api.add_comment(f"{MARKER}\nold report")
    outcome = publish_comment(make_client(api, []), OWNER, NAME, 7, f"{MARKER}\nnew report\n")
    assert (outcome.action, outcome.comment_id) == ("updated", mine)
    assert api.of("POST") == []
    (patch,) = api.of("PATCH")
    assert patch.path == f"/repos/{REPO}/issues/comments/{mine}"
    assert api.comments[mine]["body"] == f"{MARKER}\nnew report\n"
    assert len(api.of("GET")) == 3


def test_author_option_picks_a_users_comment(api: FakeGitHub) -> None:
    theirs = api.add_comment(f"{MARKER}\nby a bot")
    mine = api.add_comment(f"{MARKER}\nby the PAT user", {"login": "Sec-Bot", "type": "User"})
    outcome = publish_comment(make_client(api, []), OWNER, NAME, 7, "x", author="sec-bot")
    assert outcome.comment_id == mine
    assert api.comments[theirs]["body"].endswith("by a bot")


def test_read_only_token_falls_back_to_the_job_summary(api: FakeGitHub, tmp_path: Path) -> None:
    api.plan(
        "POST",
        r"/comments$",
        403,
        body={
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/issues/comments",
        },
    )
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    outcome = publish_comment(
        make_client(api, []), OWNER, NAME, 7, "## report\n", step_summary=summary
    )
    assert outcome.action == "summary"
    assert summary.read_text() == "earlier step\n## report\n"
    assert "Resource not accessible by integration" in outcome.warnings[0]
    assert TOKEN not in outcome.warnings[0]


def test_403_without_a_summary_file_is_a_warning_only(api: FakeGitHub) -> None:
    api.plan("GET", r"/comments$", 403, body={"message": "Must have admin rights"})
    outcome = publish_comment(make_client(api, []), OWNER, NAME, 7, "r")
    assert outcome.action == "skipped"
    assert "not published" in outcome.warnings[0]


def test_404_is_one_clear_line_and_not_retried(api: FakeGitHub) -> None:
    sleeps: list[float] = []
    with pytest.raises(GitHubError) as caught:
        publish_comment(make_client(api, sleeps), "someone", "else", 7, "r")
    message = str(caught.value)
    assert message == "GitHub API GET /repos/someone/else/issues/7/comments: 404 Not Found"
    assert caught.value.exit_code == 2
    assert len(api.requests) == 1 and sleeps == []


def test_5xx_is_retried_with_growing_backoff(api: FakeGitHub) -> None:
    api.plan("GET", r"/comments$", 502, body={"message": "Server Error"})
    api.plan("GET", r"/comments$", 503)
    api.plan("GET", r"/comments$", 500)
    sleeps: list[float] = []
    outcome = publish_comment(make_client(api, sleeps), OWNER, NAME, 7, "r")
    assert outcome.action == "created"
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(api.of("GET")) == 4


def test_5xx_that_persists_gives_up_with_one_line(api: FakeGitHub) -> None:
    for _ in range(5):
        api.plan("POST", r"/comments$", 500, body={"message": "Internal Server Error"})
    client = make_client(api, sleeps := [], attempts=3)
    with pytest.raises(GitHubUnavailable) as caught:
        client.post(f"/repos/{REPO}/issues/7/comments", {"body": "x"})
    assert str(caught.value) == (
        f"GitHub API POST /repos/{REPO}/issues/7/comments: 500 "
        "Internal Server Error; gave up after 3 attempts"
    )
    assert caught.value.exit_code == 3
    assert sleeps == [1.0, 2.0]


def test_retry_after_is_obeyed(api: FakeGitHub) -> None:
    api.plan(
        "GET",
        r"/comments$",
        403,
        {"Retry-After": "7"},
        {"message": "You have exceeded a secondary rate limit."},
    )
    sleeps: list[float] = []
    publish_comment(make_client(api, sleeps), OWNER, NAME, 7, "r")
    assert sleeps == [7.0]


def test_exhausted_rate_limit_waits_until_the_reset(api: FakeGitHub) -> None:
    api.plan(
        "POST",
        r"/comments$",
        403,
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 10)},
        {"message": "API rate limit exceeded for installation."},
    )
    sleeps: list[float] = []
    outcome = publish_comment(make_client(api, sleeps), OWNER, NAME, 7, "r")
    assert outcome.action == "created"
    assert sleeps == [11.0]


def test_429_without_headers_waits_a_minute(api: FakeGitHub) -> None:
    api.plan("GET", r"/comments$", 429, body={"message": "Too Many Requests"})
    sleeps: list[float] = []
    publish_comment(make_client(api, sleeps), OWNER, NAME, 7, "r")
    assert sleeps == [60.0]


def test_rate_limit_past_the_wait_cap_gives_up_at_once(api: FakeGitHub) -> None:
    api.plan(
        "GET",
        r"/comments$",
        403,
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 3600)},
        {"message": "API rate limit exceeded"},
    )
    sleeps: list[float] = []
    with pytest.raises(GitHubUnavailable) as caught:
        publish_comment(make_client(api, sleeps, max_total_wait=120), OWNER, NAME, 7, "r")
    assert sleeps == []
    assert "rate limited (403 API rate limit exceeded)" in str(caught.value)
    assert "3601 s, past the 120 s secgate waits (SECGATE_GITHUB_MAX_WAIT)" in str(caught.value)


def test_a_closed_port_is_unavailable() -> None:
    with serve() as gone:
        url = gone.url
    client = GitHubClient(TOKEN, url, retry=RetryPolicy(attempts=2), sleep=lambda _: None)
    _OPEN.append(client)
    with pytest.raises(
        GitHubUnavailable,
        match=r"cannot reach http://127\.0\.0\.1:.*ConnectionError; gave up after 2",
    ):
        client.get("/repos/a/b/issues/1/comments")


def test_upload_sends_gzip_base64_sarif_and_polls_until_complete(api: FakeGitHub) -> None:
    api.processing = ["pending", "pending", "complete"]
    polls: list[float] = []
    outcome = upload_sarif(
        make_client(api, []),
        OWNER,
        NAME,
        FIXTURE_SARIF,
        ref="refs/pull/7/merge",
        sha=SHA.upper(),
        tool_name="secgate",
        checkout_uri="file:///work/repo",
        poll_interval=0.5,
        sleep=polls.append,
        clock=lambda: 0.0,
    )
    assert outcome.status == "complete" and outcome.errors == []
    assert polls == [0.5, 0.5]
    (upload,) = api.uploads
    assert upload["commit_sha"] == SHA and upload["ref"] == "refs/pull/7/merge"
    assert upload["tool_name"] == "secgate" and upload["checkout_uri"] == "file:///work/repo"
    assert upload["doc"] == json.loads(FIXTURE_SARIF.read_text())
    (post,) = api.of("POST")
    assert post.path == f"/repos/{REPO}/code-scanning/sarifs"
    gets = [r.path for r in api.of("GET")]
    assert gets == [f"/repos/{REPO}/code-scanning/sarifs/{outcome.sarif_id}"] * 3


def test_upload_reports_failed_processing_with_its_errors(api: FakeGitHub) -> None:
    api.processing = ["failed"]
    api.processing_errors = ["locationFromSarifResult: expected artifact location"]
    outcome = upload_sarif(
        make_client(api, []),
        OWNER,
        NAME,
        FIXTURE_SARIF,
        ref="refs/heads/main",
        sha=SHA,
        sleep=lambda _: None,
    )
    assert outcome.status == "failed"
    assert outcome.errors == ["locationFromSarifResult: expected artifact location"]


def test_upload_waits_through_an_early_404_and_stops_at_the_deadline(api: FakeGitHub) -> None:
    api.plan("GET", r"/sarifs/", 404, body={"message": "Not Found"})
    api.processing = ["pending"]
    ticks = iter(range(100))
    outcome = upload_sarif(
        make_client(api, []),
        OWNER,
        NAME,
        FIXTURE_SARIF,
        ref="refs/heads/main",
        sha=SHA,
        wait=3,
        poll_interval=1,
        sleep=lambda _: None,
        clock=lambda: float(next(ticks)),
    )
    assert outcome.status == "pending"


def test_too_large_sarif_is_refused_before_any_request(api: FakeGitHub, tmp_path: Path) -> None:
    doc = json.loads(FIXTURE_SARIF.read_text())
    doc["runs"][0]["properties"] = {"padding": base64.b64encode(os.urandom(14_000_000)).decode()}
    big = tmp_path / "big.sarif"
    big.write_text(json.dumps(doc))
    with pytest.raises(
        InputError,
        match=r"big.sarif: too large for GitHub code scanning: "
        r"[\d,]+ bytes gzipped, the limit is 10,000,000",
    ):
        upload_sarif(make_client(api, []), OWNER, NAME, big, ref="refs/heads/main", sha=SHA)
    assert api.requests == []


def test_encoding_round_trips_and_bad_input_is_refused(tmp_path: Path) -> None:
    assert (
        gzip.decompress(base64.b64decode(encode_sarif(FIXTURE_SARIF))) == FIXTURE_SARIF.read_bytes()
    )
    bad = tmp_path / "bad.sarif"
    bad.write_text("{not json")
    with pytest.raises(InputError, match=r"bad\.sarif: not a SARIF file"):
        encode_sarif(bad)
    with pytest.raises(InputError, match="cannot read"):
        encode_sarif(tmp_path / "missing.sarif")


@pytest.mark.parametrize(("ref", "sha"), [("main", SHA), ("refs/heads/main", "abc123")])
def test_ref_and_sha_are_checked_first(api: FakeGitHub, ref: str, sha: str) -> None:
    with pytest.raises(UsageError):
        upload_sarif(make_client(api, []), OWNER, NAME, FIXTURE_SARIF, ref=ref, sha=sha)
    assert api.requests == []


def test_token_stays_out_of_repr_and_errors(api: FakeGitHub) -> None:
    api.plan("GET", r"/comments$", 401, body={"message": f"Bad credentials {TOKEN}"})
    client = make_client(api, [])
    assert TOKEN not in repr(client) and TOKEN not in str(vars(client).get("api_url"))
    with pytest.raises(GitHubError) as caught:
        client.get(f"/repos/{REPO}/issues/7/comments")
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert "Bad credentials ***" in str(caught.value)
    assert all(TOKEN not in r.path and TOKEN not in str(r.query) for r in api.requests)


def test_missing_token_and_enterprise_url_from_the_environment() -> None:
    with pytest.raises(GitHubError, match="no GitHub token: set GITHUB_TOKEN or pass --token"):
        GitHubClient.from_env(environ={})
    client = GitHubClient.from_env(
        environ={
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_API_URL": "https://ghe.example/api/v3/",
            "SECGATE_GITHUB_MAX_WAIT": "5",
        }
    )
    assert client.api_url == "https://ghe.example/api/v3"
    assert client.retry.max_total_wait == 5.0
    with pytest.raises(GitHubError, match="SECGATE_GITHUB_MAX_WAIT='soon' is not a number"):
        GitHubClient.from_env(environ={"GITHUB_TOKEN": TOKEN, "SECGATE_GITHUB_MAX_WAIT": "soon"})


def test_comment_body_is_cut_to_githubs_limit() -> None:
    body = comment_body("x" * 70_000)
    assert body.startswith(MARKER + "\n") and len(body) <= 65_000
    assert body.rstrip().endswith("the job summary has the rest)")
