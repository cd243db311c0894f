"""The pure evaluation, with findings built in the test: what the captured outputs cannot show
(WITH exceptions, a license secgate could not identify, baseline findings, fingerprints, every
kind of scanner problem)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from secgate.errors import UsageError
from secgate.model import (
    Action,
    Category,
    Finding,
    Level,
    License,
    Location,
    Package,
    RunStatus,
    ScannerRun,
    Severity,
    Suppression,
    SuppressionKind,
    VerdictStatus,
    Vulnerability,
)
from secgate.policy.accept import today
from secgate.policy.evaluate import evaluate, scanner_problems
from secgate.policy.licenses import LicenseStatus, judge
from secgate.policy.loader import parse
from secgate.policy.model import LicensePolicy

DAY = date(2026, 12, 1)


def finding(**fields: Any) -> Finding:
    base: dict[str, Any] = {
        "tool": "bandit",
        "rule_id": "B602",
        "category": Category.SAST,
        "severity": Severity.HIGH,
        "score": 8.0,
        "level": Level.ERROR,
        "message": "m",
        "location": Location(path="app/run.py", start_line=3),
    }
    base.update(fields)
    return Finding(**base)


def license_finding(spdx: str | None, raw: str = "raw") -> Finding:
    return finding(
        tool="pip-licenses",
        rule_id="license",
        category=Category.LICENSE,
        severity=Severity.INFO,
        score=0.0,
        level=Level.NOTE,
        location=None,
        package=Package(name="pkg", version="1.0"),
        license=License(raw=raw, spdx=spdx),
    )


def ok_run(tool: str = "bandit", **fields: Any) -> ScannerRun:
    return ScannerRun(tool=tool, status=RunStatus.OK, **fields)


LICENSES = LicensePolicy(
    allow=["MIT", "Apache-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"],
    deny=["GPL-*", "AGPL-3.0-only"],
    unknown="warn",
)


@pytest.mark.parametrize(
    ("spdx", "status"),
    [
        ("MIT", LicenseStatus.ALLOWED),
        ("mit", LicenseStatus.ALLOWED),
        ("MIT OR GPL-3.0-only", LicenseStatus.ALLOWED),
        ("MIT AND GPL-3.0-only", LicenseStatus.DENIED),
        ("MIT AND Apache-2.0", LicenseStatus.ALLOWED),
        ("MIT AND BSD-3-Clause", LicenseStatus.UNKNOWN),
        ("GPL-3.0-only OR AGPL-3.0-only", LicenseStatus.DENIED),
        ("BSD-3-Clause OR GPL-3.0-only", LicenseStatus.UNKNOWN),
        ("GPL-2.0-only WITH Classpath-exception-2.0", LicenseStatus.ALLOWED),
        ("GPL-2.0-only", LicenseStatus.DENIED),
        ("GPL-3.0-only WITH GCC-exception-3.1", LicenseStatus.DENIED),
        ("MIT OR (Apache-2.0 AND GPL-3.0-only)", LicenseStatus.ALLOWED),
        ("LicenseRef-Proprietary", LicenseStatus.UNKNOWN),
        (None, LicenseStatus.UNKNOWN),
        ("this is ( not an expression", LicenseStatus.UNKNOWN),
    ],
)
def test_license_expressions(spdx: str | None, status: LicenseStatus) -> None:
    assert judge(spdx, LICENSES)[0] is status


def test_deny_wins_over_allow() -> None:
    both = LicensePolicy(allow=["LGPL-2.1-only"], deny=["LGPL-2.1-only"])
    assert judge("LGPL-2.1-only", both) == (LicenseStatus.DENIED, "LGPL-2.1-only is denied")


@pytest.mark.parametrize(
    ("unknown", "action"),
    [("block", Action.BLOCK), ("warn", Action.WARN), ("ignore", Action.IGNORE)],
)
def test_unidentified_license_follows_unknown(unknown: str, action: Action) -> None:
    policy = parse(f"licenses: {{allow: [MIT], unknown: {unknown}}}", "p.yml")
    item = license_finding(None, raw="Custom Corp License")
    evaluate([item], [ok_run("pip-licenses")], policy, today=DAY)
    assert item.decision is not None
    assert item.decision.action is action
    assert item.decision.decided_by == "license"
    assert "Custom Corp License: the license could not be identified" in item.decision.reason


def test_a_rule_decides_before_the_license_lists() -> None:
    policy = parse(
        "rules: [{match: {license: 'GPL-*', package: pkg}, action: warn}]\n"
        "licenses: {deny: ['GPL-*']}",
        "p.yml",
    )
    item = license_finding("GPL-3.0-or-later")
    evaluate([item], [ok_run("pip-licenses")], policy, today=DAY)
    assert item.decision is not None
    assert (item.decision.action, item.decision.decided_by) == (Action.WARN, "rule:0")


def test_existing_baseline_findings_warn_instead_of_blocking() -> None:
    policy = parse("fail_on: high", "p.yml")
    old, new = finding(baseline="existing"), finding(baseline="new", rule_id="B608")
    verdict = evaluate([old, new], [ok_run()], policy, today=DAY).verdict
    assert old.decision is not None and new.decision is not None
    assert (old.decision.action, old.decision.decided_by) == (Action.WARN, "baseline")
    assert "would block: severity high is at or above fail_on: high" in old.decision.reason
    assert new.decision.action is Action.BLOCK
    assert verdict.status is VerdictStatus.BLOCK
    assert verdict.counts["new"] == 1 and verdict.counts["existing"] == 1
    assert verdict.counts["block_new"] == 1 and verdict.counts["warn_existing"] == 1
    assert "1 finding(s) block (1 new)" in verdict.reasons


def test_only_existing_findings_cannot_fail_the_build() -> None:
    policy = parse("fail_on: low", "p.yml")
    verdict = evaluate([finding(baseline="existing")], [ok_run()], policy, today=DAY).verdict
    assert verdict.status is VerdictStatus.WARN
    assert verdict.exit_code == 0


def test_acceptance_by_fingerprint_and_package_version() -> None:
    policy = parse(
        """
accept:
  - fingerprint: abc123
    reason: reviewed
    expires: 2027-01-31
  - package: Requests==2.19.0
    vulnerability: GHSA-x84v-xcm2-53pg
    reason: no redirects
    expires: 2027-01-31
""",
        "p.yml",
    )
    by_fp = finding(fingerprint="abc123")
    other_fp = finding(fingerprint="abc124")
    vuln = Vulnerability(id="PYSEC-2018-28", aliases=["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"])
    dep = finding(
        tool="pip-audit",
        rule_id="PYSEC-2018-28",
        category=Category.DEPENDENCY,
        location=None,
        vulnerability=vuln,
        package=Package(name="requests", version="2.19.0"),
    )
    dep_other_version = dep.model_copy(
        update={"package": Package(name="requests", version="2.20.0"), "decision": None}
    )
    evaluate(
        [by_fp, other_fp, dep, dep_other_version],
        [ok_run(), ok_run("pip-audit")],
        policy,
        today=DAY,
    )
    decided = [
        f.decision.decided_by if f.decision else None
        for f in (by_fp, other_fp, dep, dep_other_version)
    ]
    assert decided == ["accept:0", "threshold", "accept:1", "threshold"]


def test_expiry_is_inclusive_and_accept_warn_days_is_configurable() -> None:
    policy = parse(
        "accept_warn_days: 3\naccept: [{rule: B602, reason: r, expires: 2026-12-10}]", "p.yml"
    )
    for day, action, warns in [
        (date(2026, 12, 6), Action.IGNORE, False),
        (date(2026, 12, 7), Action.IGNORE, True),
        (date(2026, 12, 10), Action.IGNORE, True),
        (date(2026, 12, 11), Action.BLOCK, False),
    ]:
        item = finding()
        result = evaluate([item], [ok_run()], policy, today=day)
        assert item.decision is not None and item.decision.action is action, day
        assert any("expires on 2026-12-10" in n for n in result.notes) is warns, day


def test_inline_and_external_suppressions() -> None:
    honour = parse("inline_suppressions: honor", "p.yml")
    inline = finding(suppression=Suppression(kind=SuppressionKind.INLINE, justification="nosec"))
    external = finding(suppression=Suppression(kind=SuppressionKind.EXTERNAL))
    verdict = evaluate([inline, external], [ok_run()], honour, today=DAY).verdict
    assert verdict.counts["suppressed"] == 2
    assert verdict.status is VerdictStatus.PASS


def test_match_fields_on_one_finding() -> None:
    policy = parse(
        """
rules:
  - {id: wrong-tool, match: {tool: semgrep}, action: ignore}
  - {id: wrong-level, match: {severity: [critical, low]}, action: ignore}
  - {id: wrong-path, match: {path: "tests/**"}, action: ignore}
  - {id: wrong-cwe, match: {cwe: [79]}, action: ignore}
  - {id: not-fixable, match: {fixable: true}, action: ignore}
  - {id: this-one, match: {tool: [BANDIT], rule: "b60?", severity: medium, path: "app/*.py",
                           cwe: CWE-78, category: [sast, secret], fixable: false}, action: warn}
""",
        "p.yml",
    )
    item = finding(cwes=["CWE-78"])
    evaluate([item], [ok_run()], policy, today=DAY)
    assert item.decision is not None and item.decision.decided_by == "rule:this-one"


def test_scanner_problems_of_every_kind() -> None:
    runs = [
        ScannerRun(tool="bandit", status=RunStatus.FAILED, error="bandit crashed\ntrace"),
        ScannerRun(tool="semgrep", status=RunStatus.TIMED_OUT, error="timed out after 5 s"),
        ScannerRun(tool="gitleaks", status=RunStatus.SKIPPED, error="gitleaks not found on PATH"),
        ScannerRun(tool="pip-audit", status=RunStatus.SKIPPED, notes=["no requirement files"]),
        ScannerRun(tool="safety", status=RunStatus.SKIPPED, notes=["no requirement files"]),
        ScannerRun(tool="trivy", status=RunStatus.OK, incomplete=True, notes=["no DB"]),
        ok_run("pip-licenses"),
    ]
    problems = scanner_problems(
        runs, {"gitleaks", "pip-audit", "trufflehog"}, named={"pip-audit", "trufflehog"}
    )
    assert problems == [
        "required scanner trufflehog did not run and no input came from it",
        "scanner bandit failed: bandit crashed",
        "required scanner gitleaks was skipped: gitleaks not found on PATH",
        "required scanner pip-audit was skipped: no requirement files",
        "scanner semgrep timed out: timed out after 5 s",
        "scanner trivy examined nothing (incomplete): no DB",
    ]


def test_required_installed_does_not_require_an_inapplicable_scanner() -> None:
    policy = parse("scanners: {required: installed}", "p.yml")
    runs = [ok_run(), ScannerRun(tool="pip-audit", status=RunStatus.SKIPPED, notes=["none"])]
    result = evaluate([], runs, policy, today=DAY, installed=["bandit", "pip-audit", "semgrep"])
    assert result.verdict.status is VerdictStatus.ERROR
    assert result.verdict.reasons == [
        "required scanner semgrep did not run and no input came from it"
    ]


def test_error_wins_and_names_the_scanner() -> None:
    policy = parse("scanners: {required: [gitleaks]}", "p.yml")
    verdict = evaluate([finding()], [ok_run()], policy, today=DAY, required=["Trufflehog"]).verdict
    assert verdict.status is VerdictStatus.ERROR and verdict.exit_code == 3
    assert verdict.reasons[:2] == [
        "required scanner gitleaks did not run and no input came from it",
        "required scanner trufflehog did not run and no input came from it",
    ]


def test_today_from_the_environment() -> None:
    assert today({"SECGATE_TODAY": "2027-02-01"}) == date(2027, 2, 1)
    assert isinstance(today({}), date)
    with pytest.raises(UsageError, match="SECGATE_TODAY='1/2/2027' is not a date"):
        today({"SECGATE_TODAY": "1/2/2027"})


def test_a_scan_where_nothing_ran_is_not_a_pass() -> None:
    verdict = evaluate([], [], parse("version: 1", "p.yml"), today=DAY).verdict
    assert verdict.status is VerdictStatus.ERROR
    assert verdict.reasons[0].startswith("no scanner ran and no input was given")
