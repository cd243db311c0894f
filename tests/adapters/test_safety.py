"""Safety: 1.x (5- and 7-element lists), 2.x and 3.x JSON from tests/fixtures/safety, and real
Safety 2.3.5 runs with the local test database in tests/assets/safety-db."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from secgate.adapters import registry
from secgate.adapters.interface import RunContext, Sample
from secgate.adapters.safety import DB_ENV, SafetyAdapter, fixed_from_specs, parse_report
from secgate.model import Category, Severity, SuppressionKind
from tests.support.commands import require_tool, run_secgate
from tests.support.paths import FIXTURES, ROOT

SAFETY = FIXTURES / "safety"
SAFETY_DB = ROOT / "tests" / "assets" / "safety-db"

# id -> (package, CVE, fixed version, CVSS v3 score) per tests/assets/safety-db/README.md
EXPECTED = {
    "pyup.io-36546": ("requests", "CVE-2018-18074", "2.20.0", 9.8),
    "pyup.io-58755": ("requests", "CVE-2023-32681", "2.31.0", 6.1),
    "pyup.io-71064": ("requests", "CVE-2024-35195", "2.32.0", 5.6),
    "pyup.io-38100": ("pyyaml", "CVE-2020-1747", "5.3.1", 9.8),
    "pyup.io-39611": ("pyyaml", "CVE-2020-14343", "5.4", 9.8),
}
VARIANTS = [
    "1.9.0/check.json",
    "1.10.3/check.json",
    "1.10.3/example/check.json",
    "2.3.5/check.json",
    "2.3.5/example/check.json",
    "3.8.1-hand-built/scan.json",
    "3.8.1-hand-built/scan-detailed-output.json",
]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_is_detected_and_parses(name: str) -> None:
    data = (SAFETY / name).read_bytes()
    found = registry.detect(Sample(data))
    assert found is not None and found.name == "safety"
    result = found.parse(data)
    assert not result.incomplete
    assert {f.rule_id for f in result.findings} == set(EXPECTED)
    for finding in result.findings:
        package, _, fixed, _ = EXPECTED[finding.rule_id]
        assert finding.tool == "safety" and finding.category is Category.DEPENDENCY
        assert finding.package is not None
        assert finding.package.name == package
        assert finding.package.version == {"requests": "2.19.0", "pyyaml": "5.3"}[package]
        assert finding.package.purl == f"pkg:pypi/{package}@{finding.package.version}"
        assert finding.lowest_fixed_version == fixed


def test_2x_report_cves_aliases_scores_and_location() -> None:
    result = parse_report((SAFETY / "2.3.5" / "check.json").read_bytes())
    assert result.tool_version == "2.3.5"
    for finding in result.findings:
        _, cve, fixed, score = EXPECTED[finding.rule_id]
        assert finding.vulnerability is not None
        assert cve in finding.vulnerability.aliases
        assert any(a.startswith("GHSA-") for a in finding.vulnerability.aliases)
        assert finding.vulnerability.canonical_id == cve
        assert finding.score == score and finding.properties["severity_basis"].startswith("CVSS:3")
        assert finding.package is not None and finding.package.fixed_versions == [fixed]
        assert finding.location is not None and finding.location.path == "requirements.txt"
        assert finding.help_uri is not None and finding.help_uri.startswith(
            "https://safety-db.invalid/v/"
        )
        assert "fixed_versions_from" not in finding.properties
    by_id = {f.rule_id: f for f in result.findings}
    # CVE-2018-18074 has v2 5.0 and v3 9.8: the newer version decides
    assert by_id["pyup.io-36546"].severity is Severity.CRITICAL
    assert by_id["pyup.io-58755"].severity is Severity.MEDIUM


def test_1x_lists_with_and_without_cvss() -> None:
    seven = {
        f.rule_id: f for f in parse_report((SAFETY / "1.10.3" / "check.json").read_bytes()).findings
    }
    assert seven["pyup.io-36546"].score == 9.8
    assert seven["pyup.io-36546"].vulnerability is not None
    assert seven["pyup.io-36546"].vulnerability.aliases == []  # 1.x names no CVE
    assert seven["pyup.io-58755"].severity is Severity.MEDIUM
    five = parse_report((SAFETY / "1.9.0" / "check.json").read_bytes()).findings
    assert {(f.severity, f.score, f.properties["severity_basis"]) for f in five} == {
        (Severity.HIGH, 8.0, "default")
    }
    assert all(f.properties["fixed_versions_from"] == "vulnerable_spec" for f in five)


def test_3x_scan_json_with_and_without_cve_details() -> None:
    plain = parse_report((SAFETY / "3.8.1-hand-built" / "scan.json").read_bytes())
    assert plain.tool_version == "3.8.1"
    assert all(f.properties["severity_basis"] == "default" for f in plain.findings)
    assert all(f.location and f.location.path.endswith("requirements.txt") for f in plain.findings)
    detailed = {
        f.rule_id: f
        for f in parse_report(
            (SAFETY / "3.8.1-hand-built" / "scan-detailed-output.json").read_bytes()
        ).findings
    }
    for vuln_id, (_, cve, _, score) in EXPECTED.items():
        finding = detailed[vuln_id]
        assert finding.vulnerability is not None and finding.vulnerability.aliases == [cve]
        assert finding.score == score
    assert detailed["pyup.io-36546"].properties["recommended_version"] == "2.32.0"


def test_ignored_vulnerabilities_become_external_suppressions() -> None:
    doc = json.loads((SAFETY / "2.3.5" / "check.json").read_text())
    moved = doc["vulnerabilities"].pop(0)
    moved["ignored"] = {"reason": "not reachable", "expires": None}
    moved["ignored_reason"] = "not reachable"
    doc["ignored_vulnerabilities"] = [moved]
    result = parse_report(json.dumps(doc).encode())
    suppressed = [f for f in result.findings if f.suppression]
    assert len(result.findings) == 5 and len(suppressed) == 1
    assert suppressed[0].suppression is not None
    assert suppressed[0].suppression.kind is SuppressionKind.EXTERNAL
    assert suppressed[0].suppression.justification == "not reachable"


def test_fixed_versions_from_vulnerable_ranges() -> None:
    assert fixed_from_specs(["<2.20.0"]) == ["2.20.0"]
    assert fixed_from_specs([">=2.3.0,<2.31.0"]) == ["2.31.0"]
    assert fixed_from_specs(["<=1.0", "not a spec"]) == []


@pytest.mark.parametrize(
    "content",
    [
        b'[["requests", "<2.20.0", "2.19.0"]]',
        b'{"report_meta": {}, "vulnerabilities": [{"advisory": "x"}]}',
        b'{"report_meta": {"safety_version": "2.3.5"}, "vulnerabilities": [',
        b'{"meta": {}, "scan_results": {"files": ["x"]}}',
    ],
)
def test_malformed_output_is_exit_2_naming_the_file(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "safety.json"
    bad.write_bytes(content)
    done = run_secgate("scan", "--input", f"safety={bad}")
    assert done.returncode == 2, done.stderr
    assert str(bad) in done.stderr and "safety" in done.stderr
    assert "Traceback" not in done.stderr


def test_preflight_needs_a_database_and_refuses_safety_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)
    adapter = SafetyAdapter()
    ctx = RunContext(target=tmp_path, work_dir=tmp_path, executable="safety")
    reason = adapter.preflight(ctx, "2.3.5")
    assert reason is not None and "online service or a local database" in reason
    assert "scanners.settings.safety.db" in reason
    configured = RunContext(
        target=tmp_path, work_dir=tmp_path, executable="safety", config={"db": str(SAFETY_DB)}
    )
    assert adapter.preflight(configured, "2.3.5") is None
    three = adapter.preflight(configured, "3.8.1")
    assert three is not None and three.startswith("Safety 3 needs a Safety account and network")
    monkeypatch.setenv(DB_ENV, str(tmp_path))
    missing = adapter.preflight(ctx, "2.3.5")
    assert missing is not None and "insecure.json" in missing
    assert "Safety 3 needs a Safety account" in SafetyAdapter.limitations


@pytest.mark.scanner("safety")
def test_real_safety_run_with_the_local_database(
    example_app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tool("safety")
    monkeypatch.delenv(DB_ENV, raising=False)
    out = tmp_path / "report.json"
    done = run_secgate(
        "scan", example_app, "--scanner", "safety", "--json", out, env={DB_ENV: str(SAFETY_DB)}
    )
    assert done.returncode == 1, done.stderr  # critical CVEs block under the default policy
    report = json.loads(out.read_text())
    (run,) = report["runs"]
    assert run["status"] == "ok" and run["exit_code"] == 64 and not run["incomplete"]
    findings = {f["rule_id"]: f for f in report["findings"]}
    assert set(findings) == set(EXPECTED)
    for vuln_id, (package, cve, fixed, score) in EXPECTED.items():
        finding = findings[vuln_id]
        assert finding["package"]["name"] == package
        assert cve in finding["vulnerability"]["aliases"]
        assert finding["lowest_fixed_version"] == fixed and finding["score"] == score
        line = {"requests": 2, "pyyaml": 4}[package]
        assert finding["location"] == {"path": "requirements.txt", "start_line": line}
    # the database can come from the policy instead (relative to the scanned directory)
    (example_app / ".secgate.yml").write_text(
        f"version: 1\nscanners:\n  settings:\n    safety:\n"
        f"      db: {os.path.relpath(SAFETY_DB, example_app)}\n"
    )
    done = run_secgate("scan", example_app, "--scanner", "safety")
    assert done.returncode == 1, done.stderr
    assert "5 finding(s)" in done.stderr


@pytest.mark.scanner("safety")
def test_safety_without_a_database_is_skipped_and_only_fails_when_required(
    example_app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    safety = require_tool("safety")
    monkeypatch.delenv(DB_ENV, raising=False)
    # A PATH holding only safety: a plain `secgate scan` then runs safety alone, not required.
    only = tmp_path / "bin"
    only.mkdir()
    (only / "safety").symlink_to(safety)
    env = {"PATH": str(only)}
    out = tmp_path / "report.json"
    done = run_secgate("scan", example_app, "--json", out, env=env)
    assert done.returncode == 0, done.stderr
    (run,) = json.loads(out.read_text())["runs"]
    assert run["tool"] == "safety" and run["status"] == "skipped"
    assert "online service or a local database" in run["error"]
    done = run_secgate("scan", example_app, "--scanner", "safety", env=env)
    assert done.returncode == 3, done.stderr
    assert "local database" in done.stderr


def test_doctor_states_what_safety_and_pip_audit_cannot_do(tmp_path: Path) -> None:
    # only these two on PATH: doctor then asks no other scanner for its version
    for tool in ("safety", "pip-audit"):
        (tmp_path / tool).symlink_to(require_tool(tool))
    done = run_secgate("doctor", env={"PATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "Safety 3 needs a Safety account and network" in done.stdout
    assert "secgate marks the run incomplete" in done.stdout
