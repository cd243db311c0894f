"""The SARIF writer and reader: schema-valid output, round trip, spec level precedence."""

from __future__ import annotations

import json
from pathlib import Path

from secgate.findings.secrets import make_secret
from secgate.model import (
    Action,
    Category,
    Decision,
    Finding,
    Level,
    License,
    Location,
    Package,
    RunStatus,
    ScannerRun,
    ScanResult,
    Severity,
    Source,
    Suppression,
    SuppressionKind,
    Verdict,
    VerdictStatus,
    Vulnerability,
)
from secgate.sarif import reader, writer
from tests.support.paths import FIXTURES
from tests.support.sarif_validation import validate_sarif


def _result(findings: list[Finding], runs: list[ScannerRun]) -> ScanResult:
    return ScanResult(
        findings=findings,
        runs=runs,
        policy="builtin:default",
        secgate_version="0.1.0",
        verdict=Verdict(
            status=VerdictStatus.BLOCK, reasons=["1 finding(s) block"], counts={"block": 1}
        ),
    )


def _sample_findings() -> list[Finding]:
    code = Finding(
        tool="bandit",
        tool_version="1.9.4",
        rule_id="B602",
        rule_name="subprocess_popen_with_shell_equals_true",
        rule_description="subprocess call with shell=True",
        help_uri="https://example.invalid/b602",
        category=Category.SAST,
        severity=Severity.HIGH,
        score=8.0,
        level=Level.ERROR,
        confidence="high",
        message="subprocess call with shell=True identified | `tick` <b>",
        location=Location(
            path="app/commands.py",
            start_line=12,
            end_line=12,
            start_column=5,
            end_column=40,
            snippet="subprocess.call(cmd, shell=True)",
        ),
        cwes=["CWE-78"],
        fingerprint="f" * 32,
        line_hash="abc:1",
        sources=[
            Source(tool="bandit", rule_id="B602"),
            Source(tool="semgrep", rule_id="python-subprocess-shell-true"),
        ],
        decision=Decision(action=Action.BLOCK, decided_by="threshold", reason="high >= high"),
        baseline="new",
        properties={"more_info": "x"},
    )
    dep = Finding(
        tool="pip-audit",
        rule_id="PYSEC-2018-28",
        category=Category.DEPENDENCY,
        severity=Severity.MEDIUM,
        score=6.1,
        level=Level.WARNING,
        message="requests 2.19.0 is vulnerable",
        location=Location(path="requirements.txt"),
        package=Package(
            name="requests",
            version="2.19.0",
            ecosystem="pypi",
            purl="pkg:pypi/requests@2.19.0",
            fixed_versions=["2.20.0"],
        ),
        vulnerability=Vulnerability(
            id="PYSEC-2018-28", aliases=["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"]
        ),
        suppression=Suppression(kind=SuppressionKind.EXTERNAL, justification="reviewed"),
    )
    secret = Finding(
        tool="gitleaks",
        rule_id="aws-access-token",
        category=Category.SECRET,
        severity=Severity.HIGH,
        score=8.0,
        level=Level.ERROR,
        message="AWS key",
        location=Location(path="config/my settings.py", start_line=3, snippet="KEY = 'AKIA…XY'"),
        secret=make_secret("AKIA" + "Z" * 14 + "XY", kind="aws-access-token"),
    )
    lic = Finding(
        tool="pip-licenses",
        rule_id="license",
        category=Category.LICENSE,
        severity=Severity.INFO,
        score=0.0,
        level=Level.NOTE,
        message="GPL",
        package=Package(name="foo", version="1.0"),
        license=License(raw="GPLv3", spdx=None),
    )
    return [code, dep, secret, lic]


def _runs() -> list[ScannerRun]:
    return [
        ScannerRun(
            tool="bandit",
            version="1.9.4",
            command=["bandit", "-r", "."],
            status=RunStatus.OK,
            exit_code=1,
            duration=1.5,
            finding_count=1,
        ),
        ScannerRun(
            tool="gitleaks",
            status=RunStatus.FAILED,
            exit_code=2,
            error="exited with code 2: boom",
            command=["gitleaks", "dir", "."],
        ),
        ScannerRun(tool="trivy", status=RunStatus.TIMED_OUT, error="timed out after 5 s"),
    ]


def test_written_sarif_is_valid_and_has_the_github_fields() -> None:
    doc = validate_sarif(writer.to_dict(_result(_sample_findings(), _runs())))
    runs = {run["tool"]["driver"]["name"]: run for run in doc["runs"]}
    assert sorted(runs) == ["bandit", "gitleaks", "pip-audit", "pip-licenses", "trivy"]
    ids = [run["automationDetails"]["id"] for run in doc["runs"]]
    assert len(set(ids)) == len(ids) and "secgate/bandit/" in ids
    bandit = runs["bandit"]
    rule = bandit["tool"]["driver"]["rules"][0]
    assert rule["properties"]["security-severity"] == "8.0"
    assert rule["defaultConfiguration"]["level"] == "error"
    assert "external/cwe/cwe-78" in rule["properties"]["tags"]
    assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    result = bandit["results"][0]
    assert result["ruleId"] == "B602" and result["ruleIndex"] == 0
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/commands.py"
    assert location["region"]["startLine"] == 12
    assert result["partialFingerprints"]["secgate/v1"] == "f" * 32
    assert result["properties"]["secgate"]["category"] == "sast"
    failed = runs["gitleaks"]["invocations"][0]
    assert failed["executionSuccessful"] is False
    assert failed["toolExecutionNotifications"][0]["level"] == "error"
    assert runs["trivy"]["invocations"][0]["executionSuccessful"] is False
    assert runs["bandit"]["invocations"][0]["executionSuccessful"] is True


def test_round_trip_gives_equal_findings_and_runs() -> None:
    findings = _sample_findings()
    runs = _runs()
    doc = json.loads(writer.dumps(_result(findings, runs)))
    back = reader.read_findings(doc)
    assert sorted(back, key=Finding.sort_key) == sorted(findings, key=Finding.sort_key)
    assert sorted(reader.read_runs(doc), key=lambda r: r.tool) == sorted(runs, key=lambda r: r.tool)
    assert reader.secgate_properties(doc)["verdict"]["status"] == "block"


def test_output_is_deterministic() -> None:
    findings = _sample_findings()
    first = writer.dumps(_result(findings, _runs()))
    second = writer.dumps(_result(list(reversed(findings)), list(reversed(_runs()))))
    assert first == second


def test_uri_with_space_round_trips() -> None:
    doc = writer.to_dict(_result(_sample_findings(), []))
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for run in doc["runs"]
        for r in run["results"]
        if r.get("locations")
    ]
    assert "config/my%20settings.py" in uris
    paths = {f.path for f in reader.read_findings(doc)}
    assert "config/my settings.py" in paths


def _view_level(result: dict, rule: dict | None = None, overrides: list | None = None) -> Level:
    run = {
        "tool": {"driver": {"name": "x", "rules": [rule] if rule else []}},
        "invocations": [
            {"executionSuccessful": True, "ruleConfigurationOverrides": overrides or []}
        ],
    }
    view = reader.ResultView(run=run, result=result, rule=rule or {}, tool="x", tool_version=None)
    return reader.effective_level(view)


def test_effective_level_follows_the_spec_precedence() -> None:
    rule = {"id": "R1", "defaultConfiguration": {"level": "note"}}
    override = [{"descriptor": {"id": "R1"}, "configuration": {"level": "error"}}]
    assert _view_level({"level": "warning", "kind": "review"}, rule, override) == Level.WARNING
    assert _view_level({"kind": "review"}, rule, override) == Level.NONE
    assert _view_level({"ruleId": "R1"}, rule, override) == Level.ERROR
    assert _view_level({"ruleId": "R1"}, rule) == Level.NOTE
    assert _view_level({"ruleId": "R2"}) == Level.WARNING


def test_generic_sarif_several_runs_no_locations_kinds_and_suppressions() -> None:
    doc = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "CodeQL",
                        "rules": [
                            {
                                "id": "py/sql",
                                "properties": {
                                    "security-severity": "9.1",
                                    "tags": ["security", "external/cwe/cwe-089"],
                                },
                            }
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": "py/sql",
                        "ruleIndex": 0,
                        "message": {"text": "SQL"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "a.py"},
                                    "region": {"startLine": 3},
                                }
                            }
                        ],
                    },
                    {"ruleId": "py/sql", "kind": "pass", "message": {"text": "fine"}},
                    {
                        "ruleId": "py/sql",
                        "message": {"text": "suppressed"},
                        "suppressions": [{"kind": "inSource", "justification": "test"}],
                    },
                ],
            },
            {
                "tool": {"driver": {"name": "Other Scanner"}},
                "results": [{"ruleId": "X1", "kind": "review", "message": {"text": "no location"}}],
            },
        ],
    }
    findings = reader.read_findings(doc)
    assert len(findings) == 3
    sql = findings[0]
    assert sql.tool == "codeql" and sql.severity is Severity.CRITICAL and sql.score == 9.1
    assert sql.cwes == ["CWE-89"] and sql.location and sql.location.start_line == 3
    assert findings[1].suppression and findings[1].suppression.kind is SuppressionKind.INLINE
    other = findings[2]
    assert other.tool == "other" and other.location is None and other.level is Level.NONE
    assert other.severity is Severity.INFO


def test_real_bandit_sarif_reads() -> None:
    path = FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.sarif"
    doc = json.loads(Path(path).read_text())
    findings = reader.read_findings(doc)
    assert len(findings) == len(doc["runs"][0]["results"]) > 0
    assert {f.tool for f in findings} == {"bandit"}
