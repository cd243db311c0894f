"""What every human-facing report needs from a ``ScanResult``: counts, the decision of a finding,
its place, its ids with links, and text made safe to carry (no control characters, bounded length).

Escaping for a particular format (HTML, Markdown, XML, workflow commands) is the job of each
renderer; this module only removes what no format can hold.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from secgate.model import Action, Finding, ScanResult, Severity, VerdictStatus

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
DECISION_ORDER = [Action.BLOCK.value, Action.WARN.value, Action.PASS.value,
                  Action.IGNORE.value, NO_DECISION]

# C0 and C1 control characters except tab and newline, DEL, and the Unicode bidi overrides that
# can make a line read differently from what it is ("Trojan source").
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
_CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}")
_GHSA_RE = re.compile(r"GHSA(-[23456789cfghjmpqrvwx]{4}){3}")
_CWE_RE = re.compile(r"CWE-(\d{1,6})")
_EXPIRY_RE = re.compile(r"\b(?:expires?|until)\s*(?:on\s*)?:?\s*(\d{4}-\d{2}-\d{2})")
_OSV_RE = re.compile(r"(PYSEC|OSV|GO|RUSTSEC|PYUP)-[A-Za-z0-9-]{1,40}")


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
    return _CONTROL_RE.sub("\ufffd", text)


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
    return finding.decision.action.value if finding.decision else NO_DECISION


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


def location_text(finding: Finding) -> str:
    """Where the finding is: ``path:line``, the package, or ``-``."""
    loc = finding.location
    if loc is not None:
        line = f":{loc.start_line}" if loc.start_line else ""
        return f"{loc.path}{line}"
    if finding.package is not None:
        return f"{finding.package.name}=={finding.package.version or '?'}"
    return "-"


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
        ids.extend(sorted({vuln.id, *vuln.aliases}, key=_id_rank))
    ids.extend(finding.cwes)
    return list(dict.fromkeys(ids))


_ID_PREFIX_RANK = {"CVE-": 0, "GHSA": 1, "PYSE": 2, "OSV-": 3}


def _id_rank(identifier: str) -> tuple[int, str]:
    """CVE first, then GHSA, PYSEC, OSV, then the rest (as ``Vulnerability.canonical_id``)."""
    return _ID_PREFIX_RANK.get(identifier[:4].upper(), 9), identifier


def id_url(identifier: str) -> str | None:
    """The public page of a CVE, GHSA, CWE or OSV id; None for anything else."""
    if _CVE_RE.fullmatch(identifier):
        return f"https://nvd.nist.gov/vuln/detail/{identifier}"
    if _GHSA_RE.fullmatch(identifier):
        return f"https://github.com/advisories/{identifier}"
    cwe = _CWE_RE.fullmatch(identifier)
    if cwe:
        return f"https://cwe.mitre.org/data/definitions/{int(cwe.group(1))}.html"
    if _OSV_RE.fullmatch(identifier):
        return f"https://osv.dev/vulnerability/{identifier}"
    return None


def safe_http_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) URL a report may link to, else None."""
    if not url or len(url) > 2000 or clean(url) != url or any(c in url for c in " \"'<>`\\"):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url


def counts_by(findings: Iterable[Finding], key: str) -> dict[str, int]:
    """Finding counts by ``severity``, ``category``, ``tool`` (every source tool) or ``action``,
    in a stable order (severities and actions in their own order, the rest by name)."""
    counter: Counter[str] = Counter()
    for finding in findings:
        if key == "severity":
            counter[finding.severity.value] += 1
        elif key == "category":
            counter[finding.category.value] += 1
        elif key == "action":
            counter[action_of(finding)] += 1
        elif key == "tool":
            counter.update(finding.source_tools)
        else:
            raise ValueError(f"unknown count key {key!r}")
    if key == "severity":
        return {s.value: counter[s.value] for s in Severity if counter[s.value]}
    if key == "action":
        return {a: counter[a] for a in DECISION_ORDER if counter[a]}
    return dict(sorted(counter.items()))


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


def report_order(result: ScanResult) -> list[Finding]:
    """Findings as reports list them: blocking, then warning, then the rest; most severe first."""
    rank = {name: i for i, name in enumerate(DECISION_ORDER)}
    return sorted(result.findings, key=lambda f: (rank[action_of(f)], f.sort_key()))
