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
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlparse

from pydantic import BaseModel, ValidationError

from secgate.errors import InputError
from secgate.files import fields
from secgate.findings.ids import normalize_cwe
from secgate.model import (
    Category,
    Finding,
    Level,
    Location,
    Record,
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
    """One SARIF result with the run and rule it belongs to, each checked to be an object, and
    the pointer of the result (``runs[0].results[3]``) for errors about its fields."""

    run: dict[str, Any]
    result: dict[str, Any]
    rule: dict[str, Any]
    tool: str
    tool_version: str | None
    where: str = ""
    rule_where: str = ""

    @property
    def rule_id(self) -> str:
        reference = fields.obj_or_empty(self.result, "rule", self.where)
        rid = (
            fields.scalar_text(self.result, "ruleId", self.where)
            or fields.scalar_text(reference, "id", fields.at(self.where, "rule"))
            or fields.scalar_text(self.rule, "id", self.rule_where)
        )
        return rid or "unknown-rule"

    @property
    def properties(self) -> dict[str, Any]:
        return fields.obj_or_empty(self.result, "properties", self.where)

    @property
    def rule_properties(self) -> dict[str, Any]:
        return fields.obj_or_empty(self.rule, "properties", self.rule_where)

    @property
    def kind(self) -> str:
        """The result's ``kind`` (``fail`` when absent)."""
        return fields.opt_str(self.result, "kind", self.where) or "fail"


def is_sarif(doc: Any) -> bool:
    """True when ``doc`` looks like a SARIF 2.x log."""
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        return False
    version, schema = doc.get("version"), doc.get("$schema")
    return (isinstance(version, str) and version.startswith("2.")) or (
        isinstance(schema, str) and "sarif" in schema
    )


def driver_of(run: dict[str, Any], where: str = "") -> dict[str, Any]:
    """The run's ``tool.driver`` (``{}`` when absent)."""
    tool = fields.obj_or_empty(run, "tool", where)
    return fields.obj_or_empty(tool, "driver", fields.at(where, "tool"))


def driver_name(run: Any) -> str:
    """The run's ``tool.driver.name`` as written, or "" when it has none (or is malformed):
    for detection, which must never fail."""
    if not isinstance(run, dict):
        return ""
    tool = run.get("tool")
    driver = tool.get("driver") if isinstance(tool, dict) else None
    name = driver.get("name") if isinstance(driver, dict) else None
    return name if isinstance(name, str) else ""


def tool_name(run: dict[str, Any]) -> str:
    """The run's tool as secgate names it (lower case, no "OSS"/"Scanner" suffixes)."""
    name = (driver_name(run) or "unknown").strip().lower()
    name = re.sub(r"\s+(oss|scanner|cli)$", "", name)
    return re.sub(r"\s+", "-", name) or "unknown"


def runs_of(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every run of a SARIF log with its pointer (``runs[0]``), each checked to be an object."""
    if not is_sarif(doc):
        raise InputError("not a SARIF 2.1.0 log (no 'runs' list or version 2.x)")
    return fields.objects(doc, "runs", "")


def iter_results(doc: dict[str, Any]) -> Iterator[ResultView]:
    """Every result of every run, with its rule resolved by index or id."""
    for where, run in runs_of(doc):
        driver = driver_of(run, where)
        driver_where = fields.at(fields.at(where, "tool"), "driver")
        rules = fields.objects(driver, "rules", driver_where)
        by_id: dict[str, tuple[str, dict[str, Any]]] = {}
        for rule_where, rule in rules:
            rule_id = fields.scalar_text(rule, "id", rule_where)
            if rule_id is not None:
                by_id.setdefault(rule_id, (rule_where, rule))
        tool = tool_name(run)
        version = fields.scalar_text(driver, "semanticVersion", driver_where) or fields.scalar_text(
            driver, "version", driver_where
        )
        for result_where, result in fields.objects(run, "results", where):
            reference = fields.obj_or_empty(result, "rule", result_where)
            index = result.get("ruleIndex")
            if index is None:
                index = reference.get("index")
            found: tuple[str, dict[str, Any]] = ("", {})
            if type(index) is int and 0 <= index < len(rules):
                found = rules[index]
            else:
                rid = fields.scalar_text(result, "ruleId", result_where) or fields.scalar_text(
                    reference, "id", fields.at(result_where, "rule")
                )
                if rid is not None:
                    found = by_id.get(rid, found)
            yield ResultView(run, result, found[1], tool, version, result_where, found[0])


def effective_level(view: ResultView) -> Level:
    """The result's level by the spec's precedence."""
    level = fields.opt_str(view.result, "level", view.where)
    if level:
        return _level(level, fields.at(view.where, "level"))
    if view.kind != "fail":
        return Level.NONE
    rule_id = view.rule.get("id")
    for where, invocation in fields.objects(view.run, "invocations", ""):
        for place, override in fields.objects(invocation, "ruleConfigurationOverrides", where):
            descriptor = fields.obj_or_empty(override, "descriptor", place)
            if rule_id is not None and descriptor.get("id") == rule_id:
                configuration = fields.obj_or_empty(override, "configuration", place)
                override_level = fields.opt_str(configuration, "level", place)
                if override_level:
                    return _level(override_level, fields.at(place, "configuration.level"))
    configuration = fields.obj_or_empty(view.rule, "defaultConfiguration", view.rule_where)
    default = fields.opt_str(configuration, "level", view.rule_where)
    if default:
        return _level(default, fields.at(view.rule_where, "defaultConfiguration.level"))
    return Level.WARNING


def _level(value: str, where: str) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise fields.fail(where, "not a SARIF level (error, warning, note or none)") from None


def read_findings(doc: dict[str, Any]) -> list[Finding]:
    """Findings from any SARIF log; secgate's own results come back exactly as written."""
    findings = []
    for view in iter_results(doc):
        if view.kind in _SKIPPED_KINDS:
            continue
        own = view.properties.get("secgate")
        finding = _own_finding(view, own) if isinstance(own, dict) else generic_finding(view)
        findings.append(finding)
    return findings


def read_runs(doc: dict[str, Any]) -> list[ScannerRun]:
    """The ``ScannerRun`` records secgate wrote into its own SARIF's invocations."""
    runs = []
    for where, run in runs_of(doc):
        for place, invocation in fields.objects(run, "invocations", where):
            own = fields.obj_or_empty(invocation, "properties", place).get("secgate")
            if isinstance(own, dict):
                runs.append(validated(ScannerRun, own, fields.at(place, "properties.secgate")))
    return runs


def secgate_properties(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The log-level ``properties.secgate`` block of a SARIF secgate wrote, else None."""
    props = doc.get("properties") if isinstance(doc, dict) else None
    own = props.get("secgate") if isinstance(props, dict) else None
    return own if isinstance(own, dict) else None


def _own_finding(view: ResultView, own: dict[str, Any]) -> Finding:
    where = fields.at(view.where, "properties.secgate")
    data = {
        k: v
        for k, v in own.items()
        if k not in {"lowest_fixed_version", "fixable", CLEARED_RULE_FIELDS}
    }
    rule_own = view.rule_properties.get("secgate")
    if isinstance(rule_own, dict):
        cleared_list = own.get(CLEARED_RULE_FIELDS)
        cleared = (
            {c for c in cleared_list if isinstance(c, str)}
            if isinstance(cleared_list, list)
            else set()
        )
        for key, value in rule_own.items():
            if key not in cleared:
                data.setdefault(key, value)
    return validated(Finding, data, where)


_M = TypeVar("_M", bound=BaseModel | Record)


def validated(model: type[_M], data: Any, where: str) -> _M:
    """``data`` read into ``model`` (a block secgate wrote itself); an ``InputError`` with the
    pointer of the first bad field and no value from the file."""
    if isinstance(data, dict) and isinstance(data.get("properties"), dict):
        fields.json_value(data["properties"], fields.at(where, "properties"))
    try:
        return cast(_M, model.model_validate(data))  # a model's or a record's own class
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        place = where
        for part in err["loc"]:
            place = fields.at(place, part)
        raise fields.fail(place, str(err["msg"])) from None


def generic_finding(view: ResultView) -> Finding:
    """A finding from what SARIF itself says, for tools secgate has no adapter for."""
    result, rule = view.result, view.rule
    level = effective_level(view)
    score = _security_severity(view)
    severity = Severity.from_score(score) if score is not None else _severity_from_level(level)
    tags = _tags(view)
    cwes = sorted(
        {c for c in (normalize_cwe(f"CWE-{m}") for t in tags for m in _CWE_RE.findall(t)) if c}
    )
    where = view.where
    fingerprints = fields.obj_or_empty(result, "partialFingerprints", where)
    fingerprint_where = fields.at(where, "partialFingerprints")
    rule_where = view.rule_where
    return Finding(
        tool=view.tool,
        tool_version=view.tool_version,
        rule_id=view.rule_id,
        rule_name=fields.scalar_text(rule, "name", rule_where),
        rule_description=text_of(rule, "shortDescription", rule_where),
        rule_help=text_of(rule, "fullDescription", rule_where) or text_of(rule, "help", rule_where),
        help_uri=fields.text(rule, "helpUri", rule_where),
        category=_category(tags),
        severity=severity,
        score=score if score is not None else severity.default_score,
        level=level,
        message=message_text(view),
        location=first_location(result, where),
        cwes=cwes,
        tags=sorted(t for t in tags if not _CWE_RE.search(t)),
        line_hash=fields.text(fingerprints, LINE_HASH_KEY, fingerprint_where),
        fingerprint=fields.text(fingerprints, FINGERPRINT_KEY, fingerprint_where),
        sources=[Source.of(view.tool, view.rule_id)],
        suppression=_suppression(result, where),
    )


def message_text(view: ResultView) -> str:
    """The result's message: its text, else the rule's message string it names, else the rule."""
    where = fields.at(view.where, "message")
    message = fields.obj_or_empty(view.result, "message", view.where)
    text = fields.opt_str(message, "text", where)
    message_id = fields.scalar_text(message, "id", where)
    if not text and message_id:
        strings_where = fields.at(view.rule_where, "messageStrings")
        strings = fields.obj_or_empty(view.rule, "messageStrings", view.rule_where)
        text = fields.opt_str(
            fields.obj_or_empty(strings, message_id, strings_where),
            "text",
            fields.at(strings_where, message_id),
        )
        arguments = fields.opt_array(message, "arguments", where)
        for i, arg in enumerate(arguments[:_MAX_ARGUMENTS]):
            if isinstance(arg, (dict, list)):
                raise fields.wrong(f"{where}.arguments[{i}]", "a string", arg)
            text = (text or "").replace("{" + str(i) + "}", str(arg))
    return text or text_of(view.rule, "shortDescription", view.rule_where) or view.rule_id


_MAX_ARGUMENTS = 100


def first_location(result: dict[str, Any], where: str = "") -> Location | None:
    """The first physical location of a result, with a path as the tool wrote it (normalized
    to the scan root later by ``secgate.findings.normalize``)."""
    for place, loc in fields.objects(result, "locations", where):
        physical = fields.obj_or_empty(loc, "physicalLocation", place)
        physical_where = fields.at(place, "physicalLocation")
        artifact = fields.obj_or_empty(physical, "artifactLocation", physical_where)
        artifact_where = fields.at(physical_where, "artifactLocation")
        uri = fields.text(artifact, "uri", artifact_where)
        if not uri:
            continue
        uri_where = fields.at(artifact_where, "uri")
        region = fields.obj_or_empty(physical, "region", physical_where)
        region_where = fields.at(physical_where, "region")
        return Location(
            path=fields.path_text(uri_to_path(fields.path_text(uri, uri_where)), uri_where),
            start_line=fields.line(region, "startLine", region_where),
            end_line=fields.line(region, "endLine", region_where),
            start_column=fields.line(region, "startColumn", region_where),
            end_column=fields.line(region, "endColumn", region_where),
            snippet=text_of(region, "snippet", region_where),
        )
    return None


def uri_to_path(uri: str) -> str:
    """A file path from a SARIF artifact URI (``file://`` URIs and percent-escapes undone)."""
    if uri.startswith("file:"):
        try:
            parsed = urlparse(uri)
        except ValueError:  # a malformed IPv6 host, say
            raise InputError("not a valid file URI") from None
        return unquote(parsed.path)
    return unquote(uri)


def text_of(container: dict[str, Any], key: str, where: str) -> str | None:
    """The text of a SARIF message object ``container[key]`` (``text``, else ``markdown``)."""
    message = fields.opt_obj(container, key, where)
    if message is None:
        return None
    place = fields.at(where, key)
    return fields.text(message, "text", place) or fields.text(message, "markdown", place)


def _security_severity(view: ResultView) -> float | None:
    for props in (view.properties, view.rule_properties):
        raw = props.get("security-severity")
        if raw is None or isinstance(raw, bool):
            continue
        if isinstance(raw, (int, float)):
            score = float(raw)
        elif isinstance(raw, str):
            try:
                score = float(raw)
            except ValueError:
                continue
        else:
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
    for props, where in ((view.rule_properties, view.rule_where), (view.properties, view.where)):
        for tag in fields.opt_array(props, "tags", fields.at(where, "properties")):
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


def _suppression(result: dict[str, Any], where: str = "") -> Suppression | None:
    for place, supp in fields.objects(result, "suppressions", where):
        if supp.get("status") == "rejected":
            continue
        kind = (
            SuppressionKind.INLINE if supp.get("kind") == "inSource" else SuppressionKind.EXTERNAL
        )
        return Suppression(kind=kind, justification=fields.opt_str(supp, "justification", place))
    return None
