"""Making findings from different tools comparable: repository-relative paths, CWE spelling,
and no raw secret anywhere in them."""

from __future__ import annotations

import posixpath
from pathlib import Path

from secgate.findings.ids import normalize_cwe
from secgate.findings.scrub import Scrubber
from secgate.model import Finding, ScannerRun, Source


def relative_path(path: str, root: Path | None, real_root: str | None = None) -> str:
    """``path`` as a POSIX path relative to ``root`` when it lies inside it; tidied otherwise.
    ``real_root``: ``root`` resolved, when the caller tidies many paths of one root."""
    text = path.replace("\\", "/")
    if text.startswith("file://"):
        text = text[len("file://") :]
    if root is not None and text.startswith("/"):
        real_root = real_root if real_root is not None else root.resolve().as_posix()
        root_text = real_root.rstrip("/") + "/"
        if text.startswith(root_text):
            text = text[len(root_text) :]
        else:
            try:
                text = Path(text).resolve().relative_to(real_root).as_posix()
            except ValueError:
                pass
    return _tidy(text)


def _tidy(text: str) -> str:
    """``posixpath.normpath`` of ``text``, which leaves no "." component, doubled slash (but
    POSIX's leading "//") or trailing slash: what PurePosixPath would tidy is already tidy. A
    path with none of them (most are) is its own normal form, told without normpath's work."""
    framed = f"/{text}/"
    if text and ("//" in framed or "/./" in framed or "/../" in framed):
        return posixpath.normpath(text)
    return text


def normalize(findings: list[Finding], root: Path | None) -> None:
    """Normalize every finding in place (each distinct path and CWE list worked out once)."""
    paths: dict[str, str] = {}
    real_root = root.resolve().as_posix() if root is not None else None
    cwe_lists: dict[tuple[str, ...], list[str]] = {}
    for finding in findings:
        location = finding.location
        if location is not None:
            path = paths.get(location.path)
            if path is None:
                path = paths[location.path] = relative_path(location.path, root, real_root)
            if path != location.path:
                location.path = path
        if finding.cwes:
            key = tuple(finding.cwes)
            cwes = cwe_lists.get(key)
            if cwes is None:
                cwes = cwe_lists[key] = sorted(
                    {c for c in (normalize_cwe(x) for x in key) if c}, key=lambda c: int(c[4:])
                )
            if cwes != finding.cwes:
                finding.cwes = list(cwes)
        if not finding.sources:
            finding.sources = [Source.of(finding.tool, finding.rule_id)]


def redact(
    findings: list[Finding], runs: list[ScannerRun], secret_values: set[str] | Scrubber
) -> list[Finding]:
    """Replace every raw secret value met in the run with its masked preview in every text of
    every finding and run (``secgate.findings.scrub``): messages, snippets, paths, rule ids and
    names, tags, properties, run errors and notes. Enumerations and secgate's own hashes are left
    alone."""
    scrubber = secret_values if isinstance(secret_values, Scrubber) else Scrubber(secret_values)
    scrubber.findings(findings, runs)
    return findings
