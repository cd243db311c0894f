"""The explicit registry of adapters: every scanner secgate knows, by name.

Adding a scanner is one module under ``secgate/adapters/`` and one entry here. Detection asks the
specific adapters first and the generic SARIF reader last.
"""

from __future__ import annotations

from secgate.adapters.bandit import BanditAdapter
from secgate.adapters.detect_secrets import DetectSecretsAdapter
from secgate.adapters.gitleaks import GitleaksAdapter
from secgate.adapters.interface import Adapter, Sample
from secgate.adapters.osv import OsvAdapter
from secgate.adapters.pip_audit import PipAuditAdapter
from secgate.adapters.pip_licenses import PipLicensesAdapter
from secgate.adapters.safety import SafetyAdapter
from secgate.adapters.sarif import SarifAdapter
from secgate.adapters.semgrep import SemgrepAdapter
from secgate.adapters.trivy.adapter import TrivyAdapter
from secgate.adapters.trufflehog import TruffleHogAdapter
from secgate.adapters.trufflehog3 import TruffleHog3Adapter
from secgate.errors import UsageError
from secgate.model import Category

_ADAPTER_CLASSES: tuple[type[Adapter], ...] = (
    BanditAdapter,
    SemgrepAdapter,
    GitleaksAdapter,
    TruffleHogAdapter,
    TruffleHog3Adapter,
    DetectSecretsAdapter,
    PipAuditAdapter,
    OsvAdapter,
    SafetyAdapter,
    TrivyAdapter,
    PipLicensesAdapter,
    SarifAdapter,
)

ADAPTERS: dict[str, type[Adapter]] = {cls.name: cls for cls in _ADAPTER_CLASSES}
"""Every adapter by its name."""

GENERIC = "sarif"


def get(name: str) -> Adapter:
    """The adapter called ``name``; a UsageError lists the known ones."""
    try:
        return ADAPTERS[name.lower()]()
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise UsageError(f"unknown scanner {name!r} (known: {known})") from None


def scanners() -> list[Adapter]:
    """Every adapter that can run a tool, by name."""
    return [cls() for name, cls in sorted(ADAPTERS.items()) if cls.executable is not None]


def dependency_scanners() -> set[str]:
    """The names of the adapters whose tools report vulnerable dependencies."""
    return {name for name, cls in ADAPTERS.items() if Category.DEPENDENCY in cls.categories}


def detect(sample: Sample) -> Adapter | None:
    """The adapter whose tool produced ``sample``, or None."""
    specific = [cls() for name, cls in sorted(ADAPTERS.items()) if name != GENERIC]
    for adapter in [*specific, ADAPTERS[GENERIC]()]:
        if adapter.detect(sample):
            return adapter
    return None
