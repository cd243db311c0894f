"""The short summary a person reads on the terminal (standard error) after a scan."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from secgate.model import Action, Finding, RunStatus, ScanResult, Severity, VerdictStatus

_VERDICT_WORDS = {
    VerdictStatus.PASS: "PASS",
    VerdictStatus.WARN: "PASS with warnings",
    VerdictStatus.BLOCK: "BLOCKED",
    VerdictStatus.ERROR: "ERROR (scanner problem, failing closed)",
}
_SHOWN_BLOCKING = 15


def verdict_line(result: ScanResult) -> str:
    counts = Counter(f.severity for f in result.findings)
    by_severity = ", ".join(f"{counts[s]} {s.value}" for s in Severity if counts[s])
    return (f"secgate: {_VERDICT_WORDS[result.verdict.status]} — "
            f"{len(result.findings)} finding(s)" + (f" ({by_severity})" if by_severity else ""))


def print_summary(result: ScanResult, stream: TextIO) -> None:
    """Scanner runs, the blocking findings (the first few), and the verdict last."""
    for run in result.runs:
        origin = f" from {run.input_file}" if run.origin == "input" and run.input_file else ""
        state = run.status.value + (" (incomplete)" if run.incomplete else "")
        line = f"  {run.tool:<13} {state:<18} {run.finding_count:>5} finding(s){origin}"
        if run.status is not RunStatus.OK and run.error:
            line += f" — {run.error.splitlines()[0][:200]}"
        elif run.notes and (run.incomplete or run.status is RunStatus.SKIPPED):
            line += f" — {run.notes[0][:200]}"
        print(line, file=stream)
    blocking = [f for f in result.findings if f.decision and f.decision.action is Action.BLOCK]
    for finding in blocking[:_SHOWN_BLOCKING]:
        where = _where(finding)
        print(f"  BLOCK {finding.severity.value:<8} {finding.tool}:{finding.rule_id} {where}"
              f" {finding.message.splitlines()[0][:120] if finding.message else ''}", file=stream)
    if len(blocking) > _SHOWN_BLOCKING:
        print(f"  … and {len(blocking) - _SHOWN_BLOCKING} more blocking finding(s)", file=stream)
    for note in result.notes:
        print(f"  note: {note}", file=stream)
    for reason in result.verdict.reasons:
        print(f"  reason: {reason}", file=stream)
    print(f"  policy: {result.policy}", file=stream)
    print(verdict_line(result), file=stream)


def print_explain(result: ScanResult, stream: TextIO) -> None:
    """One line of why for each blocking finding."""
    for finding in result.findings:
        decision = finding.decision
        if decision is None or decision.action is not Action.BLOCK:
            continue
        print(f"{finding.tool}:{finding.rule_id} {_where(finding)} blocks: {decision.reason}"
              f" [{decision.decided_by}]", file=stream)


def _where(finding: Finding) -> str:
    if finding.package is not None:
        return f"{finding.package.name}=={finding.package.version or '?'}"
    if finding.location is not None:
        line = f":{finding.location.start_line}" if finding.location.start_line else ""
        return f"{finding.location.path}{line}"
    return "-"
