"""Helpers shared by the dedupe and baseline tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.paths import EXAMPLE_APP

CODE_SCANNERS = ("-s", "bandit", "-s", "semgrep")


def git_copy(target: Path) -> Path:
    """A copy of the example app at ``target``, committed to a fresh git repository (Semgrep
    scans tracked files only)."""
    shutil.copytree(EXAMPLE_APP, target)
    git = [
        "git",
        "-c",
        "user.name=secgate-test",
        "-c",
        "user.email=test@example.invalid",
        "-c",
        "commit.gpgsign=false",
        "-C",
        str(target),
    ]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "example"], check=True)
    return target
