"""Which versions of a package are known to exist, and which vulnerabilities affect each.

**Candidate versions.** Offline there is no index of releases, so candidates are the versions
something reliable says were released:

- the ``fixed`` events of every advisory the imported OSV data holds about the package (an OSV
  ``fixed`` version is the first release with the fix);
- the fixed versions the scan's reports name (pip-audit, Safety, Trivy, osv);
- the versions installed in the project's environments.

Only versions above the current one count; a version PEP 440 cannot read, a local version
(``1.0+cu118``, never on PyPI) and a pre-release (unless the current version is one) are left
out. ``introduced`` and ``last_affected`` events and ``versions`` lists name only versions that
are affected, so they never make a candidate.

**Whether a version is affected.** A vulnerability the imported data holds (found by its id or
any alias, about this package) is judged by its ranges (``secgate.advisories.ranges``); a range
that cannot be judged counts as affecting, so nothing unverified is proposed. A vulnerability
only a scanner reported is known by its fixed versions alone: a version is clear of it when it is
at or above the highest of them, or at or above one of them with the same major version (the
fix of its release line: urllib3 1.26.18 for 1.x, 2.0.7 for 2.x); with no fixed version it
affects every version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from packaging.version import Version

from secgate.advisories import ranges
from secgate.advisories.osv import PYPI, Advisory
from secgate.findings.versions import parse_version

__all__ = [
    "ADVISORY_FIXES",
    "INSTALLED",
    "REPORTED_FIXES",
    "Candidate",
    "CandidateSet",
    "KnownVulnerability",
    "parse_version",
    "same_major",
]

ADVISORY_FIXES = "fixed versions of the imported OSV advisories"
REPORTED_FIXES = "fixed versions named by the scanners' reports"
INSTALLED = "versions installed in the project's environments"


@dataclass(frozen=True)
class KnownVulnerability:
    """One vulnerability of a package, and how to tell which versions it affects."""

    key: str
    """Its canonical id (a CVE when one is known)."""
    ids: frozenset[str]
    """Every id and alias, upper case."""
    package: str
    advisory: Advisory | None = None
    """The imported record, when the data holds one."""
    reported_fixes: tuple[str, ...] = ()
    """Fixed versions the scanners named (what is known without a record)."""

    def affects(self, version: str) -> bool:
        """True when ``version`` is affected (or cannot be shown not to be)."""
        if self.advisory is not None:
            verdicts = [
                ranges.judge(entry, version) for entry in self.advisory.packages(PYPI, self.package)
            ]
            if any(v.affected for v in verdicts):
                return True
            return any(v.undecidable for v in verdicts) or not verdicts
        return not _clear_by_fixes(version, self.reported_fixes)

    def fixes(self) -> list[str]:
        """The fixed versions this vulnerability names."""
        if self.advisory is not None:
            return ranges.fixed_versions(self.advisory.packages(PYPI, self.package))
        return list(self.reported_fixes)


def _clear_by_fixes(version: str, fixes: Iterable[str]) -> bool:
    parsed = parse_version(version)
    known = [v for v in (parse_version(f) for f in fixes) if v is not None]
    if parsed is None or not known:
        return False
    if parsed >= max(known):
        return True
    return any(fix <= parsed and fix.major == parsed.major for fix in known)


@dataclass(frozen=True)
class Candidate:
    """A version that is known to exist, and who says so."""

    version: str
    sources: tuple[str, ...]

    @property
    def parsed(self) -> Version:
        parsed = parse_version(self.version)
        assert parsed is not None  # noqa: S101 - candidates are readable by construction
        return parsed


@dataclass
class CandidateSet:
    """Versions named by each source, gathered before they are filtered."""

    named: dict[str, set[str]] = field(default_factory=dict)
    """Version -> the sources naming it."""

    def add(self, versions: Iterable[str], source: str) -> None:
        for version in versions:
            if version:
                self.named.setdefault(version.strip(), set()).add(source)

    def above(self, current: str) -> list[Candidate]:
        """The candidates above ``current``, lowest first (see the module docstring)."""
        base = parse_version(current)
        if base is None:
            return []
        allow_pre = base.is_prerelease
        kept: dict[Version, Candidate] = {}
        for text, sources in self.named.items():
            parsed = parse_version(text)
            if parsed is None or parsed <= base or parsed.local is not None:
                continue
            if (parsed.is_prerelease or parsed.is_devrelease) and not allow_pre:
                continue
            held = kept.get(parsed)
            merged = tuple(sorted(sources | set(held.sources if held else ())))
            # one spelling per version (5.4 and 5.4.0 are one): the shortest, then the lowest
            spelling = min([text, held.version] if held else [text], key=lambda v: (len(v), v))
            kept[parsed] = Candidate(spelling, merged)
        return [kept[v] for v in sorted(kept)]


def same_major(version: str, other: str) -> bool:
    """True when both versions have the same major version (the first release number)."""
    a, b = parse_version(version), parse_version(other)
    return a is not None and b is not None and a.major == b.major
