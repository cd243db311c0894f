"""One finding per problem: merging the reports of one problem by several tools (or one tool run
twice, like ``gitleaks dir`` and ``gitleaks git``, or one run ingested as JSON and as SARIF).

Four rules say that two findings are the same problem:

- **same report**: the same tool, rule, category, file, first line of the statement
  (``properties.line_range`` when the tool gives the statement's lines apart from the finding's:
  Bandit's JSON), package and license, in the same target: one run seen twice;
- **dependency**: the same ecosystem, package (PEP 503 name for PyPI) and version, id sets
  (``Vulnerability.id`` plus aliases: CVE, GHSA, PYSEC, OSV...) that share an id, and the same
  target: a Kubernetes resource and image, a container image, or a manifest of the project
  (``secgate.findings.fingerprint.target_scope``; a report that names no manifest joins the first
  one that does, never an image or a workload);
- **secret**: the same file and target, overlapping lines and the same secret, by its salted
  hash (a report without lines joins the first place the file has that secret reported at).
  Trivy masks secrets in its output; ``secgate.findings.unmask`` recovers the hash of the value
  from the file where the masked match aligns with it, so Trivy's report merges too (it stays
  apart when the match does not align);
- **code**: the same file and either a rule pair of the reviewed equivalence table
  (``secgate.findings.equivalence``) with overlapping statements, or CWE families that meet on
  the same first line (``secgate.findings.fingerprint.CWE_FAMILY``): Bandit B602 and Semgrep
  ``python-subprocess-shell-true``, both CWE-78, say. Two findings carrying different secrets are
  never merged by this rule. The policy turns this rule off with ``dedupe: {code: false}``.

The rules chain: findings linked by any of them form one group. Each group becomes one finding,
built deterministically from its *primary* report (the most severe, then the highest score, then
tool and rule order): the highest severity, score and level win; ``sources`` lists every
``(tool, rule id)`` in tool order (reports show "found by bandit, semgrep"), with ``reports``
when several reports of one tool and rule were folded; CWEs, tags, vulnerability ids and aliases
and fixed versions are united; a suppression holds only when every report was suppressed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from secgate.findings.equivalence import has_pairs, pair_of, weakness_of
from secgate.findings.fingerprint import compute, cwe_family, cwe_order, target_scope
from secgate.findings.ids import normal_vuln_id
from secgate.findings.packages import package_name, package_version
from secgate.findings.source_tree import SourceTree
from secgate.findings.versions import sort_versions
from secgate.model import (
    Category,
    Finding,
    Level,
    Package,
    Secret,
    Source,
    Vulnerability,
)
from secgate.policy.model import Policy

_NO_LINE = 1 << 30
_LEVEL_RANK = {Level.NONE: 0, Level.NOTE: 1, Level.WARNING: 2, Level.ERROR: 3}


@dataclass
class DedupeResult:
    """The findings after merging, and how many reports were folded into others."""

    findings: list[Finding]
    removed: int
    """Raw count minus merged count."""
    merged: int
    """How many findings stand for more than one report."""


class _Groups:
    """Union-find over finding indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def span(finding: Finding) -> tuple[int, int] | None:
    """The lines of the statement a finding is about: its location's, widened by
    ``properties.line_range`` when the tool gave the statement's range apart."""
    lines = _lines(finding)
    if lines is None:
        return None
    extra = finding.properties.get("line_range")
    if isinstance(extra, list) and len(extra) == 2 and all(type(n) is int for n in extra):
        return min(lines[0], extra[0]), max(lines[1], extra[1])
    return lines


def _spans_overlap(a: Finding, b: Finding) -> bool:
    sa, sb = span(a), span(b)
    if sa is None or sb is None:
        return sa is None and sb is None
    return sa[0] <= sb[1] and sb[0] <= sa[1]


def _dependency_place(finding: Finding) -> tuple[str, str] | None:
    """Where a dependency finding is: its target scope, else its manifest; None when it
    names neither (the project's environment)."""
    scope = target_scope(finding)
    if scope is not None:
        return ("scope", scope)
    lockfile = finding.properties.get("lockfile")
    if isinstance(lockfile, str) and lockfile:
        return ("file", lockfile)
    if finding.location is not None and finding.location.path:
        return ("file", finding.location.path)
    return None


def _link_dependencies(findings: list[Finding], groups: _Groups) -> None:
    owner: dict[tuple[str, ...], list[int]] = {}
    for i, finding in enumerate(findings):
        pkg, vuln = finding.package, finding.vulnerability
        if pkg is None or vuln is None:
            continue
        eco = (pkg.ecosystem or "").lower()
        base = (
            eco,
            package_name(pkg.name, pkg.ecosystem),
            package_version(pkg.version, pkg.ecosystem),
        )
        for vuln_id in vuln.all_ids:
            owner.setdefault((*base, normal_vuln_id(vuln_id)), []).append(i)
    for members in owner.values():
        places: dict[tuple[str, str] | None, list[int]] = {}
        for i in members:
            places.setdefault(_dependency_place(findings[i]), []).append(i)
        for same in places.values():
            for j in same[1:]:
                groups.union(same[0], j)
        # a report that names no manifest (pip-audit of an environment) joins the first one
        # of the project's manifests that has the same vulnerability; never an image or workload
        unplaced = places.get(None, [])
        files = sorted(p for p in places if p is not None and p[0] == "file")
        if unplaced and files:
            groups.union(places[files[0]][0], unplaced[0])


def _lines(finding: Finding) -> tuple[int, int] | None:
    loc = finding.location
    if loc is None or not loc.start_line:
        return None
    return loc.start_line, max(loc.end_line or loc.start_line, loc.start_line)


def _overlap(a: Finding, b: Finding) -> bool:
    la, lb = _lines(a), _lines(b)
    if la is None or lb is None:
        return True
    return la[0] <= lb[1] and lb[0] <= la[1]


def _link_secrets(findings: list[Finding], groups: _Groups) -> None:
    buckets: dict[tuple[str, str, str], list[int]] = {}
    for i, finding in enumerate(findings):
        if finding.secret is not None and finding.location is not None:
            key = (finding.location.path, finding.secret.hash, target_scope(finding) or "")
            buckets.setdefault(key, []).append(i)
    for members in buckets.values():
        lined = sorted(
            (i for i in members if _lines(findings[i]) is not None),
            key=lambda i: _lines(findings[i]) or (0, 0),
        )
        for n, i in enumerate(lined):
            for j in lined[n + 1 :]:
                if _overlap(findings[i], findings[j]):
                    groups.union(i, j)
        # a report without lines joins the first place the secret is reported at
        lineless = [i for i in members if _lines(findings[i]) is None]
        anchor = lined[0] if lined else (lineless[0] if lineless else None)
        for i in lineless:
            if anchor is not None:
                groups.union(anchor, i)


def _report_key(finding: Finding) -> tuple[object, ...]:
    """What two reports of one problem by one run of one tool share, whatever the format."""
    loc = finding.location
    statement = span(finding)
    # a report with no line is about the whole file, which SARIF writers put at line 1; one
    # with a line is told apart by it, so only the others need their package and license
    pkg = finding.package if statement is None else None
    lic = finding.license if statement is None else None
    return (
        finding.tool,
        finding.rule_id,
        finding.category,
        loc.path if loc else "",
        statement[0] if statement else 1,
        target_scope(finding) or "",
        package_name(pkg.name, pkg.ecosystem) if pkg else "",
        # a license is the package's whatever its version (Trivy's SARIF gives none)
        package_version(pkg.version, pkg.ecosystem) if pkg and not lic else "",
        (lic.spdx or lic.raw) if lic else "",
        finding.secret.hash if finding.secret else "",
    )


def _link_same_reports(findings: list[Finding], groups: _Groups) -> None:
    owner: dict[tuple[object, ...], int] = {}
    for i, finding in enumerate(findings):
        if finding.location is None and target_scope(finding) is None and finding.package is None:
            continue  # nothing says where: two such reports may be two problems
        key = _report_key(finding)
        if key in owner:
            groups.union(owner[key], i)
        else:
            owner[key] = i


def _is_code(finding: Finding) -> bool:
    loc = finding.location
    return (
        finding.category not in (Category.DEPENDENCY, Category.LICENSE, Category.SECRET)
        and loc is not None
        and bool(loc.start_line)
    )


def _secrets_agree(a: Finding, b: Finding) -> bool:
    return a.secret is None or b.secret is None or a.secret.hash == b.secret.hash


def _link_code(findings: list[Finding], groups: _Groups) -> None:
    buckets: dict[tuple[str, int, str], list[int]] = {}
    by_file: dict[str, list[int]] = {}
    for i, finding in enumerate(findings):
        if not _is_code(finding):
            continue
        loc = finding.location
        assert loc is not None and loc.start_line is not None  # noqa: S101 - _is_code says so
        for cwe in cwe_family(finding.cwes):
            buckets.setdefault((loc.path, loc.start_line, cwe), []).append(i)
        if has_pairs(finding.tool, finding.rule_id):
            by_file.setdefault(loc.path, []).append(i)
    for members in buckets.values():
        for n, i in enumerate(members):
            for j in members[n + 1 :]:
                if _secrets_agree(findings[i], findings[j]):
                    groups.union(i, j)
    for members in by_file.values():
        for n, i in enumerate(members):
            a = findings[i]
            for j in members[n + 1 :]:
                b = findings[j]
                if (
                    pair_of(a.tool, a.rule_id, b.tool, b.rule_id) is not None
                    and _spans_overlap(a, b)
                    and _secrets_agree(a, b)
                ):
                    groups.union(i, j)


def primary_key(finding: Finding) -> tuple[object, ...]:
    """The order in which a group's reports compete to be its primary: most severe first."""
    loc = finding.location
    # a report that says where (a line) is a better primary than one that does not
    return (
        -finding.severity.rank,
        -finding.score,
        finding.tool,
        finding.rule_id,
        loc.path if loc else "",
        (loc.start_line or _NO_LINE) if loc else _NO_LINE,
        finding.message,
    )


def _merge_vulnerability(members: list[Finding]) -> Vulnerability | None:
    vulns = [m.vulnerability for m in members if m.vulnerability is not None]
    if not vulns:
        return None
    ids: dict[str, str] = {}
    for vuln in vulns:
        for vuln_id in sorted(vuln.all_ids):
            ids.setdefault(normal_vuln_id(vuln_id), vuln_id)
    merged = Vulnerability(id=vulns[0].id, aliases=sorted(set(ids.values()) - {vulns[0].id}))
    canonical = merged.canonical_id
    return Vulnerability(id=canonical, aliases=sorted(set(ids.values()) - {canonical}))


def _merge_package(primary: Package | None, members: list[Finding]) -> Package | None:
    if primary is None:
        return None
    packages = [m.package for m in members if m.package is not None]
    fixed = [v for p in packages for v in p.fixed_versions]
    purl = primary.purl or next((p.purl for p in packages if p.purl), None)
    return primary.model_copy(update={"fixed_versions": sort_versions(fixed), "purl": purl})


def _merge_secret(members: list[Finding]) -> Secret | None:
    secrets = [m.secret for m in members if m.secret is not None]
    if not secrets:
        return None
    verified = secrets[0].verified
    if any(s.verified for s in secrets):
        verified = True
    kind = secrets[0].kind or next((s.kind for s in secrets if s.kind), None)
    return secrets[0].model_copy(update={"verified": verified, "kind": kind})


def _shared_cwes(members: Iterable[Finding]) -> list[str]:
    """The CWE family representatives every member with CWEs has (the union if none is shared)."""
    families = [set(cwe_family(m.cwes)) for m in members if m.cwes]
    if not families:
        return []
    shared = set.intersection(*families)
    return sorted(shared or set.union(*families))


def merge(members: list[Finding], tree: SourceTree, *, by_cwe: bool = True) -> Finding:
    """One finding for a group of reports of one problem."""
    if len(members) == 1:
        return members[0]
    members = sorted(members, key=primary_key)
    primary = members[0]
    reports: dict[tuple[str, str], int] = {}
    for member in members:
        for source in member.sources or [Source.of(member.tool, member.rule_id)]:
            key = (source.tool, source.rule_id)
            reports[key] = reports.get(key, 0) + (source.reports or 1)
    sources = {
        key: Source.of(*key) if count == 1 else Source(tool=key[0], rule_id=key[1], reports=count)
        for key, count in reports.items()
    }
    location = primary.location or next((m.location for m in members if m.location), None)
    if location is not None and not location.snippet:
        snippet = next(
            (m.location.snippet for m in members if m.location is not None and m.location.snippet),
            None,
        )
        location = location.model_copy(update={"snippet": snippet})
    # a severity a tool only guessed (pip-audit gives none: secgate applies a documented
    # default, marked severity_basis "default") never outranks one a tool actually rated
    rated = [m for m in members if m.properties.get("severity_basis") != "default"] or members
    cwes = sorted(
        {c for m in members for c in m.cwes},
        key=cwe_order,
    )
    merged = primary.model_copy(
        update={
            "severity": max((m.severity for m in rated), key=lambda s: s.rank),
            "score": max(m.score for m in rated),
            "level": max((m.level for m in rated), key=_LEVEL_RANK.__getitem__),
            "location": location,
            "package": _merge_package(primary.package, members),
            "vulnerability": _merge_vulnerability(members),
            "cwes": cwes,
            "secret": _merge_secret(members),
            "tags": sorted({t for m in members for t in m.tags}),
            "sources": [sources[k] for k in sorted(sources)],
            "suppression": primary.suppression if all(m.suppression for m in members) else None,
            "line_hash": primary.line_hash
            or next((m.line_hash for m in members if m.line_hash), None),
        }
    )
    deciding = max(rated, key=lambda m: (m.severity.rank, m.score))
    if "severity_basis" in deciding.properties:
        rating: dict[str, object] = {
            k: deciding.properties[k]
            for k in ("severity_basis", "cvss_vector")
            if k in deciding.properties
        }
        kept = {k: v for k, v in merged.properties.items() if k not in {"cvss_vector"}}
        merged.properties = {**kept, **rating}
    weaknesses = sorted({w for m in members if (w := weakness_of(m.tool, m.rule_id))})
    merged.fingerprint = compute(
        merged, tree, by_cwe=by_cwe, cwes=weaknesses[:1] or _shared_cwes(members)
    )
    return merged


def dedupe(findings: list[Finding], tree: SourceTree, *, code: bool = True) -> DedupeResult:
    """Merge the findings that report one problem; ``code=False`` leaves the code rule out."""
    groups = _Groups(len(findings))
    _link_same_reports(findings, groups)
    _link_dependencies(findings, groups)
    _link_secrets(findings, groups)
    if code:
        _link_code(findings, groups)
    by_root: dict[int, list[Finding]] = {}
    for i, finding in enumerate(findings):
        by_root.setdefault(groups.find(i), []).append(finding)
    merged = [merge(members, tree, by_cwe=code) for members in by_root.values()]
    return DedupeResult(
        findings=merged,
        removed=len(findings) - len(merged),
        merged=sum(1 for members in by_root.values() if len(members) > 1),
    )


def code_dedupe_enabled(policy: Policy) -> bool:
    """The policy's ``dedupe.code`` switch (on unless the policy turns it off)."""
    return bool(policy.dedupe.get("code", True))
