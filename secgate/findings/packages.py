"""A package's identity: its name and version as its ecosystem compares them."""

from __future__ import annotations

from packaging.utils import canonicalize_name, canonicalize_version


def package_name(name: str, ecosystem: str | None) -> str:
    """A package name as its ecosystem compares it (PEP 503 for PyPI, else lower case)."""
    if (ecosystem or "").lower() == "pypi":
        return canonicalize_name(name)
    return name.strip().lower()


def package_version(version: str | None, ecosystem: str | None) -> str:
    """A version as its ecosystem compares it (for PyPI: PEP 440's normal form without trailing
    zeros, when it parses)."""
    text = (version or "").strip()
    if (ecosystem or "").lower() == "pypi" and text:
        return canonicalize_version(text, strip_trailing_zero=True)
    return text
