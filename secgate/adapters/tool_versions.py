"""The version of a Python scanner read from its installed metadata, without starting it.

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

_SHEBANG_LIMIT = 512


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
