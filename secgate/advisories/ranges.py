"""Whether a package version is affected by an OSV ``affected`` entry, with PEP 440 versions.

OSV's rules (https://ossf.github.io/osv-schema/#evaluation), for one entry:

1. the version is affected when it is listed in ``versions``;
2. else for each ``ECOSYSTEM`` or ``SEMVER`` range: its events are sorted by version (``0``
   for ``introduced`` sorts before every version; events at one version keep the record's
   order, as OSV-Scanner sorts them, so ``fixed: 3.1.1`` then ``introduced: 3.1.1`` leaves
   3.1.1 affected); walking them in that order, an
   ``introduced`` at or below the version makes it affected, a ``fixed`` at or below it makes
   it unaffected, a ``last_affected`` below it makes it unaffected; a range with ``limit``
   events covers only versions below at least one of them (``*`` is above every version);
3. ``GIT`` ranges name commits, not versions: they decide nothing about a release here.

Versions compare as PEP 440 (``packaging``): ``5.3`` equals ``5.3.0``, ``2.0rc1`` is below
``2.0``. An event version PEP 440 cannot read (``0.2.0-n653``) cannot be placed; the range that
holds it then cannot be judged for any version, and ``Verdict.undecidable`` says so rather than
guessing either way. ``versions`` entries are compared as PEP 440 versions where they parse,
else as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from packaging.version import Version

from secgate.advisories.osv import AffectedPackage, Event, Range
from secgate.findings.versions import parse_version

_ZERO = "0"
_ANY = "*"


@dataclass(frozen=True)
class Verdict:
    """Whether one version is affected by one ``affected`` entry, and how that was decided."""

    affected: bool
    undecidable: list[str] = field(default_factory=list)
    """Event versions PEP 440 could not read, in ranges that could not be judged."""
    fixed: list[str] = field(default_factory=list)
    """The ``fixed`` versions above the version, in the ranges that affect it."""
    last_affected: list[str] = field(default_factory=list)
    """The ``last_affected`` versions at or above it, in the ranges that affect it."""


def judge(entry: AffectedPackage, version: str) -> Verdict:
    """Whether ``version`` is affected by ``entry`` (see the module docstring)."""
    parsed = parse_version(version)
    listed = _listed(entry.versions, version, parsed)
    undecidable: list[str] = []
    fixed: list[str] = []
    last: list[str] = []
    in_range = False
    readable: list[Range] = []
    for rng in entry.ranges:
        if rng.type == "GIT":
            continue
        bad = [e.version for e in rng.events if not _readable(e)]
        if bad or parsed is None:
            undecidable.extend(bad)
            continue
        readable.append(rng)
        if range_affects(rng, parsed):
            in_range = True
            fixed.extend(_above(rng, parsed, "fixed"))
            last.extend(_above(rng, parsed, "last_affected", inclusive=True))
    if listed and not in_range and parsed is not None:
        # listed explicitly: the fixes are those the ranges name above the version
        for rng in readable:
            fixed.extend(_above(rng, parsed, "fixed"))
    if parsed is None and not listed:
        undecidable.append(version)
    return Verdict(
        affected=listed or in_range,
        undecidable=undecidable,
        fixed=sort_versions(fixed),
        last_affected=sort_versions(last),
    )


def sort_versions(versions: Iterable[str]) -> list[str]:
    """Unique versions, lowest first (PEP 440 order; ones it cannot read last, as written)."""
    return sorted(
        set(versions), key=lambda v: (parse_version(v) is None, parse_version(v) or Version("0"), v)
    )


def _above(rng: Range, version: Version, kind: str, inclusive: bool = False) -> list[str]:
    return [
        e.version
        for e in rng.events
        if e.kind == kind and (_version(e) >= version if inclusive else _version(e) > version)
    ]


def affects(entry: AffectedPackage, version: str) -> bool:
    """True when ``version`` is affected by ``entry``."""
    return judge(entry, version).affected


def range_affects(rng: Range, version: Version) -> bool:
    """OSV's walk over one range's sorted events (every event version must parse)."""
    limits = [e for e in rng.events if e.kind == "limit"]
    if limits and not any(e.version == _ANY or version < _version(e) for e in limits):
        return False
    affected = False
    for event in sorted((e for e in rng.events if e.kind != "limit"), key=_sort_key):
        point = _version(event)
        if event.kind == "introduced":
            if event.version == _ZERO or point <= version:
                affected = True
        elif event.kind == "fixed":
            if point <= version:
                affected = False
        elif event.kind == "last_affected" and point < version:
            affected = False
    return affected


def fixed_versions(entries: Iterable[AffectedPackage]) -> list[str]:
    """Every ``fixed`` version the entries' version ranges name (for upgrade advice)."""
    return sort_versions(
        e.version
        for entry in entries
        for rng in entry.ranges
        if rng.type != "GIT"
        for e in rng.events
        if e.kind == "fixed"
    )


def _listed(versions: tuple[str, ...], version: str, parsed: Version | None) -> bool:
    for listed in versions:
        if listed == version:
            return True
        other = parse_version(listed)
        if parsed is not None and other is not None and other == parsed:
            return True
    return False


def _readable(event: Event) -> bool:
    if event.kind == "limit" and event.version == _ANY:
        return True
    return event.version == _ZERO or parse_version(event.version) is not None


def _version(event: Event) -> Version:
    if event.version == _ZERO:
        return Version(_ZERO)
    parsed = parse_version(event.version)
    assert parsed is not None  # noqa: S101 - callers check _readable first
    return parsed


def _sort_key(event: Event) -> tuple[int, Version]:
    """Events in version order, ``introduced: 0`` first of all (``sorted`` is stable: events
    at one version keep the record's order)."""
    if event.kind == "introduced" and event.version == _ZERO:
        return (0, Version(_ZERO))
    return (1, _version(event))
