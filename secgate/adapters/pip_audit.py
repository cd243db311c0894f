"""pip-audit: known vulnerabilities in Python requirements.

Reads every JSON shape pip-audit has written: the ``{"dependencies": [...], "fixes": [...]}``
object of 2.x, the top-level list of 0.x/1.x, and CycloneDX JSON (``-f cyclonedx-json``).
Skipped dependencies are notes, not findings; when nothing at all was audited the run is
incomplete, because pip-audit then says "No known vulnerabilities found" and exits 0.
pip-audit rates nothing, so its findings get ``severity.UNRATED_VULNERABILITY`` unless a
CycloneDX rating is present.

Where its data comes from is the ``service`` setting (``vulnerability_service``): with OSV data
imported (``secgate advisories import``) pip-audit is run under ``secgate.advisories.serve``,
which serves that data as OSV's query API on 127.0.0.1 for the run, so pip-audit audits for
real on a machine without network; without imported data it asks its usual service, and where
that cannot be reached it skips every dependency: incomplete, which fails the gate closed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from secgate.adapters.interface import Adapter, Invocation, ParseResult, RunContext, Sample
from secgate.adapters.vulnerabilities import VulnReport, pypi_package, vulnerability_finding
from secgate.advisories.datadir import store_path
from secgate.advisories.imported import open_store
from secgate.advisories.serve import SERVED_MARKER
from secgate.errors import InputError, SecgateError
from secgate.files import fields, requirements
from secgate.files.reading import decode_json
from secgate.findings.severity import Rating, from_cvss, from_tool, rate
from secgate.model import Category, Finding, Location

_VERSION_IN_REASON = re.compile(r"\(([^()\s]+)\)\s*$")
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
SERVICES = ("auto", "local", "osv", "pypi", "default")
"""Values of the ``service`` setting (``default``: pip-audit's own choice, what ``auto`` falls
back to without imported data or an ``osv_url``)."""

Locations = Mapping[str, tuple[str, int]]
"""Where each package is named: ``{canonical name: (requirement file, line)}``."""


class PipAuditAdapter(Adapter):
    """pip-audit 0.x to 2.x: JSON and CycloneDX JSON."""

    name: ClassVar[str] = "pip-audit"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.DEPENDENCY})
    executable: ClassVar[str | None] = "pip-audit"
    distribution: ClassVar[str | None] = "pip-audit"
    starts_first: ClassVar[bool] = True
    """It mostly waits for its vulnerability service (about 0.4 s of CPU in 1.2 s on the
    example): started first, that wait overlaps the other tools' work."""
    install_hint: ClassVar[str] = "pip install pip-audit"
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0, 1})
    limitations: ClassVar[str] = (
        "needs PyPI's per-version JSON API or OSV to audit anything; where neither answers it "
        "skips every dependency and secgate marks the run incomplete (with OSV data imported, "
        "secgate serves it that data on 127.0.0.1)"
    )

    def __init__(self) -> None:
        self._locations: dict[str, tuple[str, int]] = {}

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        doc = sample.json
        if isinstance(doc, dict):
            if doc.get("bomFormat") == "CycloneDX":
                return _cyclonedx_from_pip_audit(doc)
            deps = doc.get("dependencies")
            return isinstance(deps, list) and "fixes" in doc and all(_is_dep(d) for d in deps)
        if isinstance(doc, list) and doc:
            return all(_is_dep(d) for d in doc)
        return False

    def parse(self, data: bytes) -> ParseResult:
        return parse_report(data, self._locations)

    # --- run ------------------------------------------------------------------------------
    def preflight(self, ctx: RunContext, version: str | None) -> str | None:
        service = vulnerability_service(ctx.config)
        if service not in SERVICES:
            return (
                f"scanners.settings.pip-audit.service: {service!r} is not one of "
                f"{', '.join(SERVICES)}"
            )
        if service == "local" and not _local_osv_data():
            return (
                f"scanners.settings.pip-audit.service is local, but no OSV data is "
                f"imported in {store_path()} (secgate advisories import PATH)"
            )
        if requirements.find(ctx.target) or environments(ctx):
            return None
        return (
            "no requirement files (requirements*.txt) and no environment to audit in the "
            "target (set scanners.settings.pip-audit.path to a site-packages directory)"
        )

    def invocation(self, ctx: RunContext) -> Invocation:
        found = requirements.read(ctx.target)
        self._locations = found.locations()
        argv = [ctx.executable]
        for path in found.files:
            argv += ["-r", path]
        if not found.files:
            for site in environments(ctx):
                argv += ["--path", str(site)]
        # The report goes to standard output: no temporary path in the recorded command.
        argv += ["-f", "json", "--progress-spinner", "off", "--desc", "on", "--aliases", "on"]
        service = vulnerability_service(ctx.config)
        if service == "osv":
            # an OSV-compatible mirror (an internal one where the public service is out of
            # reach): pip-audit queries it instead of PyPI's per-version JSON API
            argv += [
                "--vulnerability-service",
                "osv",
                "--osv-url",
                str(ctx.config.get("osv_url") or DEFAULT_OSV_URL),
            ]
        elif service == "pypi":
            argv += ["--vulnerability-service", "pypi"]
        if found.files and found.all_pinned and not ctx.config.get("resolve", False):
            # Audit the pins as written: no resolver (which fails on conflicting pins and
            # installs packages), so transitive dependencies are only audited when pinned too.
            argv += ["--no-deps", "--disable-pip"]
        if service == "local":
            # the imported OSV data, served to pip-audit on loopback for this run only
            argv = [sys.executable, "-m", SERVED_MARKER, "--db", str(store_path()), "--", *argv]
        return Invocation(argv=argv, cwd=ctx.target)


def vulnerability_service(config: Mapping[str, Any]) -> str:
    """Which vulnerability data pip-audit reads, from its ``service`` setting: ``local`` (the
    OSV data imported with ``secgate advisories import``, served on loopback), ``osv`` (an OSV
    API at ``osv_url``, default the public one), ``pypi`` (PyPI's JSON API), or ``auto`` (the
    default): ``osv`` when ``osv_url`` is set, else ``local`` when OSV data is imported, else
    pip-audit's own default (PyPI)."""
    service = str(config.get("service") or "auto").lower()
    if service != "auto":
        return service
    if config.get("osv_url"):
        return "osv"
    return "local" if _local_osv_data() else "default"


def _local_osv_data() -> bool:
    try:
        store = open_store()
    except SecgateError:
        return True  # served, the run reports what is wrong with the store
    if store is None:
        return False
    with store:
        return store.has("osv")


def environments(ctx: RunContext) -> list[Path]:
    """Installed environments to audit when the target has no requirement files: the
    ``path`` setting (one site-packages directory or a list), else the target's own
    ``.venv``/``venv`` site-packages."""
    setting = ctx.config.get("path")
    if setting:
        values = setting if isinstance(setting, list) else [setting]
        return [(ctx.target / Path(str(v)).expanduser()).resolve() for v in values]
    return sorted(
        p
        for venv in (".venv", "venv")
        for p in (ctx.target / venv).glob("lib/python*/site-packages")
        if p.is_dir()
    )


def _is_dep(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("name"), str)
        and (isinstance(item.get("vulns"), list) or isinstance(item.get("skip_reason"), str))
    )


def _cyclonedx_from_pip_audit(doc: dict[str, Any]) -> bool:
    """pip-audit's BOMs name no tool (2.x) or name pip-audit; other tools name themselves."""
    tools = _cyclonedx_tools(doc)
    if not tools:
        return True
    names = {t["name"].lower() for t in tools if isinstance(t.get("name"), str)}
    return "pip-audit" in names or "pip_audit" in names


def _cyclonedx_tools(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The tools of a BOM's ``metadata.tools`` (a list, or CycloneDX 1.5's object form), for
    detection: whatever is malformed there counts as no tool."""
    metadata = doc.get("metadata")
    tools = metadata.get("tools") if isinstance(metadata, dict) else None
    if isinstance(tools, dict):  # CycloneDX 1.5 object form
        parts = [tools.get("components"), tools.get("services")]
        tools = [t for part in parts if isinstance(part, list) for t in part]
    return [t for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []


def parse_report(data: bytes, locations: Locations | None = None) -> ParseResult:
    """Read any pip-audit JSON output; ``locations`` maps packages to requirement lines."""
    if not data.strip():
        raise InputError(
            "pip-audit wrote no JSON report (it exits 1 without one when "
            "dependency resolution or its vulnerability service fails)"
        )
    doc = decode_json(data)
    where = locations or {}
    if isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX":
        return _parse_cyclonedx(doc, where)
    if isinstance(doc, dict) and isinstance(doc.get("dependencies"), list):
        result = _parse_dependencies(doc["dependencies"], where, "dependencies")
        result.notes.extend(_fix_notes(doc.get("fixes")))
        return result
    if isinstance(doc, list):
        return _parse_dependencies(doc, where)
    raise InputError(
        "not pip-audit JSON (expected a 'dependencies' list, a list of "
        "dependencies, or a CycloneDX BOM)"
    )


def _parse_dependencies(deps: list[Any], where: Locations, base: str = "") -> ParseResult:
    result = ParseResult()
    audited = skipped = 0
    for index, dep in enumerate(deps):
        place = f"{base}[{index}]"
        if not _is_dep(dep):
            raise fields.fail(
                place, "expected a dependency: an object with a 'name' and 'vulns' or 'skip_reason'"
            )
        name = fields.req_str(dep, "name", place)
        if "skip_reason" in dep and not isinstance(dep.get("vulns"), list):
            skipped += 1
            reason = fields.req_str(dep, "skip_reason", place)
            match = _VERSION_IN_REASON.search(reason)
            version = fields.scalar_text(dep, "version", place) or (
                match.group(1) if match else None
            )
            label = f"{name} {version}" if version else name
            result.notes.append(f"{label}: skipped: {reason}")
            continue
        audited += 1
        version = fields.scalar_text(dep, "version", place)
        for vuln_index, vuln in enumerate(dep["vulns"]):
            result.findings.append(
                _vuln_finding(name, version, vuln, where, f"{place}.vulns[{vuln_index}]")
            )
    if skipped and not audited:
        result.incomplete = True
        result.notes.insert(
            0, f"pip-audit could audit none of the {skipped} dependencies (every one was skipped)"
        )
    elif skipped:
        result.notes.insert(0, f"pip-audit skipped {skipped} of {skipped + audited} dependencies")
    return result


def _vuln_finding(
    name: str, version: str | None, vuln: Any, where: Locations, place: str = ""
) -> Finding:
    vuln = fields.obj(vuln, place)
    vuln_id = fields.req_str(vuln, "id", place)
    fixes = _texts(vuln, "fix_versions", place)
    aliases = _texts(vuln, "aliases", place)
    package = pypi_package(name, version, fixes)
    return vulnerability_finding(
        VulnReport(
            tool="pip-audit",
            vuln_id=vuln_id,
            package=package,
            rating=rate([]),
            aliases=aliases,
            description=fields.opt_str(vuln, "description", place),
            location=_location(package.name, where),
        )
    )


def _texts(doc: dict[str, Any], key: str, where: str) -> list[str]:
    """The non-empty strings (or numbers, written as text) of the array ``doc[key]``."""
    values = []
    for index, value in enumerate(fields.opt_array(doc, key, where)):
        if isinstance(value, (dict, list)):
            raise fields.wrong(f"{fields.at(where, key)}[{index}]", "a string", value)
        if value not in (None, "", False):
            values.append(str(value))
    return values


def _fix_notes(fixes: Any) -> list[str]:
    notes = []
    for index, fix in enumerate(fixes if isinstance(fixes, list) else []):
        place = f"fixes[{index}]"
        if not isinstance(fix, dict) or "name" not in fix:
            continue
        name = fields.scalar_text(fix, "name", place) or "?"
        if "skip_reason" in fix:
            version = fields.scalar_text(fix, "version", place) or ""
            notes.append(
                f"{name} {version}".rstrip()
                + f": fix skipped: {fields.scalar_text(fix, 'skip_reason', place)}"
            )
        elif "new_version" in fix:
            notes.append(
                f"{name}: pip-audit --fix upgraded "
                f"{fields.scalar_text(fix, 'old_version', place)} "
                f"to {fields.scalar_text(fix, 'new_version', place)}"
            )
    return notes


def _parse_cyclonedx(doc: dict[str, Any], where: Locations) -> ParseResult:
    components = fields.objects(doc, "components", "")
    vulns = fields.objects(doc, "vulnerabilities", "")
    by_ref: dict[str, tuple[str, dict[str, Any]]] = {}
    for place, component in components:
        ref = fields.scalar_text(component, "bom-ref", place)
        if ref is not None:
            by_ref.setdefault(ref, (place, component))
    result = ParseResult(tool_version=_cyclonedx_tool_version(doc))
    if not components:
        result.incomplete = True
        result.notes.append(
            "the BOM lists no components: pip-audit leaves skipped dependencies "
            "out of CycloneDX, so nothing may have been audited"
        )
    for place, vuln in vulns:
        vuln_id = fields.req_str(vuln, "id", place)
        for affect_where, affect in fields.objects(vuln, "affects", place):
            ref = fields.scalar_text(affect, "ref", affect_where)
            component_where, component = by_ref.get(ref, ("", {})) if ref else ("", {})
            if not component or not component.get("name"):
                raise fields.fail(
                    affect_where,
                    f"vulnerability {vuln_id} affects a component "
                    "the BOM does not list (or one without a name)",
                )
            result.findings.append(
                _cyclonedx_finding(vuln, vuln_id, component, where, place, component_where)
            )
    return result


def _cyclonedx_finding(
    vuln: dict[str, Any],
    vuln_id: str,
    component: dict[str, Any],
    where: Locations,
    place: str,
    component_where: str,
) -> Finding:
    package = pypi_package(
        fields.req_str(component, "name", component_where),
        fields.scalar_text(component, "version", component_where),
    )
    purl = fields.opt_str(component, "purl", component_where)
    if purl and purl.startswith("pkg:pypi/"):
        package.purl = purl
    aliases = [
        text
        for ref_where, ref in fields.objects(vuln, "references", place)
        if (text := fields.scalar_text(ref, "id", ref_where))
    ]
    description = fields.text(vuln, "description", place) or fields.text(vuln, "detail", place)
    return vulnerability_finding(
        VulnReport(
            tool="pip-audit",
            vuln_id=vuln_id,
            package=package,
            rating=rate(_ratings(vuln, place)),
            aliases=aliases,
            description=description,
            location=_location(package.name, where),
        )
    )


def _ratings(vuln: dict[str, Any], place: str) -> list[Rating | None]:
    """CycloneDX ``ratings``: ``{score, severity, method: CVSSv31|CVSSv4|..., vector}``."""
    found: list[Rating | None] = []
    for rating_where, rating in fields.objects(vuln, "ratings", place):
        method = fields.scalar_text(rating, "method", rating_where) or ""
        score = fields.opt_number(rating, "score", rating_where)
        if method.upper().startswith("CVSS"):
            found.append(from_cvss(fields.text(rating, "vector", rating_where), score, method))
        else:
            found.append(from_tool(fields.text(rating, "severity", rating_where), score))
    return found


def _cyclonedx_tool_version(doc: dict[str, Any]) -> str | None:
    for tool in _cyclonedx_tools(doc):
        name = tool.get("name")
        if isinstance(name, str) and name.lower() in ("pip-audit", "pip_audit"):
            version = tool.get("version")
            return version if isinstance(version, str) and version else None
    return None


def _location(name: str, where: Locations) -> Location | None:
    if name not in where:
        return None
    path, line = where[name]
    return Location(path=path, start_line=line)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
