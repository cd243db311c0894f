"""Semgrep: multi-language SAST with local rules. Reads its JSON (0.x: ``{line, col}`` positions,
``is_ignored``; 1.x: ``offset`` too, ``extra.lines`` may be ``"requires login"``) and its SARIF;
runs it with secgate's shipped rules and the project's own ``.semgrep.yml``, offline.

Rule ids: Semgrep prefixes each rule id with the directory of its rules file, dots for slashes,
relative to its working directory when the file lies inside it and absolute otherwise
(``work.main.secgate.rules.python-subprocess-shell-true``). In run mode secgate knows the rules
files and strips exactly those prefixes. For ingested files it strips a prefix when the id's last
component is a rule of secgate's shipped set, or when the id does not have the registry's
``<namespace>.<name>.<name>`` shape (see ``rule_id_of``).

Severity comes from ``extra.severity`` and the rule's ``confidence``, ``likelihood`` and
``impact`` metadata (see ``severity_of`` and ``docs/severity.md``). Results silenced with
``nosemgrep`` are left out of Semgrep 1.x JSON altogether; 0.x JSON marks them ``is_ignored`` and
SARIF keeps them with an ``inSource`` suppression: both become an inline ``Suppression``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import yaml

from secgate.adapters import semgrep_supply_chain as supply_chain
from secgate.adapters.credentials import is_credential_rule, mask_values, string_literals
from secgate.adapters.interface import Adapter, Invocation, ParseResult, RunContext, Sample
from secgate.errors import InputError
from secgate.files import fields, scanned_tree
from secgate.files.project import has_python_files, invocation_notes
from secgate.files.reading import decode_json
from secgate.findings.ids import normalize_cwe
from secgate.findings.secrets import make_secret
from secgate.model import (
    Category,
    Finding,
    Level,
    Location,
    Severity,
    Source,
    Suppression,
    SuppressionKind,
)
from secgate.sarif.reader import (
    ResultView,
    driver_name,
    driver_of,
    effective_level,
    first_location,
    is_sarif,
    iter_results,
    message_text,
    runs_of,
    secgate_properties,
    text_of,
)

NAME = "semgrep"
RULES_PACKAGE = "secgate.rules"
RULES_FILE = "python.yml"
PROJECT_CONFIGS = (".semgrep.yml", ".semgrep.yaml")
"""A project's own rules, added to secgate's when present at the top of the scanned directory."""

_NO_SOURCE = "requires login"

BASE_SEVERITY: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "LOW": Severity.LOW,
    "INVENTORY": Severity.INFO,
    "EXPERIMENT": Severity.INFO,
}
"""Semgrep's ``severity`` (classic ERROR/WARNING/INFO and newer CRITICAL/HIGH/MEDIUM/LOW) ->
secgate severity before the metadata adjustments. Unknown values count as medium."""

BASE_SCORE: dict[Severity, float] = {
    Severity.CRITICAL: 9.5,
    Severity.HIGH: 8.0,
    Severity.MEDIUM: 5.5,
    Severity.LOW: 2.5,
    Severity.INFO: 0.0,
}
_BANDS: dict[Severity, tuple[float, float]] = {
    Severity.CRITICAL: (9.0, 10.0),
    Severity.HIGH: (7.0, 8.9),
    Severity.MEDIUM: (4.0, 6.9),
    Severity.LOW: (0.1, 3.9),
    Severity.INFO: (0.0, 0.0),
}
_STEP = 0.3
_LOWER = {
    Severity.CRITICAL: Severity.HIGH,
    Severity.HIGH: Severity.MEDIUM,
    Severity.MEDIUM: Severity.LOW,
    Severity.LOW: Severity.LOW,
    Severity.INFO: Severity.INFO,
}
_LEVEL_SEVERITY = {
    Level.ERROR: "ERROR",
    Level.WARNING: "WARNING",
    Level.NOTE: "INFO",
    Level.NONE: "INFO",
}
_CONFIDENCE_TAG = re.compile(r"^(HIGH|MEDIUM|LOW) CONFIDENCE$", re.IGNORECASE)
_RULE_ID_LINE = re.compile(r"^\s*-\s*id:\s*['\"]?([A-Za-z0-9_.-]+)", re.MULTILINE)


@functools.lru_cache(maxsize=1024)
def severity_of(
    semgrep_severity: str | None,
    confidence: str | None = None,
    likelihood: str | None = None,
    impact: str | None = None,
) -> tuple[Severity, float]:
    """secgate's severity and score for a Semgrep result.

    The severity comes from Semgrep's own; a LOW ``confidence`` lowers it one step (never below
    low). Inside the band, each HIGH ``confidence``/``likelihood``/``impact`` adds 0.3 to the
    band's base score and each LOW ``likelihood``/``impact`` takes 0.3 off, clamped to the band.
    """
    key = (semgrep_severity or "").strip().upper()
    severity = BASE_SEVERITY.get(key, Severity.MEDIUM)
    conf, like, imp = (_level_word(v) for v in (confidence, likelihood, impact))
    if conf == "LOW":
        severity = _LOWER[severity]
    score = BASE_SCORE[severity]
    if severity is not Severity.INFO:
        score += _STEP * sum(1 for v in (conf, like, imp) if v == "HIGH")
        score -= _STEP * sum(1 for v in (like, imp) if v == "LOW")
    low, high = _BANDS[severity]
    return severity, round(min(max(score, low), high), 1)


def _level_word(value: Any) -> str | None:
    return str(value).strip().upper() if isinstance(value, str) and value.strip() else None


class SemgrepAdapter(Adapter):
    """Semgrep's JSON and SARIF output, and running Semgrep with local rules."""

    name: ClassVar[str] = NAME
    categories: ClassVar[frozenset[Category]] = frozenset({Category.SAST})
    version_in_output: ClassVar[bool] = True
    executable: ClassVar[str | None] = "semgrep"
    starts_first: ClassVar[bool] = True
    distribution: ClassVar[str | None] = "semgrep"
    install_hint: ClassVar[str] = "pip install semgrep"
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0, 1})
    limitations: ClassVar[str] = (
        "registry rulesets (p/..., auto) need the network: secgate "
        "runs its shipped rules and the project's .semgrep.yml"
    )
    config_files: ClassVar[tuple[str, ...]] = (".semgrepignore", *PROJECT_CONFIGS)

    def __init__(self) -> None:
        self._rule_prefixes: tuple[str, ...] | None = None
        """The rule-id prefixes of the rules files of this adapter's run; None when ingesting."""

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        doc = sample.json
        return is_semgrep_json(doc) or is_semgrep_sarif(doc)

    def parse(self, data: bytes) -> ParseResult:
        doc = decode_json(data)
        if is_semgrep_sarif(doc):
            return parse_sarif(doc, self._rule_prefixes)
        if isinstance(doc, dict) and isinstance(doc.get("results"), list):
            return parse_json(doc, self._rule_prefixes)
        raise InputError(
            "not Semgrep output (expected Semgrep JSON with 'results' and "
            "'errors', or SARIF from Semgrep)"
        )

    # --- run ------------------------------------------------------------------------------
    def skip_reason(self, target: Path) -> str | None:
        if project_config(target) is not None or has_python_files(target):
            return None
        return "no Python files and no .semgrep.yml to scan"

    def invocation(self, ctx: RunContext) -> Invocation:
        """``semgrep scan --config <shipped> [--config .semgrep.yml] --json ... -o OUT .`` run
        inside the target, offline: no metrics, no version check, no registry."""
        cwd = ctx.target
        configs = [shipped_rules(ctx.work_dir)]
        project = project_config(ctx.target)
        if project is not None:
            configs.append(project)
        self._rule_prefixes = tuple(rule_prefix(config, cwd) for config in configs)
        output = ctx.work_dir / "semgrep.json"
        argv = [ctx.executable, "scan"]
        for config in configs:
            argv += ["--config", str(config)]
        argv += [
            "--json",
            "--metrics",
            "off",
            "--disable-version-check",
            "--quiet",
            "-o",
            str(output),
            ".",
        ]
        env = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
        return Invocation(argv=argv, output=output, cwd=cwd, env=env)


def shipped_rules(work_dir: Path) -> Path:
    """The path of secgate's shipped rules file (copied into ``work_dir`` when the package is
    not a plain directory, e.g. a zip)."""
    resource = resources.files(RULES_PACKAGE) / RULES_FILE
    if isinstance(resource, Path):
        return resource.resolve()
    copy = work_dir / "rules" / RULES_FILE
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(resource.read_bytes())
    return copy


@functools.cache
def shipped_rule_ids() -> frozenset[str]:
    """The ids of the rules secgate ships."""
    text = (resources.files(RULES_PACKAGE) / RULES_FILE).read_text(encoding="utf-8")
    return frozenset(_RULE_ID_LINE.findall(text))


def project_config(target: Path) -> Path | None:
    """The project's own Semgrep rules file at the top of ``target``, if any."""
    for name in PROJECT_CONFIGS:
        path = scanned_tree.regular_file(target, name)
        if path is not None:
            return path
    return None


def rule_prefix(config: Path, cwd: Path) -> str:
    """The prefix Semgrep gives the ids of the rules in ``config`` when run in ``cwd``
    (measured with 1.185.0): the rules file's directory relative to ``cwd`` when inside it,
    else its absolute path, with dots for slashes; empty for a file directly in ``cwd``."""
    parent = config.parent
    try:
        parts = parent.relative_to(cwd).parts
    except ValueError:
        parts = parent.parts[1:]
    return ".".join(parts)


@functools.lru_cache(maxsize=4096)
def _rule_id(check_id: str, prefixes: tuple[str, ...] | None) -> str:
    return rule_id_of(check_id, prefixes)


def rule_id_of(check_id: str, prefixes: Iterable[str] | None = None) -> str:
    """The rule's own id from Semgrep's ``check_id``.

    With the run's ``prefixes`` known, the longest matching one is stripped. Otherwise (and when
    none matches) a prefix is stripped when the last dotted component is a shipped secgate rule,
    and for ingested files when the id is dotted but does not end in ``<name>.<name>`` (the
    registry's own id shape, kept whole).
    """
    known = list(prefixes) if prefixes is not None else None
    for prefix in sorted(known or [], key=len, reverse=True):
        if prefix and check_id.startswith(prefix + ".") and len(check_id) > len(prefix) + 1:
            return check_id[len(prefix) + 1 :]
    parts = check_id.split(".")
    if len(parts) < 2:
        return check_id
    if parts[-1] in shipped_rule_ids():
        return parts[-1]
    if known is None and parts[-1] != parts[-2]:
        return parts[-1]
    return check_id


# --- detection -------------------------------------------------------------------------------
def is_semgrep_json(doc: Any) -> bool:
    """Semgrep's JSON: ``results`` (with ``check_id`` and ``extra``) beside ``errors``."""
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        return False
    if not isinstance(doc.get("errors"), list):
        return False
    results = doc["results"]
    if not results:
        return "paths" in doc or "version" in doc or set(doc) == {"errors", "results"}
    first = results[0]
    return isinstance(first, dict) and "check_id" in first and "extra" in first


def is_semgrep_sarif(doc: Any) -> bool:
    """SARIF whose every run is Semgrep's (secgate's own SARIF is left to the generic reader)."""
    if not is_sarif(doc) or secgate_properties(doc) is not None or not doc["runs"]:
        return False
    return all("semgrep" in driver_name(run).lower() for run in doc["runs"])


# --- JSON ------------------------------------------------------------------------------------
def parse_json(doc: dict[str, Any], prefixes: Iterable[str] | None = None) -> ParseResult:
    """Findings from Semgrep's JSON report."""
    known = tuple(prefixes) if prefixes is not None else None
    parsed = ParseResult(tool_version=fields.scalar_text(doc, "version", ""))
    rules: dict[tuple[Any, ...], _Rule] = {}
    for where, result in fields.objects(doc, "results", ""):
        parsed.findings.append(_json_finding(where, result, known, parsed, rules))
    errors = fields.objects(doc, "errors", "")
    parsed.notes.extend(_error_note(e, where) for where, e in errors)
    paths = fields.obj_or_empty(doc, "paths", "")
    scanned = paths.get("scanned")
    fatal = [e for _, e in errors if e.get("level") == "error" and not e.get("path")]
    if not parsed.findings and (scanned == [] or fatal):
        parsed.incomplete = True
        parsed.notes.append(
            "semgrep examined no file"
            if scanned == []
            else "semgrep reported errors and no results"
        )
    return parsed


def _json_finding(
    where: str,
    result: dict[str, Any],
    prefixes: tuple[str, ...] | None,
    parsed: ParseResult,
    rules: dict[tuple[Any, ...], _Rule],
) -> Finding:
    for key in ("check_id", "path", "start"):
        if key not in result:
            raise fields.fail(where, f"missing {key!r}")
    extra = fields.obj_or_empty(result, "extra", where)
    extra_where = fields.at(where, "extra")
    raw_metadata = extra.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    start = fields.obj_or_empty(result, "start", where)
    end = fields.obj_or_empty(result, "end", where)
    start_where, end_where = fields.at(where, "start"), fields.at(where, "end")
    lines = fields.opt_str(extra, "lines", extra_where)
    snippet = (
        lines.rstrip("\n") if lines and lines.strip() and lines.strip() != _NO_SOURCE else None
    )
    check_id = fields.req_str(result, "check_id", where)
    path = fields.opt_path(result, "path", where)
    if path is None:
        raise fields.fail(fields.at(where, "path"), "missing")
    location = Location(
        path=path,
        start_line=fields.line(start, "line", start_where),
        end_line=fields.line(end, "line", end_where),
        start_column=fields.line(start, "col", start_where),
        end_column=fields.line(end, "col", end_where),
        snippet=snippet,
    )
    suppression = (
        Suppression(kind=SuppressionKind.INLINE, justification="nosemgrep")
        if extra.get("is_ignored") is True
        else None
    )
    message = fields.scalar_text(extra, "message", extra_where) or check_id
    rule = _json_rule(
        check_id, prefixes, fields.scalar_text(extra, "severity", extra_where), metadata, rules
    )
    finding = _finding(
        rule,
        parsed=parsed,
        message=message,
        location=location,
        suppression=suppression,
    )
    if supply_chain.is_supply_chain(extra):
        return supply_chain.from_json(finding, extra, extra_where)
    return finding


_RULE_METADATA = (
    "cwe",
    "confidence",
    "likelihood",
    "impact",
    "source",
    "shortlink",
    "references",
    "category",
    "subcategory",
    "technology",
)
"""The metadata a JSON result's rule facts come from (``_json_rule``)."""


def _json_rule(
    check_id: str,
    prefixes: tuple[str, ...] | None,
    semgrep_severity: str | None,
    metadata: dict[str, Any],
    rules: dict[tuple[Any, ...], _Rule],
) -> _Rule:
    """The rule facts of a JSON result, worked out once per rule: every result of a rule
    repeats its severity and metadata. Only texts and lists of texts make a key (``1`` and
    ``True`` are equal keys but different metadata); other values are read afresh."""
    parts: list[Any] = [check_id, semgrep_severity]
    for name in _RULE_METADATA:
        value = metadata.get(name)
        if type(value) is list and all(type(item) is str for item in value):
            value = tuple(value)
        elif value is not None and type(value) is not str:
            parts = []
            break
        parts.append(value)
    key = tuple(parts) if parts else None
    known = rules.get(key) if key is not None else None
    if known is not None:
        return known
    cwe_field = metadata.get("cwe")
    cwe_values = cwe_field if isinstance(cwe_field, list) else [cwe_field] if cwe_field else []
    cwes = sorted(
        {
            c
            for c in (
                normalize_cwe(v)
                for v in cwe_values
                if isinstance(v, (str, int)) and not isinstance(v, bool)
            )
            if c
        }
    )
    rule = _Rule.of(
        check_id=check_id,
        prefixes=prefixes,
        semgrep_severity=semgrep_severity,
        confidence=_str(metadata.get("confidence")),
        likelihood=_str(metadata.get("likelihood")),
        impact=_str(metadata.get("impact")),
        cwes=cwes,
        help_uri=_help_uri(metadata),
        rule_help=None,
        tags=_metadata_tags(metadata),
    )
    if key is not None:
        rules[key] = rule
    return rule


def _help_uri(metadata: dict[str, Any]) -> str | None:
    for key in ("source", "shortlink"):
        if isinstance(metadata.get(key), str):
            return str(metadata[key])
    refs = metadata.get("references")
    if isinstance(refs, list) and refs and isinstance(refs[0], str):
        return refs[0]
    return refs if isinstance(refs, str) else None


def _metadata_tags(metadata: dict[str, Any]) -> list[str]:
    tags: set[str] = set()
    for key in ("category", "subcategory", "technology"):
        value = metadata.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.strip():
                tags.add(item.strip())
    return sorted(tags)


def _error_note(error: dict[str, Any], where: str) -> str:
    kind = error.get("type")
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    if not isinstance(kind, str):
        kind = None
    message = (fields.scalar_text(error, "message", where) or "").strip().splitlines()
    path = fields.opt_path(error, "path", where)
    place = f" in {path}" if path else ""
    level = fields.scalar_text(error, "level", where) or "error"
    text = f"semgrep {level}{place}: {kind or 'error'}"
    return f"{text}: {message[0]}" if message else text


# --- SARIF -----------------------------------------------------------------------------------
def parse_sarif(doc: dict[str, Any], prefixes: Iterable[str] | None = None) -> ParseResult:
    """Findings from Semgrep's SARIF (0.x and 1.x)."""
    known = tuple(prefixes) if prefixes is not None else None
    parsed = ParseResult()
    for view in iter_results(doc):
        if view.kind != "fail":
            continue
        parsed.tool_version = parsed.tool_version or view.tool_version
        parsed.findings.append(_sarif_finding(view, known, parsed))
    for where, run in runs_of(doc):
        driver = driver_of(run, where)
        version = fields.scalar_text(driver, "semanticVersion", where) or fields.scalar_text(
            driver, "version", where
        )
        parsed.tool_version = parsed.tool_version or version
        parsed.notes.extend(invocation_notes(run, NAME, where))
    return parsed


def _flat_strings(values: Any) -> list[str]:
    """Strings from a tag list and the lists inside it (0.x SARIF nests the CWE list one
    level)."""
    if isinstance(values, str):
        return [values]
    if not isinstance(values, list):
        return []
    found: list[str] = []
    for value in values:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, str))
    return found


def _sarif_finding(
    view: ResultView, prefixes: tuple[str, ...] | None, parsed: ParseResult
) -> Finding:
    tags = _flat_strings(view.rule_properties.get("tags"))
    cwes = sorted({c for c in (normalize_cwe(t) for t in tags if t.upper().startswith("CWE")) if c})
    confidence = next((m.group(1) for m in map(_CONFIDENCE_TAG.match, tags) if m), None)
    location = first_location(view.result, view.where)
    if location is not None and location.snippet:
        location.snippet = location.snippet.rstrip("\n") or None
    suppression = None
    for place, supp in fields.objects(view.result, "suppressions", view.where):
        if supp.get("status") != "rejected":
            kind = (
                SuppressionKind.INLINE
                if supp.get("kind") == "inSource"
                else SuppressionKind.EXTERNAL
            )
            justification = fields.opt_str(supp, "justification", place)
            suppression = Suppression(
                kind=kind,
                justification=justification
                or ("nosemgrep" if kind is SuppressionKind.INLINE else None),
            )
            break
    semgrep_severity = _LEVEL_SEVERITY[effective_level(view)]
    likelihood = impact = None
    shipped = _shipped_rule(rule_id_of(view.rule_id, prefixes))
    if shipped is not None:
        # SARIF keeps no likelihood or impact, and 1.100's has no rules and no levels at all:
        # for secgate's own rules these are the shipped rules file's, as in the JSON
        if not view.rule and "level" not in view.result:
            semgrep_severity = shipped.severity
        confidence = confidence or shipped.confidence
        likelihood, impact = shipped.likelihood, shipped.impact
        cwes = cwes or list(shipped.cwes)
    rule = _Rule.of(
        check_id=view.rule_id,
        prefixes=prefixes,
        semgrep_severity=semgrep_severity,
        confidence=confidence,
        likelihood=likelihood,
        impact=impact,
        cwes=cwes,
        help_uri=fields.text(view.rule, "helpUri", view.rule_where),
        rule_help=text_of(view.rule, "fullDescription", view.rule_where),
        tags=sorted(
            {
                t
                for t in tags
                if t.lower() in {"security", "correctness", "best-practice", "performance"}
            }
        ),
    )
    finding = _finding(
        rule,
        parsed=parsed,
        message=message_text(view),
        location=location,
        suppression=suppression,
    )
    return supply_chain.from_sarif(finding, view.result) or finding


@dataclass(frozen=True)
class ShippedRule:
    """What a rule of secgate's shipped rules file says about its findings' severity."""

    severity: str
    confidence: str | None
    likelihood: str | None
    impact: str | None
    cwes: tuple[str, ...]


@functools.cache
def _shipped_rules() -> dict[str, ShippedRule]:
    text = (resources.files(RULES_PACKAGE) / RULES_FILE).read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    rules: dict[str, ShippedRule] = {}
    for rule in doc.get("rules") or []:
        metadata = rule.get("metadata") or {}
        cwe = metadata.get("cwe")
        cwe_values = cwe if isinstance(cwe, list) else [cwe] if cwe else []
        rules[str(rule["id"])] = ShippedRule(
            severity=str(rule.get("severity") or "WARNING"),
            confidence=_str(metadata.get("confidence")),
            likelihood=_str(metadata.get("likelihood")),
            impact=_str(metadata.get("impact")),
            cwes=tuple(sorted({c for c in (normalize_cwe(str(v)) for v in cwe_values) if c})),
        )
    return rules


def _shipped_rule(rule_id: str) -> ShippedRule | None:
    return _shipped_rules().get(rule_id)


# --- shared ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rule:
    """What the findings of one rule (with the same severity and metadata) share."""

    rule_id: str
    severity: Severity
    score: float
    cwes: list[str]
    help_uri: str | None
    rule_help: str | None
    tags: list[str]
    confidence: str | None
    """Lower-case, as findings spell it."""
    credential: bool
    """A rule about a hard-coded credential: its snippets' string literals are secrets."""
    properties: dict[str, Any]
    sources: list[Source]

    @classmethod
    def of(
        cls,
        *,
        check_id: str,
        prefixes: tuple[str, ...] | None,
        semgrep_severity: str | None,
        confidence: str | None,
        likelihood: str | None,
        impact: str | None,
        cwes: list[str],
        help_uri: str | None,
        rule_help: str | None,
        tags: list[str],
    ) -> _Rule:
        rule_id = _rule_id(check_id, prefixes)
        severity, score = severity_of(semgrep_severity, confidence, likelihood, impact)
        return cls(
            rule_id=rule_id,
            severity=severity,
            score=score,
            cwes=cwes,
            help_uri=help_uri,
            rule_help=rule_help,
            tags=tags,
            confidence=confidence.lower() if confidence else None,
            credential=is_credential_rule(rule_id, cwes),
            properties={
                k: v
                for k, v in (
                    ("semgrep_severity", semgrep_severity),
                    ("likelihood", likelihood),
                    ("impact", impact),
                )
                if v
            },
            sources=[Source.of(NAME, rule_id)],
        )


def _finding(
    rule: _Rule,
    *,
    parsed: ParseResult,
    message: str,
    location: Location | None,
    suppression: Suppression | None,
) -> Finding:
    """A finding of ``rule``, with its own copies of the rule's lists and dict."""
    secret = None
    if rule.credential and location is not None and location.snippet:
        values = string_literals(location.snippet)
        if values:
            parsed.secret_values.update(values)
            secret = make_secret(values[0], kind=f"semgrep:{rule.rule_id}")
            location.snippet = mask_values(location.snippet, values)
            message = mask_values(message, values) or message
    severity = rule.severity
    return Finding(
        tool=NAME,
        tool_version=parsed.tool_version,
        rule_id=rule.rule_id,
        rule_name=rule.rule_id,
        rule_help=rule.rule_help,
        help_uri=rule.help_uri,
        category=Category.SAST,
        severity=severity,
        score=rule.score,
        level=severity.sarif_level,
        confidence=rule.confidence,
        message=message,
        location=location,
        cwes=list(rule.cwes),
        secret=secret,
        tags=list(rule.tags),
        sources=list(rule.sources),
        suppression=suppression,
        properties=dict(rule.properties),
    )


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
