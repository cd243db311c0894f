"""Baselines: block only what is new.

``secgate baseline create`` writes today's findings as a secgate SARIF file. A later scan given
that file (``--baseline FILE``, or ``baseline:`` in the policy, relative to the scanned root)
marks each finding ``existing`` when its fingerprint is in the baseline and ``new`` otherwise;
the policy lets existing findings pass. A dependency finding is also existing when the baseline
holds the same package and version with a vulnerability id in common (a tool joining later may
make another id canonical). Baseline findings that no longer appear are reported as *fixed*,
but only those from tools that ran successfully this time: a scanner that did not run fixed
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from secgate.errors import ExitCode, InputError, UsageError
from secgate.files.reading import decode_json, read_bytes, reading
from secgate.files.writing import write_atomically
from secgate.findings.ids import normal_vuln_id
from secgate.findings.packages import package_name, package_version
from secgate.model import Finding, ScannerRun, ScanResult, VerdictStatus
from secgate.sarif import reader

CREATE_HINT = "create it with: secgate baseline create [PATH] -o FILE"
DEFAULT_PATH = Path(".secgate") / "baseline.sarif"
"""Where ``baseline create`` writes, under the scanned directory, unless told otherwise."""


@dataclass
class Baseline:
    """The findings of a baseline file, indexed by fingerprint."""

    path: Path | str
    """Where it was read: a file, or ``REF:path`` for one read from a commit (``--base``)."""
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_fingerprint = {f.fingerprint: f for f in self.findings if f.fingerprint}
        self.by_vulnerability: dict[tuple[str, str, str, str], Finding] = {}
        for finding in self.findings:
            for key in _vulnerability_keys(finding):
                self.by_vulnerability.setdefault(key, finding)

    def match(self, finding: Finding) -> Finding | None:
        """The baseline finding that ``finding`` is, or None when it is new."""
        if finding.fingerprint and finding.fingerprint in self.by_fingerprint:
            return self.by_fingerprint[finding.fingerprint]
        for key in _vulnerability_keys(finding):
            if key in self.by_vulnerability:
                return self.by_vulnerability[key]
        return None


def _vulnerability_keys(finding: Finding) -> list[tuple[str, str, str, str]]:
    pkg, vuln = finding.package, finding.vulnerability
    if pkg is None or vuln is None:
        return []
    base = (
        (pkg.ecosystem or "").lower(),
        package_name(pkg.name, pkg.ecosystem),
        package_version(pkg.version, pkg.ecosystem),
    )
    return [(*base, normal_vuln_id(v)) for v in sorted(vuln.all_ids)]


def load(path: Path, root: Path | None = None) -> Baseline:
    """Read a baseline SARIF file (one that secgate wrote, or any SARIF whose results carry
    ``partialFingerprints["secgate/v1"]``); ``root``: the scanned directory, when the file is
    the policy's baseline there (it must then be a regular file inside it)."""
    return parse(_read(path, root), path)


def _read(path: Path, root: Path | None) -> bytes:
    if not path.exists() and not path.is_symlink():
        raise InputError(f"baseline file not found; {CREATE_HINT}", path=path)
    with reading(path):
        return read_bytes(path, "a baseline SARIF file", root=root)


def parse(data: bytes, path: Path | str) -> Baseline:
    """Read a baseline's SARIF bytes (from a file, or from a commit under ``--base``) within
    the reading layer's bounds; ``path`` names where they came from in errors."""
    with reading(path):
        try:
            doc = decode_json(data)
        except InputError as exc:
            raise InputError(f"baseline is not JSON ({exc.message})", path=path) from None
        if not reader.is_sarif(doc):
            raise InputError("baseline is not a SARIF 2.1.0 log", path=path)
        try:
            findings = reader.read_findings(doc)
        except InputError as exc:
            raise InputError(f"baseline: {exc.message}", path=path) from None
    return Baseline(path=path, findings=findings)


def resolve(explicit: Path | None, configured: str | None, root: Path) -> Path | None:
    """The baseline file to use: ``--baseline`` wins; the policy's ``baseline:`` is relative to
    the scanned root."""
    if explicit is not None:
        return explicit
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else root / path
    return None


def mark(findings: list[Finding], baseline: Baseline, runs: list[ScannerRun]) -> list[Finding]:
    """Mark every finding new or existing; return the baseline findings no longer found."""
    matched: set[int] = set()
    for finding in findings:
        known = baseline.match(finding)
        finding.baseline = "existing" if known is not None else "new"
        if known is not None:
            matched.add(id(known))
    ran = {run.tool for run in runs if run.succeeded}
    fixed = [
        f for f in baseline.findings if id(f) not in matched and ran.intersection(f.source_tools)
    ]
    for finding in fixed:
        finding.decision = None
        finding.baseline = None
    return sorted(fixed, key=Finding.sort_key)


def write(result: ScanResult, path: Path, err: TextIO) -> int:
    """Write ``result`` as a baseline file; the exit code of ``baseline create``.

    Nothing is written when a required scanner failed (exit 3): its findings would be missing
    from the baseline and come back later as new."""
    if result.verdict.status is VerdictStatus.ERROR:
        for reason in result.verdict.reasons:
            err.write(f"secgate: error: {reason}\n")
        err.write(f"secgate: error: baseline not written to {path}\n")
        return ExitCode.SCANNER_ERROR.value
    from secgate.sarif import writer  # sarif-om loads only when a baseline is written

    clean = result.model_copy(
        update={
            "findings": [
                f.model_copy(update={"decision": None, "baseline": None}) for f in result.findings
            ]
        }
    )
    try:
        write_atomically(path, writer.dumps(clean).encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot write the baseline: {exc.strerror}", path=path) from None
    err.write(f"secgate: baseline of {len(result.findings)} finding(s) written to {path}\n")
    return ExitCode.PASS.value
