"""Comparing package versions as ecosystems write them, tolerating ones PEP 440 cannot read."""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version


def version_key(text: str) -> tuple[int, Version | tuple[tuple[int, str], ...]]:
    """A sort key: PEP 440 versions in order, then the rest by their numeric parts."""
    try:
        return (0, Version(text))
    except InvalidVersion:
        parts = tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"[.\-+_~:]", text))
        return (1, parts)


def lowest(versions: list[str]) -> str | None:
    """The lowest of ``versions``, or None for an empty list."""
    if not versions:
        return None
    return min(versions, key=version_key)


def sort_versions(versions: list[str]) -> list[str]:
    """Unique versions in ascending order."""
    return sorted(set(versions), key=version_key)
