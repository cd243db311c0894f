"""A git ``pre-push`` hook that runs ``secgate scan`` before every push: installing, removing and
running it (the ``secgate hook`` commands are ``secgate.cli.hook``).

``secgate hook install`` writes ``pre-push`` into the repository's hooks directory (``git
rev-parse --git-path hooks``, so ``core.hooksPath`` and worktrees are respected). A hook that is
already there and is not secgate's is kept: it is renamed ``pre-push.local`` and the new hook runs
it first, with the same arguments and standard input. ``secgate hook uninstall`` puts it back.

The hook calls ``secgate hook run``, which scans the repository's root with its own policy
(``.secgate.yml`` there, else the default) and refuses the push unless the gate passes. Which
scanners run comes from ``git config secgate.scanners`` (names separated by spaces or commas;
unset: every installed scanner) and the policy from ``git config secgate.policy``.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

from secgate.errors import ExitCode, UsageError

HOOK_NAME = "pre-push"
LOCAL_NAME = "pre-push.local"
SIGNATURE = "# secgate pre-push hook"
"""The line that tells secgate's hook from anyone else's."""


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise UsageError("git is not installed") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise UsageError(f"git {' '.join(args)}: {reason}", path=repo)
    return done.stdout.strip()


def hooks_dir(repo: Path) -> Path:
    """The directory git runs this repository's hooks from."""
    path = Path(_git(repo, "rev-parse", "--git-path", "hooks"))
    return path if path.is_absolute() else (repo / path).resolve()


def is_secgate_hook(path: Path) -> bool:
    try:
        return SIGNATURE in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def hook_script(python: str) -> str:
    """The ``pre-push`` file: run secgate with the interpreter it was installed with (else the
    ``secgate`` on PATH), passing git's arguments; standard input (the refs) is passed on too."""
    quoted = shlex.quote(python)
    return f"""#!/bin/sh
{SIGNATURE} (written by `secgate hook install`; `secgate hook uninstall` removes it)
# Skip it once with `git push --no-verify`.
if [ -x {quoted} ]; then
    exec {quoted} -m secgate hook run "$@"
fi
exec secgate hook run "$@"
"""


def install(repo: Path, python: str = sys.executable) -> tuple[Path, Path | None]:
    """Write the hook; returns its path and where an earlier foreign hook was kept (or None)."""
    directory = hooks_dir(repo)
    directory.mkdir(parents=True, exist_ok=True)
    hook = directory / HOOK_NAME
    kept: Path | None = None
    if hook.exists() and not is_secgate_hook(hook):
        kept = directory / LOCAL_NAME
        if kept.exists():
            raise UsageError(
                f"both {HOOK_NAME} and {LOCAL_NAME} exist and neither is "
                "secgate's; merge them by hand, then install again",
                path=directory,
            )
        hook.rename(kept)
    hook.write_text(hook_script(python), encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return hook, kept


def uninstall(repo: Path) -> tuple[bool, bool]:
    """Remove secgate's hook (and put a kept one back); returns (removed, restored)."""
    directory = hooks_dir(repo)
    hook, kept = directory / HOOK_NAME, directory / LOCAL_NAME
    if not hook.exists() or not is_secgate_hook(hook):
        return False, False
    hook.unlink()
    if kept.exists():
        kept.rename(hook)
        return True, True
    return True, False


def scan_command(repo: Path) -> list[str]:
    """The ``secgate scan`` the hook runs for this repository (with its git config)."""
    root = Path(_git(repo, "rev-parse", "--show-toplevel"))
    command = [sys.executable, "-m", "secgate", "scan", str(root)]
    scanners = _config(repo, "secgate.scanners")
    for name in scanners.replace(",", " ").split():
        command += ["--scanner", name]
    policy = _config(repo, "secgate.policy")
    if policy:
        command += ["--policy", policy]
    return command


def _config(repo: Path, key: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "config", "--get", key],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def run(repo: Path, args: tuple[str, ...], refs: bytes) -> int:
    """What the hook does: the kept local hook first, then the scan; the first failure wins."""
    local = hooks_dir(repo) / LOCAL_NAME
    if local.is_file() and os.access(local, os.X_OK):  # git, too, runs only executable hooks
        done = subprocess.run([str(local), *args], input=refs, check=False)
        if done.returncode != 0:
            print(
                f"secgate: {LOCAL_NAME} refused the push (exit {done.returncode})", file=sys.stderr
            )
            return done.returncode
    if not refs.strip():
        return ExitCode.PASS.value  # nothing is being pushed (e.g. everything up to date)
    code = subprocess.run(scan_command(repo), check=False).returncode
    if code != ExitCode.PASS.value:
        print(
            f"secgate: push refused (secgate scan exit {code}); fix the findings, or "
            "push with --no-verify to skip the gate once",
            file=sys.stderr,
        )
    return code
