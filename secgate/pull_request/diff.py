"""What a pull request changes in the code, read from git (``secgate scan --base REF``): the
lines it adds or modifies, the files it adds, and its commits. Findings are marked
``changed`` against it (``mark``), so the gate can block on what the pull request brings and
only warn about the backlog it did not write.

The pull request starts where it branched from the base, the merge base of REF and HEAD, as
``git diff REF...HEAD`` takes it (renames are followed, so a file moved unchanged adds no line).
The diff runs from that commit to the working tree the scanners read: in CI that is HEAD; locally
it also holds edits not committed yet, and untracked files (not ignored) count as added whole, so
line numbers always match what the scanners report. Its commits are ``git rev-list
MERGE_BASE..HEAD``: the ones history scanners are limited to (``since``) and the ones a secret
found in history must come from to be ``changed``.

A shallow clone that lacks the merge base cannot tell what the pull request changed: that is a
usage error (exit 2) saying how much history to fetch, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from secgate.errors import UsageError
from secgate.files import requirements
from secgate.model import Category, Finding
from secgate.pull_request import base_ref

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_GIT_TIMEOUT = 120.0
_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}
MAX_DIFF_BYTES = 256 * 1024 * 1024
"""A diff larger than this is refused (a usage error) rather than read into memory."""


@dataclass
class PullRequestDiff:
    """The lines, files and commits a pull request changes; paths relative to the scanned
    directory."""

    merge_base: str
    head: str
    added: dict[str, set[int]] = field(default_factory=dict)
    """Path -> the line numbers (in the scanned tree) the pull request adds or modifies."""
    added_text: dict[str, list[bytes]] = field(default_factory=dict)
    """Path -> the text of those lines, for manifests whose findings carry no line."""
    new_files: set[str] = field(default_factory=set)
    """Files the pull request adds (or untracked ones): every line of them is changed."""
    commits: frozenset[str] = frozenset()
    """The full ids of the pull request's commits (``MERGE_BASE..HEAD``)."""

    def touches(self, path: str, start: int | None, end: int | None) -> bool:
        """True when lines ``start``..``end`` of ``path`` (the whole file when ``start`` is None)
        hold a line the pull request adds or modifies."""
        if path in self.new_files:
            return True
        lines = self.added.get(path)
        if not lines or start is None:
            return False
        last = end if end is not None and end >= start else start
        if last - start > len(lines):
            return any(start <= line <= last for line in lines)
        return any(line in lines for line in range(start, last + 1))


def compute(base: base_ref.BaseRef) -> PullRequestDiff:
    """The pull request's changes against ``base`` (see the module docstring)."""
    head = _one_line(base.top, "rev-parse", "--verify", "HEAD^{commit}")
    if head is None:
        raise UsageError(f"--base {base.ref}: the repository at {base.top} has no HEAD commit")
    merge_base = _one_line(base.top, "merge-base", base.commit, head)
    if merge_base is None:
        shallow = _one_line(base.top, "rev-parse", "--is-shallow-repository") == "true"
        if shallow:
            raise UsageError(
                f"--base {base.ref}: this shallow clone lacks the history that joins "
                f"{base.label} and HEAD, so what the pull request changes cannot be told; "
                "fetch more history (actions/checkout with fetch-depth: 0, or git fetch "
                "--deepen=N / --unshallow)"
            )
        raise UsageError(
            f"--base {base.ref}: {base.label} and HEAD share no history (no merge "
            "base), so what the pull request changes cannot be told"
        )
    diff = PullRequestDiff(merge_base=merge_base, head=head)
    relative = [f"--relative={base.prefix}"] if base.prefix else []
    patch = _git(
        base.top,
        "-c",
        "core.quotePath=true",
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--unified=0",
        "--find-renames",
        "--diff-filter=ACMRT",
        *relative,
        merge_base,
        "--",
        ".",
    )
    _read_patch(patch, diff)
    untracked = _git(
        base.top, "ls-files", "--others", "--exclude-standard", "-z", "--", base.prefix or "."
    )
    for name in untracked.split(b"\0"):
        if name:
            text = name.decode("utf-8", "surrogateescape")
            diff.new_files.add(text[len(base.prefix) :] if text.startswith(base.prefix) else text)
    listed = _git(base.top, "rev-list", f"{merge_base}..{head}")
    diff.commits = frozenset(listed.decode("ascii", "replace").split())
    return diff


def mark(findings: Iterable[Finding], diff: PullRequestDiff, root: Path) -> None:
    """Set ``Finding.changed`` on every finding (in place)."""
    pins: dict[str, list[requirements.Pin]] | None = None
    for finding in findings:
        if finding.category is Category.DEPENDENCY and finding.package is not None:
            if pins is None:
                pins = _changed_pins(diff, root)
            finding.changed = _dependency_changed(finding, diff, pins)
        else:
            finding.changed = _commit_changed(finding, diff) or _location_changed(finding, diff)


def _commit_changed(finding: Finding, diff: PullRequestDiff) -> bool:
    """A finding a history scanner reported in one of the pull request's commits."""
    commits = [finding.properties.get("commit"), *(finding.properties.get("commits") or [])]
    return any(isinstance(c, str) and c.lower() in diff.commits for c in commits)


def _location_changed(finding: Finding, diff: PullRequestDiff) -> bool:
    loc = finding.location
    return loc is not None and diff.touches(loc.path, loc.start_line, loc.end_line)


def _dependency_changed(
    finding: Finding, diff: PullRequestDiff, pins: dict[str, list[requirements.Pin]]
) -> bool:
    """A dependency finding is changed when the pull request changes a requirement line that
    names its package (or the line the finding points at, or adds the manifest)."""
    assert finding.package is not None  # noqa: S101 - checked by the caller
    if _location_changed(finding, diff):
        return True
    name = str(canonicalize_name(finding.package.name))
    for pin in pins.get(name, []):
        if diff.touches(pin.path, pin.line, pin.line):
            return True
    path = finding.path
    if path is None or path not in diff.added_text:
        return False
    # a manifest secgate cannot read as requirements (a lock file): a changed line naming it
    wanted = re.compile(
        rb"(?<![\w.-])" + re.escape(name.encode()).replace(rb"\-", rb"[-_.]") + rb"(?![\w.-])",
        re.IGNORECASE,
    )
    return any(wanted.search(line) for line in diff.added_text[path])


def _changed_pins(diff: PullRequestDiff, root: Path) -> dict[str, list[requirements.Pin]]:
    """The requirement lines of the requirement files the pull request changes."""
    files = sorted(
        p
        for p in {*diff.added, *diff.new_files}
        if requirements.is_requirement_file(Path(p)) and (root / p).is_file()
    )
    by_name: dict[str, list[requirements.Pin]] = {}
    if not files:
        return by_name
    for pin in requirements.read(root, files).pins:
        by_name.setdefault(pin.name, []).append(pin)
    return by_name


def _read_patch(patch: bytes, diff: PullRequestDiff) -> None:
    path: str | None = None
    added_file = header = False
    for line in patch.split(b"\n"):
        if line.startswith(b"diff --git "):
            path, added_file, header = None, False, True
        elif not header:
            if line.startswith(b"+") and path is not None and path in diff.added:
                diff.added_text.setdefault(path, []).append(line[1:])
            elif line.startswith(b"@@"):
                _add_hunk(line, path, diff)
        elif line.startswith(b"new file mode "):
            added_file = True
        elif line.startswith(b"+++ "):
            name = line[4:]
            path = None if name == b"/dev/null" else _unquote(name)[2:]
            if path is not None and added_file:
                diff.new_files.add(path)
        elif line.startswith(b"rename to ") or line.startswith(b"copy to "):
            path = _unquote(line.split(b" to ", 1)[1])  # no hunk follows a pure rename
        elif line.startswith(b"@@"):
            header = False
            _add_hunk(line, path, diff)


def _add_hunk(line: bytes, path: str | None, diff: PullRequestDiff) -> None:
    """Record the new side's lines of the hunk whose ``@@`` header is ``line``."""
    found = _HUNK.match(line)
    if found and path is not None:
        start, count = int(found.group(1)), int(found.group(2) or b"1")
        if count:
            diff.added.setdefault(path, set()).update(range(start, start + count))


def _unquote(name: bytes) -> str:
    """A path as git writes it in a patch header: C-quoted (``"a/\\303\\251"``) when it holds
    unusual bytes."""
    name = name.rstrip(b"\t")
    if not (name.startswith(b'"') and name.endswith(b'"') and len(name) >= 2):
        return name.decode("utf-8", "surrogateescape")
    out = bytearray()
    body, i = name[1:-1], 0
    while i < len(body):
        char = body[i : i + 1]
        if char == b"\\" and i + 1 < len(body):
            nxt = body[i + 1 : i + 2]
            if nxt.isdigit() and i + 3 < len(body) + 1:
                out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt[0]))
            i += 2
            continue
        out += char
        i += 1
    return out.decode("utf-8", "surrogateescape")


def _git(top: Path, *args: str) -> bytes:
    done = base_ref.run_git(top, *args, timeout=_GIT_TIMEOUT)
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} in {top} failed: {last[-1] if last else 'no output'}")
    if len(done.stdout) > MAX_DIFF_BYTES:
        raise UsageError(
            f"git {args[0]} in {top}: the pull request's diff is larger than "
            f"{MAX_DIFF_BYTES // (1024 * 1024)} MB"
        )
    return done.stdout


def _one_line(top: Path, *args: str) -> str | None:
    done = base_ref.run_git(top, *args, timeout=_GIT_TIMEOUT)
    text = done.stdout.decode("utf-8", "replace").strip()
    return text if done.returncode == 0 and text else None
