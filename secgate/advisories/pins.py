"""The pinned Python requirements of a project, from every file that pins them:

- requirement files (``requirements*.txt``; see ``secgate.files.requirements``): ``name==version``
  lines, following ``-r``/``-c`` includes;
- ``poetry.lock`` and ``uv.lock``: every locked package (``[[package]]`` with ``name`` and
  ``version``; uv's entry for the project itself, whose ``source`` is ``editable`` or
  ``virtual``, is the project, not a dependency);
- ``pyproject.toml`` when no lock file sits beside it: PEP 621 ``[project] dependencies`` and
  ``optional-dependencies``, and Poetry's ``[tool.poetry.dependencies]`` (and its groups), where
  ``==1.2.3`` (or Poetry's bare ``1.2.3``, which means exactly that version) pins.

What does not pin one version (``flask>=2``, ``^1.2``, a path or a URL) is listed as unpinned:
a scanner reports it as not judged, the way pip-audit reports a skipped dependency. Files are
searched as ``secgate.files.requirements`` searches (hidden directories, environments and build
output skipped), and like every file of the scanned tree read only when it is a regular file inside
it (``secgate.files.scanned_tree``): a ``uv.lock`` symlinked to a device or out of the tree is not
read.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from secgate.files import requirements, scanned_tree
from secgate.files.project import REQUIREMENT_SKIPPED_DIRS
from secgate.files.requirements import Pin

LOCK_FILES = ("poetry.lock", "uv.lock")
PYPROJECT = "pyproject.toml"
_POETRY_EXACT = re.compile(r"^\s*=?=?\s*(\d[0-9A-Za-z.+!_-]*)\s*$")
_TOML_NAME = re.compile(r'^\s*name\s*=\s*"([^"]+)"')


@dataclass
class ProjectPins:
    """Every pin of a project and what could not be judged."""

    files: list[str] = field(default_factory=list)
    """Every file read, relative POSIX paths, sorted."""
    pins: list[Pin] = field(default_factory=list)
    unpinned: list[str] = field(default_factory=list)
    """``file:line: text`` of each requirement that does not pin one version."""
    problems: list[str] = field(default_factory=list)
    """Files that could not be read (``file: why``)."""

    def unique(self) -> list[Pin]:
        """One pin per package and version (the first place that names it), in name order."""
        first: dict[tuple[str, str], Pin] = {}
        for pin in self.pins:
            if pin.version is not None:
                first.setdefault((pin.name, pin.version), pin)
        return [first[key] for key in sorted(first)]


def find_files(target: Path) -> list[str]:
    """The pin files under ``target``: requirement files, lock files and the pyproject files
    without a lock file beside them."""
    found = list(requirements.find(target))
    for directory, dirnames, filenames in os.walk(target):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in REQUIREMENT_SKIPPED_DIRS
        )
        base = Path(directory).relative_to(target)
        locks = [name for name in LOCK_FILES if name in filenames]
        found.extend(
            (base / name).as_posix()
            for name in locks
            if scanned_tree.regular_file(target, base / name) is not None
        )
        if (
            PYPROJECT in filenames
            and not locks
            and scanned_tree.regular_file(target, base / PYPROJECT) is not None
        ):
            found.append((base / PYPROJECT).as_posix())
    return sorted(dict.fromkeys(found))


def read(target: Path, files: list[str] | None = None) -> ProjectPins:
    """The pins of the files under ``target`` (all found ones unless ``files`` is given)."""
    names = find_files(target) if files is None else files
    out = ProjectPins(files=sorted(names))
    text_files = [n for n in names if Path(n).name not in (*LOCK_FILES, PYPROJECT)]
    if text_files:
        found = requirements.read(target, text_files)
        out.pins.extend(found.pins)
        out.unpinned.extend(found.unpinned)
    for name in names:
        base = Path(name).name
        if base not in (*LOCK_FILES, PYPROJECT):
            continue
        problem = scanned_tree.problem(target, name)
        data_bytes = scanned_tree.read_bytes(target, name) if problem is None else None
        if data_bytes is None:
            out.problems.append(f"{name}: cannot read ({problem or 'no such regular file'})")
            continue
        try:
            text = data_bytes.decode("utf-8")
            data = tomllib.loads(text)
        except UnicodeDecodeError as exc:
            out.problems.append(f"{name}: cannot read ({exc})")
            continue
        except tomllib.TOMLDecodeError as exc:
            out.problems.append(f"{name}: not valid TOML ({exc})")
            continue
        if base in LOCK_FILES:
            out.pins.extend(_locked(data, text, name, uv=base == "uv.lock"))
        else:
            _pyproject(data, text, name, out)
    return out


def _locked(data: dict[str, Any], text: str, path: str, *, uv: bool) -> Iterator[Pin]:
    lines = _package_lines(text)
    packages = data.get("package")
    for index, package in enumerate(packages if isinstance(packages, list) else []):
        if not isinstance(package, dict):
            continue
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            continue
        source = package.get("source")
        if uv and isinstance(source, dict) and ("editable" in source or "virtual" in source):
            continue  # the project itself
        line = lines[index] if index < len(lines) else 1
        yield Pin(canonicalize_name(name), version, path, line)


def _package_lines(text: str) -> list[int]:
    """The line of each ``[[package]]`` entry's ``name``, in order."""
    lines: list[int] = []
    waiting = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped == "[[package]]":
            waiting = True
        elif waiting and _TOML_NAME.match(line):
            lines.append(number)
            waiting = False
    return lines


def _pyproject(data: dict[str, Any], text: str, path: str, out: ProjectPins) -> None:
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    assert isinstance(project, dict)  # noqa: S101 - narrowed just above
    specs: list[str] = [s for s in project.get("dependencies") or [] if isinstance(s, str)]
    optional = project.get("optional-dependencies") or {}
    if isinstance(optional, dict):
        for group in optional.values():
            specs.extend(s for s in group or [] if isinstance(s, str))
    for spec in specs:
        line = _line_of(text, spec)
        pin = requirements.parse_pin(spec, path, line)
        if pin is None or pin.version is None:
            out.unpinned.append(f"{path}:{line}: {spec}")
        if pin is not None and pin.version is not None:
            out.pins.append(pin)
    poetry = (data.get("tool") or {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        groups = poetry.get("group")
        if isinstance(groups, dict):
            tables.extend(g.get("dependencies") for g in groups.values() if isinstance(g, dict))
        for table in tables:
            if isinstance(table, dict):
                _poetry_table(table, text, path, out)


def _poetry_table(table: dict[str, Any], text: str, path: str, out: ProjectPins) -> None:
    for raw_name, spec in table.items():
        if raw_name.lower() == "python":
            continue
        value = spec.get("version") if isinstance(spec, dict) else spec
        line = _line_of(text, raw_name)
        exact = _POETRY_EXACT.match(value) if isinstance(value, str) else None
        if exact is None:
            shown = value if isinstance(value, str) else json.dumps(spec, default=str)
            out.unpinned.append(f"{path}:{line}: {raw_name} = {shown}")
            continue
        out.pins.append(Pin(canonicalize_name(raw_name), exact.group(1), path, line))


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1
