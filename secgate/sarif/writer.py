"""Writing a ``ScanResult`` as SARIF 2.1.0.

One run per tool, each with its rules, its invocations (a failed scanner is an invocation with
``executionSuccessful: false`` and an error notification) and a distinct
``automationDetails.id``. Each result carries secgate's normalized finding in
``properties.secgate`` so that ``secgate.sarif.reader`` gets back an equal ``Finding``.
Output is deterministic: runs, rules and results are sorted, and the only time-dependent values
sit in each run's invocation block.

The document's frame (log, runs, tool and rules, invocations, automation details) is built with
sarif-om and converted by ``serialize.to_json``; the results, one per finding and so nearly all
of a large document, are written directly as JSON data by ``secgate.sarif.results``, with the
keys and values the sarif-om objects gave (see that module for why).
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sarif_om as om

from secgate.model import Finding, ScannerRun, ScanResult
from secgate.sarif import SARIF_SCHEMA_URI, SARIF_VERSION, jsonout, results
from secgate.sarif.results import (
    CLEARED_RULE_FIELDS,
    FINGERPRINT_KEY,
    LINE_HASH_KEY,
    RULE_FIELDS,
    SRCROOT,
    Style,
)
from secgate.sarif.serialize import to_json

__all__ = [
    "CLEARED_RULE_FIELDS",
    "FINGERPRINT_KEY",
    "LINE_HASH_KEY",
    "SRCROOT",
    "TOOL_INFO_URIS",
    "RunFrame",
    "document",
    "dumps",
    "findings_by_tool",
    "log_frame",
    "run_frames",
    "to_dict",
]

_RULE_FIELDS = set(RULE_FIELDS)

TOOL_INFO_URIS = {
    "bandit": "https://github.com/PyCQA/bandit",
    "semgrep": "https://semgrep.dev",
    "gitleaks": "https://github.com/gitleaks/gitleaks",
    "trufflehog": "https://github.com/trufflesecurity/trufflehog",
    "pip-audit": "https://github.com/pypa/pip-audit",
    "osv": "https://osv.dev",
    "safety": "https://github.com/pyupio/safety",
    "trivy": "https://trivy.dev",
    "pip-licenses": "https://github.com/raimon49/pip-licenses",
}


def to_dict(result: ScanResult) -> dict[str, Any]:
    """The SARIF document for ``result`` as plain JSON data."""
    return document(result, findings_by_tool(result.findings))


def dumps(result: ScanResult) -> str:
    """The SARIF document as indented text: the same result always gives the same bytes."""
    return jsonout.dumps_text(to_dict(result), indent=True)


def findings_by_tool(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Tool -> its findings in report order (``Finding.sort_key``)."""
    by_tool: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_tool[finding.tool].append(finding)
    for group in by_tool.values():
        group.sort(key=Finding.sort_key)
    return dict(by_tool)


def document(
    result: ScanResult, by_tool: Mapping[str, list[Finding]], style: Style | None = None
) -> dict[str, Any]:
    """The SARIF document with one run per tool of ``by_tool`` (findings sorted, see
    ``findings_by_tool``) or of ``result.runs``; ``result.findings`` is not read."""
    doc = log_frame(result)
    for frame in run_frames(result, by_tool, style or Style()):
        frame.doc["results"] = frame.results(frame.findings)
        doc["runs"].append(frame.doc)
    return doc


@dataclass
class RunFrame:
    """One run as JSON data, its ``results`` still empty, and what they are written from."""

    doc: dict[str, Any]
    findings: list[Finding]
    rules: dict[str, Finding]
    """Rule id -> the finding its SARIF rule was made from, in rule index order."""
    style: Style
    rule_index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.rule_index = {rule_id: i for i, rule_id in enumerate(self.rules)}

    def results(self, findings: list[Finding]) -> list[dict[str, Any]]:
        """The results of ``findings`` (of this run), in ``style``."""
        index, rules, style, build = self.rule_index, self.rules, self.style, results.result
        return [build(f, index[f.rule_id], rules[f.rule_id], style) for f in findings]


def log_frame(result: ScanResult) -> dict[str, Any]:
    """The SARIF log as JSON data with no runs yet (``runs`` is an empty list)."""
    properties = {
        "secgate": {
            "version": result.secgate_version,
            "policy": result.policy,
            "target": result.target,
            "verdict": result.verdict.model_dump(mode="json"),
            "notes": result.notes,
            "fixed": [_finding_properties(f) | _rule_properties(f) for f in result.fixed],
        }
    }
    if result.pull_request is not None:
        properties["secgate"]["pull_request"] = result.pull_request.model_dump(mode="json")
    if result.advisories:  # the advisory snapshots the scan consulted, with their dates
        properties["secgate"]["advisories"] = [s.model_dump(mode="json") for s in result.advisories]
    if result.upgrades is not None:  # the upgrade plan of the blocking dependencies
        properties["secgate"]["upgrades"] = result.upgrades.model_dump(mode="json")
    doc: dict[str, Any] = to_json(
        om.SarifLog(
            version=SARIF_VERSION, schema_uri=SARIF_SCHEMA_URI, runs=[], properties=properties
        )
    )
    return doc


def run_frames(
    result: ScanResult, by_tool: Mapping[str, list[Finding]], style: Style
) -> Iterator[RunFrame]:
    """The runs of ``document``, one at a time: each run's sarif-om objects are built,
    converted to data and freed before the next."""
    runs_by_tool: dict[str, list[ScannerRun]] = defaultdict(list)
    for run in result.runs:
        runs_by_tool[run.tool].append(run)
    for tool in sorted(set(by_tool) | set(runs_by_tool)):
        findings = by_tool.get(tool, [])
        run, rules = _build_run(tool, findings, runs_by_tool[tool])
        # sarif-om's run had an empty results list: the key is in its place in the data
        yield RunFrame(doc=to_json(run), findings=findings, rules=rules, style=style)


def _build_run(
    tool: str, findings: list[Finding], scanner_runs: list[ScannerRun]
) -> tuple[om.Run, dict[str, Finding]]:
    """The sarif-om run, without its results; and rule id -> the finding its rule is made
    from, in rule index order."""
    first: dict[str, Finding] = {}
    max_score: dict[str, float] = defaultdict(float)
    for finding in findings:
        first.setdefault(finding.rule_id, finding)
        max_score[finding.rule_id] = max(max_score[finding.rule_id], finding.score)
    rules = {rule_id: first[rule_id] for rule_id in sorted(first)}
    version = next((r.version for r in scanner_runs if r.version), None) or next(
        (f.tool_version for f in findings if f.tool_version), None
    )
    driver = om.ToolComponent(
        name=tool,
        version=version,
        information_uri=TOOL_INFO_URIS.get(tool),
        rules=[_build_rule(rule, max_score[rule_id]) for rule_id, rule in rules.items()],
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        automation_details=om.RunAutomationDetails(id=f"secgate/{tool}/"),
        invocations=[_build_invocation(r) for r in scanner_runs] or None,
        results=[],
        original_uri_base_ids={
            SRCROOT: om.ArtifactLocation(
                description=om.Message(text="The root of the scanned repository.")
            )
        },
        column_kind="unicodeCodePoints",
    )
    return run, rules


def _build_rule(finding: Finding, score: float) -> om.ReportingDescriptor:
    short = finding.rule_description or finding.rule_name or finding.rule_id
    full = finding.rule_help or short
    tags = sorted(
        {
            "security",
            finding.category.value,
            *finding.tags,
            *(f"external/cwe/{c.lower()}" for c in finding.cwes),
        }
    )
    return om.ReportingDescriptor(
        id=finding.rule_id,
        name=_rule_name(finding),
        short_description=om.MultiformatMessageString(text=short),
        full_description=om.MultiformatMessageString(text=full),
        help=om.MultiformatMessageString(text=full),
        help_uri=finding.help_uri,
        default_configuration=om.ReportingConfiguration(level=finding.severity.sarif_level.value),
        properties={
            "tags": tags,
            "security-severity": f"{score:.1f}",
            "precision": _precision(finding.confidence),
            "secgate": _rule_properties(finding),
        },
    )


def _rule_name(finding: Finding) -> str | None:
    """A SARIF rule name: an identifier without spaces (GitHub shows it)."""
    raw = finding.rule_name or finding.rule_id
    name = "".join(
        part[:1].upper() + part[1:]
        for part in "".join(c if c.isalnum() else " " for c in raw).split()
    )
    return name or None


def _precision(confidence: str | None) -> str:
    return {"high": "high", "medium": "medium", "low": "low"}.get(
        (confidence or "").lower(), "medium"
    )


def _finding_properties(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = finding.model_dump(mode="json", exclude_none=True, exclude=_RULE_FIELDS)
    if finding.fixable:
        data["fixable"] = True
        data["lowest_fixed_version"] = finding.lowest_fixed_version
    return data


def _rule_properties(finding: Finding) -> dict[str, Any]:
    return finding.model_dump(mode="json", exclude_none=True, include=_RULE_FIELDS)


def _build_invocation(run: ScannerRun) -> om.Invocation:
    notifications = []
    if run.error:
        notifications.append(
            om.Notification(
                level="error",
                message=om.Message(text=run.error),
                descriptor=om.ReportingDescriptorReference(id=f"secgate/{run.status.value}"),
            )
        )
    notifications.extend(
        om.Notification(level="note", message=om.Message(text=note)) for note in run.notes
    )
    return om.Invocation(
        execution_successful=run.succeeded,
        command_line=shlex.join(run.command) if run.command else None,
        exit_code=run.exit_code,
        start_time_utc=run.started_at,
        tool_execution_notifications=notifications or None,
        properties={"secgate": run.model_dump(mode="json", exclude_none=True)},
    )
