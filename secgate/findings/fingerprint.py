"""Stable fingerprints: one identity per problem, used for equality, baselines and SARIF
``partialFingerprints`` (``secgate/v1``), plus GitHub's ``primaryLocationLineHash``.

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
from pathlib import Path

from packaging.utils import canonicalize_name, canonicalize_version

from secgate.files import scanned_tree
from secgate.findings.equivalence import weakness_of
from secgate.findings.line_hash import line_hashes
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
    return tuple(sorted(reps, key=_cwe_number))


def _cwe_number(cwe: str) -> tuple[int, str]:
    digits = cwe[4:]
    return (int(digits), cwe) if digits.isdigit() else (1 << 30, cwe)


MAX_LINE_HASHED_BYTES = 8 * 1024 * 1024
"""Larger files get no ``primaryLocationLineHash`` from secgate (hashing costs about a second
per megabyte); GitHub's upload action computes the missing ones itself."""


class SourceTree:
    """Reads files under the scanned root, once each; never outside it, and only regular files
    (``secgate.files.scanned_tree``: a symlink to ``/dev/zero`` or a FIFO reads as missing).

    Findings name many files, most of them in a few directories and, for an ingested report,
    often absent here. So a path is looked up in its directory's listing, read once per
    directory: an absent file costs no system call, and a regular file listed in a directory
    inside the root needs no ``realpath``; only symlinks are resolved one by one."""

    def __init__(self, root: Path | None) -> None:
        self.root = root.resolve() if root is not None else None
        self._real_root = str(self.root) if self.root is not None else ""
        self._listings: dict[str, scanned_tree.Listing | None] = {}
        self._texts: dict[str, tuple[str, int] | None] = {}
        self._lines: dict[str, list[str] | None] = {}
        self._hashes: dict[str, tuple[dict[int, str], bool]] = {}
        """Path -> the hashes of its first lines, and whether those are all of them."""

    def _file(self, path: str) -> Path | None:
        """The resolved regular file ``path`` names inside the root, or None."""
        if self.root is None or not path or path.startswith("/"):
            return None
        directory, _, name = path.rpartition("/")
        if directory not in self._listings:
            self._listings[directory] = scanned_tree.listing(self.root, directory)
        listing = self._listings[directory]
        if listing is None:
            return None
        return listing.regular_file(name, self._real_root)

    def _read(self, path: str) -> tuple[str, int] | None:
        """The text of ``path`` and its size in bytes, read once; None when unreadable."""
        if path not in self._texts:
            file = self._file(path)
            self._texts[path] = scanned_tree.read_resolved(file) if file is not None else None
        return self._texts[path]

    def line(self, path: str, number: int) -> str | None:
        """Line ``number`` (1-based) of ``path``, or None when it cannot be read."""
        if path not in self._lines:
            read = self._read(path)
            self._lines[path] = read[0].splitlines() if read is not None else None
        lines = self._lines[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def line_hash(self, path: str, number: int) -> str | None:
        """GitHub's ``primaryLocationLineHash`` of line ``number`` of ``path``. Lines are hashed
        from the top down to the line asked for (twice as far as before when a later one is),
        not further."""
        hashes, complete = self._hashes.get(path, ({}, False))
        if number in hashes or complete:
            return hashes.get(number)
        read = self._read(path)
        if read is None or read[1] > MAX_LINE_HASHED_BYTES:
            self._hashes[path] = ({}, True)
            return None
        last = max(number, 2 * len(hashes))
        hashes = line_hashes(read[0], last)
        self._hashes[path] = (hashes, len(hashes) < last)
        return hashes.get(number)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def package_name(name: str, ecosystem: str | None) -> str:
    """A package name as its ecosystem compares it (PEP 503 for PyPI, else lower case)."""
    if (ecosystem or "").lower() == "pypi":
        return canonicalize_name(name)
    return name.strip().lower()


def package_version(version: str | None, ecosystem: str | None) -> str:
    """A version as its ecosystem compares it (for PyPI: PEP 440's normal form without trailing
    zeros, when it parses)."""
    text = (version or "").strip()
    if (ecosystem or "").lower() == "pypi" and text:
        return canonicalize_version(text, strip_trailing_zero=True)
    return text


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
    if finding.location is None and isinstance(artifact, str) and artifact and \
            finding.category in (Category.CONTAINER, Category.DEPENDENCY, Category.SECRET,
                                 Category.LICENSE, Category.MISCONFIG):
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


def compute(finding: Finding, tree: SourceTree, *, by_cwe: bool = True,
            cwes: Iterable[str] | None = None) -> str:
    """secgate's fingerprint of ``finding``; ``cwes`` overrides the CWEs its family comes from."""
    pkg = finding.package
    scope = target_scope(finding)
    if finding.secret is not None:
        return _digest("secret", finding.path or "", finding.secret.hash,
                       *([scope] if scope else []))
    if pkg is not None and finding.vulnerability is not None:
        return _digest("dependency", (pkg.ecosystem or "").lower(),
                       package_name(pkg.name, pkg.ecosystem),
                       package_version(pkg.version, pkg.ecosystem),
                       finding.vulnerability.canonical_id, *([scope] if scope else []))
    if pkg is not None and finding.category is Category.LICENSE:
        license_text = finding.license.raw if finding.license else ""
        return _digest("license", (pkg.ecosystem or "").lower(),
                       package_name(pkg.name, pkg.ecosystem),
                       package_version(pkg.version, pkg.ecosystem), license_text)
    return _digest("code", rule_family(finding, by_cwe=by_cwe, cwes=cwes), finding.path or "",
                   code_text(finding, tree))


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
    return (loc.path if loc else "", (loc.start_line or 0) if loc else 0, finding.tool,
            finding.rule_id, finding.message)
