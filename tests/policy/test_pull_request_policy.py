"""Pull-request policy: ``pull_request.block`` decides whether findings the pull request does not
touch (``Finding.changed is False``) can block, and the ``changed`` match field lets rules use
it. Findings built in the test: the real-repository cases are in tests/pull_request/."""

from __future__ import annotations

from datetime import date
from typing import Any

from secgate.model import (
    Action,
    Category,
    Finding,
    Level,
    Location,
    RunStatus,
    ScannerRun,
    Severity,
    VerdictStatus,
)
from secgate.policy.evaluate import evaluate
from secgate.policy.loader import parse
from secgate.pull_request.changes import _policy_changes

DAY = date(2026, 12, 1)
RUNS = [ScannerRun(tool="bandit", status=RunStatus.OK)]


def finding(changed: bool | None, **fields: Any) -> Finding:
    base: dict[str, Any] = {
        "tool": "bandit",
        "rule_id": "B602",
        "category": Category.SAST,
        "severity": Severity.HIGH,
        "score": 8.0,
        "level": Level.ERROR,
        "message": "m",
        "changed": changed,
        "location": Location(path="app/run.py", start_line=3),
    }
    base.update(fields)
    return Finding(**base)


def test_unchanged_blocking_findings_warn_decided_by_diff_and_stay_counted() -> None:
    policy = parse("version: 1\n", "p.yml")
    findings = [
        finding(True),
        finding(False, rule_id="B605"),
        finding(False, rule_id="B101", severity=Severity.LOW),
    ]
    evaluation = evaluate(findings, RUNS, policy, today=DAY)
    new, old, low = (f.decision for f in findings)
    assert new is not None and new.action is Action.BLOCK and new.decided_by == "threshold"
    assert old is not None and (old.action, old.decided_by) == (Action.WARN, "diff")
    assert "would block: severity high is at or above fail_on: high" in old.reason
    assert low is not None and low.decided_by == "threshold"  # not blocking: unchanged by diff
    counts = evaluation.verdict.counts
    assert (counts["changed"], counts["unchanged"], counts["diff"]) == (1, 2, 1)
    assert evaluation.verdict.status is VerdictStatus.BLOCK


def test_block_all_judges_every_finding_alike_and_scans_without_base_are_untouched() -> None:
    every = parse("version: 1\npull_request:\n  block: all\n", "p.yml")
    old = finding(False)
    assert evaluate([old], RUNS, every, today=DAY).verdict.status is VerdictStatus.BLOCK
    plain = finding(None)  # no --base: nothing is known about the diff
    evaluation = evaluate([plain], RUNS, parse("version: 1\n", "p.yml"), today=DAY)
    assert plain.decision is not None and plain.decision.decided_by == "threshold"
    assert "changed" not in evaluation.verdict.counts


def test_the_changed_match_field() -> None:
    policy = parse(
        "version: 1\nfail_on: critical\nrules:\n"
        "  - {match: {changed: true, severity: medium}, action: block}\n"
        "  - {match: {changed: false, category: secret}, action: block}\n",
        "p.yml",
    )
    new_medium = finding(True, severity=Severity.MEDIUM)
    old_medium = finding(False, severity=Severity.MEDIUM)
    old_secret = finding(False, category=Category.SECRET)
    outside = finding(None, severity=Severity.MEDIUM)
    evaluate([new_medium, old_medium, old_secret, outside], RUNS, policy, today=DAY)
    assert new_medium.decision is not None and new_medium.decision.decided_by == "rule:0"
    assert old_medium.decision is not None and old_medium.decision.decided_by == "threshold"
    # a rule on unchanged findings still cannot block them under block: changed
    assert old_secret.decision is not None and old_secret.decision.decided_by == "diff"
    assert outside.decision is not None and outside.decision.decided_by == "threshold"


def test_turning_block_all_into_changed_weakens_the_gate() -> None:
    strict = parse("version: 1\npull_request: {block: all}\n", "p.yml")
    loose = parse("version: 1\n", "p.yml")
    (change,) = _policy_changes(".secgate.yml", strict, loose)
    assert (change.setting, change.weakens) == ("pull_request.block", True)
    (back,) = _policy_changes(".secgate.yml", loose, strict)
    assert back.weakens is False
