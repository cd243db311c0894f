"""A small project for the cache tests: Python code Bandit flags, a pinned requirement for
pip-audit, the example app's made-up credentials for Gitleaks, all committed in a git repository."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.support.paths import EXAMPLE_APP

SCANNERS = ("bandit", "gitleaks", "pip-audit")

APP = """import subprocess


def run(command):
    return subprocess.call(command, shell=True)
"""


def git(target: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(target), *args],
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(target.parent),
            "PATH": "/usr/bin:/bin",
        },
    )


def make_target(target: Path) -> Path:
    """Write the project into ``target`` and commit it."""
    (target / "app").mkdir(parents=True)
    (target / "app" / "run.py").write_text(APP, encoding="utf-8")
    shutil.copy(EXAMPLE_APP / "config" / "settings.py", target / "settings.env")
    (target / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    (target / "README.md").write_text("# demo\n", encoding="utf-8")
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "first")
    return target


def raw_secrets() -> list[str]:
    """The made-up credentials' raw values (read from the example, never written in a test)."""
    text = (EXAMPLE_APP / "config" / "settings.py").read_text(encoding="utf-8")
    return re.findall(r'^[A-Z_]+ = "([^"]{16,})"$', text, re.M)
