"""Safety: known vulnerabilities in Python requirements (pyup.io's database).

Reads every JSON shape found in CI logs: 1.x ``check --json`` (a list of 5-element lists,
7 elements from 1.10 with the CVSS v2 and v3 objects), 2.x ``check --json``/``--output json``
(``report_meta``, ``vulnerabilities``...) and 3.x ``scan --output json`` (``meta``,
``scan_results``, and ``cve_details`` with ``--detailed-output``).

Safety's ids are reported as ``pyup.io-<number>``, as its database spells them; the CVE and the
CVE/GHSA ids in the advisory links become aliases. Where Safety gives no fixed versions (1.x,
3.x) they are read from the vulnerable range's upper bounds (``<2.20.0`` → 2.20.0).

Run mode needs a local database: Safety 2.x is run with ``--db DIR`` from the policy setting
``scanners.settings.safety.db`` or ``$SECGATE_SAFETY_DB``; without one the run is skipped (its
online database is not reachable offline). Safety 3 needs an account and its platform: skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from secgate.adapters.interface import Adapter, Invocation, ParseResult, RunContext, Sample
from secgate.adapters.vulnerabilities import VulnReport, pypi_package, vulnerability_finding
from secgate.errors import InputError
from secgate.files import fields, requirements
from secgate.files.reading import decode_json
from secgate.findings.ids import ids_in
from secgate.findings.severity import Rating, from_cvss_dict, from_tool, rate
from secgate.model import Category, Finding, Location, Suppression, SuppressionKind

DB_ENV = "SECGATE_SAFETY_DB"
"""Environment variable naming a local Safety database directory."""
_DB_FILES = ("insecure.json", "insecure_full.json")
_PIN = re.compile(r"^[A-Za-z0-9._-]+(?:\[[^\]]*\])?\s*===?\s*([^\s;,]+)")


class SafetyAdapter(Adapter):
    """Safety 1.x, 2.x and 3.x JSON; runs Safety 1.x/2.x with a local database."""

    name: ClassVar[str] = "safety"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.DEPENDENCY})
    executable: ClassVar[str | None] = "safety"
    distribution: ClassVar[str | None] = "safety"
    install_hint: ClassVar[str] = "pip install 'safety>=2.3,<3' (and a local database for --db)"
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0, 64, 255})
    """64: 2.x found vulnerabilities; 255: 1.x found vulnerabilities."""
    limitations: ClassVar[str] = (
        "needs its online database or a local one: secgate runs Safety 2.x only with "
        f"scanners.settings.safety.db or ${DB_ENV} (a directory with insecure.json and "
        "insecure_full.json); Safety 3 needs a Safety account and network, so it is skipped "
        "(its `scan --output json` files can still be ingested)"
    )
    config_files: ClassVar[tuple[str, ...]] = (".safety-policy.yml",)

    def __init__(self) -> None:
        self._locations: dict[str, tuple[str, int]] = {}

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        doc = sample.json
        if isinstance(doc, dict):
            return ("report_meta" in doc and isinstance(doc.get("vulnerabilities"), list)) or (
                isinstance(doc.get("meta"), dict) and isinstance(doc.get("scan_results"), dict)
            )
        return isinstance(doc, list) and bool(doc) and all(_is_v1_row(row) for row in doc)

    def parse(self, data: bytes) -> ParseResult:
        return parse_report(data, self._locations)

    # --- run ------------------------------------------------------------------------------
    def skip_reason(self, target: Path) -> str | None:
        if not requirements.find(target):
            return "no requirement files (requirements*.txt) in the target"
        return None

    def preflight(self, ctx: RunContext, version: str | None) -> str | None:
        if version and _major(version) >= 3:
            return (
                "Safety 3 needs a Safety account and network (every command but --version "
                "reaches its platform); install safety 2.x and give it a local database, "
                "or ingest a `safety scan --output json` file"
            )
        db = database(ctx.config, ctx.target)
        if db is None:
            return (
                "Safety needs its online service or a local database (--db): set "
                f"scanners.settings.safety.db or ${DB_ENV} to a directory holding "
                + " and ".join(_DB_FILES)
            )
        missing = [name for name in _DB_FILES if not (db / name).is_file()]
        if missing:
            return f"the Safety database {db} has no {', '.join(missing)}"
        return None

    def invocation(self, ctx: RunContext) -> Invocation:
        found = requirements.read(ctx.target)
        self._locations = found.locations()
        db = database(ctx.config, ctx.target)
        if db is None:  # preflight skips the run first; kept for direct callers
            raise InputError(f"no Safety database: set ${DB_ENV}")
        argv = [ctx.executable, "check"]
        for path in found.files:
            argv += ["-r", path]
        argv += ["--db", str(db), "--json"]
        return Invocation(argv=argv, cwd=ctx.target)


def database(config: Mapping[str, Any], target: Path) -> Path | None:
    """The local Safety database: the policy setting first (a relative path is read from the
    scanned directory, where ``.secgate.yml`` lives), then ``$SECGATE_SAFETY_DB``."""
    setting = config.get("db")
    if setting:
        return (target / Path(str(setting)).expanduser()).resolve()
    value = os.environ.get(DB_ENV)
    return Path(value).expanduser().resolve() if value else None


def _major(version: str) -> int:
    match = re.match(r"(\d+)", version)
    return int(match.group(1)) if match else 0


def _is_v1_row(row: Any) -> bool:
    return isinstance(row, list) and len(row) in (5, 7) and all(isinstance(x, str) for x in row[:5])


def parse_report(
    data: bytes, locations: Mapping[str, tuple[str, int]] | None = None
) -> ParseResult:
    """Read any Safety JSON; ``locations`` maps packages to requirement lines (run mode)."""
    if not data.strip():
        raise InputError("Safety wrote no JSON report")
    doc = decode_json(data)
    where = locations or {}
    if isinstance(doc, list):
        return _parse_v1(doc, where)
    if (
        isinstance(doc, dict)
        and isinstance(doc.get("vulnerabilities"), list)
        and "report_meta" in doc
    ):
        return _parse_v2(doc, where)
    if isinstance(doc, dict) and isinstance(doc.get("scan_results"), dict):
        return _parse_v3(doc)
    raise InputError(
        "not Safety JSON (expected a list of findings, a 2.x report with "
        "'report_meta' and 'vulnerabilities', or a 3.x report with 'scan_results')"
    )


# --- 1.x -----------------------------------------------------------------------------------
def _parse_v1(rows: list[Any], where: Mapping[str, tuple[str, int]]) -> ParseResult:
    result = ParseResult()
    for index, row in enumerate(rows):
        if not _is_v1_row(row):
            raise fields.fail(
                f"[{index}]",
                "expected an array of 5 or 7 elements [name, spec, "
                "version, advisory, id, (cvssv2, cvssv3)]",
            )
        name, spec, version, advisory, vuln_id = row[:5]
        cvss = row[5:7] if len(row) == 7 else [None, None]
        rating = rate([from_cvss_dict(cvss[1], "3"), from_cvss_dict(cvss[0], "2")])
        result.findings.append(
            _finding(
                name=name,
                version=version,
                vuln_id=vuln_id,
                rating=rating,
                fixed=fixed_from_specs([spec]),
                aliases=(),
                advisory=advisory,
                location=_location(name, where, None),
                spec=spec,
                derived_fix=True,
            )
        )
    return result


# --- 2.x -----------------------------------------------------------------------------------
def _parse_v2(doc: dict[str, Any], where: Mapping[str, tuple[str, int]]) -> ParseResult:
    meta = fields.obj_or_empty(doc, "report_meta", "")
    result = ParseResult(tool_version=fields.scalar_text(meta, "safety_version", "report_meta"))
    scanned = fields.opt_array(meta, "scanned", "report_meta")
    file_path = (
        fields.path_text(scanned[0], "report_meta.scanned[0]")
        if meta.get("scan_target") == "files" and len(scanned) == 1 and isinstance(scanned[0], str)
        else None
    )
    entries = [(place, v, False) for place, v in fields.objects(doc, "vulnerabilities", "")]
    entries += [(place, v, True) for place, v in fields.objects(doc, "ignored_vulnerabilities", "")]
    seen: set[tuple[str, str, str]] = set()
    for place, vuln, in_ignored_list in entries:
        vuln_id = fields.req_str(vuln, "vulnerability_id", place)
        package = fields.req_str(vuln, "package_name", place)
        key = (package, str(fields.scalar_text(vuln, "analyzed_version", place)), vuln_id)
        if key in seen:
            continue
        seen.add(key)
        result.findings.append(_v2_finding(vuln, in_ignored_list, file_path, where, place))
    if meta.get("packages_found") == 0:
        result.incomplete = True
        result.notes.append("Safety found no packages to check")
    return result


def _v2_finding(
    vuln: dict[str, Any],
    in_ignored_list: bool,
    file_path: str | None,
    where: Mapping[str, tuple[str, int]],
    place: str = "",
) -> Finding:
    severity = _obj(vuln.get("severity"))
    rating = rate(
        [from_cvss_dict(severity.get("cvssv3"), "3"), from_cvss_dict(severity.get("cvssv2"), "2")]
    )
    fixed = _texts(vuln, "fixed_versions", place)
    specs = _texts(vuln, "all_vulnerable_specs", place) or [
        s for s in [fields.scalar_text(vuln, "vulnerable_spec", place)] if s
    ]
    derived = not fixed
    if derived:
        fixed = fixed_from_specs(specs)
    cve = vuln.get("CVE")
    resources = vuln.get("resources")
    aliases = [
        *([cve] if isinstance(cve, str) and cve else []),
        *ids_in(
            r for r in (resources if isinstance(resources, list) else []) if isinstance(r, str)
        ),
    ]
    ignored = vuln.get("ignored")
    suppression = None
    if in_ignored_list or (isinstance(ignored, dict) and ignored):
        reason = vuln.get("ignored_reason") or (
            ignored.get("reason") if isinstance(ignored, dict) else None
        )
        suppression = Suppression(kind=SuppressionKind.EXTERNAL, justification=_text(reason))
    return _finding(
        name=vuln["package_name"],
        version=fields.scalar_text(vuln, "analyzed_version", place),
        vuln_id=vuln["vulnerability_id"],
        rating=rating,
        fixed=fixed,
        aliases=aliases,
        advisory=_text(vuln.get("advisory")),
        location=_location(vuln["package_name"], where, file_path),
        spec=", ".join(specs) or None,
        derived_fix=derived,
        help_uri=_text(vuln.get("more_info_url")),
        suppression=suppression,
        transitive=vuln.get("is_transitive"),
    )


# --- 3.x -----------------------------------------------------------------------------------
def _parse_v3(doc: dict[str, Any]) -> ParseResult:
    meta = _obj(doc.get("meta"))
    telemetry = _obj(meta.get("telemetry"))
    result = ParseResult(tool_version=_text(telemetry.get("safety_version")))
    details = _cve_details(doc.get("cve_details"))
    scan = doc["scan_results"]
    files = [
        item
        for project_where, project in fields.objects(scan, "projects", "scan_results")
        for item in fields.objects(project, "files", project_where)
    ]
    files += fields.objects(scan, "files", "scan_results")
    dependency_count = 0
    for place, item in files:
        location = fields.opt_path(item, "location", place)
        results = fields.obj_or_empty(item, "results", place)
        for dep_where, dep in fields.objects(results, "dependencies", f"{place}.results"):
            name = fields.req_str(dep, "name", dep_where)
            dependency_count += 1
            for index, spec in enumerate(fields.opt_array(dep, "specifications", dep_where)):
                result.findings.extend(
                    _v3_findings(
                        name, spec, location, details, f"{dep_where}.specifications[{index}]"
                    )
                )
    if dependency_count == 0:
        result.incomplete = True
        result.notes.append("Safety listed no dependencies in any scanned file")
    return result


def _v3_findings(
    name: str,
    spec: Any,
    location: str | None,
    details: Mapping[tuple[str, str], dict[str, Any]],
    place: str = "",
) -> list[Finding]:
    spec = fields.obj(spec, place)
    raw = _text(spec.get("raw")) or name
    match = _PIN.match(raw)
    version = match.group(1) if match else None
    vulns = fields.obj_or_empty(spec, "vulnerabilities", place)
    remediation = _obj(vulns.get("remediation"))
    findings = []
    for known_where, known in fields.objects(
        vulns, "known_vulnerabilities", f"{place}.vulnerabilities"
    ):
        fields.req_str(known, "id", known_where)
        detail = details.get((name.lower(), known["id"]), {})
        cve_entry = detail.get("CVE")
        cve_parts = cve_entry if isinstance(cve_entry, list) else [cve_entry]
        aliases = [p for p in cve_parts if isinstance(p, str)]
        ratings: list[Rating | None] = [
            from_cvss_dict(p, "3") for p in cve_parts if isinstance(p, dict)
        ]
        ratings.append(from_tool(_text(detail.get("severity"))))
        vulnerable = _text(known.get("vulnerable_spec"))
        ignored = known.get("ignored")
        suppression = (
            Suppression(kind=SuppressionKind.EXTERNAL, justification=_text(ignored.get("reason")))
            if isinstance(ignored, dict)
            else None
        )
        finding = _finding(
            name=name,
            version=version,
            vuln_id=known["id"],
            rating=rate(ratings),
            fixed=fixed_from_specs([vulnerable] if vulnerable else []),
            aliases=aliases,
            advisory=_text(detail.get("advisory")),
            location=Location(path=location) if location else None,
            spec=vulnerable,
            derived_fix=True,
            help_uri=_text(detail.get("more_info")),
            suppression=suppression,
        )
        recommended = remediation.get("recommended")
        if recommended and type(recommended) in (str, int, float):
            finding.properties["recommended_version"] = str(recommended)
        findings.append(finding)
    return findings


def _cve_details(value: Any) -> dict[tuple[str, str], dict[str, Any]]:
    details: dict[tuple[str, str], dict[str, Any]] = {}
    for item in value if isinstance(value, list) else []:
        if (
            isinstance(item, dict)
            and isinstance(item.get("package"), str)
            and type(item.get("safety_vulnerability_id")) in (str, int)
        ):
            details[(item["package"].lower(), str(item["safety_vulnerability_id"]))] = item
    return details


# --- shared --------------------------------------------------------------------------------
_MAX_SPEC = 1000
"""Longer than any version range a report writes."""


def fixed_from_specs(specs: Iterable[str]) -> list[str]:
    """Fixed versions read from vulnerable ranges: each ``<X`` upper bound is a fix."""
    fixed = []
    for text in specs:
        if len(text) > _MAX_SPEC:
            continue
        try:
            specifier_set = SpecifierSet(text)
        except InvalidSpecifier:
            continue
        fixed += [s.version for s in specifier_set if s.operator == "<"]
    return fixed


def _finding(
    *,
    name: str,
    version: str | None,
    vuln_id: str,
    rating: Rating,
    fixed: list[str],
    aliases: Iterable[str],
    advisory: str | None,
    location: Location | None,
    spec: str | None,
    derived_fix: bool,
    help_uri: str | None = None,
    suppression: Suppression | None = None,
    transitive: Any = None,
) -> Finding:
    props: dict[str, Any] = {}
    if spec:
        props["vulnerable_spec"] = spec
    if derived_fix and fixed:
        props["fixed_versions_from"] = "vulnerable_spec"
    if isinstance(transitive, bool):
        props["transitive"] = transitive
    return vulnerability_finding(
        VulnReport(
            tool="safety",
            vuln_id=safety_id(vuln_id),
            package=pypi_package(name, version, fixed),
            rating=rating,
            aliases=aliases,
            description=advisory,
            location=location,
            help_uri=help_uri,
            suppression=suppression,
            properties=props,
        )
    )


def safety_id(raw: str) -> str:
    """Safety's id as its database spells it: ``pyup.io-36546``."""
    text = raw.strip()
    return text if text.lower().startswith("pyup.io-") else f"pyup.io-{text}"


def _location(
    name: str, where: Mapping[str, tuple[str, int]], file_path: str | None
) -> Location | None:
    from packaging.utils import canonicalize_name

    known = where.get(canonicalize_name(name))
    if known:
        return Location(path=known[0], start_line=known[1])
    return Location(path=file_path) if file_path else None


def _texts(doc: dict[str, Any], key: str, where: str) -> list[str]:
    """The non-empty strings of the array ``doc[key]`` (numbers written as text)."""
    values = []
    for index, value in enumerate(fields.opt_array(doc, key, where)):
        if isinstance(value, (dict, list)):
            raise fields.wrong(f"{fields.at(where, key)}[{index}]", "a string", value)
        if value not in (None, "", False):
            values.append(str(value))
    return values


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
