"""Trivy's SARIF (``--format sarif``): the generic SARIF reading plus what Trivy puts in its
rules and messages.

Trivy names each rule's kind in ``rule.name`` (``OsPackageVulnerability``,
``LanguageSpecificPackageVulnerability``, ``Misconfiguration``, ``Secret``, ``License``), its
severity in the rule's tags (``CRITICAL``...) and the package, versions and masked match only
in the message text (``Package: x``, ``Installed Version: y``, ``Fixed Version: z``,
``Match: ...``, ``PkgName: ...``). Results without a line get ``startLine: 1`` from Trivy.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.utils import canonicalize_name

from secgate.adapters.interface import ParseResult
from secgate.adapters.pip_licenses import license_finding
from secgate.adapters.trivy.shared import check_id, fixed_versions, masked_secret
from secgate.findings.spdx import normalize
from secgate.findings.unmask import MASKED_FLAG
from secgate.findings.versions import sort_versions
from secgate.model import Category, Finding, Location, Package, Severity, Vulnerability
from secgate.sarif.reader import ResultView, generic_finding, iter_results, message_text

_KINDS = {
    "ospackagevulnerability": Category.CONTAINER,
    "languagespecificpackagevulnerability": Category.DEPENDENCY,
    "misconfiguration": Category.MISCONFIG,
    "secret": Category.SECRET,
    "license": Category.LICENSE,
}
_OLD_TEMPLATE_ID = re.compile(r"^\[(\w+)\]\s+(\S+)$")
_SEVERITY_TAGS = {"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}
_FIELD_RE = re.compile(r"^[ \t]*([A-Za-z][A-Za-z ]*?):(.*)$", re.MULTILINE)
"""A ``Name: value`` line; blanks around the value are stripped after the match (a pattern
that skipped them would backtrack over long runs of blank lines)."""
_MANIFEST_ECOSYSTEMS = (
    (
        re.compile(
            r"(^|/)(requirements[^/]*\.txt|Pipfile\.lock|poetry\.lock|uv\.lock|"
            r"setup\.py|pyproject\.toml|[^/]+\.dist-info/METADATA)$"
        ),
        "pypi",
    ),
    (re.compile(r"(^|/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|package\.json)$"), "npm"),
    (re.compile(r"(^|/)(go\.mod|go\.sum)$"), "go"),
    (re.compile(r"(^|/)Cargo\.lock$"), "crates.io"),
    (re.compile(r"(^|/)Gemfile\.lock$"), "rubygems"),
    (re.compile(r"(^|/)composer\.lock$"), "packagist"),
)


def parse_sarif(doc: dict[str, Any]) -> ParseResult:
    """Findings from a Trivy SARIF log."""
    findings: list[Finding] = []
    version: str | None = None
    ranks: dict[tuple[str, str, str], int] = {}
    for view in iter_results(doc):
        if view.tool != "trivy" or view.result.get("kind", "fail") != "fail":
            continue
        version = version or view.tool_version
        findings.append(_finding(view, ranks))
    return ParseResult(findings=findings, tool_version=version)


def _ecosystem(path: str | None) -> str | None:
    for pattern, ecosystem in _MANIFEST_ECOSYSTEMS:
        if path and pattern.search(path):
            return ecosystem
    return None


def _fields(view: ResultView) -> dict[str, str]:
    text = message_text(view)
    return {m.group(1).strip().lower(): m.group(2).strip() for m in _FIELD_RE.finditer(text)}


def _severity(view: ResultView, fields: dict[str, str]) -> Severity | None:
    for tag in view.rule_properties.get("tags") or []:
        if isinstance(tag, str) and tag.upper() in _SEVERITY_TAGS:
            return None if tag.upper() == "UNKNOWN" else Severity.parse(tag)
    word = fields.get("severity", "")
    if word and word.upper() in _SEVERITY_TAGS - {"UNKNOWN"}:
        return Severity.parse(word)
    return None


def _finding(view: ResultView, ranks: dict[tuple[str, str, str], int]) -> Finding:
    base = generic_finding(view)
    kind = _KINDS.get(str(view.rule.get("name") or "").lower())
    fields = _fields(view)
    severity = _severity(view, fields) or base.severity
    update: dict[str, Any] = {
        "tool": "trivy",
        "severity": severity,
        "level": severity.sarif_level,
        "sources": [],
        "tags": sorted({*base.tags, "security"} - _SEVERITY_TAGS),
    }
    old_id = _OLD_TEMPLATE_ID.match(base.rule_id)
    if kind is None and (old_id or "vulnerability" in {t.lower() for t in base.tags}):
        # SARIF of Trivy's old contrib template: rule "[HIGH] CVE-…", name "dockerfile_scan"
        kind = Category.DEPENDENCY
        if old_id:
            base = base.model_copy(update={"rule_id": old_id.group(2)})
    if kind is None:
        return base.model_copy(update=update)
    update["category"] = kind
    if kind in (Category.CONTAINER, Category.DEPENDENCY):
        other_tags = [
            t
            for t in base.tags
            if t.lower() not in {"vulnerability", "security"} and t.upper() not in _SEVERITY_TAGS
        ]
        name = fields.get("package") or (other_tags[0] if len(other_tags) == 1 else "unknown")
        version = fields.get("installed version") or None
        ecosystem = _ecosystem(base.path) if kind is Category.DEPENDENCY else None
        if ecosystem == "pypi":
            name = canonicalize_name(name)
        fixed = fields.get("fixed version", "")
        update["package"] = Package(
            name=name,
            version=version,
            ecosystem=ecosystem,
            fixed_versions=sort_versions(fixed_versions(fixed)),
        )
        update["vulnerability"] = Vulnerability(id=base.rule_id)
        who = f"{name} {version}" if version else name
        update["message"] = f"{who} is affected by {base.rule_id}; " + (
            f"fixed in {fixed}" if fixed else "no fixed version known"
        )
    elif kind is Category.MISCONFIG:
        update["rule_id"] = check_id(base.rule_id)
        update["message"] = fields.get("message") or base.message
        update["score"] = severity.default_score
    elif kind is Category.SECRET:
        path = base.path or ""
        match = fields.get("match", "")
        key = (base.rule_id, path, match)
        rank = ranks.get(key, 0)
        ranks[key] = rank + 1
        update["secret"] = masked_secret(base.rule_id, path, match, rank)
        update["score"] = severity.default_score
        update["properties"] = {**base.properties, MASKED_FLAG: True}
        title = base.rule_description or base.rule_id
        update["rule_name"] = title
        update["message"] = f"{title} in {path}" + (f": {match}" if match else "")
        if base.location is not None:
            update["location"] = base.location.model_copy(update={"snippet": match or None})
    else:
        return _license(view, base, fields)
    return base.model_copy(update=update)


def _license(view: ResultView, base: Finding, fields: dict[str, str]) -> Finding:
    rule_id = base.rule_id
    # the rule id is ``<package>:<license>`` (``:MIT`` for a license file); 0.6x messages swap
    # PkgName and Classification (a license file read as package "notice"), so the id decides
    pkg_name, colon, license_name = rule_id.rpartition(":")
    if not colon:
        pkg_name, license_name = fields.get("pkgname", ""), fields.get("license", "")
    classification = fields.get("classification", "")
    if colon:  # whichever of the two fields is not the package is the classification
        classification = next(
            (
                v
                for v in (fields.get("classification", ""), fields.get("pkgname", ""))
                if v and v != pkg_name
            ),
            "",
        )
    text = message_text(view)
    match = re.search(r"^License (.+)$", text, re.MULTILINE)
    if match:
        license_name = match.group(1).strip()
    path = fields.get("path") or base.path
    ecosystem = _ecosystem(path)
    package = None
    if pkg_name:
        package = Package(
            name=canonicalize_name(pkg_name) if ecosystem == "pypi" else pkg_name,
            ecosystem=ecosystem,
        )
    location = Location(path=path) if path else None  # Trivy writes line 1 for a whole file
    return license_finding(
        "trivy",
        package,
        normalize(license_name),
        location=location,
        properties={"classification": classification},
        rule_name="Package license" if package else "License file",
    )
