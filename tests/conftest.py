"""Shared test helpers: where fixtures live, running the real CLI, finding real scanners."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from secgate.sarif import sarif_schema

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_APP = ROOT / "examples" / "vulnerable-app"
TOOLS_BIN = ROOT / ".tools" / "bin"
ARTIFACTS = ROOT / "test-artifacts"

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
os.environ["SECGATE_DATA_DIR"] = os.path.join(tempfile.gettempdir(),
                                              f"secgate-tests-no-data-{os.getpid()}")


# A test run inside GitHub Actions must not make secgate think it runs as the action.
_ACTIONS_VARS = {"GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_EVENT_PATH",
                 "GITHUB_TOKEN"}


def example_assignment(relative: str, name: str) -> str:
    """The string literal assigned to ``name`` in an example-app file (its made-up credentials
    are read from there, so that no test file holds one)."""
    text = (EXAMPLE_APP / relative).read_text(encoding="utf-8")
    match = re.search(rf'^{re.escape(name)}\s*=\s*"([^"]*)"', text, re.MULTILINE)
    assert match is not None, f"{relative} assigns no {name}"
    return match.group(1)


def example_password_literals() -> tuple[str, ...]:
    """The hard-coded password/secret literals Bandit and Semgrep flag in the example app."""
    return (example_assignment("app/auth.py", "admin_password"),
            example_assignment("config/settings.py", "AWS_SECRET_ACCESS_KEY"),
            example_assignment("config/settings.py", "GITHUB_TOKEN"),
            example_assignment("config/settings.py", "SECRET_KEY"))


def require_tool(program: str) -> str:
    """The path of a real scanner, or skip saying why it is not here."""
    found = shutil.which(program)
    if found is None:
        pytest.skip(f"{program} is not installed on this machine (scripts/setup installs it "
                    f"where its package exists for this platform)")
    return found


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity and no user or system configuration; its
    standard output."""
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, timeout=120,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                               "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@example.invalid",
                               "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent),
                               "PATH": "/usr/bin:/bin"})
    return done.stdout


def run_secgate(*args: str | os.PathLike[str], cwd: Path | None = None,
                env: dict[str, str] | None = None, timeout: float = 600,
                input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``secgate`` command line in a child process."""
    full_env = {k: v for k, v in os.environ.items() if k not in _ACTIONS_VARS}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "secgate", *map(str, args)], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=timeout,
                          input=input_text, check=False)


def validate_sarif(doc: dict[str, Any] | str | Path) -> dict[str, Any]:
    """Validate against the official SARIF 2.1.0 schema; returns the document."""
    if isinstance(doc, (str, Path)):
        doc = json.loads(Path(doc).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    jsonschema.Draft202012Validator(sarif_schema()).validate(doc)
    return doc


@pytest.fixture
def example_app(tmp_path: Path) -> Path:
    """A private copy of the example app, made a git repository (its secrets in history)."""
    target = tmp_path / "vulnerable-app"
    shutil.copytree(EXAMPLE_APP, target)
    git = ["git", "-c", "user.name=secgate-test", "-c", "user.email=test@example.invalid",
           "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", "-b", "main", str(target)], check=True)
    subprocess.run([*git, "-C", str(target), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(target), "commit", "-q", "-m", "example"], check=True)
    return target


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep files for a person to look at afterwards (screenshots...)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
