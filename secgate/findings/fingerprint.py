"""Stable fingerprints: one identity per problem, used for equality, baselines and SARIF
``partialFingerprints`` (``secgate/v1``), plus GitHub's ``primaryLocationLineHash`` (read through
``secgate.findings.source_tree``).

A fingerprint must survive edits that do not touch the problem:

- dependency: (ecosystem, package, version, canonical vulnerability id) and no location, so
  reordering or moving requirement lines keeps it. PyPI names are compared as PEP 503 normalizes
  them (``PyYAML`` = ``pyyaml``, ``zope_interface`` = ``zope-interface``) and versions as PEP 440
  compares them (``5.3`` = ``5.3.0``, ``2.0rc1`` = ``2.0-rc1``).
- license: (ecosystem, package, version, license).
- secret: (path, secret hash): the line is left out, so the secret keeps its identity when lines
  are added above it.
- code: (rule family, path, the normalized text of the first line of the finding's region). The
  line number is left out, so inserting lines above keeps the fingerprint; editing the line
  changes it. Only the first line is hashed because tools disagree on where a region ends
  (Bandit marks one line where Semgrep marks the whole statement). Whitespace is collapsed.
  When the file cannot be read (an ingested report without the source tree), the snippet the
  tool quoted stands in for it, else the message.

The *rule family* of a code finding is what keeps one fingerprint whichever tool reported it:
with cross-tool code dedupe on (the default), it is the finding's CWE family (the CWEs, each
mapped to a representative of its group in ``CWE_FAMILY``; for a merged finding, the families
its reports share), so Bandit's B602 and Semgrep's ``python-subprocess-shell-true`` at one place
give the same fingerprint, alone or merged, and a baseline taken with one tool still matches
when a second tool joins. Findings without a CWE, and every code finding when code dedupe is
turned off in the policy, use ``tool:rule_id``.

Identical problems at two places of one file (the same vulnerable line pasted twice) would share
a fingerprint; ``disambiguate`` gives the second and later ones (in line order) a derived one.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

from secgate.files import fields
from secgate.findings.equivalence import weakness_of
from secgate.findings.packages import package_name, package_version
from secgate.findings.source_tree import SourceTree
from secgate.model import Category, Finding

CWE_FAMILY: dict[str, str] = {
    # hard-coded credentials: password (259) and cryptographic key (321) are kinds of 798
    "CWE-259": "CWE-798",
    "CWE-321": "CWE-798",
    # injection into a command or into evaluated code: tools file eval/exec under either
    "CWE-77": "CWE-78",
    "CWE-88": "CWE-78",
    "CWE-94": "CWE-78",
    "CWE-95": "CWE-78",
    # weak hashing
    "CWE-328": "CWE-327",
    "CWE-916": "CWE-327",
}
"""CWEs that different tools use for one weakness, mapped to one representative. Two code
findings at one line whose families meet are one problem (see ``secgate.findings.dedupe``)."""


def cwe_family(cwes: Iterable[str]) -> list[str]:
    """The representatives of ``cwes``, sorted by number, without repeats."""
    return list(_family_of(tuple(cwes)))


@functools.lru_cache(maxsize=4096)
def _family_of(cwes: tuple[str, ...]) -> tuple[str, ...]:
    reps = {CWE_FAMILY.get(c.upper(), c.upper()) for c in cwes}
    return tuple(sorted(reps, key=cwe_order))


def cwe_order(cwe: str) -> tuple[int, str]:
    """A sort key of CWE ids: by number (``CWE-79`` before ``CWE-200``), any other spelling
    after them."""
    digits = cwe[4:]
    return (int(digits), cwe) if fields.plain_digits(digits, 18) else (1 << 30, cwe)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def code_text(finding: Finding, tree: SourceTree) -> str:
    """The normalized code at the finding's location (see the module docstring)."""
    loc = finding.location
    text = None
    if loc is not None and loc.start_line:
        text = tree.line(loc.path, loc.start_line)
    if text is None and loc is not None:
        first = (loc.snippet or "").splitlines()
        text = first[0] if first else None
    text = " ".join((text or "").split())
    return text or " ".join(finding.message.split())


def target_scope(finding: Finding) -> str | None:
    """The scanned target a finding belongs to when it is not the project's own files: a
    Kubernetes resource and its image (``resource`` and ``target`` of Trivy's k8s reports), or
    a container image (``artifact``, for a finding with no repository path). None for the
    project itself. Findings of two scopes are never one problem."""
    props = finding.properties
    resource = props.get("resource")
    if isinstance(resource, str) and resource:
        return f"resource:{resource}|{props.get('target') or ''}"
    artifact = props.get("artifact")
    if (
        finding.location is None
        and isinstance(artifact, str)
        and artifact
        and finding.category
        in (
            Category.CONTAINER,
            Category.DEPENDENCY,
            Category.SECRET,
            Category.LICENSE,
            Category.MISCONFIG,
        )
    ):
        return f"artifact:{artifact}|{props.get('target') or ''}"
    return None


def rule_family(finding: Finding, *, by_cwe: bool, cwes: Iterable[str] | None = None) -> str:
    """What stands for the rule in a code fingerprint: the weakness of the rule-equivalence
    table when it lists the rule (``secgate.findings.equivalence``), else its CWE family."""
    if by_cwe and cwes is None:
        weakness = weakness_of(finding.tool, finding.rule_id)
        if weakness:
            return "cwe:" + weakness
    family = cwe_family(finding.cwes if cwes is None else cwes)
    if by_cwe and family:
        return "cwe:" + "+".join(family)
    return f"rule:{finding.tool}:{finding.rule_id}"


def compute(
    finding: Finding, tree: SourceTree, *, by_cwe: bool = True, cwes: Iterable[str] | None = None
) -> str:
    """secgate's fingerprint of ``finding``; ``cwes`` overrides the CWEs its family comes from."""
    pkg = finding.package
    scope = target_scope(finding)
    if finding.secret is not None:
        return _digest(
            "secret", finding.path or "", finding.secret.hash, *([scope] if scope else [])
        )
    if pkg is not None and finding.vulnerability is not None:
        return _digest(
            "dependency",
            (pkg.ecosystem or "").lower(),
            package_name(pkg.name, pkg.ecosystem),
            package_version(pkg.version, pkg.ecosystem),
            finding.vulnerability.canonical_id,
            *([scope] if scope else []),
        )
    if pkg is not None and finding.category is Category.LICENSE:
        license_text = finding.license.raw if finding.license else ""
        return _digest(
            "license",
            (pkg.ecosystem or "").lower(),
            package_name(pkg.name, pkg.ecosystem),
            package_version(pkg.version, pkg.ecosystem),
            license_text,
        )
    return _digest(
        "code",
        rule_family(finding, by_cwe=by_cwe, cwes=cwes),
        finding.path or "",
        code_text(finding, tree),
    )


def line_hash(finding: Finding, tree: SourceTree) -> str | None:
    """GitHub's ``primaryLocationLineHash`` for the finding's first line, when the file is here."""
    loc = finding.location
    if loc is None or not loc.start_line:
        return None
    return tree.line_hash(loc.path, loc.start_line)


def assign(findings: list[Finding], tree: SourceTree, *, by_cwe: bool = True) -> None:
    """Give every finding that has none its fingerprint and its GitHub line hash."""
    for finding in findings:
        if not finding.fingerprint:
            finding.fingerprint = compute(finding, tree, by_cwe=by_cwe)
        if not finding.line_hash:
            found = line_hash(finding, tree)
            if found:
                finding.line_hash = found


def disambiguate(findings: list[Finding]) -> None:
    """Make fingerprints unique: the second and later findings sharing one (in path and line
    order) get a fingerprint derived from it and their rank."""
    first: dict[str, Finding] = {}
    groups: dict[str, list[Finding]] = {}  # only the fingerprints met more than once
    for finding in findings:
        fingerprint = finding.fingerprint
        if not fingerprint:
            continue
        seen = first.setdefault(fingerprint, finding)
        if seen is not finding:
            groups.setdefault(fingerprint, [seen]).append(finding)
    for fingerprint, group in groups.items():
        group.sort(key=_place)
        for rank, finding in enumerate(group[1:], start=2):
            finding.fingerprint = _digest(fingerprint, str(rank))


def _place(finding: Finding) -> tuple[str, int, str, str, str]:
    loc = finding.location
    return (
        loc.path if loc else "",
        (loc.start_line or 0) if loc else 0,
        finding.tool,
        finding.rule_id,
        finding.message,
    )
