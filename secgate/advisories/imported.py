"""The advisory store of the data directory, opened only when data has been imported.

A scan asks for the store several times (which scanners are installed, the exploitation facts,
the upgrade plan); most scans run where nothing was imported. ``open_store`` answers those from
one file check, and loads the store's module (SQLite, the OSV, KEV and EPSS formats) only when
the file exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from secgate.advisories.datadir import store_path

if TYPE_CHECKING:
    from secgate.advisories.store import AdvisoryStore


def open_store(path: Path | None = None) -> AdvisoryStore | None:
    """The existing store at ``path`` (default: the data directory's), read-only; None when
    nothing was imported."""
    target = path or store_path()
    if not target.is_file():
        return None
    from secgate.advisories.store import AdvisoryStore

    return AdvisoryStore.open(target)
