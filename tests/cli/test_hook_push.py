"""``secgate hook install`` in a real git repository: ``git push`` to a local bare remote is
refused while the policy blocks and goes through once it passes; an existing hook is kept and
runs first; ``uninstall`` puts it back. The repository's git config picks the one scanner (Bandit)
the hook runs, which keeps it fast."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from secgate.errors import UsageError
from secgate.scanning import pre_push as hook
from tests.support.commands import require_tool, run_secgate
from tests.support.paths import ROOT

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}
UNSAFE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
SAFE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call([cmd])\n"
EARLIER_HOOK = '#!/bin/sh\necho "local hook $1" >> "$(git rev-parse --git-dir)/local-hook.log"\ncat >> "$(git rev-parse --git-dir)/local-hook.log"\n'


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(GIT_ENV, HOME=str(repo.parent))
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env=env,
        check=check,
        timeout=300,
    )


def make_repo(tmp_path: Path) -> tuple[Path, Path]:
    remote = tmp_path / "remote.git"
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "app.py").write_text(UNSAFE)
    (repo / ".secgate.yml").write_text(
        "version: 1\nfail_on: high\nscanners:\n  required: [bandit]\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "config", "secgate.scanners", "bandit")
    return repo, remote


def test_pre_push_hook_refuses_a_blocked_push_then_allows_a_passing_one(tmp_path: Path) -> None:
    require_tool("bandit")
    repo, remote = make_repo(tmp_path)
    hooks = repo / ".git" / "hooks"
    (hooks / "pre-push").write_text(EARLIER_HOOK)
    (hooks / "pre-push").chmod(0o755)

    installed = run_secgate("hook", "install", cwd=repo)
    assert installed.returncode == 0, installed.stderr
    assert (hooks / "pre-push.local").read_text() == EARLIER_HOOK
    assert "runs first" in installed.stderr
    again = run_secgate("hook", "install", "--repo", repo)  # idempotent: ours is replaced
    assert again.returncode == 0 and (hooks / "pre-push.local").read_text() == EARLIER_HOOK

    refused = git(repo, "push", "-q", "origin", "main", check=False)
    assert refused.returncode != 0
    assert "B602" in refused.stderr and "push refused (secgate scan exit 1)" in refused.stderr
    assert git(remote, "rev-parse", "--verify", "-q", "main", check=False).returncode != 0
    local_log = (repo / ".git" / "local-hook.log").read_text()
    head = git(repo, "rev-parse", "HEAD").stdout.strip()
    assert local_log.startswith("local hook origin\nrefs/heads/main " + head)

    (repo / "app.py").write_text(SAFE)
    git(repo, "commit", "-q", "-am", "no shell")
    pushed = git(repo, "push", "-q", "origin", "main", check=False)
    assert pushed.returncode == 0, pushed.stderr
    assert (
        git(remote, "rev-parse", "main").stdout.strip()
        == git(repo, "rev-parse", "HEAD").stdout.strip()
    )

    removed = run_secgate("hook", "uninstall", cwd=repo)
    assert removed.returncode == 0 and "restored the earlier one" in removed.stderr
    assert (hooks / "pre-push").read_text() == EARLIER_HOOK
    assert not (hooks / "pre-push.local").exists()


def test_hook_refuses_to_overwrite_two_foreign_hooks(tmp_path: Path) -> None:
    repo, _ = make_repo(tmp_path)
    hooks = repo / ".git" / "hooks"
    (hooks / "pre-push").write_text("#!/bin/sh\n")
    (hooks / "pre-push.local").write_text("#!/bin/sh\n")
    with pytest.raises(UsageError, match=r"both pre-push and pre-push\.local exist"):
        hook.install(repo)
    assert hook.uninstall(repo) == (False, False)  # not secgate's: left alone
    assert (hooks / "pre-push").read_text() == "#!/bin/sh\n"
    (tmp_path / "plain").mkdir()
    with pytest.raises(UsageError, match=r"(?i)not a git repository"):
        hook.install(tmp_path / "plain")


def test_hook_follows_core_hooks_path(tmp_path: Path) -> None:
    repo, _ = make_repo(tmp_path)
    git(repo, "config", "core.hooksPath", "githooks")
    path, kept = hook.install(repo)
    assert path == repo / "githooks" / "pre-push" and kept is None
    assert os.access(path, os.X_OK) and hook.SIGNATURE in path.read_text()
    assert hook.scan_command(repo)[3:] == ["scan", str(repo.resolve()), "--scanner", "bandit"]


def test_pre_commit_hook_definition_runs_the_gate(tmp_path: Path) -> None:
    require_tool("bandit")
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "secgate" and hook["stages"] == ["pre-push"]
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    repo, _ = make_repo(tmp_path)
    # What pre-commit runs: the entry, split like a shell, plus the hook's args, in the root.
    program, *args = shlex.split(hook["entry"])
    assert program == "secgate"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    done = subprocess.run(
        [sys.executable, "-m", "secgate", *args, "--scanner", "bandit"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 1 and "B602" in done.stderr
