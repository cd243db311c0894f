"""Where secgate keeps imported advisory data: ``$SECGATE_DATA_DIR``, else the user's data
directory as the platform defines it (``$XDG_DATA_HOME/secgate``, by default
``~/.local/share/secgate`` on Linux; ``~/Library/Application Support/secgate`` on macOS)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "SECGATE_DATA_DIR"
STORE_NAME = "advisories.sqlite3"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The data directory (it may not exist yet)."""
    env = os.environ if environ is None else environ
    configured = env.get(DATA_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("secgate", appauthor=False))


def store_path(environ: Mapping[str, str] | None = None) -> Path:
    """The advisory store's file."""
    return data_dir(environ) / STORE_NAME
