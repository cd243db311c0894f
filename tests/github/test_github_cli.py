"""``secgate github comment`` / ``upload-sarif`` / ``action-outputs`` as a workflow runs them:
the real command line in a child process, against the HTTP server on 127.0.0.1, with the
environment GitHub Actions gives a job. The token must never appear in anything they write."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from secgate.cli.main import main
from secgate.github.publish import MARKER
from tests.support.actions_sim import parse_outputs
from tests.support.commands import run_secgate
from tests.support.ghserver import REPO, TOKEN, FakeGitHub, serve
from tests.support.paths import FIXTURES

SARIF = FIXTURES / "bandit/1.9.4/vulnerable-app.sarif"
SHA = "89abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with serve() as server:
        yield server
        assert server.violations == []


def event_file(tmp_path: Path, fork: bool = False) -> Path:
    head = "someone/octo-app" if fork else REPO
    event = {
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": SHA, "repo": {"full_name": head, "fork": fork}},
            "base": {"repo": {"full_name": REPO}},
        },
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return path


def actions_env(api: FakeGitHub, tmp_path: Path, fork: bool = False) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": api.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_file(tmp_path, fork)),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
        "GITHUB_REF": "refs/pull/7/merge",
        "GITHUB_SHA": SHA,
        "SECGATE_GITHUB_MAX_WAIT": "1",
    }


def invoke(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str | Path,
    env: dict[str, str],
) -> subprocess.CompletedProcess[str]:
    """The command line in this process (the same ``main`` as the console script): for the
    error paths, where a child process per case would only cost time."""
    for name in (
        "GITHUB_TOKEN",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GITHUB_EVENT_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as caught:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(map(str, args)), int(caught.value.code or 0), out, err)


def assert_token_hidden(tmp_path: Path, *done: subprocess.CompletedProcess[str]) -> None:
    """The token is in no output: standard output and error, and every file the job has."""
    for proc in done:
        assert TOKEN not in proc.stdout and TOKEN not in proc.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_comment_created_then_edited_in_place(api: FakeGitHub, tmp_path: Path) -> None:
    env = actions_env(api, tmp_path)
    report = tmp_path / "report.md"
    report.write_text(f"## secgate: BLOCKED\n{MARKER}\nfirst\n")
    first = run_secgate("github", "comment", "--markdown", report, env=env)
    assert first.returncode == 0, first.stderr
    assert "created the comment on pull request #7" in first.stderr
    report.write_text(f"## secgate: PASS\n{MARKER}\nsecond\n")
    second = run_secgate("github", "comment", "--markdown", report, env=env)
    assert second.returncode == 0, second.stderr
    assert "updated the comment on pull request #7" in second.stderr
    assert [c["body"] for c in api.comments.values()] == [f"## secgate: PASS\n{MARKER}\nsecond\n"]
    assert len(api.of("POST")) == 1 and len(api.of("PATCH")) == 1
    assert_token_hidden(tmp_path, first, second)


def test_fork_token_403_warns_and_writes_the_job_summary(api: FakeGitHub, tmp_path: Path) -> None:
    api.plan("POST", r"/comments$", 403, body={"message": "Resource not accessible by integration"})
    env = actions_env(api, tmp_path, fork=True)
    report = tmp_path / "report.md"
    report.write_text("## secgate: BLOCKED\n| a | b |\n")
    done = run_secgate("github", "comment", "--markdown", report, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "::warning title=secgate::cannot comment on pull request #7: GitHub API POST "
        f"/repos/{REPO}/issues/7/comments: 403 Resource not accessible by integration"
    )
    assert (tmp_path / "step_summary.md").read_text() == "## secgate: BLOCKED\n| a | b |\n"
    assert_token_hidden(tmp_path, done)


def test_comment_errors_are_one_line(
    api: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = actions_env(api, tmp_path)
    report = tmp_path / "report.md"
    report.write_text("r")
    api.plan("GET", r"/comments$", 502, body={"message": "Bad Gateway"})
    unavailable = invoke(monkeypatch, capsys, "github", "comment", "--markdown", report, env=env)
    assert unavailable.returncode == 3
    assert unavailable.stderr == (
        f"secgate: error: GitHub API GET /repos/{REPO}/issues/7/comments: 502 Bad Gateway; the "
        "next retry would be in 1 s, past the 1 s secgate waits (SECGATE_GITHUB_MAX_WAIT)\n"
    )
    missing = invoke(
        monkeypatch,
        capsys,
        "github",
        "comment",
        "--markdown",
        report,
        "--repo",
        "nobody/here",
        env=env,
    )
    assert missing.returncode == 2
    assert missing.stderr == (
        "secgate: error: GitHub API GET /repos/nobody/here/issues/7/comments: 404 Not Found\n"
    )
    no_token = invoke(
        monkeypatch,
        capsys,
        "github",
        "comment",
        "--markdown",
        report,
        env={**env, "GITHUB_TOKEN": ""},
    )
    assert (no_token.returncode, no_token.stderr) == (
        2,
        "secgate: error: no GitHub token: set GITHUB_TOKEN or pass --token\n",
    )
    push = tmp_path / "push.json"
    push.write_text('{"ref": "refs/heads/main"}')
    not_pr = invoke(
        monkeypatch,
        capsys,
        "github",
        "comment",
        "--markdown",
        report,
        env={**env, "GITHUB_EVENT_PATH": str(push)},
    )
    assert not_pr.returncode == 2 and "not a pull_request event (give --pr N)" in not_pr.stderr
    unreadable = invoke(
        monkeypatch, capsys, "github", "comment", "--markdown", tmp_path / "nope.md", env=env
    )
    assert unreadable.returncode == 2 and "nope.md: cannot read the Markdown" in unreadable.stderr
    assert_token_hidden(tmp_path, unavailable, missing, no_token, not_pr, unreadable)


def test_token_option_is_used_and_never_echoed(
    api: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {**actions_env(api, tmp_path), "GITHUB_TOKEN": ""}
    report = tmp_path / "report.md"
    report.write_text("r")
    api.plan("POST", r"/comments$", 422, body={"message": f"Validation Failed for {TOKEN}"})
    done = invoke(
        monkeypatch,
        capsys,
        "--debug",
        "github",
        "comment",
        "--markdown",
        report,
        "--pr",
        "7",
        "--token",
        TOKEN,
        env=env,
    )
    assert done.returncode == 2
    assert "422 Validation Failed for ***" in done.stderr
    assert_token_hidden(tmp_path, done)


def test_upload_sarif_from_the_environment(api: FakeGitHub, tmp_path: Path) -> None:
    done = run_secgate(
        "github", "upload-sarif", SARIF, "--poll-interval", "0.05", env=actions_env(api, tmp_path)
    )
    assert done.returncode == 0, done.stderr
    (upload,) = api.uploads
    assert (upload["ref"], upload["commit_sha"]) == ("refs/pull/7/merge", SHA)
    assert f"code scanning ({upload['id']}): processing complete" in done.stderr
    assert_token_hidden(tmp_path, done)


def test_upload_processing_failure_is_an_error(
    api: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api.processing = ["failed"]
    api.processing_errors = ["too many runs", "bad uri"]
    done = invoke(
        monkeypatch, capsys, "github", "upload-sarif", SARIF, env=actions_env(api, tmp_path)
    )
    assert done.returncode == 2
    assert done.stderr.endswith(
        f"GitHub could not process the upload {api.uploads[0]['id']}: too many runs; bad uri\n"
    )


def test_upload_403_is_a_warning_on_a_fork_and_an_error_otherwise(
    api: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = {"message": "Resource not accessible by integration"}
    api.plan("POST", r"/sarifs$", 403, body=body)
    fork = invoke(
        monkeypatch,
        capsys,
        "github",
        "upload-sarif",
        SARIF,
        env=actions_env(api, tmp_path, fork=True),
    )
    assert fork.returncode == 0 and "from a fork's pull request" in fork.stderr
    api.plan("POST", r"/sarifs$", 403, body=body)
    own = invoke(
        monkeypatch, capsys, "github", "upload-sarif", SARIF, env=actions_env(api, tmp_path)
    )
    assert own.returncode == 2
    assert own.stderr == (
        f"secgate: error: GitHub API POST /repos/{REPO}/code-scanning/sarifs: "
        "403 Resource not accessible by integration\n"
    )
    bad_ref = invoke(
        monkeypatch,
        capsys,
        "github",
        "upload-sarif",
        SARIF,
        "--ref",
        "main",
        env=actions_env(api, tmp_path),
    )
    assert bad_ref.returncode == 2 and "give the full ref" in bad_ref.stderr
    assert_token_hidden(tmp_path, fork, own, bad_ref)


def test_action_outputs_from_a_report_dir(tmp_path: Path) -> None:
    out = tmp_path / "secgate-report"
    scan = run_secgate("scan", "--input", SARIF, "--output-dir", out, "--quiet")
    assert scan.returncode == 1
    env = {
        "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    done = run_secgate("github", "action-outputs", "--report-dir", out, "--exit-code", "1", env=env)
    assert done.returncode == 0, done.stderr
    outputs = parse_outputs((tmp_path / "out.txt").read_text())
    assert outputs["verdict"] == "block" and outputs["exit-code"] == "1"
    assert outputs["sarif-file"] == str(out / "report.sarif")
    counts = json.loads(outputs["counts"])
    assert counts["total"] == 19 and counts["high"] == 5 and counts["block"] == 5
    assert outputs["findings"] == "19"
    assert Path(outputs["markdown-file"]).is_file()
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## secgate: BLOCKED") or "BLOCK" in summary

    errored = run_secgate(
        "github", "action-outputs", "--report-dir", tmp_path / "none", "--exit-code", "3"
    )
    assert errored.returncode == 0
    printed = dict(line.split("=", 1) for line in errored.stdout.splitlines())
    assert printed["verdict"] == "error" and printed["exit-code"] == "3"
    assert printed["sarif-file"] == "" and printed["counts"] == "{}"
    assert Path(printed["markdown-file"]).read_text().startswith("## secgate: ERROR")
