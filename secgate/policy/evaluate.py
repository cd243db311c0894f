"""Judging findings and scanner runs against a policy: a pure function, no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from secgate.model import (
    Action,
    Decision,
    Finding,
    RunStatus,
    ScannerRun,
    Severity,
    Verdict,
    VerdictStatus,
)
from secgate.policy.model import Policy, Threshold


def _at_or_above(severity: Severity, threshold: Threshold) -> bool:
    return threshold != "none" and severity.rank >= Severity(threshold).rank


def decide(finding: Finding, policy: Policy) -> Decision:
    """The policy's decision on one finding."""
    if _at_or_above(finding.severity, policy.fail_on):
        return Decision(action=Action.BLOCK, decided_by="threshold",
                        reason=f"{finding.severity.value} is at or above fail_on: {policy.fail_on}")
    if _at_or_above(finding.severity, policy.warn_on):
        return Decision(action=Action.WARN, decided_by="threshold",
                        reason=f"{finding.severity.value} is at or above warn_on: {policy.warn_on}")
    return Decision(action=Action.PASS, decided_by="threshold",
                    reason=f"{finding.severity.value} is below warn_on: {policy.warn_on}")


def scanner_problems(runs: list[ScannerRun], required: Iterable[str]) -> list[str]:
    """One line per required scanner that did not give a usable result."""
    problems = []
    by_tool: dict[str, list[ScannerRun]] = {}
    for run in runs:
        by_tool.setdefault(run.tool, []).append(run)
    for tool in sorted(set(required)):
        tool_runs = by_tool.get(tool, [])
        if not tool_runs:
            problems.append(f"required scanner {tool} did not run and no input came from it")
            continue
        for run in tool_runs:
            if run.status is not RunStatus.OK:
                what = {RunStatus.SKIPPED: "was skipped", RunStatus.FAILED: "failed",
                        RunStatus.TIMED_OUT: "timed out"}[run.status]
                detail = run.error or "; ".join(run.notes)
                problems.append(f"required scanner {tool} {what}" + (f": {detail}" if detail
                                                                       else ""))
            elif run.incomplete:
                problems.append(f"required scanner {tool} examined nothing (incomplete): "
                                + "; ".join(run.notes[:3]))
    return problems


def evaluate(findings: list[Finding], runs: list[ScannerRun], policy: Policy,
             *, required: Iterable[str] = ()) -> Verdict:
    """Decide every finding (in place) and return the verdict."""
    for finding in findings:
        finding.decision = decide(finding, policy)
    counts = {action.value: 0 for action in Action}
    for finding in findings:
        assert finding.decision is not None  # noqa: S101 - set just above
        counts[finding.decision.action.value] += 1
    counts["total"] = len(findings)
    problems = scanner_problems(runs, {*policy.scanners.required, *required})
    reasons: list[str] = []
    if problems and policy.scanners.on_error == "block":
        status = VerdictStatus.ERROR
        reasons.extend(problems)
    elif counts[Action.BLOCK.value]:
        status = VerdictStatus.BLOCK
    elif counts[Action.WARN.value] or problems:
        status = VerdictStatus.WARN
        reasons.extend(problems)
    else:
        status = VerdictStatus.PASS
    if counts[Action.BLOCK.value]:
        reasons.append(f"{counts[Action.BLOCK.value]} finding(s) block")
    if counts[Action.WARN.value]:
        reasons.append(f"{counts[Action.WARN.value]} finding(s) warn")
    return Verdict(status=status, reasons=reasons, counts=counts)
