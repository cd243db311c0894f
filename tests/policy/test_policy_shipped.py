"""The shipped policies, discovery of the policy a scan uses, and the ``secgate policy``
commands."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml

from secgate.model import Category, Finding, Level, RunStatus, ScannerRun, Severity
from secgate.policy import loader
from secgate.policy.evaluate import evaluate
from secgate.policy.model import INSTALLED
from tests.support.commands import run_secgate
from tests.support.paths import FIXTURES, ROOT

POLICIES = ROOT / "policies"
SHIPPED = sorted(POLICIES.glob("*.yml"))
BANDIT = FIXTURES / "bandit/1.9.4/vulnerable-app.json"
DAY = date(2026, 12, 1)


def test_three_policies_are_shipped() -> None:
    assert [p.stem for p in SHIPPED] == ["default", "report-only", "strict"]
    assert loader.builtin_names() == ["default", "report-only", "strict"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_policy_is_valid(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(loader.schema()).validate(data)
    policy = loader.load(f"builtin:{path.stem}", None)
    assert policy.source == f"builtin:{path.stem}"


def test_schema_is_a_valid_json_schema_and_ships_in_the_package() -> None:
    jsonschema.Draft202012Validator.check_schema(loader.schema())
    packaged = Path(loader.__file__).with_name("schema.json")
    assert json.loads(packaged.read_text(encoding="utf-8")) == loader.schema()


def _every_kind_of_finding() -> list[Finding]:
    return [
        Finding(
            tool="t",
            rule_id="r",
            category=category,
            severity=severity,
            score=5.0,
            level=Level.WARNING,
            message="m",
        )
        for category in Category
        for severity in Severity
    ]


def test_default_blocks_high_secrets_and_denied_licenses_and_fails_closed() -> None:
    policy = loader.load(None, None)
    assert policy.source == "builtin:default"
    assert (policy.fail_on, policy.warn_on) == (Severity.HIGH, Severity.MEDIUM)
    assert policy.scanners.on_error == "block" and policy.scanners.required == []
    assert policy.licenses is not None and "GPL-*" in policy.licenses.deny
    findings = _every_kind_of_finding()
    evaluate(findings, [], policy, today=DAY)
    for item in findings:
        assert item.decision is not None
        blocks = item.decision.action.value == "block"
        if item.category is Category.SECRET:
            assert blocks
        elif item.category is not Category.LICENSE:
            assert blocks == (item.severity.rank >= Severity.HIGH.rank)
    failed = ScannerRun(tool="bandit", status=RunStatus.FAILED, error="crashed")
    assert evaluate([], [failed], policy, today=DAY).verdict.exit_code == 3


def test_strict_requires_every_installed_scanner() -> None:
    policy = loader.load("builtin:strict", None)
    assert policy.fail_on is Severity.MEDIUM
    assert policy.scanners.required == INSTALLED
    verdict = evaluate([], [], policy, today=DAY, installed=["bandit"]).verdict
    assert verdict.reasons == ["required scanner bandit did not run and no input came from it"]


def test_report_only_never_blocks() -> None:
    policy = loader.load("builtin:report-only", None)
    findings = _every_kind_of_finding()
    failed = ScannerRun(tool="bandit", status=RunStatus.FAILED, error="crashed")
    verdict = evaluate(findings, [failed], policy, today=DAY, required=["gitleaks"]).verdict
    assert all(f.decision is not None and f.decision.action.value != "block" for f in findings)
    assert verdict.status.value == "warn" and verdict.exit_code == 0


def test_discovery_order(tmp_path: Path) -> None:
    assert loader.load(None, tmp_path).source == "builtin:default"
    (tmp_path / ".secgate.yaml").write_text("fail_on: low\n", encoding="utf-8")
    assert loader.load(None, tmp_path).source == str(tmp_path / ".secgate.yaml")
    (tmp_path / ".secgate.yml").write_text("fail_on: critical\n", encoding="utf-8")
    found = loader.load(None, tmp_path)
    assert (found.source, found.fail_on) == (str(tmp_path / ".secgate.yml"), Severity.CRITICAL)
    explicit = tmp_path / "other.yml"
    explicit.write_text("fail_on: none\n", encoding="utf-8")
    assert loader.load(explicit, tmp_path).fail_on == "none"
    assert loader.load("builtin:strict", tmp_path).source == "builtin:strict"


def test_scan_uses_the_policy_at_the_scanned_path_and_says_so(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".secgate.yml").write_text("version: 1\nfail_on: none\n", encoding="utf-8")
    out = tmp_path / "report.json"
    proc = run_secgate(
        "scan",
        project,
        "--input",
        BANDIT,
        "--json",
        out,
        env={"SECGATE_TODAY": "2026-12-01"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["policy"] == str(project / ".secgate.yml")
    assert f"policy: {project / '.secgate.yml'}" in proc.stderr


def test_policy_show_prints_the_effective_policy(tmp_path: Path) -> None:
    proc = run_secgate("policy", "show", timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# effective policy from builtin:default\n")
    shown = yaml.safe_load(proc.stdout)
    assert shown["fail_on"] == "high" and shown["inline_suppressions"] == "honour"
    again = tmp_path / "again.yml"
    again.write_text(proc.stdout, encoding="utf-8")
    assert loader.load(again, None).model_dump(exclude={"source"}) == loader.load(
        None, None
    ).model_dump(exclude={"source"})


def test_policy_validate_schema_and_list() -> None:
    proc = run_secgate("policy", "validate", *SHIPPED, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(": valid (") == 3
    schema = run_secgate("policy", "schema", timeout=60)
    assert json.loads(schema.stdout) == loader.schema()
    listed = run_secgate("policy", "list", timeout=60)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [
        "builtin:default",
        "builtin:report-only",
        "builtin:strict",
    ]


def test_validate_reports_expired_acceptances(tmp_path: Path) -> None:
    policy = tmp_path / "p.yml"
    policy.write_text(
        "accept:\n  - {rule: B101, reason: r, expires: 2026-11-30}\n  - {rule: B102, reason: r}\n",
        encoding="utf-8",
    )
    proc = run_secgate(
        "policy", "validate", policy, env={"SECGATE_TODAY": "2026-12-01"}, timeout=60
    )
    assert proc.returncode == 0
    assert "acceptance accept[0] (B101) expired on 2026-11-30" in proc.stdout
    assert "acceptance accept[1] (B102) never expires" in proc.stdout


@pytest.mark.skipif(
    shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) is None,
    reason="check-jsonschema (a test extra) is not installed",
)
def test_an_independent_validator_accepts_the_shipped_policies() -> None:
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert tool is not None
    proc = subprocess.run(
        [
            tool,
            "--schemafile",
            str(Path(loader.__file__).with_name("schema.json")),
            *map(str, SHIPPED),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
