"""Paths whose findings the gate leaves out: ``--exclude GLOB`` and ``.secgateignore``.

``.secgateignore`` sits at the scanned path's root: one glob a line (see
``secgate.findings.paths``), ``#`` starts a comment. Use it for what is never shipped — vendored
code, fixtures, deliberately vulnerable examples — not to hide problems: accepted risks belong in
the policy.
"""

from __future__ import annotations

from pathlib import Path

from secgate.errors import InputError, UsageError
from secgate.files import scanned_tree
from secgate.files.reading import read_text
from secgate.findings.paths import matches_any, problem
from secgate.model import Finding

IGNORE_FILE = ".secgateignore"


def read_ignore_file(root: Path | None) -> list[str]:
    """The patterns of ``root/.secgateignore``: none when there is no such file, or when it is
    no regular file inside ``root`` (a FIFO, a device, a symlink out: such entries are skipped
    and named in the scan's notes; ignoring fewer paths never weakens the gate). The text is
    read through the reading layer (bounded, UTF-8) and parsed by ``parse_ignore``."""
    if root is None:
        return []
    path = root / IGNORE_FILE
    if not path.exists() and not path.is_symlink():
        return []
    if scanned_tree.problem(root, IGNORE_FILE):
        return []
    return parse_ignore(read_text(path, "an ignore file (one glob a line)", root=root), path)


def parse_ignore(text: str, source: Path | str) -> list[str]:
    """The patterns of a ``.secgateignore`` text (from the disk, or from a commit under
    ``--base``): one glob a line, ``#`` starts a comment; an ``InputError`` naming ``source``
    and the line of a pattern that cannot be used."""
    patterns = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            why = problem(line)
            if why is not None:
                raise InputError(f"line {number}: {why}", path=source)
            patterns.append(line)
    return patterns


def check_excludes(patterns: list[str]) -> None:
    """A ``UsageError`` for an ``--exclude`` glob that cannot be used."""
    for pattern in patterns:
        why = problem(pattern)
        if why is not None:
            raise UsageError(f"--exclude {pattern[:80]!r}: {why}")


def split_excluded(
    findings: list[Finding], patterns: list[str]
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
