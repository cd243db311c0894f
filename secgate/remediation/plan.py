"""The smallest upgrade plan that clears the blocking dependency findings of a judged scan.

For each package version that blocking findings are about (a Python requirement; other
ecosystems are listed as ``not-python``):

1. its **known vulnerabilities**: every vulnerability the scan reported for the package (any
   tool), each joined to the imported OSV record with its id or an alias when there is one,
   and every other advisory the imported data holds about the package;
2. its **candidate versions** (``secgate.remediation.versions``), lowest first;
3. for each candidate, the vulnerabilities still affecting it, and of those the ones that
   would block: the policy decides a copy of the scan's finding (or, for an advisory the scan
   did not report, the finding secgate's ``osv`` scanner would make) at that version, with
   its reachability and KEV and EPSS facts, acceptances and VEX statements as the scan had them;
4. the **choice**, the first that exists: the lowest candidate of the current major version
   affected by no known vulnerability (but those no known version clears); the lowest of the
   current major version that no blocking vulnerability affects (the rest are named); then
   the same two among every candidate, a new major version, which is listed (``new-major``)
   and written only with ``allow_major``; else ``unfixable``;
5. **where it is pinned**: requirement files and pyproject pins are rewritten
   (``secgate.remediation.rewrite``); a pin only in a lock file is ``locked``, a package pinned
   nowhere ``transitive``, a range (``>=``) ``unpinned``, a ``--hash`` line ``hash-pinned``:
   listed with what to do, not guessed.

``left_blocking`` then lists every blocking finding the applied upgrades do not clear.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from secgate.adapters.osv import parse_audit
from secgate.advisories import exploits
from secgate.advisories.audit import SCHEMA_ID, vuln_entry
from secgate.advisories.osv import PYPI, Advisory
from secgate.advisories.pins import ProjectPins
from secgate.files.requirements import Pin
from secgate.model import Action, Finding, Vulnerability
from secgate.remediation import rewrite, versions
from secgate.remediation.environments import EnvironmentIndex
from secgate.remediation.model import PackageUpgrade, PinPlace, UpgradePlan
from secgate.remediation.reachability import ReachabilityJudge, is_python_dependency
from secgate.remediation.versions import Candidate, CandidateSet, KnownVulnerability

if TYPE_CHECKING:
    from secgate.advisories.store import AdvisoryStore

Decide = Callable[[Finding], Action]
"""The policy's action on a finding (acceptances and VEX statements included)."""


@dataclass
class PlanInputs:
    """What a plan is made from."""

    findings: list[Finding]
    """The judged findings of the scan."""
    target: Path
    pins: ProjectPins
    decide: Decide
    store: AdvisoryStore | None = None
    environments: EnvironmentIndex = field(default_factory=EnvironmentIndex)
    reachability: ReachabilityJudge | None = None
    allow_major: bool = False


def make_plan(inputs: PlanInputs) -> UpgradePlan | None:
    """The plan for the blocking findings of ``inputs``; None when nothing blocks."""
    blocking = [f for f in inputs.findings if _blocks(f)]
    if not blocking:
        return None
    groups: dict[tuple[str, str, str | None], list[Finding]] = {}
    for finding in blocking:
        if finding.package is not None and finding.category.value == "dependency":
            package = finding.package
            ecosystem = (package.ecosystem or "unknown").lower()
            groups.setdefault((ecosystem, package.name, package.version), []).append(finding)
    reported: dict[str, list[Finding]] = {}
    for finding in inputs.findings:
        if is_python_dependency(finding) and finding.vulnerability is not None:
            assert finding.package is not None  # noqa: S101 - is_python_dependency checked it
            reported.setdefault(finding.package.name, []).append(finding)
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or ""))
    upgrades = [
        _package_plan(key, found, inputs, reported.get(key[1], [])) for key, found in ordered
    ]
    edits = [
        rewrite.Edit(place, upgrade.target)
        for upgrade, places in upgrades
        if upgrade.applied and upgrade.target
        for place in places
    ]
    changes = rewrite.plan_edits(inputs.target, edits)
    refused = {(e.pin.path, e.pin.line): why for e, why in changes.refused}
    packages = []
    for upgrade, places in upgrades:
        problems = [refused[(p.path, p.line)] for p in places if (p.path, p.line) in refused]
        if upgrade.applied and problems:
            upgrade = upgrade.model_copy(
                update={"applied": False, "reason": f"{upgrade.reason}; not written: {problems[0]}"}
            )
        packages.append(upgrade)
    cleared = {(u.ecosystem, u.name, u.version) for u in packages if u.applied}
    left = sorted(
        _blocking_line(f)
        for f in blocking
        if not (
            f.package is not None
            and f.category.value == "dependency"
            and ((f.package.ecosystem or "unknown").lower(), f.package.name, f.package.version)
            in cleared
        )
    )
    sources = _candidate_sources(inputs, packages)
    return UpgradePlan(
        packages=packages, diff=changes.diff(), candidates_from=sources, left_blocking=left
    )


def _candidate_sources(inputs: PlanInputs, packages: list[PackageUpgrade]) -> list[str]:
    out = [versions.REPORTED_FIXES]
    if inputs.store is not None:
        out.insert(0, versions.ADVISORY_FIXES)
    if inputs.environments.sites:
        out.append(f"{versions.INSTALLED} ({', '.join(inputs.environments.sites)})")
    return out if packages else []


def _blocks(finding: Finding) -> bool:
    return finding.decision is not None and finding.decision.action is Action.BLOCK


def _blocking_line(finding: Finding) -> str:
    ids = finding.vulnerability.canonical_id if finding.vulnerability else finding.rule_id
    return f"{finding.tool} {ids} at {finding.place}"


def _package_plan(
    key: tuple[str, str, str | None],
    blocking: list[Finding],
    inputs: PlanInputs,
    reported: list[Finding],
) -> tuple[PackageUpgrade, list[Pin]]:
    ecosystem, name, version = key
    blocking_ids = sorted({_key(f) for f in blocking})
    base = {"name": name, "ecosystem": ecosystem, "version": version}
    if ecosystem != "pypi":
        return PackageUpgrade(
            **base,
            status="not-python",
            remaining=blocking_ids,
            reason=f"a {ecosystem} package: secgate plans upgrades of Python requirements only",
        ), []
    if version is None:
        return PackageUpgrade(
            **base,
            status="unfixable",
            remaining=blocking_ids,
            reason="the reports name no installed version to upgrade from",
        ), []
    choice = _Chooser(name, version, blocking, reported, inputs).choose()
    places = [p for p in inputs.pins.pins if p.name == name and p.version == version]
    upgrade = PackageUpgrade(
        **base,
        status=choice.status,
        target=choice.target,
        clears=choice.clears,
        remaining=choice.remaining,
        places=[PinPlace(path=p.path, line=p.line) for p in places],
        reason=choice.reason,
    )
    if choice.status not in ("upgrade", "new-major") or choice.target is None:
        return upgrade, []
    return _placed(upgrade, places, inputs)


def _placed(
    upgrade: PackageUpgrade, places: list[Pin], inputs: PlanInputs
) -> tuple[PackageUpgrade, list[Pin]]:
    """``upgrade`` with what its pins allow: written where they can be rewritten."""
    name, target = upgrade.name, upgrade.target
    writable = [p for p in places if rewrite.kind_of(p) != "lock"]
    locks = [p for p in places if rewrite.kind_of(p) == "lock"]
    hashed = [p for p in writable if rewrite.hash_pinned(inputs.target, p)]
    if hashed:
        where = f"{hashed[0].path}:{hashed[0].line}"
        return upgrade.model_copy(
            update={
                "status": "hash-pinned",
                "reason": f"{where} pins it with --hash options for {upgrade.version}: "
                f"regenerate the hashes for {target} (pip-compile --generate-hashes); "
                f"{upgrade.reason}",
            }
        ), []
    if not writable and locks:
        tool = (
            "poetry update"
            if locks[0].path.endswith("poetry.lock")
            else "uv lock --upgrade-package"
        )
        return upgrade.model_copy(
            update={
                "status": "locked",
                "reason": f"pinned only in {locks[0].path}: run `{tool} {name}` to move it to "
                f"{target} or later; {upgrade.reason}",
            }
        ), []
    if not writable:
        ranged = [p for p in inputs.pins.pins if p.name == name]
        if ranged:
            where = f"{ranged[0].path}:{ranged[0].line}"
            return upgrade.model_copy(
                update={
                    "status": "unpinned",
                    "reason": f"{where} names it without pinning {upgrade.version}: raise its "
                    f"lower bound to {target}; {upgrade.reason}",
                }
            ), []
        return upgrade.model_copy(
            update={
                "status": "transitive",
                "reason": f"pinned in no requirement file (a dependency of another package, or "
                f"installed only): require {name}>={target} (a constraint), or upgrade "
                f"the package that needs it; {upgrade.reason}",
            }
        ), []
    applied = upgrade.status == "upgrade" or inputs.allow_major
    also = f"; {locks[0].path} also pins it: update it with its tool" if locks else ""
    return upgrade.model_copy(
        update={"applied": applied, "reason": upgrade.reason + also}
    ), writable


@dataclass(frozen=True)
class _Choice:
    status: str
    target: str | None
    clears: list[str]
    remaining: list[str]
    reason: str


class _Chooser:
    """Chooses the version of one package (steps 1-4 of the module docstring)."""

    def __init__(
        self,
        name: str,
        version: str,
        blocking: list[Finding],
        reported: list[Finding],
        inputs: PlanInputs,
    ) -> None:
        """``reported``: every Python dependency finding about the package."""
        self.name, self.version, self.inputs = name, version, inputs
        self.blocking = sorted({_key(f) for f in blocking})
        self.known, self.templates = self._known(blocking, reported)
        self._blocks_at: dict[tuple[str, str], bool] = {}

    def _known(
        self, blocking: list[Finding], about: list[Finding]
    ) -> tuple[dict[str, KnownVulnerability], dict[str, Finding]]:
        reported: dict[str, list[Finding]] = {}
        ours = {id(f) for f in blocking}
        for finding in sorted(about, key=lambda f: id(f) not in ours):
            reported.setdefault(_key(finding), []).append(finding)
        store = self.inputs.store
        known: dict[str, KnownVulnerability] = {}
        templates: dict[str, Finding] = {}
        for key, found in reported.items():
            ids = frozenset(i.upper() for f in found for i in _ids(f))
            advisory = self._record(ids) if store is not None else None
            fixes = tuple(
                sorted({v for f in found for v in (f.package.fixed_versions if f.package else [])})
            )
            known[key] = KnownVulnerability(key, ids, self.name, advisory, fixes)
            templates[key] = found[0]
        if store is not None:
            claimed = {i for k in known.values() for i in k.ids}
            for advisory in store.advisories_for(PYPI, self.name):
                ids = frozenset(i.upper() for i in advisory.all_ids)
                if advisory.withdrawn or ids & claimed:
                    continue
                key = Vulnerability(id=advisory.id, aliases=list(advisory.aliases)).canonical_id
                known[key] = KnownVulnerability(key, ids, self.name, advisory)
        return known, templates

    def _record(self, ids: Iterable[str]) -> Advisory | None:
        assert self.inputs.store is not None  # noqa: S101 - callers check
        for vuln_id in sorted(ids):
            advisory = self.inputs.store.advisory(vuln_id)
            if (
                advisory is not None
                and advisory.packages(PYPI, self.name)
                and not advisory.withdrawn
            ):
                return advisory
        return None

    def candidates(self) -> list[Candidate]:
        named = CandidateSet()
        for vuln in self.known.values():
            named.add(
                vuln.fixes(),
                versions.ADVISORY_FIXES if vuln.advisory is not None else versions.REPORTED_FIXES,
            )
        named.add(
            (v for f in self.templates.values() if f.package for v in f.package.fixed_versions),
            versions.REPORTED_FIXES,
        )
        named.add(self.inputs.environments.versions(self.name), versions.INSTALLED)
        return named.above(self.version)

    def affecting(self, version: str) -> list[str]:
        return sorted(key for key, vuln in self.known.items() if vuln.affects(version))

    def blocks_at(self, key: str, version: str) -> bool:
        """True when the policy would block vulnerability ``key`` at ``version``."""
        cached = self._blocks_at.get((key, version))
        if cached is None:
            finding = self._finding_at(key, version)
            cached = finding is None or self.inputs.decide(finding) is Action.BLOCK
            self._blocks_at[(key, version)] = cached
        return cached

    def _finding_at(self, key: str, version: str) -> Finding | None:
        template = self.templates.get(key)
        if template is not None and template.package is not None:
            package = template.package.model_copy(
                update={"version": version, "purl": f"pkg:pypi/{self.name}@{version}"}
            )
            return template.model_copy(
                update={"package": package, "decision": None, "baseline": None}
            )
        vuln = self.known[key]
        if vuln.advisory is None:
            return None
        from secgate.advisories.store import Match  # the store is open: its module is loaded

        entries = vuln.advisory.packages(PYPI, self.name)
        doc = {
            "schema": SCHEMA_ID,
            "results": [
                {
                    "name": self.name,
                    "version": version,
                    "vulns": [vuln_entry(Match(vuln.advisory, entries, vuln.fixes()))],
                }
            ],
        }
        (finding,) = parse_audit(json.dumps(doc).encode()).findings
        if self.inputs.store is not None:
            exploits.annotate([finding], self.inputs.store)
        if self.inputs.reachability is not None:
            judgement = self.inputs.reachability.judge(self.name)
            finding.reachable, finding.reachable_via = judgement.reachable, judgement.via
        return finding

    def choose(self) -> _Choice:
        candidates = self.candidates()
        affected = {c.version: self.affecting(c.version) for c in candidates}
        unfixable = (
            set.intersection(*(set(a) for a in affected.values())) if affected else set(self.known)
        )
        blocking_at = {
            c.version: [k for k in affected[c.version] if self.blocks_at(k, c.version)]
            for c in candidates
        }

        def clean(c: Candidate) -> bool:
            return set(affected[c.version]) <= unfixable and not blocking_at[c.version]

        def sufficient(c: Candidate) -> bool:
            return not blocking_at[c.version]

        same = [c for c in candidates if versions.same_major(c.version, self.version)]
        for pool, test in (
            (same, clean),
            (same, sufficient),
            (candidates, clean),
            (candidates, sufficient),
        ):
            chosen = next((c for c in pool if test(c)), None)
            if chosen is not None:
                return self._chosen(chosen, affected[chosen.version], pool is same)
        stuck = sorted({k for k in self.blocking if k in unfixable} or set(self.blocking))
        partial = next((c for c in candidates if set(blocking_at[c.version]) <= unfixable), None)
        why = f"no known version clears {', '.join(stuck)}"
        if not any(self.known[k].fixes() for k in stuck if k in self.known):
            why += " (no fixed version is known)"
        if partial is not None:
            why += f"; {partial.version} would clear the others"
        return _Choice("unfixable", partial.version if partial else None, [], stuck, why)

    def _chosen(self, chosen: Candidate, remaining: list[str], same_major: bool) -> _Choice:
        major = chosen.parsed.major
        if remaining:
            what = (
                f"every blocking vulnerability (still affected by {', '.join(remaining)}, "
                "which do not block)"
            )
        else:
            what = "every known vulnerability"
        where = f"of major version {major}" if same_major else "known"
        reason = f"{chosen.version} is the lowest {where} clear of {what}"
        status = "upgrade"
        if not same_major:
            status = "new-major"
            current = versions.parse_version(self.version)
            reason = (
                f"no {current.major if current else '?'}.x version clears "
                f"{', '.join(self.blocking)}; {reason} (a new major version: check its "
                "changelog; written only with --allow-major)"
            )
        return _Choice(status, chosen.version, list(self.blocking), remaining, reason)


def _ids(finding: Finding) -> set[str]:
    return finding.vulnerability.all_ids if finding.vulnerability is not None else set()


def _key(finding: Finding) -> str:
    if finding.vulnerability is None:
        return finding.rule_id
    return finding.vulnerability.canonical_id


def plan_rewrite(plan: UpgradePlan, root: Path) -> rewrite.Rewrite:
    """The rewrite of the plan's applied upgrades at the places it names."""
    edits = []
    for upgrade in plan.packages:
        if not (upgrade.applied and upgrade.target):
            continue
        for place in upgrade.places:
            pin = Pin(upgrade.name, upgrade.version, place.path, place.line)
            if rewrite.kind_of(pin) != "lock":
                edits.append(rewrite.Edit(pin, upgrade.target))
    return rewrite.plan_edits(root, edits)
