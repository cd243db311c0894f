"""``secgate github review --from REPORT.json``: inline review comments on the changed lines of
the blocking findings, against the HTTP server on 127.0.0.1 that checks each request as GitHub
documents it (create with ``commit_id``/``path``/``line``/``side``, list, update, delete).

The report comes from a real pull-request-mode scan (real git repository, real Bandit); later
pushes are that report with its findings moved or gone, as the next scan would write it."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from secgate.cli.main import main
from secgate.github.publish import MARKER
from secgate.github.review import OVERFLOW_START
from tests.support.commands import git, require_tool, run_secgate
from tests.support.ghserver import REPO, TOKEN, FakeGitHub, serve

SHELL = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
TWO = SHELL + "\n\ndef go(cmd):\n    return subprocess.check_output(cmd, shell=True)\n"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """A real pull-request scan's report (two new blocking findings in svc/app.py, one old one
    in legacy.py) and the pull request's head commit."""
    require_tool("bandit")
    repo = tmp_path_factory.mktemp("review") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "svc").mkdir()
    (repo / "svc/legacy.py").write_text(SHELL)
    (repo / "svc/app.py").write_text("x = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / "svc/app.py").write_text("x = 1\n" + TWO)
    git(repo, "commit", "-q", "-am", "add shell calls")
    out = repo.parent / "report.json"
    done = run_secgate("scan", repo / "svc", "--base", "main", "--scanner", "bandit", "--json", out)
    assert done.returncode == 1, done.stderr
    return json.loads(out.read_text()), git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with serve() as server:
        yield server
        assert server.violations == []


def blocking(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f for f in report["findings"] if f["decision"]["action"] == "block" and f.get("changed")
    ]


def env_for(api: FakeGitHub, tmp_path: Path, head: str, fork: bool = False) -> dict[str, str]:
    event = {
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {
                "sha": head,
                "repo": {"full_name": "someone/fork" if fork else REPO, "fork": fork},
            },
            "base": {"repo": {"full_name": REPO}},
        },
    }
    (tmp_path / "event.json").write_text(json.dumps(event))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": api.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "SECGATE_GITHUB_MAX_WAIT": "1",
    }


def review(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    report: dict[str, Any],
    tmp_path: Path,
    env: dict[str, str],
    *args: str,
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    for name in ("GITHUB_TOKEN", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as caught:
        main(["github", "review", "--from", str(path), *args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, int(caught.value.code or 0), out, err)


def test_review_comments_are_created_on_changed_lines_then_kept_in_step(
    api: FakeGitHub,
    scanned: tuple[dict[str, Any], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report, head = scanned
    findings = blocking(report)
    assert [f["location"]["path"] for f in findings] == ["app.py", "app.py"]
    lines = {f["location"]["start_line"] for f in findings}
    api.open_pull_request({"svc/app.py": set(range(2, 12))}, {head})
    env = env_for(api, tmp_path, head)
    done = review(monkeypatch, capsys, report, tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert "2 created, 0 updated, 0 unchanged, 0 deleted" in done.stderr
    posts = api.of("POST")
    assert len(posts) == 2
    for seen, finding in zip(posts, findings, strict=True):
        assert seen.path == f"/repos/{REPO}/pulls/7/comments"
        assert seen.body["commit_id"] == head and seen.body["side"] == "RIGHT"
        assert seen.body["path"] == "svc/app.py"  # the scanned directory's prefix joined
        assert seen.body["line"] == finding["location"]["start_line"]
        assert seen.body["body"].startswith(f"<!-- secgate-finding: {finding['fingerprint']} -->\n")
        assert "secgate blocks this change" in seen.body["body"]
    assert {c["line"] for c in api.review_comments.values()} == lines
    # the old finding (legacy.py, not changed) gets no inline comment
    assert all("legacy" not in c["path"] for c in api.review_comments.values())
    # the next run with the same findings changes nothing
    api.requests.clear()
    again = review(monkeypatch, capsys, report, tmp_path, env)
    assert again.returncode == 0 and "0 created, 0 updated, 2 unchanged" in again.stderr
    assert [r.method for r in api.requests] == ["GET", "GET"]  # review comments, sticky comment


def test_next_push_updates_in_place_remakes_moved_ones_and_deletes_or_resolves_gone_ones(
    api: FakeGitHub,
    scanned: tuple[dict[str, Any], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report, head = scanned
    api.open_pull_request({"svc/app.py": set(range(2, 12))}, {head})
    env = env_for(api, tmp_path, head)
    assert review(monkeypatch, capsys, report, tmp_path, env).returncode == 0
    first, second = blocking(report)
    ids = {c["body"].split(" -->")[0]: cid for cid, c in api.review_comments.items()}
    # push 2: the message of the first changes (same line), the second moves down two lines
    pushed = "f" * 40
    api.push({"svc/app.py": set(range(2, 14))}, pushed)
    later = copy.deepcopy(report)
    moved_first, moved_second = blocking(later)
    moved_first["message"] += " (now with more detail)"
    moved_second["location"]["start_line"] += 2
    api.requests.clear()
    done = review(monkeypatch, capsys, later, tmp_path, env_for(api, tmp_path, pushed))
    assert done.returncode == 0, done.stderr
    assert "1 created, 1 updated, 0 unchanged, 1 deleted" in done.stderr
    patch = api.of("PATCH")[0]
    assert (
        patch.path
        == f"/repos/{REPO}/pulls/comments/{ids['<!-- secgate-finding: ' + first['fingerprint']]}"
    )
    assert set(patch.body) == {"body"} and "now with more detail" in patch.body["body"]
    assert api.of("DELETE")[0].path.endswith(
        f"/pulls/comments/{ids['<!-- secgate-finding: ' + second['fingerprint']]}"
    )
    remade = api.of("POST")[0].body
    assert remade["line"] == second["location"]["start_line"] + 2 and remade["commit_id"] == pushed
    # push 3: both fixed; someone replied to the first, so it is kept and marked resolved
    kept = next(cid for cid, c in api.review_comments.items() if first["fingerprint"] in c["body"])
    api.add_review_comment(
        "why is this a problem?",
        "svc/app.py",
        5,
        pushed,
        user={"login": "dev", "type": "User"},
        in_reply_to=kept,
    )
    fixed = copy.deepcopy(later)
    fixed["findings"] = [f for f in fixed["findings"] if f not in blocking(fixed)]
    done = review(monkeypatch, capsys, fixed, tmp_path, env_for(api, tmp_path, pushed))
    assert done.returncode == 0 and "1 deleted, 1 resolved" in done.stderr
    left = {cid: c["body"] for cid, c in api.review_comments.items()}
    assert left[kept].startswith(f"<!-- secgate-finding-resolved: {first['fingerprint']} -->")
    assert "why is this a problem?" in left.values()
    assert len(left) == 2
    # a resolved comment is left alone by later runs
    api.requests.clear()
    assert (
        review(monkeypatch, capsys, fixed, tmp_path, env_for(api, tmp_path, pushed)).returncode == 0
    )
    assert {r.method for r in api.requests} == {"GET"}


def test_past_the_limit_and_off_the_diff_the_findings_go_to_the_sticky_comment(
    api: FakeGitHub,
    scanned: tuple[dict[str, Any], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report, head = scanned
    first, second = blocking(report)
    # GitHub's diff of the pull request holds only the first finding's line
    api.open_pull_request({"svc/app.py": {first["location"]["start_line"]}}, {head})
    sticky = api.add_comment(f"## secgate: BLOCKED\n{MARKER}\nthe report\n")
    env = env_for(api, tmp_path, head)
    done = review(monkeypatch, capsys, report, tmp_path, env, "--max-comments", "1")
    assert done.returncode == 0 and "1 created" in done.stderr and "1 in the sticky" in done.stderr
    body = api.comments[sticky]["body"]
    assert body.startswith(f"## secgate: BLOCKED\n{MARKER}\nthe report\n\n{OVERFLOW_START}")
    assert "Blocking findings not commented inline (1)" in body
    assert f"svc/app.py:{second['location']['start_line']}" in body
    assert "more than 1 inline comment(s)" in body
    # with room for both, the second line is refused by GitHub (422): listed, not an error
    done = review(monkeypatch, capsys, report, tmp_path, env)
    assert done.returncode == 0, done.stderr
    body = api.comments[sticky]["body"]
    assert body.count(OVERFLOW_START) == 1 and "GitHub refused the line" in body
    assert "must be part of the diff" in body
    # once every finding has its comment, the section goes away
    api.open_pull_request({"svc/app.py": set(range(1, 20))}, {head})
    assert review(monkeypatch, capsys, report, tmp_path, env).returncode == 0
    assert api.comments[sticky]["body"] == f"## secgate: BLOCKED\n{MARKER}\nthe report\n"
    assert len(api.review_comments) == 2


def test_a_forks_read_only_token_falls_back_to_the_job_summary(
    api: FakeGitHub, scanned: tuple[dict[str, Any], str], tmp_path: Path
) -> None:
    report, head = scanned
    api.open_pull_request({"svc/app.py": set(range(2, 12))}, {head})
    api.plan(
        "POST",
        r"/pulls/7/comments$",
        403,
        body={"message": "Resource not accessible by integration"},
    )
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    done = run_secgate(
        "github", "review", "--from", path, env=env_for(api, tmp_path, head, fork=True)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "::warning title=secgate::cannot write review comments on pull request #7"
    )
    summary = (tmp_path / "summary.md").read_text()
    assert "secgate review: blocking findings on changed lines (2)" in summary
    assert "svc/app.py:" in summary and api.review_comments == {}
    assert TOKEN not in done.stdout + done.stderr + summary


def test_review_input_errors_are_one_line_exit_2(
    api: FakeGitHub,
    scanned: tuple[dict[str, Any], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report, head = scanned
    env = env_for(api, tmp_path, head)
    plain = {k: v for k, v in report.items() if k != "pull_request"}
    done = review(monkeypatch, capsys, plain, tmp_path, env)
    assert done.returncode == 2
    assert "not from a pull-request-mode scan (secgate scan --base REF)" in done.stderr
    done = review(monkeypatch, capsys, {"schema": "other"}, tmp_path, env)
    assert done.returncode == 2 and "not a secgate JSON report" in done.stderr
    done = review(monkeypatch, capsys, report, tmp_path, env, "--commit", "abc")
    assert done.returncode == 2 and "40 hex digits" in done.stderr
    assert api.requests == [] and "Traceback" not in done.stderr
