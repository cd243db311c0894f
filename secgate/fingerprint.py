"""Stable fingerprints: one identity per problem, used for equality, baselines and SARIF
``partialFingerprints``.

- dependency: (ecosystem, package, version, canonical vulnerability id), no location;
- license: (ecosystem, package, version, license);
- secret: (path, secret hash);
- code: (rule, path, hash of the normalized code at the location), without the line number,
  so that lines inserted above the problem keep its fingerprint.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from secgate.model import Category, Finding


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _normalized_code(finding: Finding, root: Path | None) -> str:
    loc = finding.location
    if loc is None:
        return ""
    if root is not None and loc.start_line:
        try:
            lines = (root / loc.path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            lines = []
        end = loc.end_line or loc.start_line
        if lines and loc.start_line <= len(lines):
            return " ".join("".join(lines[loc.start_line - 1:end]).split())
    return " ".join((loc.snippet or "").split())


def compute(finding: Finding, root: Path | None) -> str:
    """secgate's fingerprint of ``finding``."""
    pkg = finding.package
    if finding.secret is not None:
        return _digest("secret", finding.path or "", finding.secret.hash)
    if pkg is not None and finding.vulnerability is not None:
        return _digest("dependency", pkg.ecosystem or "", pkg.name.lower(), pkg.version or "",
                       finding.vulnerability.canonical_id)
    if pkg is not None and finding.category is Category.LICENSE:
        license_text = finding.license.raw if finding.license else ""
        return _digest("license", pkg.ecosystem or "", pkg.name.lower(), pkg.version or "",
                       license_text)
    code = _normalized_code(finding, root) or finding.message
    return _digest("code", finding.tool, finding.rule_id, finding.path or "", code)


def assign(findings: list[Finding], root: Path | None) -> None:
    """Give every finding that has none its fingerprint."""
    for finding in findings:
        if not finding.fingerprint:
            finding.fingerprint = compute(finding, root)
