"""How a scan shows progress on standard error: ``::group::`` blocks in GitHub Actions, nothing
with --quiet, plain lines in a log or pipe, a live table on a terminal (a real pty)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.support.commands import run_secgate
from tests.support.fake_scanners import write_fake

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def fakes(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repository-like target and two quick fake scanners that find nothing."""
    target = tmp_path / "target"
    (target / ".git").mkdir(parents=True)
    env = {
        "SECGATE_GITLEAKS_BIN": str(write_fake(tmp_path, "sleep", "gitleaks")),
        "SECGATE_TRUFFLEHOG_BIN": str(write_fake(tmp_path, "sleep", "trufflehog")),
        "FAKE_SLEEP": "0.2",
    }
    return target, env


SCANNERS = ("--scanner", "gitleaks", "--scanner", "trufflehog")


def test_github_actions_gets_group_blocks(fakes: tuple[Path, dict[str, str]]) -> None:
    target, env = fakes
    done = run_secgate("scan", target, *SCANNERS, env={**env, "GITHUB_ACTIONS": "true"})
    assert done.returncode == 0, done.stderr
    for tool in ("gitleaks", "trufflehog"):
        assert f"secgate: {tool} started" in done.stderr
        assert re.search(
            rf"^::group::secgate: {tool} ok in \d+\.\ds, 0 finding\(s\)$", done.stderr, re.M
        )
    assert done.stderr.count("::endgroup::") == 2
    assert "\x1b[" not in done.stderr


def test_quiet_prints_nothing(fakes: tuple[Path, dict[str, str]]) -> None:
    target, env = fakes
    for extra in ({}, {"GITHUB_ACTIONS": "true"}):
        done = run_secgate("scan", target, *SCANNERS, "--quiet", env={**env, **extra})
        assert done.returncode == 0
        assert done.stderr == ""


def test_a_log_or_pipe_gets_plain_lines(fakes: tuple[Path, dict[str, str]]) -> None:
    target, env = fakes
    done = run_secgate("scan", target, *SCANNERS, env=env)
    assert done.returncode == 0
    assert "secgate: gitleaks started" in done.stderr
    assert re.search(r"^secgate: trufflehog ok in \d+\.\ds, 0 finding\(s\)$", done.stderr, re.M)
    assert "::group::" not in done.stderr and "\x1b[" not in done.stderr


def test_a_terminal_gets_the_live_table(fakes: tuple[Path, dict[str, str]]) -> None:
    target, env = fakes
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    full_env = {
        k: v for k, v in os.environ.items() if k not in {"GITHUB_ACTIONS", "CI", "NO_COLOR", "TERM"}
    }
    full_env.update(env, FAKE_SLEEP="1", TERM="xterm-256color")
    process = subprocess.Popen(
        [sys.executable, "-m", "secgate", "scan", str(target), *SCANNERS],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=full_env,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the other side closed
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
    finally:
        os.close(master)
        code = process.wait(timeout=30)
    raw = b"".join(chunks).decode("utf-8", "replace")
    text = _ANSI.sub("", raw)
    assert code == 0, text
    assert "secgate scan" in text  # the table's title
    for word in ("scanner", "state", "elapsed", "findings", "gitleaks", "trufflehog"):
        assert word in text
    assert "running" in text  # drawn while the scanners ran, then redrawn
    assert re.search(r"\bok\b", text)
    assert "\x1b[" in raw  # redrawn in place with cursor movement
    assert "::group::" not in text and "secgate: gitleaks started" not in text
