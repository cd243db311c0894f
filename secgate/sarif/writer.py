"""Writing a ``ScanResult`` as SARIF 2.1.0, built on sarif-om.

One run per tool, each with its rules, its invocations (a failed scanner is an invocation with
``executionSuccessful: false`` and an error notification) and a distinct
``automationDetails.id``. Each result carries secgate's normalized finding in
``properties.secgate`` so that ``secgate.sarif.reader`` gets back an equal ``Finding``.
Output is deterministic: runs, rules and results are sorted, and the only time-dependent values
sit in each run's invocation block.
"""

from __future__ import annotations

import json
import shlex
from collections import defaultdict
from typing import Any
from urllib.parse import quote

import sarif_om as om

from secgate.model import Finding, ScannerRun, ScanResult
from secgate.sarif import SARIF_SCHEMA_URI, SARIF_VERSION
from secgate.sarif.serialize import to_json

FINGERPRINT_KEY = "secgate/v1"
"""The ``partialFingerprints`` key that holds secgate's own fingerprint."""
LINE_HASH_KEY = "primaryLocationLineHash"
SRCROOT = "%SRCROOT%"
_RULE_FIELDS = {"rule_name", "rule_description", "rule_help", "help_uri"}
CLEARED_RULE_FIELDS = "rule_fields_absent"
"""Lists the rule texts a result lacks although its SARIF rule has them."""

TOOL_INFO_URIS = {
    "bandit": "https://github.com/PyCQA/bandit",
    "semgrep": "https://semgrep.dev",
    "gitleaks": "https://github.com/gitleaks/gitleaks",
    "trufflehog": "https://github.com/trufflesecurity/trufflehog",
    "pip-audit": "https://github.com/pypa/pip-audit",
    "safety": "https://github.com/pyupio/safety",
    "trivy": "https://trivy.dev",
    "pip-licenses": "https://github.com/raimon49/pip-licenses",
}


def build_log(result: ScanResult) -> om.SarifLog:
    """The sarif-om log for ``result``."""
    by_tool: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_tool[finding.tool].append(finding)
    runs_by_tool: dict[str, list[ScannerRun]] = defaultdict(list)
    for run in result.runs:
        runs_by_tool[run.tool].append(run)
    tools = sorted(set(by_tool) | set(runs_by_tool))
    runs = [_build_run(tool, sorted(by_tool[tool], key=Finding.sort_key), runs_by_tool[tool])
            for tool in tools]
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
    return om.SarifLog(version=SARIF_VERSION, schema_uri=SARIF_SCHEMA_URI, runs=runs,
                       properties=properties)


def to_dict(result: ScanResult) -> dict[str, Any]:
    """The SARIF document for ``result`` as plain JSON data."""
    log = build_log(result)
    runs, log.runs = log.runs, []
    doc: dict[str, Any] = to_json(log)
    runs.reverse()
    while runs:  # one run at a time: each run's sarif-om objects are freed once converted
        doc["runs"].append(to_json(runs.pop()))
    return doc


def dumps(result: ScanResult) -> str:
    """The SARIF document as text: the same result always gives the same bytes."""
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"


def _build_run(tool: str, findings: list[Finding], scanner_runs: list[ScannerRun]) -> om.Run:
    rules: dict[str, Finding] = {}
    for finding in findings:
        rules.setdefault(finding.rule_id, finding)
    rule_ids = sorted(rules)
    rule_index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    max_score: dict[str, float] = defaultdict(float)
    for finding in findings:
        max_score[finding.rule_id] = max(max_score[finding.rule_id], finding.score)
    version = next((r.version for r in scanner_runs if r.version), None) or next(
        (f.tool_version for f in findings if f.tool_version), None)
    driver = om.ToolComponent(
        name=tool,
        version=version,
        information_uri=TOOL_INFO_URIS.get(tool),
        rules=[_build_rule(rules[r], max_score[r]) for r in rule_ids],
    )
    return om.Run(
        tool=om.Tool(driver=driver),
        automation_details=om.RunAutomationDetails(id=f"secgate/{tool}/"),
        invocations=[_build_invocation(r) for r in scanner_runs] or None,
        results=[_build_result(f, rule_index[f.rule_id], rules[f.rule_id]) for f in findings],
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(description=om.Message(
            text="The root of the scanned repository."))},
        column_kind="unicodeCodePoints",
    )


def _build_rule(finding: Finding, score: float) -> om.ReportingDescriptor:
    short = finding.rule_description or finding.rule_name or finding.rule_id
    full = finding.rule_help or short
    tags = sorted({"security", finding.category.value, *finding.tags,
                   *(f"external/cwe/{c.lower()}" for c in finding.cwes)})
    return om.ReportingDescriptor(
        id=finding.rule_id,
        name=_rule_name(finding),
        short_description=om.MultiformatMessageString(text=short),
        full_description=om.MultiformatMessageString(text=full),
        help=om.MultiformatMessageString(text=full),
        help_uri=finding.help_uri,
        default_configuration=om.ReportingConfiguration(level=finding.severity.sarif_level.value),
        properties={"tags": tags, "security-severity": f"{score:.1f}",
                    "precision": _precision(finding.confidence),
                    "secgate": _rule_properties(finding)},
    )


def _rule_name(finding: Finding) -> str | None:
    """A SARIF rule name: an identifier without spaces (GitHub shows it)."""
    raw = finding.rule_name or finding.rule_id
    name = "".join(part[:1].upper() + part[1:] for part in
                   "".join(c if c.isalnum() else " " for c in raw).split())
    return name or None


def _precision(confidence: str | None) -> str:
    return {"high": "high", "medium": "medium", "low": "low"}.get(
        (confidence or "").lower(), "medium")


def _build_result(finding: Finding, rule_index: int, rule: Finding) -> om.Result:
    fingerprints = {FINGERPRINT_KEY: finding.fingerprint} if finding.fingerprint else {}
    if finding.line_hash:
        fingerprints[LINE_HASH_KEY] = finding.line_hash
    own = _finding_properties(finding)
    # rule texts live on the rule; a result keeps only those that differ from its rule's
    own.update({k: v for k, v in _rule_properties(finding).items()
                if getattr(rule, k) != getattr(finding, k)})
    cleared = sorted(k for k in _RULE_FIELDS
                     if getattr(finding, k) is None and getattr(rule, k) is not None)
    if cleared:
        own[CLEARED_RULE_FIELDS] = cleared
    properties: dict[str, Any] = {"secgate": own}
    if finding.tags:
        properties["tags"] = sorted(finding.tags)
    return om.Result(
        rule_id=finding.rule_id,
        rule_index=rule_index,
        level=finding.level.value,
        kind="fail",
        message=om.Message(text=finding.message or finding.rule_id),
        locations=[_build_location(finding)] if finding.location else None,
        partial_fingerprints=fingerprints or None,
        baseline_state=_baseline_state(finding),
        suppressions=[_build_suppression(finding)] if finding.suppression else None,
        properties=properties,
    )


def _finding_properties(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = finding.model_dump(mode="json", exclude_none=True,
                                              exclude=_RULE_FIELDS)
    if finding.fixable:
        data["fixable"] = True
        data["lowest_fixed_version"] = finding.lowest_fixed_version
    return data


def _rule_properties(finding: Finding) -> dict[str, Any]:
    return finding.model_dump(mode="json", exclude_none=True, include=_RULE_FIELDS)


def _build_location(finding: Finding) -> om.Location:
    loc = finding.location
    assert loc is not None  # noqa: S101 - guarded by the caller
    region = None
    if loc.start_line and loc.start_line >= 1:
        end_line = loc.end_line if loc.end_line and loc.end_line >= loc.start_line else None
        start_col = loc.start_column if loc.start_column and loc.start_column >= 1 else None
        end_col = loc.end_column if loc.end_column and loc.end_column >= 1 else None
        if end_col is not None and start_col is not None and (end_line in (None, loc.start_line)) \
                and end_col < start_col:
            end_col = None
        region = om.Region(
            start_line=loc.start_line,
            end_line=end_line,
            start_column=start_col,
            end_column=end_col,
            snippet=om.ArtifactContent(text=loc.snippet) if loc.snippet else None,
        )
    return om.Location(physical_location=om.PhysicalLocation(
        artifact_location=om.ArtifactLocation(uri=quote(loc.path, safe="/@:+,;=!$&'()*~"),
                                              uri_base_id=SRCROOT),
        region=region,
    ))


def _baseline_state(finding: Finding) -> str | None:
    return {"new": "new", "existing": "unchanged"}.get(finding.baseline or "")


def _build_suppression(finding: Finding) -> om.Suppression:
    supp = finding.suppression
    assert supp is not None  # noqa: S101 - guarded by the caller
    return om.Suppression(
        kind="inSource" if supp.kind.value == "inline" else "external",
        justification=supp.justification,
    )


def _build_invocation(run: ScannerRun) -> om.Invocation:
    notifications = []
    if run.error:
        notifications.append(om.Notification(
            level="error", message=om.Message(text=run.error),
            descriptor=om.ReportingDescriptorReference(id=f"secgate/{run.status.value}")))
    notifications.extend(
        om.Notification(level="note", message=om.Message(text=note)) for note in run.notes)
    return om.Invocation(
        execution_successful=run.succeeded,
        command_line=shlex.join(run.command) if run.command else None,
        exit_code=run.exit_code,
        start_time_utc=run.started_at,
        tool_execution_notifications=notifications or None,
        properties={"secgate": run.model_dump(mode="json", exclude_none=True)},
    )
