"""Fingerprints that survive edits which do not touch the problem, with real scanners."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.commands import require_tool, run_secgate
from tests.support.dedupe_scans import CODE_SCANNERS, git_copy
from tests.support.paths import EXAMPLE_APP, ROOT

INSERTED = 10


def _scan(target: Path, out: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    proc = run_secgate(
        "scan", target, *args, "-p", "builtin:report-only", "-q", "--json", out, env=env
    )
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return doc


def _by_fingerprint(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    findings = {f["fingerprint"]: f for f in doc["findings"]}
    assert len(findings) == len(doc["findings"]), "fingerprints are unique"
    return findings


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    """The example scanned by real Bandit and Semgrep: as it is, with ten lines inserted at the
    top of every Python file, and then with one vulnerable line edited."""
    require_tool("bandit")
    require_tool("semgrep")
    base = tmp_path_factory.mktemp("stability")
    target = git_copy(base / "app")
    before = _scan(target, base / "before.json", *CODE_SCANNERS)
    for source in sorted(target.rglob("*.py")):
        header = "".join(f"# inserted line {n}\n" for n in range(1, INSERTED + 1))
        source.write_text(header + source.read_text(encoding="utf-8"), encoding="utf-8")
    moved = _scan(target, base / "moved.json", *CODE_SCANNERS)
    commands = target / "app" / "commands.py"
    text = commands.read_text(encoding="utf-8")
    assert text.count("return subprocess.call(cmd, shell=True)") == 1
    commands.write_text(
        text.replace(
            "return subprocess.call(cmd, shell=True)",
            "return subprocess.call(cmd, shell=True, timeout=30)",
        ),
        encoding="utf-8",
    )
    edited = _scan(target, base / "edited.json", *CODE_SCANNERS)
    return {
        "before": _by_fingerprint(before),
        "moved": _by_fingerprint(moved),
        "edited": _by_fingerprint(edited),
    }


def test_moving_the_code_down_ten_lines_keeps_every_fingerprint(
    scans: dict[str, dict[str, dict[str, Any]]],
) -> None:
    before, moved = scans["before"], scans["moved"]
    code = [f for f in before.values() if f["location"]["path"].endswith(".py")]
    assert len(code) >= 10
    assert set(moved) == set(before)
    for fingerprint, finding in before.items():
        after = moved[fingerprint]
        assert after["location"]["start_line"] == finding["location"]["start_line"] + INSERTED
        assert after["sources"] == finding["sources"]
        # GitHub's line hash follows the line too
        assert after["line_hash"] == finding["line_hash"]
    merged = [f for f in before.values() if len(f["sources"]) > 1]
    assert merged, "Bandit and Semgrep agree on some findings"


def test_changing_the_vulnerable_line_changes_its_fingerprint_only(
    scans: dict[str, dict[str, dict[str, Any]]],
) -> None:
    moved, edited = scans["moved"], scans["edited"]
    gone = set(moved) - set(edited)
    came = set(edited) - set(moved)
    assert len(gone) == len(came) == 1
    old, new = moved[gone.pop()], edited[came.pop()]
    assert old["location"]["path"] == new["location"]["path"] == "app/commands.py"
    assert old["location"]["start_line"] == new["location"]["start_line"]
    assert {s["tool"] for s in new["sources"]} == {"bandit", "semgrep"}
    assert old["line_hash"] != new["line_hash"]


def test_reordering_requirements_keeps_dependency_fingerprints(tmp_path: Path) -> None:
    require_tool("safety")
    env = {"SECGATE_SAFETY_DB": str(ROOT / "tests" / "assets" / "safety-db")}
    target = tmp_path / "deps"
    target.mkdir()
    requirements = (EXAMPLE_APP / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pins = [line for line in requirements if line and not line.startswith("#")]
    (target / "requirements.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
    before = _scan(target, tmp_path / "before.json", "-s", "safety", env=env)
    (target / "requirements.txt").write_text(
        "# reordered\n\n" + "\n".join(reversed(pins)) + "\n", encoding="utf-8"
    )
    after = _scan(target, tmp_path / "after.json", "-s", "safety", env=env)
    deps = {k: v for k, v in _by_fingerprint(before).items() if v["category"] == "dependency"}
    assert len(deps) >= 3
    assert set(_by_fingerprint(after)) == set(deps)
