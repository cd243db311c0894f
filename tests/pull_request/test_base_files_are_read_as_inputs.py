"""Pull-request mode reads the gate's files from a commit (``git``), yet exactly as the same files
on disk are read: the YAML alias budget and the glob checks of the policy loader, the ignore
file's glob checks with their line, the bounded JSON of baselines and VEX documents, the input
size limit. Each hostile file sits in the base commit of a real repository; every case ends with
exit 2 naming ``REF:path``, in one or two lines, before any scanner runs."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from tests.support.commands import git, run_secgate

pytestmark = pytest.mark.timeout(180)


def _alias_bomb(levels: int = 6) -> str:
    """A policy whose ``scanners.settings`` aliases expand ninefold at each level."""
    names = "abcdefgh"[:levels]
    lines = [
        "version: 1",
        "scanners:",
        "  settings:",
        "    bandit:",
        f"      a: &a [{', '.join(['lol'] * 9)}]",
    ]
    lines += [
        f"      {name}: &{name} [{', '.join([f'*{prev}'] * 9)}]"
        for prev, name in itertools.pairwise(names)
    ]
    return "\n".join(lines) + "\n"


def _base_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    """A repository whose ``main`` holds ``files`` and whose working tree (branch ``pr``) holds
    a harmless policy of its own."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / ".secgate.yml").write_text("version: 1\n", encoding="utf-8")
    return repo


def _refused(done: subprocess.CompletedProcess[str], source: str) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert 1 <= len(lines) <= 2, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert source in done.stderr, done.stderr
    return done.stderr


def _scan(repo: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_secgate("scan", repo, "-q", "-s", "bandit", "--base", "main", env=env, timeout=120)


def test_an_alias_bomb_in_the_base_policy_is_refused(tmp_path: Path) -> None:
    repo = _base_repo(tmp_path, {".secgate.yml": _alias_bomb()})
    assert "aliases expand" in _refused(_scan(repo), "main:.secgate.yml")


def test_a_glob_that_cannot_be_compiled_in_the_base_policy_is_refused(tmp_path: Path) -> None:
    policy = (
        "version: 1\naccept:\n  - id: a\n    path: 'src/[z-a]'\n    reason: r\n"
        "    expires: 2030-01-01\n"
    )
    repo = _base_repo(tmp_path, {".secgate.yml": policy})
    assert "accept[0].path" in _refused(_scan(repo), "main:.secgate.yml:4")


def test_a_bad_glob_in_the_base_ignore_file_is_refused_with_its_line(tmp_path: Path) -> None:
    repo = _base_repo(tmp_path, {".secgateignore": "# vendored\nvendor/**\n[z-a]\n"})
    assert "line 3" in _refused(_scan(repo), "main:.secgateignore")


def test_deep_json_in_the_base_baseline_is_refused(tmp_path: Path) -> None:
    repo = _base_repo(
        tmp_path,
        {".secgate.yml": "version: 1\nbaseline: base.sarif\n", "base.sarif": "[" * 100_000},
    )
    assert "nested deeper than" in _refused(_scan(repo), "main:base.sarif")


def test_a_huge_integer_in_a_base_vex_document_is_refused(tmp_path: Path) -> None:
    repo = _base_repo(
        tmp_path,
        {
            ".secgate.yml": "version: 1\nvex: [app.openvex.json]\n",
            "app.openvex.json": '{"statements": [' + "9" * 5000 + "]}",
        },
    )
    assert "an integer of 5,000 digits" in _refused(_scan(repo), "main:app.openvex.json")


def test_a_base_file_over_the_input_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    repo = _base_repo(tmp_path, {".secgate.yml": "version: 1\n" + "# padding\n" * 120_000})
    stderr = _refused(_scan(repo, {"SECGATE_MAX_INPUT_MB": "1"}), "main:.secgate.yml")
    assert "larger than 1 MiB (1,200,011 bytes or more)" in stderr
