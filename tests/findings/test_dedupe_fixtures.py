"""Dedupe over real captured outputs of several tools run on the example app (tests/fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

from secgate.adapters.interface import Adapter
from secgate.adapters.registry import get
from secgate.findings.dedupe import dedupe
from secgate.findings.fingerprint import assign
from secgate.findings.normalize import normalize
from secgate.findings.source_tree import SourceTree
from secgate.model import Finding
from tests.support.commands import run_secgate
from tests.support.paths import EXAMPLE_APP, FIXTURES
from tests.support.sarif_validation import validate_sarif

PREFIX = "vulnerable-app/"  # Bandit, Semgrep and `gitleaks dir` ran from the example's parent


def _parse(tool: str, relative: str) -> list[Finding]:
    adapter: Adapter = get(tool)
    findings = adapter.parse((FIXTURES / relative).read_bytes()).findings
    normalize(findings, None)
    for finding in findings:
        if finding.location is not None and finding.location.path.startswith(PREFIX):
            finding.location.path = finding.location.path[len(PREFIX) :]
    return findings


def _merge(findings: list[Finding]) -> tuple[list[Finding], int]:
    tree = SourceTree(EXAMPLE_APP)
    assign(findings, tree)
    result = dedupe(findings, tree)
    return result.findings, result.removed


def _groups(findings: list[Finding]) -> dict[tuple[str, int], list[str]]:
    return {
        (f.path or "", (f.location.start_line or 0) if f.location else 0): [
            f"{s.tool}:{s.rule_id}" for s in f.sources
        ]
        for f in findings
        if len(f.sources) > 1
    }


def test_code_and_secret_scanners_over_the_example() -> None:
    raw = [
        *_parse("bandit", "bandit/1.9.4/vulnerable-app.json"),
        *_parse("semgrep", "semgrep/1.185.0/vulnerable-app.json"),
        *_parse("gitleaks", "gitleaks/8.30.1/dir.json"),
        *_parse("trufflehog", "trufflehog/2.2.1/git-regex.jsonl"),
    ]
    assert len(raw) == 19 + 16 + 3 + 3
    merged, removed = _merge(raw)
    expected = {
        ("app/auth.py", 5): ["bandit:B105", "semgrep:python-hardcoded-password"],
        ("app/auth.py", 10): ["bandit:B324", "semgrep:python-weak-password-hash"],
        ("app/auth.py", 14): ["bandit:B324", "semgrep:python-weak-password-hash"],
        ("app/calc.py", 6): ["bandit:B307", "semgrep:python-eval-exec-non-literal"],
        ("app/calc.py", 10): ["bandit:B102", "semgrep:python-eval-exec-non-literal"],
        ("app/client.py", 6): ["bandit:B501", "semgrep:python-requests-verify-false"],
        ("app/commands.py", 9): ["bandit:B602", "semgrep:python-subprocess-shell-true"],
        ("app/commands.py", 14): ["bandit:B306", "semgrep:python-tempfile-mktemp"],
        ("app/commands.py", 15): ["bandit:B602", "semgrep:python-subprocess-shell-true"],
        ("app/storage.py", 10): ["bandit:B301", "semgrep:python-pickle-loads"],
        # yaml.load: CWE-20 for Bandit, CWE-502 for Semgrep; one pair of the equivalence table
        ("app/storage.py", 15): ["bandit:B506", "semgrep:python-yaml-load-unsafe"],
        ("app/storage.py", 22): ["bandit:B608", "semgrep:python-sql-string-format"],
        ("app/storage.py", 25): ["bandit:B608", "semgrep:python-sql-string-format"],
        ("config/settings.py", 11): ["bandit:B105", "semgrep:python-hardcoded-password"],
        ("config/settings.py", 16): ["bandit:B105", "semgrep:python-hardcoded-password"],
        # one GitHub token: Bandit's hard-coded password, Semgrep's, and Gitleaks' secret
        ("config/settings.py", 14): [
            "bandit:B105",
            "gitleaks:github-pat",
            "semgrep:python-hardcoded-password",
        ],
        ("config/settings.py", 10): ["gitleaks:aws-access-token", "trufflehog:aws-api-key"],
        ("config/deploy_key.pem", 1): ["gitleaks:private-key", "trufflehog:rsa-private-key"],
    }
    assert _groups(merged) == expected
    duplicates = sum(len(sources) - 1 for sources in expected.values())
    assert removed == duplicates == 19
    assert len(merged) == len(raw) - duplicates
    token = next(
        f
        for f in merged
        if f.path == "config/settings.py" and f.location and f.location.start_line == 14
    )
    assert token.tool == "gitleaks" and token.secret is not None  # the most severe is primary
    assert token.source_tools == ["bandit", "gitleaks", "semgrep"]
    assert len({f.fingerprint for f in merged}) == len(merged)


def test_gitleaks_dir_and_git_runs_and_trufflehog_history() -> None:
    raw = [
        *_parse("gitleaks", "gitleaks/8.30.1/dir.json"),
        *_parse("gitleaks", "gitleaks/8.30.1/git.json"),
        *_parse("trufflehog", "trufflehog/2.2.1/git-regex.jsonl"),
    ]
    merged, removed = _merge(raw)
    assert removed == len(raw) - 4 == 6
    assert sorted((f.path, len(f.sources)) for f in merged) == [
        (".env", 2),
        ("config/deploy_key.pem", 2),
        ("config/settings.py", 1),
        ("config/settings.py", 2),
    ]


def test_dependency_scanners_agree_on_one_vulnerability_each() -> None:
    pip_audit = _parse("pip-audit", "pip-audit/2.10.1/vulns-osv-standin.json")
    safety = _parse("safety", "safety/2.3.5/check.json")
    assert len(pip_audit) == len(safety) == 5
    merged, removed = _merge([*pip_audit, *safety])
    assert removed == 5 and len(merged) == 5
    for finding in merged:
        assert finding.source_tools == ["pip-audit", "safety"]
        assert finding.vulnerability is not None
        assert finding.vulnerability.id.startswith("CVE-")
        ids = finding.vulnerability.all_ids
        assert any(i.startswith("PYSEC-") or i.startswith("GHSA-") for i in ids)
        assert any(i.startswith("pyup.io-") for i in ids)
        reports = [
            f
            for f in [*pip_audit, *safety]
            if f.vulnerability and finding.vulnerability.id in f.vulnerability.all_ids
        ]
        rated = [r for r in reports if r.properties.get("severity_basis") != "default"]
        assert finding.severity.rank == max(r.severity.rank for r in rated or reports)
        assert finding.properties.get("severity_basis") != "default" or not rated


def test_trivy_secrets_are_masked_so_they_stay_apart() -> None:
    trivy = [
        f
        for f in _parse("trivy", "trivy/0.76.0/fs-secret-license-misconfig.json")
        if f.secret is not None
    ]
    gitleaks = _parse("gitleaks", "gitleaks/8.30.1/dir.json")
    _, removed = _merge([*trivy, *gitleaks])
    assert trivy and removed == 0


def test_merged_reports_are_byte_identical_whatever_the_input_order(tmp_path: Path) -> None:
    inputs = [
        FIXTURES / "bandit/1.9.4/vulnerable-app.json",
        FIXTURES / "semgrep/1.185.0/vulnerable-app.json",
        FIXTURES / "gitleaks/8.30.1/dir.json",
        FIXTURES / "trufflehog/2.2.1/git-regex.jsonl",
    ]
    outputs = []
    for name, order in (("forward", inputs), ("reverse", inputs[::-1])):
        args = [arg for path in order for arg in ("-i", str(path))]
        sarif, report = tmp_path / f"{name}.sarif", tmp_path / f"{name}.json"
        proc = run_secgate("scan", *args, "-q", "--sarif", sarif, "--json", report)
        assert proc.returncode == 1, proc.stderr
        outputs.append((sarif.read_bytes(), report.read_bytes()))
    assert outputs[0] == outputs[1]
    doc = validate_sarif(tmp_path / "forward.sarif")
    merged = [
        r
        for run in doc["runs"]
        for r in run["results"]
        if len(r["properties"]["secgate"]["sources"]) > 1
    ]
    assert merged and all("secgate/v1" in r["partialFingerprints"] for r in merged)
    report = json.loads(outputs[0][1])
    assert any("duplicate report(s) merged" in note for note in report["notes"])
