"""The job summary: Markdown for ``$GITHUB_STEP_SUMMARY`` (or ``--summary FILE``).

GitHub shows at most 1 MiB of summary per step, so the summary stays within ``MAX_BYTES``
(UTF-8) and ends with "… and N more finding(s)" when cut. It holds the verdict, counts by
severity (new vs existing), tool and category, the scanner runs, and the findings, blocking ones
first. Every scanner-provided string is escaped (see ``secgate.reports.markdown_text``).
"""

from __future__ import annotations

import os
from pathlib import Path

from secgate.errors import UsageError
from secgate.model import ScanResult
from secgate.reports import markdown_text, pr_comment, presentation

MAX_BYTES = 1024 * 1024 - 1024
"""A step summary is capped at 1 MiB; a little room is kept for what others append."""
_TAIL_RESERVE = 4_096


def render(
    result: ScanResult, limit: int = MAX_BYTES, *, overview: presentation.Overview | None = None
) -> str:
    """The summary, at most ``limit`` bytes of UTF-8 (``overview``: the one other reports of
    ``result`` share, when there is one)."""
    with presentation.gc_paused():
        return _render(result, overview or presentation.Overview(result.findings), limit)


def _render(result: ScanResult, overview: presentation.Overview, limit: int) -> str:
    doc = markdown_text.Budget(limit, markdown_text.utf8_size)
    doc.add(pr_comment.verdict_line(result, overview))
    doc.add("")
    for reason in result.verdict.reasons[:20]:
        doc.add(f"- {markdown_text.text(reason, 400)}")
    doc.add("")
    doc.add_all(pr_comment.gate_change_lines(result, limit=200))
    doc.add_all(markdown_text.upgrade_lines(result))
    doc.add_all(pr_comment.counts_table(result, overview))
    doc.add("")
    extras = pr_comment.extras_line(result, overview)
    if extras:
        doc.add(extras)
        doc.add("")
    for title, key in (("Tool", "tool"), ("Category", "category")):
        counts = overview.counts(key)
        if counts:
            doc.add_all(markdown_text.table([title, "Findings"]))
            doc.add_all(f"| {markdown_text.text(name, 60)} | {n} |" for name, n in counts.items())
            doc.add("")
    doc.add("### Scanner runs")
    doc.add("")
    doc.add_all(
        markdown_text.table(["Tool", "Status", "Version", "Duration", "Findings", "Details"])
    )
    for run in result.runs[:100]:
        state = run.status.value + (" (incomplete)" if run.incomplete else "")
        detail = run.error or "; ".join(run.notes)
        doc.add(
            f"| {markdown_text.text(run.tool, 40)} | {state} | "
            f"{markdown_text.text(run.version or '?', 40)} | "
            f"{run.duration:.1f} s | {run.finding_count} | {markdown_text.text(detail, 300)} |"
        )
    doc.add("")
    tail = [f"- {markdown_text.text(note, 400)}" for note in result.notes[:50]]
    tail_lines = (
        markdown_text.advisory_lines(result)
        + (["### Notes", "", *tail, ""] if tail else [])
        + [
            f"<sub>secgate {markdown_text.text(result.secgate_version, 40)} · policy "
            f"{markdown_text.code(result.policy, 200)}</sub>"
        ]
    )
    reserve = _TAIL_RESERVE + sum(markdown_text.utf8_size(line) + 1 for line in tail_lines)
    shown = 0
    if overview.total:
        doc.add(f"### Findings ({overview.total})")
        doc.add("")
        doc.add_all(markdown_text.table(markdown_text.FINDING_COLUMNS))
        rows = (markdown_text.finding_row(f, 400) for f in overview.order)
        shown = doc.add_rows(rows, reserve)
        doc.add("")
    if overview.total > shown:
        doc.add(markdown_text.more_line(overview.total - shown))
        doc.add("")
    doc.add_all(tail_lines)
    return doc.text()


def append_to_step_summary(result: ScanResult, environ: dict[str, str] | None = None) -> bool:
    """Append the summary to ``$GITHUB_STEP_SUMMARY`` when it is set; True when written."""
    env = os.environ if environ is None else environ
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as stream:
            stream.write(render(result))
    except OSError as exc:
        raise UsageError(f"{path}: cannot append the job summary: {exc.strerror}") from None
    return True
