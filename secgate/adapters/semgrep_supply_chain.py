"""Semgrep Supply Chain (SCA) results: a vulnerable dependency, and whether the code reaches it.

In Semgrep's JSON a Supply Chain result is an ordinary result with ``extra.sca_info``:
``reachable``, ``reachability_rule`` and ``dependency_match.found_dependency`` (``package``,
``version``, ``ecosystem``, ``transitivity``, ``lockfile_path``, ``line_number``); the advisory's
ids, severity and fixed versions are in the rule's metadata (``cve``, ``ghsa``, ``sca-severity``,
``sca-fix-versions``, ``sca-kind``). Its location is the vulnerable call when reachable, else the
dependency's line in the lockfile.

Semgrep's SARIF keeps none of ``sca_info``: a result has only ``properties.exposure``
(``reachable`` or ``unreachable``) and its rule's CWE tags. secgate reads the vulnerability id
from the rule id or message (``...-cve-2018-18074``) and, when the location is a requirements
line (``name==version``), the package from it.

How they become findings: category ``dependency``; severity Semgrep's own (the rule's, as for
code results: the SARIF of the run has nothing else, and both formats must give one verdict),
the advisory's ``sca-severity`` kept as ``properties.advisory_severity``;
``properties.reachable`` (true / false), ``reachability`` (``sca-kind``: ``reachable``,
``upgrade-only``, ``legacy``) and ``transitivity``; a tag ``reachable`` or ``unreachable``.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.utils import canonicalize_name

from secgate.files import fields
from secgate.findings.versions import sort_versions
from secgate.model import Category, Finding, Package, Vulnerability

_CVE = re.compile(r"\bcve-\d{4}-\d{4,}\b", re.IGNORECASE)
_GHSA = re.compile(r"\bghsa(?:-[0-9a-z]{4}){3}\b", re.IGNORECASE)
_PINNED = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;#]+)")
_LOCKFILE = re.compile(
    r"(^|/)(Pipfile\.lock|poetry\.lock|uv\.lock|package-lock\.json|yarn\.lock|"
    r"pnpm-lock\.yaml|go\.sum|Cargo\.lock|Gemfile\.lock|composer\.lock|"
    r"requirements[^/]*\.txt)$"
)
_ECOSYSTEMS = {
    "pypi": "pypi",
    "npm": "npm",
    "gomod": "go",
    "cargo": "crates.io",
    "maven": "maven",
    "gem": "rubygems",
    "composer": "packagist",
    "nuget": "nuget",
}


def is_supply_chain(extra: dict[str, Any]) -> bool:
    """A JSON result's ``extra`` of a Supply Chain result."""
    return isinstance(extra.get("sca_info"), dict)


def from_json(finding: Finding, extra: dict[str, Any], where: str) -> Finding:
    """``finding`` (read as a code result) as the dependency finding it is."""
    sca = fields.obj(extra["sca_info"], fields.at(where, "sca_info"))
    sca_where = fields.at(where, "sca_info")
    match = fields.obj_or_empty(sca, "dependency_match", sca_where)
    found = fields.obj_or_empty(match, "found_dependency", fields.at(sca_where, "dependency_match"))
    found_where = fields.at(fields.at(sca_where, "dependency_match"), "found_dependency")
    raw_metadata = extra.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    ecosystem = _ECOSYSTEMS.get((fields.scalar_text(found, "ecosystem", found_where) or "").lower())
    name = fields.scalar_text(found, "package", found_where) or "unknown"
    version = fields.scalar_text(found, "version", found_where)
    fix_versions = metadata.get("sca-fix-versions")  # free-form rule metadata: read a list only
    fixed = [
        str(v)
        for item in (fix_versions if isinstance(fix_versions, list) else [])
        if isinstance(item, dict)
        for k, v in item.items()
        if isinstance(v, (str, int, float)) and str(k).lower() == name.lower()
    ]
    package = Package(
        name=canonicalize_name(name) if ecosystem == "pypi" else name,
        version=version,
        ecosystem=ecosystem,
        fixed_versions=sort_versions(fixed),
    )
    ids = [v for v in (metadata.get("cve"), metadata.get("ghsa")) if isinstance(v, str) and v]
    ids = ids or _ids_in(finding.rule_id, finding.message)
    reachable = sca.get("reachable") if isinstance(sca.get("reachable"), bool) else None
    properties = {
        **finding.properties,
        "reachable": reachable,
        "reachability": _str(metadata.get("sca-kind")),
        "transitivity": fields.scalar_text(found, "transitivity", found_where),
        "lockfile": fields.scalar_text(found, "lockfile_path", found_where),
    }
    properties["advisory_severity"] = _str(metadata.get("sca-severity"))
    return _as_dependency(finding, package, ids, reachable, properties)


def from_sarif(finding: Finding, result: dict[str, Any]) -> Finding | None:
    """A SARIF result read as a code result, as a dependency finding when it is a Supply
    Chain one (``properties.exposure``); None otherwise."""
    props = result.get("properties")
    exposure = props.get("exposure") if isinstance(props, dict) else None
    if exposure not in ("reachable", "unreachable"):
        return None
    package = None
    snippet = finding.location.snippet if finding.location else None
    pinned = _PINNED.match(snippet or "")
    if pinned:
        package = Package(
            name=canonicalize_name(pinned.group(1)), version=pinned.group(2), ecosystem="pypi"
        )
    # SARIF says "reachable" for upgrade-only results too: those sit on the manifest's line
    on_manifest = pinned is not None or _LOCKFILE.search(finding.path or "") is not None
    reachable = False if exposure == "unreachable" else (None if on_manifest else True)
    return _as_dependency(
        finding,
        package,
        _ids_in(finding.rule_id, finding.message),
        reachable,
        {**finding.properties, "exposure": exposure},
    )


def _ids_in(*texts: str) -> list[str]:
    ids: list[str] = []
    for text in texts:
        ids += [m.upper() for m in _CVE.findall(text)]
        ids += ["GHSA-" + m[5:].lower() for m in _GHSA.findall(text)]
    return list(dict.fromkeys(ids))


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _as_dependency(
    finding: Finding,
    package: Package | None,
    ids: list[str],
    reachable: bool | None,
    properties: dict[str, Any],
) -> Finding:
    vulnerability = Vulnerability(id=ids[0], aliases=sorted(set(ids[1:]))) if ids else None
    tags = [
        *finding.tags,
        "supply-chain",
        "vulnerability",
        *([] if reachable is None else ["reachable" if reachable else "unreachable"]),
    ]
    return finding.model_copy(
        update={
            "category": Category.DEPENDENCY,
            "package": package,
            "vulnerability": vulnerability,
            "tags": sorted(set(tags)),
            "properties": {k: v for k, v in properties.items() if v is not None},
            "secret": None,
        }
    )
