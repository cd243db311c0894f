"""Which repository, branch and commit a scan was of, and the link to its CI run.

In GitHub Actions these come from the variables every job has (``GITHUB_REPOSITORY``,
``GITHUB_HEAD_REF`` on a pull request else ``GITHUB_REF_NAME``, ``GITHUB_SHA``, and the run's
link from ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``/``actions/runs/GITHUB_RUN_ID``). Elsewhere
from git at the scanned path: ``owner/name`` from the ``origin`` remote's URL (never its
credentials), the checked-out branch, ``HEAD``. ``SECGATE_REPOSITORY`` and ``SECGATE_BRANCH``
override both, for other CI systems. What cannot be found is ``unknown``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

UNKNOWN = "unknown"
_GIT_TIMEOUT = 10.0
_SCP_LIKE = re.compile(r"^[^@/:]+@[^:/]+:(?P<path>.+)$")  # git@github.com:owner/name.git


@dataclass(frozen=True)
class RunContext:
    """Where a scan ran: what its notifications, metrics and log lines are labelled with."""

    repository: str = UNKNOWN
    branch: str = UNKNOWN
    commit: str | None = None
    run_url: str | None = None
    """The CI run's page (GitHub Actions), when the scan runs in one."""

    @classmethod
    def detect(cls, target: Path | None, environ: Mapping[str, str] | None = None) -> RunContext:
        """The context from the environment, else from git at ``target`` (or the current
        directory)."""
        env = os.environ if environ is None else environ
        where = target if target is not None else Path.cwd()
        repository = _first(env.get("SECGATE_REPOSITORY"), env.get("GITHUB_REPOSITORY"))
        branch = _first(
            env.get("SECGATE_BRANCH"), env.get("GITHUB_HEAD_REF"), env.get("GITHUB_REF_NAME")
        )
        commit = _first(env.get("GITHUB_SHA"))
        if repository is None:
            repository = repository_of_remote(_git(where, "remote", "get-url", "origin") or "")
        if branch is None:
            branch = _git(where, "symbolic-ref", "--short", "-q", "HEAD")
        if commit is None:
            commit = _git(where, "rev-parse", "--verify", "-q", "HEAD")
        return cls(
            repository=repository or UNKNOWN,
            branch=branch or UNKNOWN,
            commit=commit,
            run_url=actions_run_url(env),
        )


def actions_run_url(environ: Mapping[str, str]) -> str | None:
    """The GitHub Actions run's page, when the variables of a run are all there."""
    server = environ.get("GITHUB_SERVER_URL", "").strip().rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    run_id = environ.get("GITHUB_RUN_ID", "").strip()
    if not (server.startswith(("https://", "http://")) and repository and run_id.isdigit()):
        return None
    return f"{server}/{repository}/actions/runs/{run_id}"


def repository_of_remote(url: str) -> str | None:
    """``owner/name`` of a git remote URL (https, ssh or scp-like), without credentials or
    ``.git``; None when the URL names no such path."""
    text = url.strip()
    if not text:
        return None
    scp = _SCP_LIKE.match(text)
    path = scp.group("path") if scp and "://" not in text else urlsplit(text).path
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) < 2:
        return None
    name = parts[-1][:-4] if parts[-1].endswith(".git") else parts[-1]
    return f"{parts[-2]}/{name}" if name else None


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return value.strip()
    return None


def _git(where: Path, *args: str) -> str | None:
    """One line git prints at ``where``, or None when git is missing or says nothing."""
    try:
        done = subprocess.run(
            ["git", "-C", str(where), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    line = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
    return line if done.returncode == 0 and line else None
