"""Rewriting the pins of requirement files to new versions, as a unified diff or in place.

A pin is rewritten where ``secgate.advisories.pins`` found it: the version after ``==`` (or
``===``) in a requirement file line or a PEP 621 dependency string (``"requests==2.19.1"``), or
Poetry's exact version (``requests = "2.19.1"``, ``= "==2.19.1"``, ``{version = "2.19.1"}``).
Only the version text changes: the name, extras, markers, comments and line endings stay as
written. Every rewritten file is read back with the same reader the scan used, and the rewrite
is refused unless that reader finds the new version at the same line, so a pin secgate cannot
rewrite exactly is listed rather than guessed.

Lock files (``poetry.lock``, ``uv.lock``) are never edited: their tools own them. A requirement
line with ``--hash`` options cannot be rewritten either: the hashes are the old release's.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from secgate.advisories import pins as pin_files
from secgate.errors import InputError
from secgate.files import scanned_tree as treefiles
from secgate.files.requirements import Pin

LOCK_FILES = pin_files.LOCK_FILES
PYPROJECT = pin_files.PYPROJECT


@dataclass(frozen=True)
class Edit:
    """Change one pin to ``version``."""

    pin: Pin
    version: str


@dataclass
class Rewrite:
    """The new text of each changed file, and the edits that could not be made."""

    texts: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Path -> (old text, new text)."""
    refused: list[tuple[Edit, str]] = field(default_factory=list)
    """Edits not made, and why."""

    def diff(self) -> str:
        """The unified diff of every changed file (``a/PATH`` -> ``b/PATH``), by path."""
        out: list[str] = []
        for path in sorted(self.texts):
            old, new = self.texts[path]
            if old == new:
                continue
            lines = difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"a/{path}",
                tofile=f"b/{path}",
            )
            out.extend(
                line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                for line in lines
            )
        return "".join(out)


def kind_of(pin: Pin) -> str:
    """``lock``, ``pyproject`` or ``requirements``: what kind of file pins it."""
    name = Path(pin.path).name
    if name in LOCK_FILES:
        return "lock"
    return "pyproject" if name == PYPROJECT else "requirements"


def hash_pinned(target: Path, pin: Pin) -> bool:
    """True when the requirement line of ``pin`` (with its continuation lines) has ``--hash``."""
    if kind_of(pin) != "requirements":
        return False
    text = treefiles.read_text(target, pin.path)
    if text is None:
        return False
    lines = text.splitlines()
    logical = ""
    for line in lines[pin.line - 1 :]:
        logical += line
        if not line.rstrip().endswith("\\"):
            break
    return "--hash" in logical


def _name_pattern(name: str) -> str:
    """A regex for a PEP 503 name as it may be written (any case, ``-``/``_``/``.``)."""
    parts = re.split(r"[-_.]+", name)
    return r"[-_.]+".join(re.escape(p) for p in parts)


def _requirement_pattern(name: str, version: str) -> re.Pattern[str]:
    """``name[extras] == version`` (as a requirement line or inside a PEP 621 string)."""
    return re.compile(
        rf"(?i)(?<![A-Za-z0-9._-])({_name_pattern(name)}\s*(?:\[[^\]]*\])?\s*"
        rf"(?:\(\s*)?===?\s*){re.escape(version)}(?![A-Za-z0-9.+!_-])"
    )


def _poetry_pattern(name: str, version: str) -> re.Pattern[str]:
    """``name = "==version"`` or ``name = {version = "version", ...}`` (Poetry)."""
    quoted = rf"""(?P<quote>["'])\s*=?=?\s*{re.escape(version)}\s*(?P=quote)"""
    return re.compile(
        rf"(?i)^(\s*[\"']?{_name_pattern(name)}[\"']?\s*=\s*"
        rf"(?:\{{[^}}]*?version\s*=\s*)?)({quoted})"
    )


def _replace_line(line: str, pin: Pin, version: str, kind: str) -> str | None:
    assert pin.version is not None  # noqa: S101 - only pinned versions are edited
    pattern = _requirement_pattern(pin.name, pin.version)
    new, count = pattern.subn(lambda m: m.group(1) + version, line, count=1)
    if count:
        return new
    if kind == "pyproject":
        poetry = _poetry_pattern(pin.name, pin.version)
        match = poetry.search(line)
        if match:
            inner = match.group(2).replace(pin.version, version, 1)
            return line[: match.start(2)] + inner + line[match.end(2) :]
    return None


def plan_edits(target: Path, edits: Iterable[Edit]) -> Rewrite:
    """The new texts of the files ``edits`` change (nothing is written)."""
    result = Rewrite()
    by_file: dict[str, list[Edit]] = {}
    for edit in edits:
        by_file.setdefault(edit.pin.path, []).append(edit)
    for path in sorted(by_file):
        data = treefiles.read_bytes(target, path)
        if data is None:
            result.refused.extend(
                (e, f"{path} cannot be read as a file of the project") for e in by_file[path]
            )
            continue
        try:
            old = data.decode("utf-8")
        except UnicodeDecodeError:
            result.refused.extend((e, f"{path} is not UTF-8 text") for e in by_file[path])
            continue
        lines = old.splitlines(keepends=True)
        made: list[Edit] = []
        for edit in sorted(by_file[path], key=lambda e: e.pin.line):
            kind = kind_of(edit.pin)
            index = edit.pin.line - 1
            if kind == "lock":
                result.refused.append((edit, f"{path} is a lock file: its tool updates it"))
                continue
            new_line = (
                _replace_line(lines[index], edit.pin, edit.version, kind)
                if 0 <= index < len(lines)
                else None
            )
            if new_line is None:
                result.refused.append(
                    (
                        edit,
                        f"{path}:{edit.pin.line} does not read "
                        f"{edit.pin.name}=={edit.pin.version} where "
                        "secgate can rewrite it",
                    )
                )
                continue
            lines[index] = new_line
            made.append(edit)
        new = "".join(lines)
        wrong = _read_back(path, new, made)
        if wrong:
            result.refused.extend(
                (
                    e,
                    f"{path}: after the rewrite the file does not pin "
                    f"{e.pin.name}=={e.version} at line {e.pin.line}",
                )
                for e in made
            )
            continue
        if made:
            result.texts[path] = (old, new)
    return result


def _read_back(path: str, text: str, made: list[Edit]) -> bool:
    """True when reading ``text`` as ``path`` does not give every edit's new pin."""
    if not made:
        return False
    with tempfile.TemporaryDirectory(prefix="secgate-fix-") as scratch:
        copy = Path(scratch) / path
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(text, encoding="utf-8")
        found = pin_files.read(Path(scratch), [path])
    if found.problems:
        return True
    pinned = {(p.name, p.version, p.line) for p in found.pins}
    return any((e.pin.name, e.version, e.pin.line) not in pinned for e in made)


def write(target: Path, rewrite: Rewrite) -> list[str]:
    """Write every changed file in place (atomically, keeping its permissions); the paths."""
    written = []
    for path, (old, new) in sorted(rewrite.texts.items()):
        if old == new:
            continue
        real = treefiles.regular_file(target, path)
        if real is None:
            raise InputError("is no longer a regular file of the project", path=target / path)
        mode = real.stat().st_mode & 0o7777
        handle, temporary = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(new.encode("utf-8"))
            os.chmod(temporary, mode)
            os.replace(temporary, real)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(path)
    return written
