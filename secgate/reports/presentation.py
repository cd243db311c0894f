"""What every human-facing report needs from a ``ScanResult``: counts, the decision of a finding,
its place, its ids with links, and text made safe to carry (no control characters, bounded length).

Escaping for a particular format (HTML, Markdown, XML, workflow commands) is the job of each
renderer; this module only removes what no format can hold.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from secgate.advisories.staleness import describe as describe_snapshot
from secgate.model import (
    Action,
    Category,
    Finding,
    ScanResult,
    Severity,
    VerdictStatus,
    id_preference,
)
from secgate.sarif.results import dump_fields

VERDICT_WORDS = {
    VerdictStatus.PASS: "PASS",
    VerdictStatus.WARN: "PASS with warnings",
    VerdictStatus.BLOCK: "BLOCKED",
    VerdictStatus.ERROR: "ERROR",
}
VERDICT_ICONS = {
    VerdictStatus.PASS: "✅",
    VerdictStatus.WARN: "⚠️",
    VerdictStatus.BLOCK: "❌",
    VerdictStatus.ERROR: "🛑",
}
NO_DECISION = "none"
"""The decision name of a finding the policy has not judged."""
DECISION_ORDER = [
    Action.BLOCK.value,
    Action.WARN.value,
    Action.PASS.value,
    Action.IGNORE.value,
    NO_DECISION,
]

# An enum member's ``.value`` is a Python-level property (~0.2 µs); reports read these per finding.
SEVERITY_NAMES: dict[Severity, str] = {s: s.value for s in Severity}
SEVERITY_RANKS: dict[Severity, int] = {s: s.rank for s in Severity}
CATEGORY_NAMES: dict[Category, str] = {c: c.value for c in Category}
ACTION_NAMES: dict[Action, str] = {a: a.value for a in Action}

# C0 and C1 control characters except tab and newline, DEL, and the Unicode bidi overrides that
# can make a line read differently from what it is ("Trojan source").
CONTROL_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff"
"""What ``clean`` replaces, as the inside of a regular expression's character class."""
_CONTROL_RE = re.compile(f"[{CONTROL_CHARS}]")
_EXPIRY_RE = re.compile(r"\b(?:expires?|until)\s*(?:on\s*)?:?\s*(\d{4}-\d{2}-\d{2})")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a report builds many small objects.

    Rendering allocates millions of containers and no reference cycles; with the collector on,
    its full passes over the growing heap made a 100,000-finding SARIF take ten times longer."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def clean(text: str | None) -> str:
    """``text`` without control characters (tab and newline kept); '' for None."""
    if not text:
        return ""
    if text.isprintable() or printable_lines(text):  # far cheaper than the regex
        return text
    return _CONTROL_RE.sub("\ufffd", text)


def printable_lines(text: str) -> bool:
    """True when every character of ``text`` but tabs and newlines is printable.

    Every character ``clean`` replaces (and every one XML cannot hold) is of a category
    ``str.isprintable`` rejects (Cc, Cf, Cn, Cs): such text has none of them."""
    if text.isprintable():
        return True
    return ("\n" in text or "\t" in text) and text.replace("\n", "").replace("\t", "").isprintable()


def one_line(text: str | None, limit: int = 300) -> str:
    """``text`` cleaned, on one line, at most ``limit`` characters (ending in … when cut)."""
    flat = " ".join(clean(text).split())
    return truncate(flat, limit)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in … when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def action_of(finding: Finding) -> str:
    """The policy's action on a finding as a word (``block``, ``warn``..., ``none``)."""
    decision = finding.decision
    return NO_DECISION if decision is None else ACTION_NAMES[decision.action]


def is_blocking(finding: Finding) -> bool:
    return finding.decision is not None and finding.decision.action is Action.BLOCK


def is_accepted(finding: Finding) -> bool:
    """True when an accepted risk of the policy decided the finding."""
    return finding.decision is not None and finding.decision.decided_by.startswith("accept")


def acceptance_expiry(finding: Finding) -> str | None:
    """The end date of the acceptance that decided the finding, when the decision carries one."""
    if finding.decision is None:
        return None
    for key in ("expires", "expiry", "expires_on"):
        value = getattr(finding.decision, key, None)
        if value:
            return str(value)
    # the policy writes "(…; until 2027-01-31)" at the end of the reason: take the last date
    dates = _EXPIRY_RE.findall(finding.decision.reason)
    return dates[-1] if dates else None


def kev_text(finding: Finding) -> str | None:
    """What CISA's KEV catalog says of the finding's vulnerability; None without KEV data."""
    kev = finding.kev
    if kev is None:
        return None
    if not kev.listed:
        return "not listed"
    ransomware = "; known use in ransomware campaigns" if kev.ransomware else ""
    return (
        f"listed ({clean(kev.cve)}) since {clean(kev.date_added)}, remediation due "
        f"{clean(kev.due_date)}{ransomware}"
    )


def epss_text(finding: Finding) -> str | None:
    """The finding's EPSS score, percentile and day; None when it has none."""
    epss = finding.epss
    if epss is None:
        return None
    day = f", scored {clean(epss.date)}" if epss.date else ""
    return f"{epss.score:.3f} ({epss.percentile * 100:.1f}th percentile, {clean(epss.cve)}{day})"


def exploit_badges(finding: Finding) -> list[str]:
    """Short labels for a table: ``KEV`` when listed, ``EPSS 0.94`` when scored."""
    badges = []
    if finding.kev is not None and finding.kev.listed:
        badges.append("KEV")
    if finding.epss is not None:
        badges.append(f"EPSS {finding.epss.score:.2f}")
    return badges


_REACHABLE_WORDS = {True: "reachable", False: "not reachable", "unknown": "reachability unknown"}


def reachable_word(finding: Finding) -> str | None:
    """``reachable``, ``not reachable`` or ``reachability unknown``; None when not judged."""
    if finding.reachable is None:
        return None
    return _REACHABLE_WORDS[finding.reachable]


def reachable_text(finding: Finding) -> str | None:
    """The reachability of a Python dependency finding and why, in one line; None when not
    judged."""
    word = reachable_word(finding)
    if word is None:
        return None
    return f"{word} ({clean(finding.reachable_via)})" if finding.reachable_via else word


def snapshot_lines(result: ScanResult, today: date) -> list[str]:
    """One line per advisory snapshot the scan consulted: what, how many records, its date
    and age (the day the report is rendered, ``SECGATE_TODAY`` or the clock)."""
    return [clean(describe_snapshot(snapshot, today)) for snapshot in result.advisories]


def tools_of(finding: Finding) -> list[str]:
    """``finding.source_tools``, at once for the finding of one source (most are)."""
    sources = finding.sources
    return [sources[0].tool] if len(sources) == 1 else finding.source_tools


def package_text(finding: Finding) -> str:
    pkg = finding.package
    if pkg is None:
        return ""
    return f"{pkg.name} {pkg.version}" if pkg.version else pkg.name


def finding_ids(finding: Finding) -> list[str]:
    """The vulnerability's id and aliases (canonical first), then the CWEs."""
    ids: list[str] = []
    if finding.vulnerability is not None:
        vuln = finding.vulnerability
        ids.extend(sorted({vuln.id, *vuln.aliases}, key=id_preference))
    ids.extend(finding.cwes)
    return list(dict.fromkeys(ids))


@lru_cache(maxsize=4096)
def safe_http_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) URL a report may link to, else None (remembered:
    findings of one rule share their help URL)."""
    if not url or len(url) > 2000 or clean(url) != url or any(c in url for c in " \"'<>`\\"):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url


_COUNT_KEYS = ("severity", "category", "tool", "action")


def report_order(result: ScanResult) -> list[Finding]:
    """Findings as reports list them: blocking, then warning, then the rest (``DECISION_ORDER``);
    within each, in ``Finding.sort_key`` order (most severe and highest score first)."""
    return Overview(result.findings).order


Facts = tuple[str, str, str, "str | None", str]
"""What the counts need of a finding: its severity, category, action, baseline state and what
decided it."""


def facts_of(finding: Finding) -> Facts:
    """The ``Facts`` of one finding."""
    decision = finding.decision
    if decision is None:
        action, decided_by = NO_DECISION, ""
    else:
        action, decided_by = ACTION_NAMES[decision.action], decision.decided_by
    return (
        SEVERITY_NAMES[finding.severity],
        CATEGORY_NAMES[finding.category],
        action,
        finding.baseline,
        decided_by,
    )


class Overview:
    """What the reports share of one result's findings, each worked out once however many
    reports are written: every count the reports show (from one pass over the findings; the
    tools, which few reports need, on first use), the findings in ``Finding.sort_key`` order and
    in report order, each tool's findings, and each finding's fields as JSON data.

    ``secgate.reports.outputs.write_all`` makes one for all the reports it writes; a report
    rendered alone makes its own."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = findings
        self.total = len(findings)
        self._combos = Counter(map(facts_of, findings))
        self._ranked: list[Finding] | None = None
        self._order: list[Finding] | None = None
        self._by_tool: dict[str, list[Finding]] | None = None
        self._fields: dict[int, dict[str, Any]] = {}
        severities: Counter[str] = Counter()
        categories: Counter[str] = Counter()
        actions: Counter[str] = Counter()
        baselines: Counter[str | None] = Counter()
        self.accepted = self.suppressed = self.vex = 0
        for (severity, category, action, baseline, decided_by), n in self._combos.items():
            severities[severity] += n
            categories[category] += n
            actions[action] += n
            baselines[baseline] += n
            if decided_by.startswith("accept"):
                self.accepted += n
            elif decided_by.startswith("vex:"):
                self.vex += n
            elif decided_by == "suppression":
                self.suppressed += n
        self.new = baselines["new"]
        self.existing = baselines["existing"]
        self.unknown_baseline = self.total - self.new - self.existing
        self._counts = {
            "severity": _in_severity_order(severities),
            "category": dict(sorted(categories.items())),
            "action": {a: actions[a] for a in DECISION_ORDER if actions[a]},
        }

    def counts(self, key: str) -> dict[str, int]:
        """As ``counts_by(findings, key)``."""
        if key == "tool" and key not in self._counts:
            self._counts[key] = _tool_counts(self.findings)
        if key not in self._counts:
            raise ValueError(f"unknown count key {key!r}")
        return dict(self._counts[key])

    def severity_counts(self, baseline: str | None = None) -> dict[str, int]:
        """Counts by severity of the findings in this baseline state (``new``, ``existing``), or
        of every finding when ``baseline`` is None."""
        if baseline is None:
            return self.counts("severity")
        counter: Counter[str] = Counter()
        for (severity, _, _, state, _), n in self._combos.items():
            if state == baseline:
                counter[severity] += n
        return _in_severity_order(counter)

    @property
    def ranked(self) -> list[Finding]:
        """The findings in ``Finding.sort_key`` order (input order among equals), sorted once:
        the report order and each tool's findings are taken from it."""
        if self._ranked is None:
            self._ranked = sorted(self.findings, key=Finding.sort_key)
        return self._ranked

    @property
    def order(self) -> list[Finding]:
        """The findings in report order (see ``report_order``)."""
        if self._order is None:
            by_action: dict[str, list[Finding]] = {name: [] for name in DECISION_ORDER}
            for finding in self.ranked:
                by_action[action_of(finding)].append(finding)
            self._order = [finding for name in DECISION_ORDER for finding in by_action[name]]
        return self._order

    @property
    def by_tool(self) -> dict[str, list[Finding]]:
        """Tool -> its findings in ``Finding.sort_key`` order, tools in order of first
        appearance there."""
        if self._by_tool is None:
            groups: dict[str, list[Finding]] = {}
            for finding in self.ranked:
                groups.setdefault(finding.tool, []).append(finding)
            self._by_tool = groups
        return self._by_tool

    def fields(self, finding: Finding) -> dict[str, Any]:
        """``finding``'s fields as JSON data (``secgate.sarif.results.dump_fields``), made once
        for every report that writes them (SARIF properties, the JSON report); the dict is
        shared, so a report copies it before changing it."""
        key = id(finding)
        data = self._fields.get(key)
        if data is None:
            data = self._fields[key] = dump_fields(finding)
        return data


def _tool_counts(findings: Iterable[Finding]) -> dict[str, int]:
    tools: Counter[str] = Counter()
    for finding in findings:
        sources = finding.sources
        if len(sources) == 1:
            tools[sources[0].tool] += 1
        else:
            tools.update(finding.source_tools)
    return dict(sorted(tools.items()))


def _in_severity_order(counter: Counter[str]) -> dict[str, int]:
    return {s.value: counter[s.value] for s in Severity if counter[s.value]}


def counts_by(findings: Iterable[Finding], key: str) -> dict[str, int]:
    """Finding counts by ``severity``, ``category``, ``tool`` (every source tool) or ``action``,
    in a stable order (severities and actions in their own order, the rest by name)."""
    if key not in _COUNT_KEYS:
        raise ValueError(f"unknown count key {key!r}")
    return Overview(list(findings)).counts(key)


def new_existing(findings: Iterable[Finding]) -> tuple[int, int, int]:
    """How many findings are new, existing (in the baseline), and of unknown baseline state."""
    new = existing = unknown = 0
    for finding in findings:
        if finding.baseline == "new":
            new += 1
        elif finding.baseline == "existing":
            existing += 1
        else:
            unknown += 1
    return new, existing, unknown
