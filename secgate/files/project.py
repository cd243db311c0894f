"""What the code scanners' adapters (Bandit, Semgrep) share: which directories are not source
(the one home of the directory names secgate skips), whether a target holds Python code, and the
notifications a SARIF run carries."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from secgate.files import fields

VCS_DIRS = (".git", ".hg", ".svn")
"""Version-control data (history scanners ask git)."""
ENVIRONMENT_DIRS = (".venv", "venv", ".tox", ".nox", ".eggs")
"""Python environments and the environments of test runners."""
BUILD_DIRS = ("build", "dist")
TOOL_CACHE_DIRS = ("__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache")

EXCLUDED_DIRS = (
    *VCS_DIRS,
    *ENVIRONMENT_DIRS,
    "node_modules",
    "__pycache__",
    *BUILD_DIRS,
    "site-packages",
)
"""Directories that hold no project source (tools, environments, build output): not given to
the code scanners, nor read for imports."""
REQUIREMENT_SKIPPED_DIRS = frozenset(
    {"node_modules", "__pycache__", "site-packages", "venv", "env", *BUILD_DIRS}
)
"""Directory names never searched for requirement files or pins (besides every hidden one)."""
UNWALKED_DIRS = frozenset({*VCS_DIRS, "node_modules"})
"""Not walked for unsafe entries: version-control data and installed packages, whose symlinks
are there by design (see ``secgate.files.scanned_tree.unsafe_entries``)."""
UNHASHED_DIRS = frozenset({*VCS_DIRS, "node_modules", *TOOL_CACHE_DIRS, ".tox", ".nox"})
"""Left out of the result cache's walk of a tree outside git."""


def environment_dirs(target: Path, depth: int = 2) -> list[str]:
    """Directories near the top of ``target`` that are Python environments (they hold a
    ``pyvenv.cfg``, whatever their name: ``.venv``, ``.tools/bandit``...), relative, sorted."""
    found: list[str] = []

    def walk(directory: Path, level: int) -> None:
        try:
            children = sorted(p for p in directory.iterdir() if p.is_dir() and not p.is_symlink())
        except OSError:
            return
        for child in children:
            if child.name in (".git", "node_modules"):
                continue
            if (child / "pyvenv.cfg").is_file():
                found.append(child.relative_to(target).as_posix())
            elif level < depth:
                walk(child, level + 1)

    walk(target, 1)
    return found


def has_python_files(target: Path) -> bool:
    """True when ``target`` holds a ``.py`` file outside the excluded directories."""
    for _root, dirs, files in os.walk(target):
        dirs[:] = [d for d in dirs if d not in EXCLUDED_DIRS]
        if any(f.endswith(".py") for f in files):
            return True
    return False


def invocation_notes(run: dict[str, Any], tool: str, where: str = "") -> list[str]:
    """One line per tool execution/configuration notification of a SARIF run (Bandit reports
    files it could not parse there), naming the file when the notification does."""
    notes = []
    for place, invocation in fields.objects(run, "invocations", where):
        for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
            for note_where, note in fields.objects(invocation, key, place):
                message = fields.obj_or_empty(note, "message", note_where)
                text = (
                    fields.opt_str(message, "text", fields.at(note_where, "message")) or ""
                ).strip()
                if not text:
                    continue
                uri = None
                for loc_where, loc in fields.objects(note, "locations", note_where):
                    physical = fields.obj_or_empty(loc, "physicalLocation", loc_where)
                    artifact = fields.obj_or_empty(physical, "artifactLocation", loc_where)
                    uri = fields.opt_path(artifact, "uri", loc_where)
                    if uri:
                        break
                where_text = f" in {uri}" if uri else ""
                level = fields.opt_str(note, "level", note_where) or "note"
                notes.append(f"{tool} {level}{where_text}: {text.splitlines()[0]}")
    return notes
