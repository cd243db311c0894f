"""The test session's environment and shared fixtures (helpers live in ``tests.support``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.paths import ARTIFACTS, EXAMPLE_APP, TOOLS_BIN

# The project's own set-up (scripts/setup) installs the scanners here; tests find them on PATH.
if TOOLS_BIN.is_dir() and str(TOOLS_BIN) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("SEMGREP_ENABLE_VERSION_CHECK", "0")
os.environ.setdefault("SEMGREP_SEND_METRICS", "off")
# Every scan in the tests runs its scanners afresh; tests of the result cache turn it back on
# (SECGATE_NO_CACHE=0).
os.environ.setdefault("SECGATE_NO_CACHE", "1")
# No advisory data unless a test imports its own (into a SECGATE_DATA_DIR of its own): the
# user's data directory must not change what a scan in the tests finds.
os.environ["SECGATE_DATA_DIR"] = os.path.join(
    tempfile.gettempdir(), f"secgate-tests-no-data-{os.getpid()}"
)


@pytest.fixture
def example_app(tmp_path: Path) -> Path:
    """A private copy of the example app, made a git repository (its secrets in history)."""
    target = tmp_path / "vulnerable-app"
    shutil.copytree(EXAMPLE_APP, target)
    git = [
        "git",
        "-c",
        "user.name=secgate-test",
        "-c",
        "user.email=test@example.invalid",
        "-c",
        "commit.gpgsign=false",
    ]
    subprocess.run([*git, "init", "-q", "-b", "main", str(target)], check=True)
    subprocess.run([*git, "-C", str(target), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(target), "commit", "-q", "-m", "example"], check=True)
    return target


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep files for a person to look at afterwards (screenshots...)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
