"""Files in the scanned tree are data, never devices: a committed symlink to /dev/zero, a FIFO, a
symlink leaving the tree neither hang a scan nor get read, and the report says what was skipped.

Every test here is bounded (``pytest.mark.timeout`` and subprocess timeouts): before this was
built, a FIFO or a /dev/zero symlink made the scan hang while the cache digested it, and Bandit
hung on them too.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from secgate.adapters.bandit import unsafe_excludes
from secgate.advisories import pins
from secgate.errors import ScannerError
from secgate.files import requirements, scanned_tree
from secgate.findings.source_tree import SourceTree
from tests.support.commands import git, require_tool, run_secgate

pytestmark = pytest.mark.timeout(240)

VULNERABLE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
OUTSIDE_CODE = "import os\n\n\ndef leak():\n    os.system(input())\n    eval(input())\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A Python file outside the scanned tree that Bandit would flag if it read it."""
    path = tmp_path / "outside" / "private.py"
    path.parent.mkdir()
    path.write_text(OUTSIDE_CODE, encoding="utf-8")
    return path


@pytest.fixture
def hostile(tmp_path: Path, outside: Path) -> Iterator[Path]:
    """A git repository whose commit holds ``zero.py -> /dev/zero``, ``leak.py -> <outside>``
    and ``requirements.txt -> /dev/zero``, plus a FIFO ``pipe.py`` and a socket created in the
    checkout (git cannot commit those)."""
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "run.py").write_text(VULNERABLE, encoding="utf-8")
    (repo / "zero.py").symlink_to("/dev/zero")
    (repo / "leak.py").symlink_to(outside)
    (repo / "requirements.txt").symlink_to("/dev/zero")
    (repo / "inside.py").symlink_to("app/run.py")  # stays inside: an ordinary file
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hostile")
    os.mkfifo(repo / "pipe.py")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(repo / "sock.py"))
    try:
        yield repo
    finally:
        server.close()


def test_unsafe_entries_name_each_kind(hostile: Path) -> None:
    found = {u.path: u.reason for u in scanned_tree.unsafe_entries(hostile)}
    assert set(found) == {"zero.py", "leak.py", "requirements.txt", "pipe.py", "sock.py"}
    assert found["pipe.py"] == "FIFO"
    assert found["sock.py"] == "socket"
    assert found["zero.py"] == "symlink leaving the scanned directory, to /dev/zero"
    assert found["leak.py"].startswith("symlink leaving the scanned directory, to ")


def test_a_symlink_to_a_device_inside_the_tree_is_named_as_such(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "dev").symlink_to("/dev")  # a directory symlink leaving the tree
    os.mkfifo(root / "fifo")
    (root / "to-fifo.py").symlink_to("fifo")
    reasons = {u.path: u.reason for u in scanned_tree.unsafe_entries(root)}
    assert reasons["to-fifo.py"] == "symlink to a FIFO"
    assert reasons["dev"] == "symlink leaving the scanned directory, to /dev"


def test_readers_refuse_every_unsafe_entry_without_blocking(hostile: Path) -> None:
    for name in ("zero.py", "leak.py", "pipe.py", "sock.py", "requirements.txt"):
        assert scanned_tree.read_bytes(hostile, name) is None, name
        assert scanned_tree.regular_file(hostile, name) is None, name
    assert scanned_tree.read_bytes(hostile, "inside.py") == VULNERABLE.encode()
    tree = SourceTree(hostile)
    assert tree.line("zero.py", 1) is None
    assert tree.line("pipe.py", 1) is None
    assert tree.line("leak.py", 1) is None  # the outside file's text is never read
    assert tree.line_hash("pipe.py", 1) is None
    assert tree.line("app/run.py", 5) == "    return subprocess.call(cmd, shell=True)"


def test_requirement_files_that_are_devices_are_not_found(hostile: Path) -> None:
    assert requirements.find(hostile) == []
    (hostile / "requirements-dev.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    found = requirements.read(hostile)
    assert found.files == ["requirements-dev.txt"]
    assert [p.name for p in found.pins] == ["requests"]


def test_lock_and_pyproject_files_that_are_devices_are_not_audited(
    hostile: Path, outside: Path
) -> None:
    """The osv scanner's pin files (``secgate.advisories.pins``) are tree files too."""
    (hostile / "uv.lock").symlink_to("/dev/zero")
    (hostile / "sub").mkdir()
    (hostile / "sub" / "pyproject.toml").symlink_to(outside)
    assert pins.find_files(hostile) == []
    found = pins.read(hostile, ["uv.lock", "sub/pyproject.toml"])  # named anyway: not read
    assert found.pins == []
    assert found.problems == [
        "uv.lock: cannot read (symlink leaving the scanned directory)",
        "sub/pyproject.toml: cannot read (symlink leaving the scanned directory)",
    ]
    (hostile / "poetry.lock").write_text(
        '[[package]]\nname = "requests"\nversion = "2.19.0"\n', encoding="utf-8"
    )
    assert pins.find_files(hostile) == ["poetry.lock"]
    assert [(p.name, p.version) for p in pins.read(hostile).pins] == [("requests", "2.19.0")]


def test_the_gates_own_files_in_the_tree_are_read_as_tree_files(
    tmp_path: Path, outside: Path
) -> None:
    """A baseline or VEX document the policy names is refused when it leaves the tree or is no
    regular file (exit 2 naming it), before any scanner runs; ``--vex FILE`` is the caller's."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "security").mkdir()
    (repo / "security" / "app.openvex.json").symlink_to(outside)
    (repo / ".secgate.yml").write_text(
        "version: 1\nvex: [security/app.openvex.json]\n", encoding="utf-8"
    )
    done = run_secgate("scan", repo, "-s", "bandit", timeout=60)
    assert done.returncode == 2, done.stderr
    assert (
        "security/app.openvex.json: is a symlink leaving the scanned directory: secgate "
        "reads only regular files in the scanned directory"
    ) in done.stderr
    (repo / ".secgate.yml").write_text("version: 1\nbaseline: base.sarif\n", encoding="utf-8")
    os.mkfifo(repo / "base.sarif")
    done = run_secgate("scan", repo, "-s", "bandit", timeout=60)
    assert done.returncode == 2, done.stderr
    assert "base.sarif: is a FIFO: secgate reads only regular files" in done.stderr


def test_bandit_excludes_match_only_the_unsafe_entry(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "a.py.py").write_text("x = 1\n", encoding="utf-8")  # a substring match of ./a.py
    assert unsafe_excludes(tmp_path, ("pipe.py", "docs/x")) == ["./pipe.p[y]"]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.p[y]z.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ScannerError, match=r"also skipping \./sub/x\.p\[y\]z\.py"):
        unsafe_excludes(tmp_path, ("sub/x.py",))
    with pytest.raises(ScannerError, match="a comma in its name"):
        unsafe_excludes(tmp_path, ("a,b.py",))


def test_a_hostile_tree_is_scanned_without_hanging_or_reading_outside(
    hostile: Path, tmp_path: Path
) -> None:
    """Real Bandit, Semgrep and Gitleaks, the result cache on (it digests every file): the scan
    ends, Bandit still reports the real finding, nothing of the outside file is reported, and
    the note names every skipped entry."""
    for tool in ("bandit", "semgrep", "gitleaks"):
        require_tool(tool)
    report = tmp_path / "report.json"
    env = {"SECGATE_NO_CACHE": "0", "SECGATE_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # fresh, then from the cache
        done = run_secgate(
            "scan",
            hostile,
            "-s",
            "bandit",
            "-s",
            "semgrep",
            "-s",
            "gitleaks",
            "--json",
            report,
            env=env,
            timeout=180,
        )
        assert done.returncode == 1, done.stderr  # app/run.py's shell=True blocks
        doc = json.loads(report.read_text(encoding="utf-8"))
        paths = {f["location"]["path"] for f in doc["findings"] if f.get("location")}
        assert "app/run.py" in paths
        assert not paths & {"leak.py", "zero.py", "pipe.py"}
        assert "os.system" not in report.read_text(encoding="utf-8")
        (note,) = [n for n in doc["notes"] if "skipped" in n]
        for name in ("leak.py", "pipe.py", "requirements.txt", "sock.py", "zero.py"):
            assert name in note
        assert {r["tool"]: r["status"] for r in doc["runs"]} == {
            "bandit": "ok",
            "semgrep": "ok",
            "gitleaks": "ok",
        }
    assert {r["origin"] for r in doc["runs"]} == {"cache"}
    bandit = next(r for r in doc["runs"] if r["tool"] == "bandit")
    assert "./pipe.p[y]" in " ".join(bandit["command"])


@pytest.mark.parametrize("name", [".gitleaks.toml", ".gitleaksignore"])
def test_a_scanner_config_file_that_is_a_device_fails_closed(tmp_path: Path, name: str) -> None:
    """Gitleaks reads these by itself and hangs on /dev/zero: secgate refuses to start it."""
    require_tool("gitleaks")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("# x\n", encoding="utf-8")
    (repo / name).symlink_to("/dev/zero")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "x")
    report = tmp_path / "report.json"
    done = run_secgate("scan", repo, "-s", "gitleaks", "--json", report, timeout=120)
    assert done.returncode == 3, done.stderr
    (run,) = json.loads(report.read_text(encoding="utf-8"))["runs"]
    assert run["status"] == "failed"
    assert run["error"].startswith(
        f"refusing to run gitleaks: {name} in the scanned directory "
        "is a symlink leaving the scanned directory"
    )


def test_a_discovered_policy_that_leaves_the_tree_is_an_error(
    tmp_path: Path, outside: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".secgate.yml").symlink_to(outside)
    done = run_secgate("scan", repo, timeout=60)  # the policy is read before any scanner runs
    assert done.returncode == 2
    assert ".secgate.yml: is a symlink leaving the scanned directory" in done.stderr
    assert "os.system" not in done.stderr


def test_a_fifo_secgateignore_is_no_hang(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    os.mkfifo(repo / ".secgateignore")
    assert scanned_tree.read_text(repo, ".secgateignore") is None
    from secgate.findings.exclude import read_ignore_file

    assert read_ignore_file(repo) == []
