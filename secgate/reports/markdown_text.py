"""Markdown building blocks shared by the PR comment and the job summary.

Scanner text is hostile until escaped: a ``|`` ends a table cell, a backtick opens code, ``<img
onerror=…>`` is HTML that GitHub would sanitise but still render, ``@org/team`` pings people and
``[x](javascript:…)`` makes a link. ``text`` turns any string into one line of inert Markdown: HTML
special characters become entities, the Markdown punctuation that can make emphasis, code, links,
tables, headings or strikethrough (and a list marker at the start) is backslash-escaped, and
every ``@`` is followed by a zero-width joiner so that no mention is made. ``Budget`` keeps a
document under a size cap and says how much was left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from secgate.model import Finding, ScanResult
from secgate.policy.accept import today
from secgate.reports import presentation

ZWJ = "\u200d"
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]#|~])")
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])|^([-+=])")
"""What would start a list or heading at the start of a line."""
SEVERITY_ICONS = {"critical": "🟣", "high": "🔴", "medium": "🟠", "low": "🔵", "info": "⚪"}


def text(value: str | None, limit: int = 300) -> str:
    """``value`` as one line of Markdown that renders as the same text and nothing else."""
    flat = presentation.one_line(value, limit)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    flat = _MD_PUNCTUATION.sub(r"\\\1", flat)
    flat = _BLOCK_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", flat
    )
    return flat.replace("@", "@" + ZWJ)


def code(value: str | None, limit: int = 200) -> str:
    """``value`` shown as inline code (``<code>``, so a backtick in it cannot end the span)."""
    escaped = text(value, limit)
    return f"<code>{escaped}</code>" if escaped else ""


def table(header: list[str]) -> list[str]:
    """The first two lines of a Markdown table with these (trusted) column names."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]


FINDING_COLUMNS = ["Severity", "Decision", "Found by", "Rule", "Location", "Message"]


def finding_row(finding: Finding, message_limit: int = 200) -> str:
    """One table row for a finding (columns ``FINDING_COLUMNS``)."""
    sev = finding.severity.value
    new = " 🆕" if finding.baseline == "new" else ""
    where = code(finding.place, 120)
    ids = presentation.finding_ids(finding)
    if ids:
        where += " " + text(", ".join(ids[:3]), 120)
    fixed = finding.lowest_fixed_version if finding.fixable else None
    message = text(finding.message, message_limit)
    if fixed:
        message += f" (fixed in {code(fixed, 40)})"
    badges = "".join(f" · **{b}**" for b in presentation.exploit_badges(finding))
    reachable = presentation.reachable_word(finding)
    if reachable is not None:
        badges += f" · {reachable}"
    cells = [
        f"{SEVERITY_ICONS[sev]} {sev}{new}{badges}",
        presentation.action_of(finding),
        text(", ".join(finding.source_tools), 80),
        code(finding.rule_id, 80),
        where,
        message,
    ]
    return "| " + " | ".join(cells) + " |"


class Budget:
    """Lines of a document that must stay within ``limit`` (characters, or bytes with
    ``measure=utf8_size``)."""

    def __init__(self, limit: int, measure: Callable[[str], int] = len) -> None:
        self.limit = limit
        self.measure = measure
        self.lines: list[str] = []
        self.used = 0

    def fits(self, line: str, reserve: int = 0) -> bool:
        return self.used + self.measure(line) + 1 + reserve <= self.limit

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.used += self.measure(line) + 1

    def add_all(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.add(line)

    def add_rows(self, rows: Iterable[str], reserve: int) -> int:
        """Add rows while they fit with ``reserve`` left over; how many were added."""
        added = 0
        for row in rows:
            if not self.fits(row, reserve):
                break
            self.add(row)
            added += 1
        return added

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def utf8_size(line: str) -> int:
    return len(line.encode("utf-8"))


def advisory_lines(result: ScanResult) -> list[str]:
    """An "Advisory data" block: the date and age of each snapshot the scan consulted."""
    if not result.advisories:
        return []
    lines = ["**Advisory data**", ""]
    lines.extend(f"- {text(line, 400)}" for line in presentation.snapshot_lines(result, today()))
    lines.append("")
    return lines


def more_line(count: int, where: str = "the HTML, JSON or SARIF report") -> str:
    """The line that ends a cut list."""
    return f"… and {count} more finding(s) (see {where} for every finding)"


PLAN_WORDS = {
    "upgrade": "upgrade",
    "new-major": "new major version, not written",
    "unfixable": "unfixable",
    "locked": "in a lock file",
    "transitive": "transitive",
    "unpinned": "not pinned",
    "hash-pinned": "hash-pinned",
    "not-python": "not Python",
}


def upgrade_lines(result: ScanResult, diff_limit: int = 12_000, rows: int = 50) -> list[str]:
    """The "Upgrade plan" section (with its blank line after), or nothing: one row per blocking
    package, the diff of the requirement files, and how many blocking findings it leaves."""
    plan = result.upgrades
    if plan is None or not plan.packages:
        return []
    written = sum(1 for u in plan.packages if u.applied)
    lines = [
        f"### Upgrade plan ({written} to write, {len(plan.packages) - written} listed)",
        "",
        *table(["Package", "Now", "Plan", "Why"]),
    ]
    for upgrade in plan.packages[:rows]:
        target = f"<b>{code(upgrade.target, 60)}</b> " if upgrade.target else ""
        lines.append(
            f"| {code(upgrade.name, 80)} | {code(upgrade.version or '?', 60)} | "
            f"{target}{PLAN_WORDS[upgrade.status]} | {text(upgrade.reason, 500)} |"
        )
    if len(plan.packages) > rows:
        lines.append(f"| … | | | and {len(plan.packages) - rows} more package(s) |")
    lines.append("")
    if plan.diff:
        diff = presentation.clean(plan.diff)
        if len(diff) > diff_limit:
            diff = diff[:diff_limit].rsplit("\n", 1)[0] + "\n… (cut: run secgate fix for all)\n"
        fence = "`" * max(3, _longest_run(diff, "`") + 1)
        lines += [
            "<details><summary>The diff of the requirement files "
            "(<code>secgate fix --write</code> applies it)</summary>",
            "",
            f"{fence}diff",
            *diff.rstrip("\n").split("\n"),
            fence,
            "",
            "</details>",
            "",
        ]
    left = len(plan.left_blocking)
    lines.append(
        "The plan clears every blocking finding."
        if not left
        else f"After the plan, {left} blocking finding(s) remain."
    )
    lines.append("")
    return lines


def _longest_run(value: str, char: str) -> int:
    longest = run = 0
    for c in value:
        run = run + 1 if c == char else 0
        longest = max(longest, run)
    return longest
