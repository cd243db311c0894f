"""Each input of a scanner's cache key changes that scanner's key and no other (real Bandit,
Gitleaks and pip-audit programs; keys are computed the way a scan computes them, without running
the scanners)."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from secgate.adapters import registry
from secgate.scanning.cache_keys import TreeInputs
from secgate.scanning.result_cache import ResultCache
from secgate.scanning.runner import RunOptions
from tests.support.cache_target import SCANNERS, git, make_target
from tests.support.commands import require_tool


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    for tool in SCANNERS:
        require_tool(tool)


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return make_target(tmp_path / "project")


@pytest.fixture
def cache(tmp_path: Path) -> ResultCache:
    return ResultCache(tmp_path / "cache")


def keys(
    target: Path, cache: ResultCache, settings: dict[str, Any] | None = None
) -> dict[str, str | None]:
    options = RunOptions(target=target.resolve(), settings=settings or {})
    inputs = TreeInputs(options.target)
    return {name: cache.plan(registry.get(name), options, inputs).key for name in SCANNERS}


def changed(before: dict[str, str | None], after: dict[str, str | None]) -> set[str]:
    assert all(before.values()) and all(after.values())
    return {name for name in before if before[name] != after[name]}


def test_keys_are_stable(target: Path, cache: ResultCache) -> None:
    first = keys(target, cache)
    assert len(set(first.values())) == len(SCANNERS)
    assert keys(target, cache) == first


def test_python_source_change(target: Path, cache: ResultCache) -> None:
    before = keys(target, cache)
    with (target / "app" / "run.py").open("a", encoding="utf-8") as out:
        out.write("\n# changed\n")
    # Bandit reads Python files, Gitleaks every file; pip-audit only the requirements
    assert changed(before, keys(target, cache)) == {"bandit", "gitleaks"}


def test_new_untracked_file(target: Path, cache: ResultCache) -> None:
    before = keys(target, cache)
    (target / "app" / "extra.py").write_text("x = 1\n", encoding="utf-8")
    assert changed(before, keys(target, cache)) == {"bandit", "gitleaks"}


def test_requirements_change(target: Path, cache: ResultCache) -> None:
    before = keys(target, cache)
    (target / "requirements.txt").write_text("requests==2.20.0\n", encoding="utf-8")
    assert changed(before, keys(target, cache)) == {"pip-audit", "gitleaks"}


def test_other_file_change(target: Path, cache: ResultCache) -> None:
    before = keys(target, cache)
    (target / "README.md").write_text("# demo, edited\n", encoding="utf-8")
    assert changed(before, keys(target, cache)) == {"gitleaks"}


def test_git_head_change(target: Path, cache: ResultCache) -> None:
    before = keys(target, cache)
    git(target, "commit", "-q", "--allow-empty", "-m", "second")
    assert changed(before, keys(target, cache)) == {"gitleaks"}


def test_ignored_files_do_not_count(target: Path, cache: ResultCache) -> None:
    (target / ".gitignore").write_text("build/\n", encoding="utf-8")
    git(target, "add", ".gitignore")
    git(target, "commit", "-q", "-m", "ignore build")
    before = keys(target, cache)
    (target / "build").mkdir()
    (target / "build" / "out.py").write_text("eval(input())\n", encoding="utf-8")
    # what an older secgate left in the tree: its own .gitignore keeps it out of git's listing
    old = target / ".secgate" / "cache"
    (old / "entries").mkdir(parents=True)
    (old / ".gitignore").write_text("*\n", encoding="utf-8")
    (old / "entries" / f"{'0' * 64}.entry").write_bytes(b"secgate-cache 1 x\n")
    assert changed(before, keys(target, cache)) == set()


def test_bandit_config_file(target: Path, cache: ResultCache) -> None:
    before = keys(target, cache)
    (target / "bandit.yaml").write_text("skips: ['B602']\n", encoding="utf-8")
    assert changed(before, keys(target, cache)) == {"bandit", "gitleaks"}


def test_policy_settings_of_one_scanner(target: Path, cache: ResultCache) -> None:
    before = keys(target, cache)
    after = keys(target, cache, {"bandit": {"exclude": ["./app/run.py"]}})
    assert changed(before, after) == {"bandit"}
    after = keys(target, cache, {"gitleaks": {"mode": "dir"}})
    assert changed(before, after) == {"gitleaks"}


@pytest.fixture
def bandit_wrapper(tmp_path: Path) -> Iterator[Path]:
    """A program standing for Bandit whose reported version the test changes."""
    real = require_tool("bandit")
    wrapper = tmp_path / "bin" / "bandit"
    wrapper.parent.mkdir()
    previous = os.environ.get("SECGATE_BANDIT_BIN")
    os.environ["SECGATE_BANDIT_BIN"] = str(wrapper)
    write_wrapper(wrapper, real, "1.9.4")
    yield wrapper
    if previous is None:
        del os.environ["SECGATE_BANDIT_BIN"]
    else:
        os.environ["SECGATE_BANDIT_BIN"] = previous


def write_wrapper(wrapper: Path, real: str, version: str) -> None:
    wrapper.write_text(
        f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "bandit {version}"; '
        f'exit 0; fi\nexec {real} "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)


def test_tool_version(target: Path, cache: ResultCache, bandit_wrapper: Path) -> None:
    before = keys(target, cache)
    write_wrapper(bandit_wrapper, require_tool("bandit"), "1.9.5-patched")
    os.utime(bandit_wrapper, ns=(0, 1_000_000_000))  # a new program file: version read again
    assert changed(before, keys(target, cache)) == {"bandit"}
    done = subprocess.run(
        [str(bandit_wrapper), "--version"], capture_output=True, text=True, check=True
    )
    assert "1.9.5-patched" in done.stdout


def test_secret_salt_changes_every_key(
    target: Path, cache: ResultCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = keys(target, cache)
    monkeypatch.setenv("SECGATE_SECRET_SALT", "another-salt")
    assert changed(before, keys(target, cache)) == set(SCANNERS)


def test_not_a_git_repository(tmp_path: Path, cache: ResultCache) -> None:
    target = tmp_path / "plain"
    (target / "app").mkdir(parents=True)
    (target / "app" / "a.py").write_text("x = 1\n", encoding="utf-8")
    (target / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    venv = target / ".venv"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    before = keys(target, cache)
    (venv / "ignored.py").write_text("eval(input())\n", encoding="utf-8")
    assert changed(before, keys(target, cache)) == set()
    (target / "app" / "a.py").write_text("x = 2\n", encoding="utf-8")
    assert changed(before, keys(target, cache)) == {"bandit", "gitleaks"}


def test_installed_environment(tmp_path: Path, cache: ResultCache) -> None:
    """Without requirement files pip-audit audits the target's environment: a package
    installed there changes its key only."""
    target = tmp_path / "envproject"
    site = target / ".venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (target / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (target / "main.py").write_text("print('hi')\n", encoding="utf-8")
    before = keys(target, cache)
    (site / "requests-2.19.0.dist-info").mkdir()
    assert changed(before, keys(target, cache)) == {"pip-audit"}
