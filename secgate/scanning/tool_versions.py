"""The version of a scanner: read from its installed metadata without starting it when it is a
Python tool laid out as pip installs it, else from ``<tool> --version``; remembered per program
file.

Starting a Python tool only to print its version costs a fraction of a second of CPU each time
(semgrep ~0.7 s, pip-audit ~0.5 s): on a cold scan secgate would pay that for every tool before
any of them scans. A console script that pip installed into an environment names that
environment's interpreter on its first line (``#!/venv/bin/python``); the distribution's
``*.dist-info`` metadata sits in that environment's ``site-packages``. When the script is not
laid out that way (a shell wrapper, a long-path ``#!/bin/sh`` launcher, a binary), nothing is
guessed: the caller asks the tool itself.
"""

from __future__ import annotations

import os
from importlib.metadata import Distribution
from pathlib import Path
from typing import Any

from secgate import interrupt
from secgate.adapters.interface import Adapter

_SHEBANG_LIMIT = 512
_VERSION_TIMEOUT = 60.0


def installed_version(executable: str, distribution: str) -> str | None:
    """The version of ``distribution`` in the environment that ``executable`` (a console
    script, symlinks followed) runs in; None when it cannot be told from the files."""
    script = Path(os.path.realpath(executable))
    interpreter = _interpreter(script)
    if interpreter is None or interpreter.parent != script.parent:
        return None  # not a script beside its environment's own interpreter
    environment = script.parent.parent
    for site_packages in sorted(environment.glob("lib/python3*/site-packages")):
        for found in Distribution.discover(name=distribution, path=[str(site_packages)]):
            version = found.version
            if isinstance(version, str) and version:
                return version
    return None


def _interpreter(script: Path) -> Path | None:
    """The interpreter a ``#!`` line names (its first word), or None."""
    try:
        with script.open("rb") as handle:
            first = handle.readline(_SHEBANG_LIMIT)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", "replace").split()
    return Path(words[0]) if words else None


_versions: dict[tuple[Any, ...], str | None] = {}


def _version_memo(adapter: Adapter, executable: str) -> tuple[Any, ...] | None:
    try:
        stat = os.stat(executable)
    except OSError:
        return None
    return adapter.name, executable, stat.st_size, stat.st_mtime_ns


def read_version(adapter: Adapter, executable: str) -> str | None:
    """The tool's version: from its installed metadata for a Python tool laid out as pip
    installs it (``Adapter.distribution``), else from ``<tool> --version``; None when it cannot
    tell. Remembered for the process per program file (path, size, modification time)."""
    memo = _version_memo(adapter, executable)
    if memo is not None and memo in _versions:
        return _versions[memo]
    version = _read_version(adapter, executable)
    if memo is not None:
        _versions[memo] = version
    return version


def remember_version(adapter: Adapter, executable: str, version: str | None) -> None:
    """Tell ``read_version`` the version of a program file known from elsewhere (the result
    cache keeps versions across runs)."""
    memo = _version_memo(adapter, executable)
    if memo is not None:
        _versions[memo] = version


def _read_version(adapter: Adapter, executable: str) -> str | None:
    if adapter.distribution:
        installed = installed_version(executable, adapter.distribution)
        if installed:
            return installed
    code, out, err = interrupt.run(
        [executable, *adapter.version_args],
        timeout=_VERSION_TIMEOUT,
        env={**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0"},
    )
    if code is None:
        return None
    text = out.decode("utf-8", "replace") + err.decode("utf-8", "replace")
    return adapter.parse_version(text)
