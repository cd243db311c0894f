"""Baseline gating with real scanners: only what is new blocks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from secgate.findings.baseline import load
from tests.support.commands import require_tool, run_secgate
from tests.support.dedupe_scans import CODE_SCANNERS, git_copy
from tests.support.paths import FIXTURES
from tests.support.sarif_validation import validate_sarif

NEW_CODE = """

def wipe(path):
    # New: a caller's path goes into a shell command.
    return subprocess.call("rm -rf " + path, shell=True)
"""


def _json(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def _blocking(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["decision"]["action"] == "block"]


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A baseline of the example, then scans after adding one new vulnerability."""
    require_tool("bandit")
    require_tool("semgrep")
    base = tmp_path_factory.mktemp("baseline")
    target = git_copy(base / "app")
    baseline = base / "baseline.sarif"
    created = run_secgate("baseline", "create", target, *CODE_SCANNERS, "-q", "-o", baseline)
    commands = target / "app" / "commands.py"
    commands.write_text(commands.read_text(encoding="utf-8") + NEW_CODE, encoding="utf-8")
    gated = run_secgate(
        "scan", target, *CODE_SCANNERS, "-q", "--baseline", baseline, "--json", base / "gated.json"
    )
    # the policy names the baseline (relative to the scanned root); one old problem is fixed
    storage = target / "app" / "storage.py"
    storage.write_text(
        storage.read_text(encoding="utf-8").replace(
            "return pickle.loads(blob)", "return json.loads(blob)"
        ),
        encoding="utf-8",
    )
    (target / ".secgate.yml").write_text(
        "version: 1\nbaseline: ../baseline.sarif\n", encoding="utf-8"
    )
    by_policy = run_secgate("scan", target, *CODE_SCANNERS, "-q", "--json", base / "by-policy.json")
    return {
        "base": base,
        "baseline": baseline,
        "created": created,
        "gated": gated,
        "by_policy": by_policy,
    }


def test_baseline_create_writes_a_valid_secgate_sarif(gate: dict[str, Any]) -> None:
    assert gate["created"].returncode == 0, gate["created"].stderr
    assert "written to" in gate["created"].stderr
    doc = validate_sarif(gate["baseline"])
    results = [r for run in doc["runs"] for r in run["results"]]
    assert results
    for result in results:
        assert set(result["partialFingerprints"]) == {"secgate/v1", "primaryLocationLineHash"}
    known = load(gate["baseline"])
    assert len(known.by_fingerprint) == len(known.findings) == len(results)
    assert all(f.decision is None and f.baseline is None for f in known.findings)


def test_after_the_baseline_only_the_new_vulnerability_blocks(gate: dict[str, Any]) -> None:
    assert gate["gated"].returncode == 1, gate["gated"].stderr
    gated = _json(gate["base"] / "gated.json")
    blocking = _blocking(gated)
    assert len(blocking) == 1
    new = blocking[0]
    assert new["baseline"] == "new"
    assert new["location"]["path"] == "app/commands.py"
    assert {s["tool"] for s in new["sources"]} == {"bandit", "semgrep"}
    known = load(gate["baseline"])
    assert new["fingerprint"] not in known.by_fingerprint
    counts = gated["verdict"]["counts"]
    assert counts["new"] == 1
    assert counts["existing"] == len(known.findings) == len(gated["findings"]) - 1
    assert counts["fixed"] == 0
    old = [f for f in gated["findings"] if f["baseline"] == "existing"]
    assert all(f["decision"]["action"] != "block" for f in old)
    # without the baseline these would block: the baseline decided
    held = [f for f in old if f["decision"]["decided_by"] == "baseline"]
    assert len(held) >= 5
    assert all(f["severity"] in ("critical", "high") for f in held)


def test_the_policy_names_the_baseline_and_fixed_findings_are_reported(
    gate: dict[str, Any],
) -> None:
    assert gate["by_policy"].returncode == 1, gate["by_policy"].stderr
    doc = _json(gate["base"] / "by-policy.json")
    assert len(_blocking(doc)) == 1
    fixed = doc["fixed"]
    assert [(f["location"]["path"], f["rule_id"]) for f in fixed] == [
        ("app/storage.py", "python-pickle-loads")
    ]
    assert doc["verdict"]["counts"]["fixed"] == 1


def test_a_missing_or_broken_baseline_is_an_input_error(tmp_path: Path) -> None:
    bandit = FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.json"
    missing = run_secgate("scan", "-i", bandit, "-q", "--baseline", tmp_path / "none.sarif")
    assert missing.returncode == 2
    assert "none.sarif: baseline file not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    broken = tmp_path / "broken.sarif"
    broken.write_text("{not json", encoding="utf-8")
    bad = run_secgate("scan", "-i", bandit, "-q", "--baseline", broken)
    assert bad.returncode == 2
    assert "broken.sarif: baseline is not JSON" in bad.stderr


def test_no_baseline_is_written_when_a_required_scanner_fails(tmp_path: Path) -> None:
    require_tool("safety")
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    out = tmp_path / "baseline.sarif"
    proc = run_secgate(
        "baseline",
        "create",
        tmp_path,
        "-s",
        "safety",
        "-q",
        "-o",
        out,
        env={"SECGATE_SAFETY_DB": str(tmp_path / "no-such-db")},
    )
    assert proc.returncode == 3, proc.stderr
    assert "baseline not written" in proc.stderr
    assert not out.exists()
