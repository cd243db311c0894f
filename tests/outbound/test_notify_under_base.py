"""Pull-request mode (``secgate scan PATH --base REF``) and the policy's ``notify:`` targets: the
base commit's targets get the message, a target the pull request's policy names gets nothing
(it could send the blocking findings anywhere), and the change is named by host, never by its
URL, which may hold a credential. A real git repository and a receiver on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.commands import git, run_secgate
from tests.support.scan_inputs import BLOCKED_INPUTS, CONTEXT_ENV
from tests.support.webhooks import Receiver, receiver

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as server:
        yield server
        assert server.violations == []


def _policy(url: str) -> str:
    return f"version: 1\npull_request: {{block: all}}\nnotify:\n  - url: {url}\n    on: [block, error]\n"


def test_the_bases_notify_targets_get_the_message_not_the_pull_requests(
    hooks: Receiver, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".secgate.yml").write_text(_policy(f"{hooks.url}/json/base-hook"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / ".secgate.yml").write_text(_policy(f"{hooks.url}/json/pr-hook/credential-part"))
    git(repo, "commit", "-q", "-am", "send it to me")
    report = tmp_path / "report.json"

    done = run_secgate("scan", repo, *BLOCKED_INPUTS, "--json", report, env=CONTEXT_ENV)
    assert done.returncode == 1, done.stderr
    assert len(hooks.at("/json/pr-hook/")) == 1, "without --base the pull request's target"
    hooks.received.clear()

    done = run_secgate(
        "scan", repo, *BLOCKED_INPUTS, "--json", report, "--base", "main", env=CONTEXT_ENV
    )
    assert done.returncode == 1, done.stderr
    assert len(hooks.at("/json/base-hook")) == 1
    assert hooks.at("/json/pr-hook/") == []
    data = json.loads(report.read_text())
    (change,) = data["pull_request"]["changes"]
    assert (change["setting"], change["weakens"]) == ("notify", False)
    assert re.fullmatch(
        r"notify changed from \[127\.0\.0\.1 \(URL #([0-9a-f]{8})\) on "
        r"block/error\] to \[127\.0\.0\.1 \(URL #(?!\1)[0-9a-f]{8}\) on "
        r"block/error\]",
        change["summary"],
    ), change["summary"]
    assert "credential-part" not in report.read_text() and "credential-part" not in done.stderr
