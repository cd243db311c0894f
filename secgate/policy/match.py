"""Whether a finding matches a rule's ``match`` or an acceptance: every field given must match,
and a list inside a field matches when any of its items does.

Comparisons: tool names, categories, vulnerability ids, CWE ids and package names ignore case
(package names also ignore ``-``/``_``/``.`` differences, as PyPI does); rule ids and license ids
are globs without case; paths are globs of ``secgate.findings.paths`` (``**`` crosses directories, a
pattern without ``/`` matches the file name at any depth); ``kev`` and ``epss`` compare the
exploitation facts of ``secgate.advisories.exploits`` and never match a finding that has none;
``changed`` compares what ``secgate.pull_request.diff`` marked and matches nothing outside
pull-request mode.
``reachable`` compares ``Finding.reachable`` (``secgate.remediation.reachability``), with
``unknown`` matching ``reachable: true`` too, and never matches a finding not judged.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from packaging.utils import canonicalize_name

from secgate.findings.ids import normalize_cwe
from secgate.findings.paths import matches as path_matches
from secgate.findings.spdx import keys_named
from secgate.model import Finding, Severity
from secgate.policy.model import Acceptance, Match


def finding_matches(finding: Finding, match: Match) -> bool:
    """True when ``finding`` matches every field of ``match``."""
    return (  # cheapest and most selective checks first; the first that fails decides
        (match.category is None or finding.category in match.category)
        and (match.tool is None or tool_matches(finding, match.tool))
        and (match.severity is None or severity_matches(finding.severity, match.severity))
        and (match.rule is None or rule_matches(finding, match.rule))
        and (match.baseline is None or finding.baseline == match.baseline)
        and (match.fixable is None or finding.fixable is match.fixable)
        and (match.cwe is None or bool({normalize_cwe(c) for c in finding.cwes} & set(match.cwe)))
        and (match.path is None or path_in(finding, match.path))
        and (match.package is None or package_matches(finding, match.package))
        and (match.vulnerability is None or vulnerability_matches(finding, match.vulnerability))
        and (match.license is None or license_matches(finding, match.license))
        and (match.kev is None or kev_matches(finding, match.kev))
        and (match.epss is None or epss_matches(finding, match.epss))
        and (match.changed is None or finding.changed is match.changed)
        and (match.reachable is None or reachable_matches(finding, match.reachable))
    )


def reachable_matches(finding: Finding, wanted: bool | str) -> bool:
    """True when the finding's reachability is ``wanted``; ``unknown`` gates like reachable, so
    ``reachable: true`` matches it as well."""
    if finding.reachable is None:
        return False
    if wanted is True:
        return finding.reachable is True or finding.reachable == "unknown"
    return finding.reachable == wanted


def kev_matches(finding: Finding, listed: bool) -> bool:
    """True when the KEV data says the finding's vulnerability is (or is not) listed; a finding
    without KEV data matches neither: unknown is not "not exploited"."""
    return finding.kev is not None and finding.kev.listed is listed


def epss_matches(finding: Finding, at_least: float) -> bool:
    """True when the finding's EPSS score is at or above ``at_least``."""
    return finding.epss is not None and finding.epss.score >= at_least


def acceptance_matches(finding: Finding, acceptance: Acceptance) -> bool:
    """True when ``finding`` is one the acceptance covers."""
    checks = (
        acceptance.vulnerability is None
        or vulnerability_matches(finding, acceptance.vulnerability),
        acceptance.rule is None or rule_matches(finding, acceptance.rule),
        acceptance.tool is None or tool_matches(finding, acceptance.tool),
        acceptance.fingerprint is None or finding.fingerprint in acceptance.fingerprint,
        acceptance.path is None or path_in(finding, acceptance.path),
        acceptance.package is None or package_matches(finding, acceptance.package),
    )
    return all(checks)


def tool_matches(finding: Finding, tools: list[str]) -> bool:
    wanted = {t.lower() for t in tools}
    return any(tool.lower() in wanted for tool in finding.source_tools)


def rule_matches(finding: Finding, patterns: list[str]) -> bool:
    ids = {finding.rule_id, *(source.rule_id for source in finding.sources)}
    return any(
        fnmatchcase(rule_id.upper(), pattern.upper()) for rule_id in ids for pattern in patterns
    )


def severity_matches(severity: Severity, wanted: Severity | list[Severity]) -> bool:
    """A single severity means that level and above; a list means exactly those."""
    if isinstance(wanted, list):
        return severity in wanted
    return severity.rank >= wanted.rank


def path_in(finding: Finding, patterns: list[str]) -> bool:
    path = finding.path
    return path is not None and any(path_matches(path, pattern) for pattern in patterns)


def package_matches(finding: Finding, specs: list[str]) -> bool:
    """``NAME`` matches any version of the package; ``NAME==VERSION`` only that version."""
    package = finding.package
    if package is None:
        return False
    name = canonicalize_name(package.name.strip())
    for spec in specs:
        wanted_name, sep, wanted_version = spec.partition("==")
        if canonicalize_name(wanted_name.strip()) != name:
            continue
        if not sep or (package.version or "").strip() == wanted_version.strip():
            return True
    return False


def vulnerability_matches(finding: Finding, ids: list[str]) -> bool:
    """True when any of ``ids`` is the finding's vulnerability id or one of its aliases."""
    if finding.vulnerability is None:
        return False
    known = {vuln_id.upper() for vuln_id in finding.vulnerability.all_ids}
    return any(vuln_id.strip().upper() in known for vuln_id in ids)


def license_matches(finding: Finding, patterns: list[str]) -> bool:
    """True when a license id the finding's license names (or its raw name) matches a glob."""
    if finding.license is None:
        return False
    names = [*keys_named(finding.license.spdx), finding.license.raw]
    return any(fnmatchcase(name.upper(), pattern.upper()) for name in names for pattern in patterns)
