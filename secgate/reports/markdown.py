"""The pull-request comment: short Markdown a reviewer reads on the PR.

Its first line is the verdict. Its second line is the hidden marker ``<!-- secgate-report -->``
(``COMMENT_MARKER``), by which ``secgate github comment`` finds its own earlier comment and edits
it instead of adding a new one. Then come the counts (new vs existing), the blocking findings, and
every other finding inside a ``<details>`` block. The comment stays within ``MAX_CHARS``
(GitHub refuses comment bodies over 65,536 characters); when cut, the list ends with
"… and N more finding(s)". Every scanner-provided string is escaped (see ``secgate.reports.md``).
"""

from __future__ import annotations

from secgate.model import Finding, RunStatus, ScanResult, Severity
from secgate.reports import common, md

COMMENT_MARKER = "<!-- secgate-report -->"
MAX_CHARS = 65_000
_TAIL_RESERVE = 2_000
"""Room kept for the lines that close the comment (``</details>``, problems, notes, footer)."""


def render(result: ScanResult) -> str:
    return render_comment(result)


def render_comment(result: ScanResult, limit: int = MAX_CHARS) -> str:
    """The comment body, at most ``limit`` characters."""
    doc = md.Budget(limit)
    doc.add(verdict_line(result))
    doc.add(COMMENT_MARKER)
    doc.add("")
    doc.add_all(counts_table(result))
    doc.add("")
    extras = extras_line(result)
    if extras:
        doc.add(extras)
        doc.add("")
    for reason in result.verdict.reasons[:10]:
        doc.add(f"- {md.text(reason, 400)}")
    if result.verdict.reasons:
        doc.add("")
    ordered = common.report_order(result)
    blocking = [f for f in ordered if common.is_blocking(f)]
    others = [f for f in ordered if not common.is_blocking(f)]
    tail = _tail(result)
    reserve = _TAIL_RESERVE + sum(len(line) + 1 for line in tail)
    shown = 0
    if blocking:
        doc.add(f"### Blocking findings ({len(blocking)})")
        doc.add("")
        doc.add_all(md.table(md.FINDING_COLUMNS))
        shown += doc.add_rows((md.finding_row(f) for f in blocking), reserve)
        doc.add("")
    if others and shown == len(blocking):
        doc.add(f"<details><summary>Other findings ({len(others)}): "
                f"{_summary_counts(others)}</summary>")
        doc.add("")
        doc.add_all(md.table(md.FINDING_COLUMNS))
        shown += doc.add_rows((md.finding_row(f) for f in others), reserve)
        doc.add("")
        doc.add("</details>")
        doc.add("")
    left = len(ordered) - shown
    if left:
        doc.add(md.more_line(left))
        doc.add("")
    doc.add_all(tail)
    return doc.text()


def verdict_line(result: ScanResult) -> str:
    """Line one: the verdict, and the counts that matter to a reviewer."""
    status = result.verdict.status
    actions = common.counts_by(result.findings, "action")
    new, existing, _ = common.new_existing(result.findings)
    parts = [f"{actions.get('block', 0)} blocking", f"{actions.get('warn', 0)} warning",
             f"{len(result.findings)} finding(s)"]
    if new or existing:
        parts.append(f"{new} new, {existing} existing")
    return (f"## {common.VERDICT_ICONS[status]} secgate: {common.VERDICT_WORDS[status]} — "
            + ", ".join(parts))


def counts_table(result: ScanResult) -> list[str]:
    """Findings by severity: new, existing, and all."""
    severities = list(Severity)
    rows = md.table(["", *(s.value for s in severities), "total"])
    groups = [("new", [f for f in result.findings if f.baseline == "new"]),
              ("existing", [f for f in result.findings if f.baseline == "existing"]),
              ("all", result.findings)]
    for name, findings in groups:
        if name != "all" and not findings:
            continue
        by_sev = common.counts_by(findings, "severity")
        cells = [str(by_sev.get(s.value, 0)) for s in severities]
        rows.append(f"| **{name}** | " + " | ".join(cells) + f" | {len(findings)} |")
    return rows


def extras_line(result: ScanResult) -> str:
    """Accepted risks, suppressed findings and fixed baseline findings, when there are any."""
    accepted = sum(1 for f in result.findings if common.is_accepted(f))
    suppressed = sum(1 for f in result.findings
                     if f.decision is not None and f.decision.decided_by == "suppression")
    parts = [f"{accepted} covered by accepted risks" if accepted else "",
             f"{suppressed} suppressed in the code" if suppressed else "",
             f"{len(result.fixed)} fixed since the baseline" if result.fixed else ""]
    return " · ".join(p for p in parts if p)


def _summary_counts(findings: list[Finding]) -> str:
    actions = common.counts_by(findings, "action")
    return ", ".join(f"{n} {a}" for a, n in actions.items())


def _tail(result: ScanResult) -> list[str]:
    lines: list[str] = []
    problems = [r for r in result.runs if r.status is not RunStatus.OK or r.incomplete]
    if problems:
        lines.append("**Scanner problems**")
        lines.append("")
        for run in problems[:20]:
            detail = run.error or "; ".join(run.notes) or ""
            state = run.status.value + (" (incomplete)" if run.incomplete else "")
            lines.append(f"- {md.text(run.tool, 40)}: {state}"
                         + (f": {md.text(detail, 300)}" if detail else ""))
        lines.append("")
    if result.notes:
        lines.append("**Notes**")
        lines.append("")
        lines.extend(f"- {md.text(note, 400)}" for note in result.notes[:20])
        lines.append("")
    lines.append(f"<sub>secgate {md.text(result.secgate_version, 40)} · policy "
                 f"{md.code(result.policy, 200)}</sub>")
    return lines
