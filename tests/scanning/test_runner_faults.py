"""Scanner faults with real processes: a hang past --timeout is killed with its children and
recorded as timed out; a crash and garbage output are failures; a required scanner's fault is
exit 3. Independent scanners run in parallel."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from secgate.adapters import registry
from secgate.adapters.gitleaks import GitleaksAdapter
from secgate.adapters.trufflehog import TruffleHogAdapter
from secgate.model import RunStatus
from secgate.scanning.runner import RunOptions, run_all, start_order
from tests.support.commands import run_secgate
from tests.support.fake_scanners import write_fake


def scan_with(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, dict[str, Any], str]:
    target = tmp_path / "target"
    (target / ".git").mkdir(parents=True, exist_ok=True)  # truffleHog v2 wants a repository
    report = tmp_path / "report.json"
    done = run_secgate("scan", target, "--json", report, *args, env=env, timeout=120)
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(report.read_text()), done.stderr


def run_of(report: dict[str, Any], tool: str) -> dict[str, Any]:
    return next(r for r in report["runs"] if r["tool"] == tool)


def process_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (a zombie waiting for init to reap it counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


@pytest.mark.parametrize("kind", ["hang", "stubborn"])
def test_a_hanging_scanner_is_killed_with_its_children(tmp_path: Path, kind: str) -> None:
    """``stubborn`` ignores SIGTERM: the group gets SIGKILL after the grace period."""
    fake = write_fake(tmp_path, kind, "gitleaks")
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    code, report, stderr = scan_with(
        tmp_path,
        {"SECGATE_GITLEAKS_BIN": str(fake), "FAKE_PID_FILE": str(pid_file)},
        "--scanner",
        "gitleaks",
        "--timeout",
        "2",
    )
    elapsed = time.monotonic() - started
    assert code == 3, stderr
    run = run_of(report, "gitleaks")
    assert run["status"] == RunStatus.TIMED_OUT.value
    assert "timed out after 2 s" in run["error"]
    assert "required scanner gitleaks timed out" in stderr
    assert elapsed < 30
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while not process_gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process_gone(child), f"the scanner's child process {child} was left running"


def test_a_crashing_scanner_fails_with_its_error_output(tmp_path: Path) -> None:
    fake = write_fake(tmp_path, "crash", "gitleaks")
    code, report, stderr = scan_with(
        tmp_path, {"SECGATE_GITLEAKS_BIN": str(fake)}, "--scanner", "gitleaks"
    )
    assert code == 3
    run = run_of(report, "gitleaks")
    assert run["status"] == RunStatus.FAILED.value and run["exit_code"] == 2
    assert "exited with code 2" in run["error"]
    assert "cannot read its rules file" in run["error"]
    assert "required scanner gitleaks failed" in stderr


@pytest.mark.parametrize("tool", ["gitleaks", "trufflehog"])
def test_garbage_output_is_a_failure_not_a_pass(tmp_path: Path, tool: str) -> None:
    fake = write_fake(tmp_path, "garbage", tool)
    code, report, _ = scan_with(
        tmp_path, {f"SECGATE_{tool.upper()}_BIN": str(fake)}, "--scanner", tool
    )
    assert code == 3
    run = run_of(report, tool)
    assert run["status"] == RunStatus.FAILED.value and run["exit_code"] == 0
    assert run["error"].startswith("unreadable output")


def test_exit_1_without_findings_is_a_trufflehog_crash(tmp_path: Path) -> None:
    fake = write_fake(tmp_path, "exit1", "trufflehog")
    code, report, _ = scan_with(
        tmp_path, {"SECGATE_TRUFFLEHOG_BIN": str(fake)}, "--scanner", "trufflehog"
    )
    assert code == 3
    run = run_of(report, "trufflehog")
    assert run["status"] == RunStatus.FAILED.value
    assert "without reporting a finding" in run["error"] and "GitCommandError" in run["error"]


def test_a_missing_required_scanner_is_exit_3(tmp_path: Path) -> None:
    code, report, stderr = scan_with(
        tmp_path,
        {"SECGATE_GITLEAKS_BIN": str(tmp_path / "no-such-gitleaks")},
        "--scanner",
        "gitleaks",
    )
    assert code == 3
    assert run_of(report, "gitleaks")["status"] == RunStatus.SKIPPED.value
    assert "SECGATE_GITLEAKS_BIN" in stderr


def test_a_policy_that_requires_the_scanner_fails_closed(tmp_path: Path) -> None:
    """Without --scanner, the policy's ``scanners.required`` makes a crash exit 3 too."""
    fake = write_fake(tmp_path, "crash", "gitleaks")
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nscanners:\n  required: [gitleaks]\n  on_error: block\n")
    # every other scanner is made "not installed", so that only the fake one runs
    env = {a.env_var: str(tmp_path / "not-installed") for a in registry.scanners()}
    env["SECGATE_GITLEAKS_BIN"] = str(fake)
    code, report, _ = scan_with(tmp_path, env, "--policy", str(policy))
    assert run_of(report, "gitleaks")["status"] == RunStatus.FAILED.value
    assert code == 3


def test_scanners_run_in_parallel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --jobs 2, the two scanners run at the same time: each waits until the other has
    started, which one after another the first would never see."""
    target = tmp_path / "target"
    (target / ".git").mkdir(parents=True)
    meet = tmp_path / "meet"
    meet.mkdir()
    monkeypatch.setenv("SECGATE_GITLEAKS_BIN", str(write_fake(tmp_path, "meet", "gitleaks")))
    monkeypatch.setenv("SECGATE_TRUFFLEHOG_BIN", str(write_fake(tmp_path, "meet", "trufflehog")))
    monkeypatch.setenv("FAKE_MEET_DIR", str(meet))
    monkeypatch.setenv("FAKE_MEET_COUNT", "2")
    outcomes = run_all(
        [GitleaksAdapter(), TruffleHogAdapter()], RunOptions(target=target, timeout=90, jobs=2)
    )
    assert [o.run.status for o in outcomes] == [RunStatus.OK, RunStatus.OK]
    met = {p.name: p.read_text() for p in meet.glob("*.result")}
    assert met == {"gitleaks.result": "met", "trufflehog.result": "met"}


def test_the_tools_that_usually_finish_last_start_first() -> None:
    """With fewer jobs than scanners, Semgrep, Trivy and Bandit start before the quick ones:
    behind them they would add the quick ones' time to their own. So does pip-audit, which
    mostly waits for its vulnerability service: its wait then overlaps the others' work."""
    names = ["bandit", "detect-secrets", "gitleaks", "pip-audit", "semgrep", "trivy", "trufflehog3"]
    adapters = [registry.get(name) for name in names]
    assert [names[i] for i in start_order(adapters)] == [
        "bandit",
        "pip-audit",
        "semgrep",
        "trivy",
        "detect-secrets",
        "gitleaks",
        "trufflehog3",
    ]
