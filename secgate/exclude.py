"""Paths whose findings the gate leaves out: ``--exclude GLOB`` and ``.secgateignore``.

``.secgateignore`` sits at the scanned path's root: one glob a line (see ``secgate.globs``),
``#`` starts a comment. Use it for what is never shipped — vendored code, fixtures, deliberately
vulnerable examples — not to hide problems: accepted risks belong in the policy.
"""

from __future__ import annotations

from pathlib import Path

from secgate import treefiles
from secgate.globs import matches_any
from secgate.model import Finding

IGNORE_FILE = ".secgateignore"


def read_ignore_file(root: Path | None) -> list[str]:
    """The patterns of ``root/.secgateignore`` (none when there is no such file)."""
    if root is None:
        return []
    text = treefiles.read_text(root, IGNORE_FILE)
    return parse_ignore(text) if text is not None else []


def parse_ignore(text: str) -> list[str]:
    """The patterns of a ``.secgateignore`` text: one glob a line, ``#`` starts a comment."""
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
    return patterns


def split_excluded(findings: list[Finding], patterns: list[str]
                   ) -> tuple[list[Finding], list[Finding]]:
    """(kept, excluded): a finding is excluded when its path matches a pattern."""
    if not patterns:
        return findings, []
    kept: list[Finding] = []
    excluded: list[Finding] = []
    for finding in findings:
        path = finding.path
        (excluded if path and matches_any(path, patterns) else kept).append(finding)
    return kept, excluded
