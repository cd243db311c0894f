"""Python requirement files in a scanned tree: finding them and reading what they pin.

Dependency scanners (pip-audit, Safety) are pointed at these files. A requirement file is a
``*.txt`` file whose name contains ``requirements`` (``requirements.txt``,
``requirements-dev.txt``, ``dev-requirements.txt``) or any ``*.txt`` file in a directory called
``requirements``. Hidden directories, virtual environments, ``node_modules`` and build output are
not searched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from secgate.files import scanned_tree
from secgate.files.project import REQUIREMENT_SKIPPED_DIRS

_INCLUDE_OPTIONS = ("-r", "--requirement", "-c", "--constraint")
_EDITABLE_OPTIONS = ("-e", "--editable")


@dataclass(frozen=True)
class Pin:
    """One requirement line: the package it names and the exact version it pins, if any."""

    name: str
    """The package name, normalized as PEP 503 does (``pyyaml``, ``zope-interface``)."""
    version: str | None
    """The version after ``==``/``===``; None when the line does not pin one version."""
    path: str
    """The requirement file, relative to the scanned directory (POSIX)."""
    line: int
    url: bool = False
    """True for ``name @ URL`` requirements (they pin an artifact, not a version)."""

    @property
    def pinned(self) -> bool:
        return self.version is not None or self.url


@dataclass(frozen=True)
class RequirementSet:
    """What the requirement files of a tree say."""

    files: list[str]
    """Every requirement file found, relative POSIX paths, sorted."""
    pins: list[Pin]
    unpinned: list[str]
    """Lines that do not pin one version (``file:line: text``); empty when all are pinned."""

    @property
    def all_pinned(self) -> bool:
        return not self.unpinned

    def locations(self) -> dict[str, tuple[str, int]]:
        """Where each package is first named: ``{name: (path, line)}``."""
        found: dict[str, tuple[str, int]] = {}
        for pin in self.pins:
            found.setdefault(pin.name, (pin.path, pin.line))
        return found


def is_requirement_file(relative: Path) -> bool:
    """True when a file's name (and folder) says it lists Python requirements."""
    name = relative.name.lower()
    if not name.endswith(".txt"):
        return False
    return "requirements" in name or relative.parent.name.lower() == "requirements"


def find(target: Path) -> list[str]:
    """Every requirement file under ``target``, as sorted relative POSIX paths."""
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(target):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in REQUIREMENT_SKIPPED_DIRS
        )
        base = Path(directory).relative_to(target)
        found.extend(
            (base / name).as_posix()
            for name in filenames
            if is_requirement_file(base / name)
            and scanned_tree.regular_file(target, base / name) is not None
        )
    return sorted(found)


def read(target: Path, files: list[str] | None = None) -> RequirementSet:
    """Read the requirement files under ``target`` (all found ones unless ``files`` is given),
    following ``-r``/``-c`` includes that stay inside ``target``."""
    files = find(target) if files is None else files
    pins: list[Pin] = []
    unpinned: list[str] = []
    seen: set[Path] = set()
    for relative in files:
        _read_file(target, target / relative, pins, unpinned, seen)
    return RequirementSet(files=files, pins=pins, unpinned=unpinned)


def _read_file(
    target: Path, path: Path, pins: list[Pin], unpinned: list[str], seen: set[Path]
) -> None:
    resolved = scanned_tree.regular_file(target, path)
    if resolved is None or resolved in seen:
        return
    seen.add(resolved)
    text = scanned_tree.read_text(target, resolved)
    if text is None:
        return
    relative = resolved.relative_to(target.resolve()).as_posix()
    for number, line in _logical_lines(text):
        first, _, rest = line.partition(" ")
        if first in _INCLUDE_OPTIONS or line.startswith(("--requirement=", "--constraint=")):
            included = rest.strip() if rest.strip() else line.split("=", 1)[-1]
            _read_file(target, resolved.parent / included, pins, unpinned, seen)
            continue
        if first in _EDITABLE_OPTIONS or line.startswith("--editable="):
            unpinned.append(f"{relative}:{number}: {line}")
            continue
        if line.startswith("-"):
            continue  # index and install options (--index-url, --hash...) pin nothing
        pin = parse_pin(line, relative, number)
        if pin is None or not pin.pinned:
            unpinned.append(f"{relative}:{number}: {line}")
        if pin is not None:
            pins.append(pin)


def parse_pin(line: str, path: str, number: int) -> Pin | None:
    """The ``Pin`` of one PEP 508 requirement (``name==1.0``, ``name>=1``, ``name @ URL``),
    its per-requirement options (``--hash``) left out; None when it is no requirement."""
    text = line.split(" --", 1)[0].strip()  # drop per-requirement options such as --hash
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    name = canonicalize_name(req.name)
    if req.url:
        return Pin(name, None, path, number, url=True)
    specs = list(req.specifier)
    version = None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        version = specs[0].version
    return Pin(name, version, path, number)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Non-blank lines without comments, continuation lines joined, with their first number."""
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = "" if raw.lstrip().startswith("#") else raw
        if " #" in line:
            line = line.split(" #", 1)[0]
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined = (pending + line).strip()
        pending = ""
        if joined:
            yield start, " ".join(joined.split())
    if pending.strip():
        yield start, " ".join(pending.split())
