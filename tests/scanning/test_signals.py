"""Interrupted runs leave nothing behind: SIGTERM or SIGINT to a ``secgate scan`` that is running a
real scanner ends it with exit 3, no scanner process survives, and no temporary directory is
left; the private directories are 0700, secgate's files in them 0600, and tools run with umask
077 and their TMPDIR inside."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from secgate import interrupt
from secgate.adapters.interface import Invocation
from secgate.scanning.processes import execute
from tests.support.commands import require_tool
from tests.support.fake_scanners import write_fake

pytestmark = pytest.mark.timeout(180)

APP = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


def proc_stat(pid: str) -> tuple[int, int, str] | None:
    """(parent pid, process group, state) of a process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    return int(fields[1]), int(fields[2]), fields[0]


def scanner_groups(secgate_pid: int) -> list[int]:
    """The process groups secgate started: its children that lead a group of their own."""
    groups = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        found = proc_stat(entry.name)
        if found and found[0] == secgate_pid and found[1] == int(entry.name):
            groups.append(int(entry.name))
    return groups


def group_alive(pgid: int) -> bool:
    """True while a process of the group runs (zombies do not count)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = proc_stat(entry.name)
            if found and found[1] == pgid and found[2] != "Z":
                return True
    return False


def start_scan(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], Path]:
    target = tmp_path / "project"
    (target / "app").mkdir(parents=True)
    (target / "app" / "run.py").write_text(APP, encoding="utf-8")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    full_env.update({"TMPDIR": str(tmpdir), "SECGATE_NO_CACHE": "1", **(env or {})})
    process = subprocess.Popen(
        [sys.executable, "-m", "secgate", "scan", str(target), *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    return process, tmpdir


def wait_for_scanner(process: subprocess.Popen[str], tmpdir: Path, name: str) -> list[int]:
    """The scanner groups, once the scanner ``name`` runs in its private directory."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        groups = scanner_groups(process.pid)
        if groups and list(tmpdir.glob(f"secgate-{name}-*")):
            return groups
        time.sleep(0.05)
    raise AssertionError(f"{name} never started")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_scan_stops_the_real_scanner_and_cleans_up(
    tmp_path: Path, sig: signal.Signals
) -> None:
    require_tool("semgrep")
    process, tmpdir = start_scan(tmp_path, "--scanner", "semgrep", "--timeout", "300")
    try:
        groups = wait_for_scanner(process, tmpdir, "semgrep")
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 3, stderr
    assert (
        f"secgate: interrupted by {sig.name}: scanners stopped, temporary files removed" in stderr
    )
    assert "Traceback" not in stderr
    assert list(tmpdir.iterdir()) == []
    for pgid in groups:
        assert not group_alive(pgid), f"scanner process group {pgid} survived"


def test_a_scanner_ignoring_sigterm_is_killed(tmp_path: Path) -> None:
    """The fake scanner and its child ignore SIGTERM: SIGKILL follows after the grace."""
    fake = write_fake(tmp_path, "stubborn", "gitleaks")
    pid_file = tmp_path / "child.pid"
    process, tmpdir = start_scan(
        tmp_path,
        "--scanner",
        "gitleaks",
        env={"SECGATE_GITLEAKS_BIN": str(fake), "FAKE_PID_FILE": str(pid_file)},
    )
    try:
        groups = wait_for_scanner(process, tmpdir, "gitleaks")
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 3, stderr
    assert list(tmpdir.iterdir()) == []
    child = int(pid_file.read_text())
    for pgid in groups:
        assert not group_alive(pgid)
    state = proc_stat(str(child))
    assert state is None or state[2] == "Z"


def test_private_directories_and_files_are_this_users_only(tmp_path: Path) -> None:
    script = (
        'stat -c %a "$1" "$1/stdout" "$1/stderr" "$TMPDIR"; umask; touch "$1/tool.out"; '
        'stat -c %a "$1/tool.out"'
    )
    with interrupt.private_dir("secgate-test-") as work_dir:
        result = execute(
            Invocation(argv=["/bin/sh", "-c", script, "sh", str(work_dir)]),
            timeout=30,
            work_dir=work_dir,
        )
        assert result.stdout.decode().split() == ["700", "600", "600", "700", "0077", "600"]
    assert not work_dir.exists()
