"""Building dependency-vulnerability findings one way for every Python dependency scanner, so a
CVE reads, rates and fingerprints alike whether pip-audit or Safety reported it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

from secgate.findings.ids import id_url, normal_vuln_id
from secgate.findings.packages import purl_of
from secgate.findings.severity import Rating
from secgate.findings.versions import lowest, sort_versions
from secgate.model import Category, Finding, Location, Package, Suppression, Vulnerability

_DESCRIPTION_LIMIT = 200


def pypi_package(name: str, version: str | None, fixed: Iterable[str] = ()) -> Package:
    """A PyPI package with its purl and fixed versions (sorted, unique)."""
    canonical = canonicalize_name(name)
    return Package(
        name=canonical or name,
        version=version,
        ecosystem="pypi",
        purl=purl_of("pypi", canonical, version),
        fixed_versions=sort_versions([v for v in fixed if v]),
    )


@dataclass
class VulnReport:
    """One tool's report of one vulnerability in one package version."""

    tool: str
    vuln_id: str
    package: Package
    rating: Rating
    aliases: Iterable[str] = ()
    description: str | None = None
    location: Location | None = None
    help_uri: str | None = None
    suppression: Suppression | None = None
    properties: dict[str, Any] = field(default_factory=dict)


def vulnerability_finding(report: VulnReport) -> Finding:
    """The finding for one vulnerable package version."""
    aliases = sorted({normal_vuln_id(a) for a in report.aliases if a} - {report.vuln_id})
    vuln = Vulnerability(id=report.vuln_id, aliases=aliases)
    pkg = report.package
    named = report.vuln_id + (f" ({', '.join(aliases)})" if aliases else "")
    fix = lowest(pkg.fixed_versions)
    advice = f"fixed in {fix}" if fix else "no fixed version known"
    headline = f"{pkg.name} {pkg.version or '(version unknown)'} is affected by {named}; {advice}"
    description = " ".join((report.description or "").split())
    message = headline + (f"\n\n{description}" if description else "")
    short = (
        description
        if len(description) <= _DESCRIPTION_LIMIT
        else description[: _DESCRIPTION_LIMIT - 1].rstrip() + "…"
    )
    return Finding(
        tool=report.tool,
        rule_id=report.vuln_id,
        rule_name=vuln.canonical_id,
        rule_description=short or f"Known vulnerability {report.vuln_id}",
        rule_help=description or None,
        help_uri=report.help_uri
        or id_url(normal_vuln_id(vuln.canonical_id))
        or id_url(normal_vuln_id(report.vuln_id)),
        category=Category.DEPENDENCY,
        severity=report.rating.severity,
        score=report.rating.score,
        level=report.rating.severity.sarif_level,
        message=message,
        location=report.location,
        package=pkg,
        vulnerability=vuln,
        tags=["security", "dependency", pkg.ecosystem or "pypi"],
        suppression=report.suppression,
        properties={**report.rating.properties(), **report.properties},
    )
