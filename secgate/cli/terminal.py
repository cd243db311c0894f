"""The short summary a person reads on the terminal (standard error) after a scan.

Everything a scanner wrote (messages, paths, rule ids, error output) passes through
``terminal_text`` first: escape sequences and control characters are dropped, so a hostile
finding cannot rewrite the terminal or forge lines of the summary.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TextIO

from secgate.advisories.staleness import describe as describe_snapshot
from secgate.model import Action, Finding, RunStatus, ScanResult, Severity, VerdictStatus
from secgate.policy.accept import today as policy_today
from secgate.reports.presentation import VERDICT_WORDS, reachable_word

_VERDICT_WORDS = {**VERDICT_WORDS, VerdictStatus.ERROR: "ERROR (scanner problem, failing closed)"}
_SHOWN_BLOCKING = 15
_SHOWN_IDS = 8
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str | None, limit: int = 200) -> str:
    """One line of ``text`` that is safe to print: no escape sequences, no control or
    bidirectional-override characters, at most ``limit`` characters."""
    if not text:
        return ""
    line = _ESCAPES.sub("", text).strip().splitlines()[0] if text.strip() else ""
    line = _CONTROLS.sub("", _ESCAPES.sub("", line))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def verdict_line(result: ScanResult) -> str:
    counts = Counter(f.severity for f in result.findings)
    by_severity = ", ".join(f"{counts[s]} {s.value}" for s in Severity if counts[s])
    return (
        f"secgate: {_VERDICT_WORDS[result.verdict.status]} — "
        f"{len(result.findings)} finding(s)" + (f" ({by_severity})" if by_severity else "")
    )


def print_summary(result: ScanResult, stream: TextIO) -> None:
    """Scanner runs, the blocking findings (the first few), and the verdict last."""
    for run in result.runs:
        origin = (
            f" from {terminal_text(run.input_file)}"
            if run.origin == "input" and run.input_file
            else ""
        )
        if run.origin == "cache":
            origin = " (cached)"
        state = run.status.value + (" (incomplete)" if run.incomplete else "")
        line = (
            f"  {terminal_text(run.tool, 40):<13} {state:<18} {run.finding_count:>5} "
            f"finding(s){origin}"
        )
        if run.status is not RunStatus.OK and run.error:
            line += f" — {terminal_text(run.error)}"
        elif run.notes and (run.incomplete or run.status is RunStatus.SKIPPED):
            line += f" — {terminal_text(run.notes[0])}"
        print(line, file=stream)
    blocking = [f for f in result.findings if f.decision and f.decision.action is Action.BLOCK]
    for finding in blocking[:_SHOWN_BLOCKING]:
        print(
            f"  BLOCK {finding.severity.value:<8} {_rule(finding)} {_where(finding)} "
            f"{terminal_text(finding.message, 120)}{_found_by(finding)}{_exploits(finding)}"
            f"{_reachable(finding)}",
            file=stream,
        )
    if len(blocking) > _SHOWN_BLOCKING:
        print(f"  … and {len(blocking) - _SHOWN_BLOCKING} more blocking finding(s)", file=stream)
    vulnerable = [f for f in blocking if f.vulnerability is not None]
    if vulnerable:
        print(f"  known vulnerabilities blocking: {_vulnerability_ids(vulnerable)}", file=stream)
    plan_line = _upgrade_line(result)
    if plan_line:
        print(plan_line, file=stream)
    if result.advisories:
        today = policy_today()
        for snapshot in result.advisories:
            print(
                f"  advisory data: {terminal_text(describe_snapshot(snapshot, today), 400)}",
                file=stream,
            )
    for note in result.notes:
        print(f"  note: {terminal_text(note, 400)}", file=stream)
    for line in gate_change_lines(result):
        print(line, file=stream)
    for reason in result.verdict.reasons:
        print(f"  reason: {terminal_text(reason, 400)}", file=stream)
    print(f"  policy: {terminal_text(result.policy)}", file=stream)
    print(verdict_line(result), file=stream)


def gate_change_lines(result: ScanResult) -> list[str]:
    """Pull-request mode: the "this pull request changes the gate" section, one line per
    change, weakening ones marked."""
    review = result.pull_request
    if review is None or not review.changes:
        return []
    lines = [
        f"  this pull request changes the gate (judged by {terminal_text(review.base, 80)} "
        f"at {review.commit[:12]}; weakening changes {review.on_weakening}):"
    ]
    for change in review.changes:
        mark = "WEAKENS" if change.weakens else "changes"
        lines.append(
            f"    {mark} {terminal_text(change.file, 120)} "
            f"{terminal_text(change.setting, 80)}: {terminal_text(change.summary, 300)}"
        )
    return lines


def print_explain(result: ScanResult, stream: TextIO) -> None:
    """One line of why for each blocking finding."""
    for finding in result.findings:
        decision = finding.decision
        if decision is None or decision.action is not Action.BLOCK:
            continue
        print(
            f"{_rule(finding)} {_where(finding)} blocks: {terminal_text(decision.reason, 400)}"
            f" [{terminal_text(decision.decided_by)}]{_found_by(finding)}",
            file=stream,
        )


def _vulnerability_ids(findings: list[Finding]) -> str:
    """The blocking vulnerabilities' ids: KEV-listed first, then the most probably exploited
    (EPSS), then in report order; a few of them, and how many in all."""

    def rank(item: tuple[int, Finding]) -> tuple[bool, float, int]:
        index, finding = item
        listed = finding.kev is not None and finding.kev.listed
        return (not listed, -(finding.epss.score if finding.epss else 0.0), index)

    ids: dict[str, str] = {}
    for _, finding in sorted(enumerate(findings), key=rank):
        assert finding.vulnerability is not None  # noqa: S101 - the caller chose these
        vuln_id = terminal_text(finding.vulnerability.canonical_id, 60)
        ids.setdefault(vuln_id, vuln_id + _exploits(finding))
    shown = list(ids.values())[:_SHOWN_IDS]
    more = f", and {len(ids) - len(shown)} more" if len(ids) > len(shown) else ""
    packages = len({(f.package.name if f.package else "") for f in findings})
    return f"{len(ids)} in {packages} package(s): {', '.join(shown)}{more}"


def _exploits(finding: Finding) -> str:
    """`` [KEV since <day>, due <day>]`` and `` [EPSS 0.94]`` when the data says so."""
    parts = []
    if finding.kev is not None and finding.kev.listed:
        parts.append(
            f"KEV since {finding.kev.date_added}, due {finding.kev.due_date}"
            + (", ransomware" if finding.kev.ransomware else "")
        )
    if finding.epss is not None:
        parts.append(f"EPSS {finding.epss.score:.2f}")
    return f" [{'; '.join(parts)}]" if parts else ""


def _reachable(finding: Finding) -> str:
    """`` [not reachable: why]`` for a Python dependency finding whose reachability was judged."""
    word = reachable_word(finding)
    if word is None:
        return ""
    via = f": {terminal_text(finding.reachable_via, 160)}" if finding.reachable_via else ""
    return f" [{word}{via}]"


def _upgrade_line(result: ScanResult) -> str | None:
    """What the upgrade plan would do, pointing at ``secgate fix``."""
    plan = result.upgrades
    if plan is None or not plan.packages:
        return None
    written = [u for u in plan.packages if u.applied]
    shown = ", ".join(
        f"{terminal_text(u.name, 60)} {terminal_text(u.version, 40)} -> "
        f"{terminal_text(u.target, 40)}"
        for u in written[:5]
    )
    more = f" and {len(written) - 5} more" if len(written) > 5 else ""
    listed = len(plan.packages) - len(written)
    return (
        f"  upgrade plan: {len(written)} upgrade(s){': ' + shown + more if shown else ''}"
        f"{f'; {listed} package(s) it cannot fix' if listed else ''} "
        f"(secgate fix prints the diff, --write applies it)"
    )


def _rule(finding: Finding) -> str:
    return f"{terminal_text(finding.tool, 40)}:{terminal_text(finding.rule_id, 80)}"


def _found_by(finding: Finding) -> str:
    tools = finding.source_tools
    return f" (found by {', '.join(terminal_text(t, 40) for t in tools)})" if len(tools) > 1 else ""


def _where(finding: Finding) -> str:
    if finding.package is not None:
        version = terminal_text(finding.package.version, 60) or "?"
        return f"{terminal_text(finding.package.name, 80)}=={version}"
    if finding.location is not None:
        line = f":{finding.location.start_line}" if finding.location.start_line else ""
        return f"{terminal_text(finding.location.path, 160)}{line}"
    return "-"
