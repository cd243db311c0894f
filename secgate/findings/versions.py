"""Comparing package versions as ecosystems write them, tolerating ones PEP 440 cannot read."""

from __future__ import annotations

import re
from functools import lru_cache

from packaging.utils import canonicalize_version
from packaging.version import Version


@lru_cache(maxsize=65536)
def parse_version(text: str) -> Version | None:
    """``text`` as a PEP 440 version, or None. packaging refuses what is no version with
    ``InvalidVersion``, and a number past Python's limit on converting digits (a version part of
    4,301 digits, which any tool or requirement file may write) with a plain ``ValueError``:
    both are "not a version" here."""
    try:
        return Version(text)
    except ValueError:  # InvalidVersion is one
        return None


def canonical_version(text: str) -> str:
    """``text`` in PEP 440's normal form without trailing zeros when it is a version, else as
    written (stripped)."""
    stripped = text.strip()
    parsed = parse_version(stripped)
    return stripped if parsed is None else canonicalize_version(parsed, strip_trailing_zero=True)


def version_key(text: str) -> tuple[int, Version | tuple[tuple[int, str], ...]]:
    """A sort key: PEP 440 versions in order, then the rest by their numeric parts."""
    parsed = parse_version(text)
    if parsed is not None:
        return (0, parsed)
    return (1, tuple(_part(p) for p in re.split(r"[.\-+_~:]", text)))


def _part(text: str) -> tuple[int, str]:
    """One part of a version PEP 440 cannot read: a number when ``int`` reads it in full (the
    test of ``files.fields.plain_digits``, written out: the model imports this module, and what
    the model imports imports nothing of secgate), else text."""
    plain = 0 < len(text) <= 18 and text.isascii() and text.isdigit()
    return (int(text), "") if plain else (0, text)


def lowest(versions: list[str]) -> str | None:
    """The lowest of ``versions``, or None for an empty list."""
    if not versions:
        return None
    return min(versions, key=version_key)


def sort_versions(versions: list[str]) -> list[str]:
    """Unique versions in ascending order."""
    return sorted(set(versions), key=version_key)
