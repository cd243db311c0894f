"""action.yml run for real: every ``run:`` step in order with bash, in a simulated GitHub Actions
environment (a pull_request event, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_API_URL pointing at
the HTTP server on 127.0.0.1). The install step is told ``install: false`` and finds the
project's own ``.venv`` secgate on PATH: installing from PyPI needs the network, which tests do
not use. The setup-python step is a ``uses:`` step and cannot run here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from secgate.github.publish import MARKER
from tests.support.actions_sim import Run, actions_env, run_action
from tests.support.commands import git, require_tool
from tests.support.ghserver import REPO, TOKEN, FakeGitHub, serve
from tests.support.paths import FIXTURES, ROOT
from tests.support.sarif_validation import validate_sarif
from tests.support.webhooks import receiver

ACTION = ROOT / "action.yml"
SHA = "fedcba9876543210fedcba9876543210fedcba98"
PASSING_POLICY = "version: 1\nfail_on: critical\nwarn_on: medium\n"


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with serve() as server:
        yield server
        assert server.violations == []


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checked-out repository with a scanner's output file to ingest."""
    ws = tmp_path / "workspace"
    (ws / "scans").mkdir(parents=True)
    shutil.copy(FIXTURES / "bandit/1.9.4/vulnerable-app.sarif", ws / "scans/bandit.sarif")
    return ws


def run(
    api: FakeGitHub,
    tmp_path: Path,
    workspace: Path,
    name: str,
    event: str = "pull_request",
    **inputs: str,
) -> Run:
    env = actions_env(tmp_path, workspace, api.url, REPO, SHA, event)
    given = {"install": "false", "inputs": "scans/*.sarif", **inputs}
    return run_action(ACTION, given, env, workspace, tmp_path / name, token=TOKEN)


def assert_token_hidden(result: Run, tmp_path: Path) -> None:
    assert TOKEN not in result.log
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_action_is_valid_for_github() -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-actions",
            str(ACTION),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_blocked_pull_request_reports_everywhere_then_fails(
    api: FakeGitHub, tmp_path: Path, workspace: Path
) -> None:
    first = run(api, tmp_path, workspace, "first")
    assert [s.id for s in first.steps] == [
        "python",
        "install",
        "history",
        "scan",
        "report",
        "comment",
        "review",
        "upload",
        "finish",
    ]
    assert first.step("python").exit_code is None  # a uses: step, not run here
    assert first.exit_code == 1, first.log
    assert first.step("finish").exit_code == 1  # only the last step fails
    outputs = first.outputs
    assert outputs["verdict"] == "block" and outputs["exit-code"] == "1"
    assert outputs["sarif-file"] == "secgate-report/report.sarif"
    assert outputs["json-file"] == "secgate-report/report.json"
    counts = json.loads(outputs["counts"])
    assert (counts["total"], counts["high"], counts["block"]) == (19, 5, 5)
    assert outputs["findings"] == "19"
    validate_sarif(workspace / outputs["sarif-file"])

    summary = (tmp_path / "step_summary.md").read_text()
    assert "BLOCKED" in summary
    (comment,) = api.comments.values()
    assert MARKER in comment["body"].splitlines() and "BLOCKED" in comment["body"]
    (upload,) = api.uploads
    assert (upload["ref"], upload["commit_sha"]) == ("refs/pull/7/merge", SHA)
    assert upload["doc"] == json.loads((workspace / outputs["sarif-file"]).read_text())
    assert "processing complete" in first.step("upload").stderr

    second = run(api, tmp_path, workspace, "second")
    assert second.exit_code == 1
    assert len(api.comments) == 1  # the same comment, edited
    assert len(api.of("POST")) == 3 and len(api.of("PATCH")) == 1  # 1 comment + 2 uploads
    assert "updated the comment on pull request #7" in second.step("comment").stderr
    assert len(api.uploads) == 2
    assert summary in (tmp_path / "step_summary.md").read_text()  # appended, not replaced
    assert_token_hidden(first, tmp_path)
    assert_token_hidden(second, tmp_path)


def test_fail_false_reports_the_block_but_passes(
    api: FakeGitHub, tmp_path: Path, workspace: Path
) -> None:
    result = run(
        api,
        tmp_path,
        workspace,
        "lenient",
        fail="false",
        comment="false",
        **{"upload-sarif": "false"},
    )
    assert result.exit_code == 0, result.log
    assert result.outputs["verdict"] == "block"
    assert "::warning title=secgate::the policy blocks" in result.step("finish").stdout
    assert api.requests == []


def test_push_event_passing_gate_fails_when_the_upload_fails(
    api: FakeGitHub, tmp_path: Path, workspace: Path
) -> None:
    (workspace / ".secgate.yml").write_text(PASSING_POLICY)
    api.processing = ["pending", "failed"]
    api.processing_errors = ["the SARIF is invalid"]
    result = run(api, tmp_path, workspace, "push", event="push")
    assert result.outputs["verdict"] in ("pass", "warn") and result.outputs["exit-code"] == "0"
    assert "no pull request comment on a push event" in result.step("comment").stdout
    assert api.comments == {}
    (upload,) = api.uploads
    assert upload["ref"] == "refs/heads/main"
    assert "the SARIF is invalid" in result.step("upload").stderr
    assert result.exit_code == 2
    assert "publishing the result failed (exit 2)" in result.step("finish").stdout


def test_scan_error_still_reports_then_exits_2(
    api: FakeGitHub, tmp_path: Path, workspace: Path
) -> None:
    result = run(api, tmp_path, workspace, "broken", inputs="scans/missing-*.sarif")
    assert result.exit_code == 2, result.log
    assert result.outputs["verdict"] == "error"
    assert result.outputs["sarif-file"] == ""
    assert "missing-*.sarif" in result.step("scan").stderr
    assert "## secgate: ERROR" in (tmp_path / "step_summary.md").read_text()
    (comment,) = api.comments.values()  # the PR learns the gate failed, not an old verdict
    assert "## secgate: ERROR" in comment["body"] and "exit code 2" in comment["body"]
    assert api.uploads == []  # no SARIF to upload


def test_inputs_cannot_inject_shell_code(api: FakeGitHub, tmp_path: Path, workspace: Path) -> None:
    pwned = tmp_path / "pwned"
    hostile = f"$(touch {pwned}) `touch {pwned}`; touch {pwned}"
    result = run(
        api,
        tmp_path,
        workspace,
        "hostile",
        inputs=f"scans/*.sarif {hostile}",
        policy=hostile,
        scanners=hostile,
        **{"output-dir": hostile},
    )
    assert result.exit_code == 2, result.log
    assert not pwned.exists()
    assert result.outputs["verdict"] == "error"
    version = run(
        api,
        tmp_path,
        workspace,
        "version",
        install="true",
        **{"secgate-version": f"1.0 --index-url http://127.0.0.1:9/ ; touch {pwned}"},
    )
    assert version.exit_code == 2 and version.step("install").exit_code == 2
    assert "secgate-version is not a version number" in version.step("install").stdout
    assert [s.id for s in version.steps] == ["python", "install"]
    assert not pwned.exists()


def test_a_pull_request_is_judged_by_its_base_branch(api: FakeGitHub, tmp_path: Path) -> None:
    """The workspace is what actions/checkout makes of a pull request (a depth-1 clone of the
    head); the pull request relaxes .secgate.yml. The base branch's policy blocks, and the
    comment names the change; ``base: none`` shows what the pull request alone would get. The
    history step deepens the clone until the base's merge base is in it; the base policy says
    ``pull_request.block: all`` (the ingested findings are on lines this pull request does not
    touch, which would only warn under the default ``changed``)."""
    source = tmp_path / "source"
    (source / "scans").mkdir(parents=True)
    shutil.copy(FIXTURES / "bandit/1.9.4/vulnerable-app.sarif", source / "scans/bandit.sarif")
    (source / ".secgate.yml").write_text("version: 1\nfail_on: high\npull_request:\n  block: all\n")
    git(source, "init", "-q", "-b", "main")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "base")
    git(source, "checkout", "-q", "-b", "pr")
    (source / ".secgate.yml").write_text("version: 1\nfail_on: none\npull_request:\n  block: all\n")
    git(source, "commit", "-q", "-am", "relax the gate")
    for n in range(60):  # more than the history step's first fetch
        (source / "notes.txt").write_text(f"{n}\n")
        git(source, "add", "notes.txt")
        git(source, "commit", "-q", "-m", f"note {n}")
    workspace = tmp_path / "workspace"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "pr",
            "--single-branch",
            f"file://{source}",
            str(workspace),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    env = {**actions_env(tmp_path, workspace, api.url, REPO, SHA), "GITHUB_BASE_REF": "main"}
    given = {"install": "false", "inputs": "scans/*.sarif"}
    judged = run_action(ACTION, given, env, workspace, tmp_path / "judged", token=TOKEN)
    assert judged.exit_code == 1, judged.log
    assert (
        "fetched 500 commits of history to reach the merge base of origin/main"
        in judged.step("history").stdout
    )
    (comment,) = api.comments.values()
    assert "### This pull request changes the gate (1 weakening, 0 other)" in comment["body"]
    assert "fail\\_on raised from high to none" in comment["body"]
    report = json.loads((workspace / "secgate-report" / "report.json").read_text())
    assert report["policy"] == "origin/main:.secgate.yml"
    alone = run_action(
        ACTION, {**given, "base": "none"}, env, workspace, tmp_path / "alone", token=TOKEN
    )
    assert alone.exit_code == 0, alone.log
    assert_token_hidden(judged, tmp_path)


@pytest.mark.scanner("bandit")
def test_review_input_comments_inline_on_what_the_pull_request_adds(
    api: FakeGitHub, tmp_path: Path
) -> None:
    """``review: true``: real Bandit in a depth-1 clone of a pull request that adds a shell
    call next to an old one; the new one gets an inline comment on the head commit, the old
    one only warns, and the sticky comment leads with what is new."""
    require_tool("bandit")
    shell = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    source = tmp_path / "source"
    source.mkdir()
    (source / "legacy.py").write_text(shell)
    git(source, "init", "-q", "-b", "main")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "base")
    git(source, "checkout", "-q", "-b", "pr")
    (source / "app.py").write_text(shell.replace("def run", "def go"))
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "add go()")
    head = git(source, "rev-parse", "HEAD").strip()
    workspace = tmp_path / "workspace"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "pr",
            "--single-branch",
            f"file://{source}",
            str(workspace),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    env = {**actions_env(tmp_path, workspace, api.url, REPO, SHA), "GITHUB_BASE_REF": "main"}
    event_path = Path(env["GITHUB_EVENT_PATH"])
    event = json.loads(event_path.read_text())
    event["pull_request"]["head"]["sha"] = head
    event_path.write_text(json.dumps(event))
    api.open_pull_request({"app.py": set(range(1, 6))}, {head})
    result = run_action(
        ACTION,
        {"install": "false", "scanners": "bandit", "review": "true", "upload-sarif": "false"},
        env,
        workspace,
        tmp_path / "run",
        token=TOKEN,
    )
    assert result.exit_code == 1, result.log
    assert result.step("review").exit_code == 0, result.log
    (inline,) = api.review_comments.values()
    assert (inline["path"], inline["line"], inline["commit_id"]) == ("app.py", 5, head)
    assert "B602" in inline["body"] and inline["body"].startswith("<!-- secgate-finding: ")
    (sticky,) = api.comments.values()
    body = sticky["body"]
    assert body.index("### New in this pull request (") < body.index(
        "<details><summary>Not changed by this pull request ("
    )
    assert_token_hidden(result, tmp_path)


def test_notify_and_metrics_inputs_send_one_message_and_write_the_metrics(
    api: FakeGitHub, tmp_path: Path, workspace: Path
) -> None:
    with receiver() as hooks:
        hook = f"{hooks.url}/json/hook/credential-part"
        metrics = tmp_path / "metrics" / "secgate.prom"
        result = run(
            api,
            tmp_path,
            workspace,
            "notified",
            comment="false",
            notify=hook,
            **{"notify-on": "block", "metrics-file": str(metrics), "upload-sarif": "false"},
        )
        assert hooks.violations == []
        assert [r.path for r in hooks.received] == ["/json/hook/credential-part"]
    assert result.exit_code == 1, result.log
    assert hooks.received[0].body["verdict"]["status"] == "block"
    assert "credential-part" not in result.log
    text = metrics.read_text()
    assert "secgate_findings" in text
    exit_codes = [line for line in text.splitlines() if line.startswith("secgate_exit_code{")]
    assert len(exit_codes) == 1 and exit_codes[0].endswith(" 1.0")
