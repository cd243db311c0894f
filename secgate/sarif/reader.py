"""Reading SARIF 2.1.0 from any tool into findings.

The effective level of a result follows the spec's precedence (SARIF 2.1.0 §3.27.10): the
result's own ``level``; ``none`` when its ``kind`` is not ``fail``; the run's rule configuration
override; the rule's ``defaultConfiguration.level``; else ``warning``. Results that secgate wrote
itself carry the whole normalized finding in ``properties.secgate`` and are read back equal.
Tool-specific adapters (Bandit, Semgrep, Gitleaks, Trivy SARIF) start from ``iter_results`` and
``generic_finding`` and add what they know about their tool.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from pydantic import ValidationError

from secgate.errors import InputError
from secgate.model import (
    Category,
    Finding,
    Level,
    Location,
    ScannerRun,
    Severity,
    Source,
    Suppression,
    SuppressionKind,
)
from secgate.sarif.results import CLEARED_RULE_FIELDS, FINGERPRINT_KEY, LINE_HASH_KEY

_SKIPPED_KINDS = {"pass", "notApplicable"}
_CWE_RE = re.compile(r"CWE[-_ /]?(\d+)", re.IGNORECASE)


@dataclass
class ResultView:
    """One SARIF result with the run and rule it belongs to."""

    run: dict[str, Any]
    result: dict[str, Any]
    rule: dict[str, Any]
    tool: str
    tool_version: str | None

    @property
    def rule_id(self) -> str:
        rid = self.result.get("ruleId") or (self.result.get("rule") or {}).get("id") \
            or self.rule.get("id")
        return str(rid) if rid else "unknown-rule"

    @property
    def properties(self) -> dict[str, Any]:
        props = self.result.get("properties")
        return props if isinstance(props, dict) else {}

    @property
    def rule_properties(self) -> dict[str, Any]:
        props = self.rule.get("properties")
        return props if isinstance(props, dict) else {}


def is_sarif(doc: Any) -> bool:
    """True when ``doc`` looks like a SARIF 2.x log."""
    return isinstance(doc, dict) and isinstance(doc.get("runs"), list) and (
        str(doc.get("version", "")).startswith("2.") or "sarif" in str(doc.get("$schema", "")))


def tool_name(run: dict[str, Any]) -> str:
    """The run's tool as secgate names it (lower case, no "OSS"/"Scanner" suffixes)."""
    driver = (run.get("tool") or {}).get("driver") or {}
    name = str(driver.get("name") or "unknown").strip().lower()
    name = re.sub(r"\s+(oss|scanner|cli)$", "", name)
    return re.sub(r"\s+", "-", name) or "unknown"


def iter_results(doc: dict[str, Any]) -> Iterator[ResultView]:
    """Every result of every run, with its rule resolved by index or id."""
    if not is_sarif(doc):
        raise InputError("not a SARIF 2.1.0 log (no 'runs' list or version 2.x)")
    for run in doc["runs"]:
        if not isinstance(run, dict):
            raise InputError("a SARIF run is not an object")
        driver = (run.get("tool") or {}).get("driver") or {}
        rules = [r for r in driver.get("rules") or [] if isinstance(r, dict)]
        by_id = {str(r.get("id")): r for r in rules}
        tool = tool_name(run)
        version = driver.get("semanticVersion") or driver.get("version")
        for result in run.get("results") or []:
            if not isinstance(result, dict):
                raise InputError("a SARIF result is not an object")
            rule: dict[str, Any] = {}
            index = result.get("ruleIndex", (result.get("rule") or {}).get("index"))
            if isinstance(index, int) and 0 <= index < len(rules):
                rule = rules[index]
            else:
                rid = result.get("ruleId") or (result.get("rule") or {}).get("id")
                rule = by_id.get(str(rid), {}) if rid is not None else {}
            yield ResultView(run, result, rule, tool, str(version) if version else None)


def effective_level(view: ResultView) -> Level:
    """The result's level by the spec's precedence."""
    level = view.result.get("level")
    if level:
        return _level(level)
    if view.result.get("kind", "fail") != "fail":
        return Level.NONE
    rule_id = view.rule.get("id")
    for invocation in view.run.get("invocations") or []:
        for override in invocation.get("ruleConfigurationOverrides") or []:
            descriptor = override.get("descriptor") or {}
            if rule_id is not None and descriptor.get("id") == rule_id:
                override_level = (override.get("configuration") or {}).get("level")
                if override_level:
                    return _level(override_level)
    default = (view.rule.get("defaultConfiguration") or {}).get("level")
    if default:
        return _level(default)
    return Level.WARNING


def _level(value: Any) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise InputError(f"invalid SARIF level {value!r}") from None


def read_findings(doc: dict[str, Any]) -> list[Finding]:
    """Findings from any SARIF log; secgate's own results come back exactly as written."""
    findings = []
    for view in iter_results(doc):
        if view.result.get("kind", "fail") in _SKIPPED_KINDS:
            continue
        own = view.properties.get("secgate")
        finding = _own_finding(view, own) if isinstance(own, dict) else generic_finding(view)
        findings.append(finding)
    return findings


def read_runs(doc: dict[str, Any]) -> list[ScannerRun]:
    """The ``ScannerRun`` records secgate wrote into its own SARIF's invocations."""
    runs = []
    for run in doc.get("runs") or []:
        for invocation in run.get("invocations") or []:
            own = (invocation.get("properties") or {}).get("secgate")
            if isinstance(own, dict):
                try:
                    runs.append(ScannerRun.model_validate(own))
                except ValidationError as exc:
                    raise InputError(f"invalid secgate scanner run: {_first_error(exc)}") from exc
    return runs


def secgate_properties(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The log-level ``properties.secgate`` block of a SARIF secgate wrote, else None."""
    props = (doc.get("properties") or {}).get("secgate")
    return props if isinstance(props, dict) else None


def _own_finding(view: ResultView, own: dict[str, Any]) -> Finding:
    data = {k: v for k, v in own.items() if k not in {"lowest_fixed_version", "fixable",
                                                       CLEARED_RULE_FIELDS}}
    rule_own = view.rule_properties.get("secgate")
    if isinstance(rule_own, dict):
        cleared = set(own.get(CLEARED_RULE_FIELDS) or [])
        for key, value in rule_own.items():
            if key not in cleared:
                data.setdefault(key, value)
    try:
        return Finding.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"invalid secgate finding in SARIF: {_first_error(exc)}") from exc


def generic_finding(view: ResultView) -> Finding:
    """A finding from what SARIF itself says, for tools secgate has no adapter for."""
    result, rule = view.result, view.rule
    level = effective_level(view)
    score = _security_severity(view)
    severity = Severity.from_score(score) if score is not None else _severity_from_level(level)
    tags = _tags(view)
    cwes = sorted({f"CWE-{int(m)}" for t in tags for m in _CWE_RE.findall(t)})
    fingerprints = result.get("partialFingerprints") or {}
    return Finding(
        tool=view.tool,
        tool_version=view.tool_version,
        rule_id=view.rule_id,
        rule_name=rule.get("name"),
        rule_description=_text(rule.get("shortDescription")),
        rule_help=_text(rule.get("fullDescription")) or _text(rule.get("help")),
        help_uri=rule.get("helpUri"),
        category=_category(tags),
        severity=severity,
        score=score if score is not None else severity.default_score,
        level=level,
        message=message_text(view),
        location=first_location(result),
        cwes=cwes,
        tags=sorted(t for t in tags if not _CWE_RE.search(t)),
        line_hash=fingerprints.get(LINE_HASH_KEY),
        fingerprint=fingerprints.get(FINGERPRINT_KEY),
        sources=[Source.of(view.tool, view.rule_id)],
        suppression=_suppression(result),
    )


def message_text(view: ResultView) -> str:
    """The result's message: its text, else the rule's message string it names, else the rule."""
    message = view.result.get("message") or {}
    text = message.get("text")
    if not text and message.get("id"):
        strings = view.rule.get("messageStrings") or {}
        text = (strings.get(message["id"]) or {}).get("text")
        for i, arg in enumerate(message.get("arguments") or []):
            text = (text or "").replace("{" + str(i) + "}", str(arg))
    return str(text or _text(view.rule.get("shortDescription")) or view.rule_id)


def first_location(result: dict[str, Any]) -> Location | None:
    """The first physical location of a result, with a path as the tool wrote it (normalized
    to the scan root later by ``secgate.normalize``)."""
    for loc in result.get("locations") or []:
        physical = (loc or {}).get("physicalLocation") or {}
        artifact = physical.get("artifactLocation") or {}
        uri = artifact.get("uri")
        if not uri:
            continue
        region = physical.get("region") or {}
        snippet = _text(region.get("snippet"))
        return Location(
            path=uri_to_path(str(uri)),
            start_line=region.get("startLine"),
            end_line=region.get("endLine"),
            start_column=region.get("startColumn"),
            end_column=region.get("endColumn"),
            snippet=snippet,
        )
    return None


def uri_to_path(uri: str) -> str:
    """A file path from a SARIF artifact URI (``file://`` URIs and percent-escapes undone)."""
    if uri.startswith("file:"):
        parsed = urlparse(uri)
        return unquote(parsed.path)
    return unquote(uri)


def _text(message: Any) -> str | None:
    if isinstance(message, dict):
        text = message.get("text") or message.get("markdown")
        return str(text) if text else None
    return None


def _security_severity(view: ResultView) -> float | None:
    for props in (view.properties, view.rule_properties):
        raw = props.get("security-severity")
        if raw is None:
            continue
        try:
            score = float(raw)
        except (TypeError, ValueError):
            continue
        if 0.0 <= score <= 10.0:
            return score
    return None


def _severity_from_level(level: Level) -> Severity:
    return {
        Level.ERROR: Severity.HIGH,
        Level.WARNING: Severity.MEDIUM,
        Level.NOTE: Severity.LOW,
        Level.NONE: Severity.INFO,
    }[level]


def _tags(view: ResultView) -> list[str]:
    tags: list[str] = []
    for props in (view.rule_properties, view.properties):
        for tag in props.get("tags") or []:
            if isinstance(tag, str) and tag not in tags:
                tags.append(tag)
    return tags


def _category(tags: list[str]) -> Category:
    lowered = {t.lower() for t in tags}
    for category in Category:
        if category.value in lowered:
            return category
    if lowered & {"secrets", "credentials"}:
        return Category.SECRET
    if lowered & {"vulnerability", "dependency-vulnerability", "sca"}:
        return Category.DEPENDENCY
    if lowered & {"iac", "misconfiguration", "configuration"}:
        return Category.MISCONFIG
    return Category.SAST


def _suppression(result: dict[str, Any]) -> Suppression | None:
    for supp in result.get("suppressions") or []:
        if not isinstance(supp, dict) or supp.get("status") == "rejected":
            continue
        kind = SuppressionKind.INLINE if supp.get("kind") == "inSource" else \
            SuppressionKind.EXTERNAL
        return Suppression(kind=kind, justification=supp.get("justification"))
    return None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])
