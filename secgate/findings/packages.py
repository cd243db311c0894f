"""A package's identity: its name and version as its ecosystem compares them, and its package
URL."""

from __future__ import annotations

from packageurl import PackageURL
from packaging.utils import canonicalize_name

from secgate.findings.versions import canonical_version


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
        return canonical_version(text)
    return text


def purl_of(ecosystem: str, name: str, version: str | None) -> str | None:
    """The package URL (``pkg:pypi/name@version``) of a package, or None when the name leaves
    none to write: packageurl refuses, or fails on, names it normalizes to nothing (``/``,
    spaces, the empty name), and tools report such names."""
    try:
        return PackageURL(type=ecosystem, name=name, version=version or None).to_string()
    except (ValueError, TypeError):
        return None
