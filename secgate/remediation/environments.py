"""The installed distributions of a project's Python environments, read from their metadata
files: each one's version, the modules it installs and the distributions it requires.

Which environments: the ones secgate already finds for its scanners — every directory near the
top of the project holding a ``pyvenv.cfg`` (``secgate.adapters.sast_common.environment_dirs``,
what the result cache lists and pip-licenses reads: ``.venv``, ``venv``...), then the
``site-packages`` directories named by pip-audit's ``path`` setting and the environment of
pip-licenses' ``python`` setting (``scanners.settings``).

What is read, per ``*.dist-info`` (and legacy ``*.egg-info``) directory of a ``site-packages``:
``METADATA``/``PKG-INFO`` (``Name``, ``Version``, ``Requires-Dist``), ``top_level.txt`` and
``RECORD`` (``installed-files.txt`` for egg-info). Every file goes through
``secgate.files.scanned_tree``, so a committed environment is data: a symlink to a device or out
of the ``site-packages`` directory is not read. Nothing is imported or run.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from secgate.files import scanned_tree as treefiles
from secgate.files.project import environment_dirs

_SITE_GLOBS = ("lib/python*/site-packages", "Lib/site-packages")
_MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EXTRA_MARKER = re.compile(r"\bextra\s*==")


@dataclass(frozen=True)
class InstalledDistribution:
    """One distribution installed in an environment."""

    name: str
    """PEP 503 normalized."""
    version: str | None
    modules: tuple[str, ...]
    """The importable names it installs (dotted for a namespace package's portion:
    ``google.cloud.storage``), from ``RECORD``, else ``top_level.txt``."""
    requires: tuple[str, ...]
    """The distributions it requires unconditionally (not only for an extra), normalized."""
    site: str
    """The ``site-packages`` directory it is installed in."""
    source: str
    """Which metadata file gave ``modules``: ``RECORD`` or ``top_level.txt``."""


@dataclass
class EnvironmentIndex:
    """Every installed distribution of a project's environments, by name."""

    sites: list[str] = field(default_factory=list)
    """The ``site-packages`` directories read (as given: relative to the project when inside
    it)."""
    distributions: dict[str, list[InstalledDistribution]] = field(default_factory=dict)

    def get(self, name: str) -> list[InstalledDistribution]:
        return self.distributions.get(canonicalize_name(name), [])

    def versions(self, name: str) -> list[str]:
        """The versions of ``name`` installed anywhere."""
        return [d.version for d in self.get(name) if d.version]


def site_directories(target: Path, settings: Mapping[str, Mapping[str, Any]]) -> list[Path]:
    """The ``site-packages`` directories of the project's environments (see the module
    docstring), each once, in that order."""
    found: list[Path] = []
    for env in environment_dirs(target):
        for pattern in _SITE_GLOBS:
            found.extend(sorted(p for p in (target / env).glob(pattern) if p.is_dir()))
    audit_paths = (settings.get("pip-audit") or {}).get("path")
    if audit_paths:
        values = audit_paths if isinstance(audit_paths, list) else [audit_paths]
        found.extend(_resolved(target, str(v)) for v in values)
    python = (settings.get("pip-licenses") or {}).get("python")
    if python:
        environment = _resolved(target, str(python)).parent.parent
        for pattern in _SITE_GLOBS:
            found.extend(sorted(p for p in environment.glob(pattern) if p.is_dir()))
    unique: dict[str, Path] = {}
    for site in found:
        if site.is_dir():
            unique.setdefault(str(site.resolve()), site)
    return list(unique.values())


def _resolved(target: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else target / path


def read_index(target: Path, settings: Mapping[str, Mapping[str, Any]]) -> EnvironmentIndex:
    """The installed distributions of the project at ``target``."""
    index = EnvironmentIndex()
    for site in site_directories(target, settings):
        shown = (
            site.relative_to(target).as_posix()
            if treefiles.lexically_inside(target, site)
            else str(site)
        )
        index.sites.append(shown)
        for dist in read_site(site, shown):
            index.distributions.setdefault(dist.name, []).append(dist)
    return index


def read_site(site: Path, shown: str | None = None) -> list[InstalledDistribution]:
    """Every distribution whose metadata is in the ``site-packages`` directory ``site``."""
    try:
        entries = sorted(p.name for p in site.iterdir())
    except OSError:
        return []
    out = []
    for entry in entries:
        if entry.endswith(".dist-info"):
            dist = _dist_info(site, entry, shown or str(site))
        elif entry.endswith(".egg-info"):
            dist = _egg_info(site, entry, shown or str(site))
        else:
            continue
        if dist is not None:
            out.append(dist)
    return out


def _dist_info(site: Path, entry: str, shown: str) -> InstalledDistribution | None:
    headers = _headers(treefiles.read_text(site, f"{entry}/METADATA"))
    if headers is None:
        return None
    record = treefiles.read_text(site, f"{entry}/RECORD")
    paths = [row[0] for row in csv.reader(io.StringIO(record)) if row] if record else []
    return _distribution(headers, paths, treefiles.read_text(site, f"{entry}/top_level.txt"), shown)


def _egg_info(site: Path, entry: str, shown: str) -> InstalledDistribution | None:
    headers = _headers(treefiles.read_text(site, f"{entry}/PKG-INFO"))
    if headers is None:
        return None
    files = treefiles.read_text(site, f"{entry}/installed-files.txt") or ""
    # installed-files.txt names files relative to the egg-info directory: ../yaml/__init__.py
    paths = [
        str(PurePosixPath(line.strip()).relative_to(".."))
        for line in files.splitlines()
        if line.strip().startswith("../")
    ]
    requires = treefiles.read_text(site, f"{entry}/requires.txt") or ""
    unconditional = requires.split("[", 1)[0]  # sections ([extra], [:marker]) come last
    headers["Requires-Dist"] = [line.strip() for line in unconditional.splitlines() if line.strip()]
    return _distribution(headers, paths, treefiles.read_text(site, f"{entry}/top_level.txt"), shown)


def _headers(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    message = HeaderParser().parsestr(text, headersonly=True)
    name = message.get("Name")
    if not name:
        return None
    return {
        "Name": str(name),
        "Version": message.get("Version"),
        "Requires-Dist": [str(v) for v in message.get_all("Requires-Dist") or []],
    }


def _distribution(
    headers: dict[str, Any], record: list[str], top_level: str | None, shown: str
) -> InstalledDistribution:
    # an editable install's RECORD names only its import hook (``__editable___x_finder``)
    modules = [m for m in modules_from_record(record) if not m.startswith("__editable__")]
    source = "RECORD"
    if not modules and top_level:
        modules = sorted(
            {line.strip().replace("/", ".") for line in top_level.splitlines() if line.strip()}
        )
        source = "top_level.txt"
    version = headers.get("Version")
    return InstalledDistribution(
        name=canonicalize_name(headers["Name"]),
        version=str(version).strip() if version else None,
        modules=tuple(modules),
        requires=tuple(_requirements(headers["Requires-Dist"])),
        site=shown,
        source=source,
    )


def modules_from_record(paths: Iterable[str]) -> list[str]:
    """The importable names the files of a ``RECORD`` install: a top-level module
    (``six.py``, ``_cffi_backend.cpython-311-x86_64-linux-gnu.so``) or package (a directory
    with ``__init__.py``); below a directory without one (a namespace package such as
    ``google/``), the packages and modules inside it, dotted (``google.protobuf``)."""
    files = [PurePosixPath(p) for p in paths if p and not p.startswith(("/", ".."))]
    tree: dict[tuple[str, ...], set[str]] = {}
    for path in files:
        parts = path.parts
        if (
            not parts
            or parts[0].endswith((".dist-info", ".egg-info", ".data"))
            or parts[0] == "__pycache__"
        ):
            continue
        for depth in range(len(parts)):
            tree.setdefault(parts[:depth], set()).add(parts[depth])
    names: set[str] = set()

    def visit(prefix: tuple[str, ...]) -> None:
        for child in sorted(tree.get(prefix, ())):
            here = (*prefix, child)
            if here in tree:  # a directory
                if child == "__pycache__" or not _IDENTIFIER.match(child):
                    continue
                if "__init__.py" in tree[here] or "__init__.pyc" in tree[here]:
                    names.add(".".join(here))
                elif len(here) < 4:  # a namespace package: look inside (a few levels)
                    visit(here)
            elif child.endswith(_MODULE_SUFFIXES):
                stem = child.split(".", 1)[0]
                if _IDENTIFIER.match(stem) and stem != "__init__":
                    names.add(".".join((*prefix, stem)))

    visit(())
    return sorted(names)


def _requirements(specs: Iterable[str]) -> list[str]:
    out = []
    for spec in specs:
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            continue
        if req.marker is not None and _EXTRA_MARKER.search(str(req.marker)):
            continue  # needed only with an extra
        out.append(canonicalize_name(req.name))
    return sorted(set(out))
