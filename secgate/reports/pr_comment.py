"""The pull-request comment: short Markdown a reviewer reads on the PR.

Its first line is the verdict. Its second line is the hidden marker ``<!-- secgate-report -->``
(``COMMENT_MARKER``), by which ``secgate github comment`` finds its own earlier comment and edits
it instead of adding a new one. Then come the counts (new vs existing), the upgrade plan of the
blocking dependencies (what ``secgate fix`` prints), the blocking findings, and every other
finding inside a ``<details>`` block. In pull-request mode (``--base``) the findings are split by
what the pull request touches instead: "New in this pull request" (its changed findings, blocking
ones first) leads, and the findings it does not change follow folded. The comment stays within
``MAX_CHARS`` (GitHub refuses comment bodies over 65,536 characters); when cut, the list ends
with "… and N more finding(s)". Every scanner-provided string is escaped (see
``secgate.reports.markdown_text``).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from secgate.model import Action, Finding, RunStatus, ScanResult, Severity
from secgate.reports import markdown_text, presentation

COMMENT_MARKER = "<!-- secgate-report -->"
MAX_CHARS = 65_000
"""GitHub refuses comment bodies above 65,536 characters; stay a little below."""
_TAIL_RESERVE = 2_000
"""Room kept for the lines that close the comment (``</details>``, problems, notes, footer)."""


def render(result: ScanResult, *, overview: presentation.Overview | None = None) -> str:
    return render_comment(result, overview=overview)


def render_comment(
    result: ScanResult,
    limit: int = MAX_CHARS,
    *,
    overview: presentation.Overview | None = None,
) -> str:
    """The comment body, at most ``limit`` characters (``overview``: the one other reports of
    ``result`` share, when there is one)."""
    with presentation.gc_paused():
        return _comment(result, overview or presentation.Overview(result.findings), limit)


def _comment(result: ScanResult, overview: presentation.Overview, limit: int) -> str:
    doc = markdown_text.Budget(limit)
    doc.add(verdict_line(result, overview))
    doc.add(COMMENT_MARKER)
    doc.add("")
    doc.add_all(counts_table(result, overview))
    doc.add("")
    extras = extras_line(result, overview)
    if extras:
        doc.add(extras)
        doc.add("")
    for reason in result.verdict.reasons[:10]:
        doc.add(f"- {markdown_text.text(reason, 400)}")
    if result.verdict.reasons:
        doc.add("")
    doc.add_all(gate_change_lines(result))
    doc.add_all(markdown_text.upgrade_lines(result))
    actions = overview.counts("action")
    blocking = actions.pop(Action.BLOCK.value, 0)
    others = overview.total - blocking
    # report order lists the blocking findings first: the first ``blocking`` are those
    ordered = iter(overview.order)
    tail = _tail(result)
    reserve = _TAIL_RESERVE + sum(len(line) + 1 for line in tail)
    shown = 0
    if result.pull_request is not None:
        shown = _diff_sections(doc, ordered, reserve)
    elif blocking:
        doc.add(f"### Blocking findings ({blocking})")
        doc.add("")
        doc.add_all(markdown_text.table(markdown_text.FINDING_COLUMNS))
        shown += doc.add_rows(
            (markdown_text.finding_row(f) for f in islice(ordered, blocking)), reserve
        )
        doc.add("")
    if result.pull_request is None and others and shown == blocking:
        summary = ", ".join(f"{n} {a}" for a, n in actions.items())
        doc.add(f"<details><summary>Other findings ({others}): {summary}</summary>")
        doc.add("")
        doc.add_all(markdown_text.table(markdown_text.FINDING_COLUMNS))
        shown += doc.add_rows((markdown_text.finding_row(f) for f in ordered), reserve)
        doc.add("")
        doc.add("</details>")
        doc.add("")
    left = overview.total - shown
    if left:
        doc.add(markdown_text.more_line(left))
        doc.add("")
    doc.add_all(tail)
    return doc.text()


def _diff_sections(doc: markdown_text.Budget, ordered: Iterator[Finding], reserve: int) -> int:
    """Pull-request mode: the findings the pull request changes, then the others folded; how
    many rows were shown."""
    changed: list[Finding] = []
    unchanged: list[Finding] = []
    for finding in ordered:
        (changed if finding.changed else unchanged).append(finding)
    shown = 0
    doc.add(f"### New in this pull request ({len(changed)})" + _actions_text(changed))
    doc.add("")
    if changed:
        doc.add_all(markdown_text.table(markdown_text.FINDING_COLUMNS))
        shown += doc.add_rows((markdown_text.finding_row(f) for f in changed), reserve)
    else:
        doc.add("Nothing the pull request adds or modifies has a finding.")
    doc.add("")
    if unchanged and shown == len(changed):
        doc.add(
            f"<details><summary>Not changed by this pull request ({len(unchanged)})"
            f"{_actions_text(unchanged)}</summary>"
        )
        doc.add("")
        doc.add_all(markdown_text.table(markdown_text.FINDING_COLUMNS))
        shown += doc.add_rows((markdown_text.finding_row(f) for f in unchanged), reserve)
        doc.add("")
        doc.add("</details>")
        doc.add("")
    return shown


def _actions_text(findings: list[Finding]) -> str:
    counts: dict[str, int] = {}
    for finding in findings:
        if finding.decision is not None:
            name = finding.decision.action.value
            counts[name] = counts.get(name, 0) + 1
    parts = [f"{counts[a.value]} {a.value}" for a in Action if counts.get(a.value)]
    return f": {', '.join(parts)}" if parts else ""


def verdict_line(result: ScanResult, overview: presentation.Overview | None = None) -> str:
    """Line one: the verdict, and the counts that matter to a reviewer."""
    overview = overview or presentation.Overview(result.findings)
    status = result.verdict.status
    actions = overview.counts("action")
    new, existing = overview.new, overview.existing
    parts = [
        f"{actions.get('block', 0)} blocking",
        f"{actions.get('warn', 0)} warning",
        f"{overview.total} finding(s)",
    ]
    if new or existing:
        parts.append(f"{new} new, {existing} existing")
    if result.pull_request is not None:
        changed = sum(1 for finding in result.findings if finding.changed)
        parts.append(f"{changed} in this pull request's changes")
    return (
        f"## {presentation.VERDICT_ICONS[status]} secgate: "
        f"{presentation.VERDICT_WORDS[status]} — " + ", ".join(parts)
    )


def counts_table(result: ScanResult, overview: presentation.Overview | None = None) -> list[str]:
    """Findings by severity: new, existing, and all."""
    overview = overview or presentation.Overview(result.findings)
    severities = list(Severity)
    rows = markdown_text.table(["", *(s.value for s in severities), "total"])
    groups = [("new", overview.new), ("existing", overview.existing), ("all", overview.total)]
    for name, total in groups:
        if name != "all" and not total:
            continue
        by_sev = overview.severity_counts(None if name == "all" else name)
        cells = [str(by_sev.get(s.value, 0)) for s in severities]
        rows.append(f"| **{name}** | " + " | ".join(cells) + f" | {total} |")
    return rows


def extras_line(result: ScanResult, overview: presentation.Overview | None = None) -> str:
    """Accepted risks, VEX-decided and suppressed findings and fixed baseline findings, when
    there are any."""
    overview = overview or presentation.Overview(result.findings)
    accepted, suppressed = overview.accepted, overview.suppressed
    parts = [
        f"{accepted} covered by accepted risks" if accepted else "",
        f"{overview.vex} not affected or fixed by VEX statements" if overview.vex else "",
        f"{suppressed} suppressed in the code" if suppressed else "",
        f"{len(result.fixed)} fixed since the baseline" if result.fixed else "",
    ]
    return " · ".join(p for p in parts if p)


def gate_change_lines(result: ScanResult, limit: int = 50) -> list[str]:
    """Pull-request mode: the "This pull request changes the gate" section (with its blank
    line after), or nothing."""
    review = result.pull_request
    if review is None or not review.changes:
        return []
    weakening = len(review.weakening)
    lines = [
        f"### This pull request changes the gate ({weakening} weakening, "
        f"{len(review.changes) - weakening} other)",
        "",
        f"Judged by the configuration of {markdown_text.code(review.base, 100)} at "
        f"{markdown_text.code(review.commit[:12], 20)}; a weakening change "
        f"{'blocks' if review.on_weakening == 'block' else 'warns'} "
        f"(`gate_changes: {review.on_weakening}`).",
        "",
    ]
    for change in review.changes[:limit]:
        mark = "**weakens**" if change.weakens else "changes"
        lines.append(
            f"- {mark} {markdown_text.code(change.file, 120)} "
            f"{markdown_text.code(change.setting, 80)}: "
            f"{markdown_text.text(change.summary, 400)}"
        )
    if len(review.changes) > limit:
        lines.append(f"- … and {len(review.changes) - limit} more change(s)")
    lines.append("")
    return lines


def _tail(result: ScanResult) -> list[str]:
    lines: list[str] = []
    problems = [r for r in result.runs if r.status is not RunStatus.OK or r.incomplete]
    if problems:
        lines.append("**Scanner problems**")
        lines.append("")
        for run in problems[:20]:
            detail = run.error or "; ".join(run.notes) or ""
            state = run.status.value + (" (incomplete)" if run.incomplete else "")
            lines.append(
                f"- {markdown_text.text(run.tool, 40)}: {state}"
                + (f": {markdown_text.text(detail, 300)}" if detail else "")
            )
        lines.append("")
    lines.extend(markdown_text.advisory_lines(result))
    if result.notes:
        lines.append("**Notes**")
        lines.append("")
        lines.extend(f"- {markdown_text.text(note, 400)}" for note in result.notes[:20])
        lines.append("")
    lines.append(
        f"<sub>secgate {markdown_text.text(result.secgate_version, 40)} · policy "
        f"{markdown_text.code(result.policy, 200)}</sub>"
    )
    return lines
