"""Running the real command line, git and real scanners from tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ACTIONS_VARIABLES = {
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_EVENT_PATH",
    "GITHUB_TOKEN",
}
"""A test run inside GitHub Actions must not make secgate think it runs as the action."""


def require_tool(program: str) -> str:
    """The path of a real scanner, or skip saying why it is not here."""
    found = shutil.which(program)
    if found is None:
        pytest.skip(
            f"{program} is not installed on this machine (scripts/setup installs it "
            f"where its package exists for this platform)"
        )
    return found


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity and no user or system configuration; its
    standard output."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(repo.parent),
            "PATH": "/usr/bin:/bin",
        },
    )
    return done.stdout


def run_secgate(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``secgate`` command line in a child process."""
    full_env = {k: v for k, v in os.environ.items() if k not in ACTIONS_VARIABLES}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "secgate", *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
        check=False,
    )
