"""SARIF that GitHub code scanning accepts, on top of ``secgate.sarif.writer``.

GitHub's documented limits for an uploaded SARIF file ("SARIF results exceed limit" in its code
scanning docs): at most 20 runs per file, 25,000 results and 25,000 rules per run, 20 tags per
rule (10 shown), and at most 10 MB for the gzip-compressed file. Runs of one upload need distinct
tool names and ``automationDetails.id`` categories; rule ``shortDescription`` and
``fullDescription`` texts are kept within 1,024 characters; GitHub rates a rule from its
``security-severity`` property; a region's columns start at 1; artifact URIs are relative to
the repository root (``%SRCROOT%``). Rule names stay within 255 characters (the same docs).

``fit`` keeps the most severe findings when a limit would be passed and says what it dropped, in
the SARIF (the log's ``properties.secgate.notes`` and the run's ``properties.secgate``) and in the
notes it returns, which the caller adds to ``ScanResult.notes`` so every report tells the reader.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from secgate.model import SEVERITY_RANK, Finding, ScanResult
from secgate.reports.presentation import Overview, clean, gc_paused, truncate
from secgate.sarif import jsonout, writer
from secgate.sarif.results import Style

MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
MAX_TAGS_PER_RULE = 10
"""GitHub accepts 20 tags per rule but shows only 10; the rest would be lost anyway."""
MAX_GZIP_BYTES = 10_000_000
"""GitHub rejects an upload whose gzip-compressed SARIF passes 10 MB."""
GZIP_BUDGET = 9_500_000
"""secgate keeps the compressed file below this, leaving room for what an uploader adds."""
MAX_RULE_NAME = 255
MAX_RULE_DESCRIPTION = 1024
MIN_SECURITY_SEVERITY = 0.1
"""GitHub takes a ``security-severity`` above 0.0 up to 10.0; 0.0 means none."""
MAX_RULE_HELP = 16_384
MAX_MESSAGE = 8_192
MAX_SNIPPET = 4_096
INDENT_MAX_RESULTS = 2_000
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_WINDOWS_PATH_RE = re.compile(r"^[A-Za-z]:[/\\]")
_FILE_SCHEME_RE = re.compile(r"^file:(//[^/]*)?")
_DRIVE_RE = re.compile(r"^[A-Za-z]:/")


@dataclass
class FittedSarif:
    """The SARIF document GitHub accepts, and what had to be left out to get there."""

    data: bytes
    """The document as UTF-8 (write it as it is: decoding a large one costs time and memory)."""
    notes: list[str] = field(default_factory=list)
    gzip_size: int = 0
    """The compressed size: exact (gzip level 6) when the fast estimate is over the budget,
    else that estimate, an upper bound (see ``compressed_size_within``)."""
    dropped: dict[str, int] = field(default_factory=dict)
    """Tool -> results left out of its run."""

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


def render(result: ScanResult, *, overview: Overview | None = None) -> str:
    """The SARIF report (see ``fit``)."""
    return fit(result, overview=overview).text


def fit(result: ScanResult, *, overview: Overview | None = None) -> FittedSarif:
    """A SARIF document for ``result`` within GitHub code scanning's limits (``overview``: the
    one other reports of ``result`` share, when there is one)."""
    with gc_paused():
        return _fit(result, overview or Overview(result.findings))


def _fit(result: ScanResult, overview: Overview) -> FittedSarif:
    by_tool = overview.by_tool
    tools = sorted(set(by_tool) | {run.tool for run in result.runs})
    groups = {tool: by_tool.get(tool, []) for tool in tools}
    notes: list[str] = []
    if len(tools) > MAX_RUNS:
        kept_tools = sorted(tools, key=lambda t: _tool_rank(t, groups[t]))[:MAX_RUNS]
        left_out = sorted(set(tools) - set(kept_tools))
        lost = sum(len(groups[t]) for t in left_out)
        notes.append(
            f"SARIF: GitHub accepts at most {MAX_RUNS} runs per file; left out the runs "
            f"of {', '.join(left_out)} ({lost} result(s)). The JSON and HTML reports "
            "hold every finding."
        )
        tools = sorted(kept_tools)
    caps = {tool: _rule_limited_count(groups[tool], MAX_RESULTS_PER_RUN) for tool in tools}
    while True:  # once, unless the compressed file is over budget
        kept = {tool: groups[tool][: caps[tool]] for tool in tools}
        dropped = {
            tool: len(groups[tool]) - len(kept[tool])
            for tool in tools
            if len(groups[tool]) > len(kept[tool])
        }
        run_notes = {tool: _dropped_note(tool, groups[tool], len(kept[tool])) for tool in dropped}
        data, size = _render(
            result,
            kept,
            notes + [run_notes[t] for t in sorted(run_notes)],
            run_notes,
            dropped,
            overview,
        )
        total = sum(len(k) for k in kept.values())
        if size <= GZIP_BUDGET or total == 0:
            break
        ratio = GZIP_BUDGET / size * 0.95
        notes_size = (
            f"SARIF: the gzip-compressed file would be {size / 1e6:.1f} MB, over "
            f"GitHub's 10 MB upload limit; kept the most severe results of each run."
        )
        if notes_size not in notes:
            notes.append(notes_size)
        caps = {tool: max(0, math.floor(len(kept[tool]) * ratio)) for tool in tools}
    return FittedSarif(
        data=data,
        notes=notes + [run_notes[t] for t in sorted(run_notes)],
        gzip_size=size,
        dropped=dropped,
    )


def _render(
    result: ScanResult,
    kept: dict[str, list[Finding]],
    notes: list[str],
    run_notes: dict[str, str],
    dropped: dict[str, int],
    overview: Overview,
) -> tuple[bytes, int]:
    """The SARIF document (UTF-8) of ``kept`` (tool -> its findings to write) and its gzip size.

    Indented for a file a person may read; compact past ``INDENT_MAX_RESULTS`` results. Either
    way the same result gives the same bytes (``secgate.sarif.jsonout``)."""
    trimmed = result.model_copy(
        update={
            "runs": [run for run in result.runs if run.tool in kept],
            "notes": list(result.notes) + [n for n in notes if n not in result.notes],
        }
    )
    compact = sum(len(k) for k in kept.values()) > INDENT_MAX_RESULTS
    doc = writer.document(trimmed, kept, _style(overview))
    for run in doc["runs"]:
        _fit_run(run, run_notes, dropped)
    data = jsonout.dumps(doc, indent=not compact)
    return data, compressed_size_within(data, GZIP_BUDGET)


def compressed_size_within(data: bytes, budget: int) -> int:
    """``data``'s gzip size, or an upper bound of it when that is within ``budget``.

    The bound is gzip's fastest level (about a third of the default level's time on a large
    SARIF file, and ~30 % larger there): an uploader compresses at the default level or harder
    (``github/code_scanning.py`` at 9), which on JSON text gives a smaller file, so a file whose
    fast size fits, fits; and were a harder level ever a little larger, the budget leaves
    0.5 MB below GitHub's limit. Only a file over the budget that way is compressed again at
    the default level, for the exact figure that decides what to leave out."""
    quick = gzip_size(data, level=1)
    return quick if quick <= budget else gzip_size(data)


def gzip_size(data: bytes | str, *, level: int = 6) -> int:
    """The size of ``data`` (text as UTF-8) once gzip-compressed at ``level`` (6: zlib's
    default, as an uploader would send it)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    return len(compressor.compress(raw)) + len(compressor.flush())


def _tool_rank(tool: str, findings: list[Finding]) -> tuple[int, int, str]:
    """Runs GitHub keeps first: the most severe finding, then the most findings."""
    top = max((f.severity.rank for f in findings), default=-1)
    return (-top, -len(findings), tool)


def _rule_limited_count(findings: list[Finding], cap: int) -> int:
    """How many of the (sorted) findings fit in ``cap`` results and ``MAX_RULES_PER_RUN`` rules."""
    rules: set[str] = set()
    for index, finding in enumerate(findings[:cap]):
        rules.add(finding.rule_id)
        if len(rules) > MAX_RULES_PER_RUN:
            return index
    return min(len(findings), cap)


def _dropped_note(tool: str, findings: list[Finding], kept: int) -> str:
    left_out = findings[kept:]
    by_severity = Counter(f.severity.value for f in left_out)
    detail = ", ".join(
        f"{n} {sev}"
        for sev, n in sorted(by_severity.items(), key=lambda item: -SEVERITY_RANK[item[0]])
    )
    return (
        f"SARIF: the {tool} run keeps its {kept} most severe of {len(findings)} results "
        f"for GitHub code scanning; left out {len(left_out)} ({detail}). The JSON and HTML "
        "reports hold every finding."
    )


def _style(overview: Overview) -> Style:
    return Style(
        message=_fit_message,
        snippet=_fit_snippet,
        uri=repo_relative_uri,
        whole_region=True,
        fields=overview.fields,
    )


def _fit_run(run: dict[str, Any], run_notes: dict[str, str], dropped: dict[str, int]) -> None:
    """Say what a run left out, and bring its rules within GitHub's limits."""
    tool = run["tool"]["driver"]["name"]
    if tool in run_notes:
        props = run.setdefault("properties", {})
        props["secgate"] = {"dropped_results": dropped[tool], "note": run_notes[tool]}
    for rule in run["tool"]["driver"].get("rules") or []:
        _tidy_rule(rule)


def _fit_message(text: str, rule_id: str) -> str:
    """A result's message text as GitHub takes it: no control characters, bounded length."""
    return truncate(clean(text) or rule_id, MAX_MESSAGE)


def _fit_snippet(text: str) -> str:
    return truncate(clean(text), MAX_SNIPPET)


def _tidy_rule(rule: dict[str, Any]) -> None:
    if isinstance(rule.get("name"), str):
        rule["name"] = truncate(rule["name"], MAX_RULE_NAME)
    for key in ("shortDescription", "fullDescription"):
        if key in rule:
            text = clean(rule[key].get("text")) or rule["id"]
            rule[key]["text"] = truncate(text, MAX_RULE_DESCRIPTION)
    if "help" in rule:
        rule["help"]["text"] = truncate(
            clean(rule["help"].get("text")) or rule["id"], MAX_RULE_HELP
        )
    props = rule.setdefault("properties", {})
    tags = props.get("tags") or []
    if "security" not in tags:
        tags = ["security", *tags]
    # security and the CWE tags first: those are what GitHub uses
    ordered = sorted(tags, key=lambda t: (t != "security", not t.startswith("external/cwe/"), t))
    props["tags"] = sorted(ordered[:MAX_TAGS_PER_RULE])
    score = props.get("security-severity")
    try:
        value = float(score) if score is not None else None
    except (TypeError, ValueError):
        value = None
    if value is None or not 0.0 <= value <= 10.0:
        level = (rule.get("defaultConfiguration") or {}).get("level", "warning")
        value = {"error": 8.0, "warning": 5.5, "note": 2.0}.get(level, MIN_SECURITY_SEVERITY)
    # GitHub reads 0.0 as "no security severity": an info rule gets the lowest real score
    props["security-severity"] = f"{max(value, MIN_SECURITY_SEVERITY):.1f}"


def repo_relative_uri(uri: str) -> str:
    """A URI relative to the repository root: no scheme, no leading slash or ``./``."""
    if _SCHEME_RE.match(uri) and not _WINDOWS_PATH_RE.match(uri):
        uri = _FILE_SCHEME_RE.sub("", uri) if uri.startswith("file:") else uri
    uri = uri.replace("\\", "/")
    uri = _DRIVE_RE.sub("", uri)
    while uri.startswith(("/", "./")):
        uri = uri[2:] if uri.startswith("./") else uri[1:]
    return uri or "."
