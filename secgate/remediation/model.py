"""The upgrade plan as reports carry it (``ScanResult.upgrades``): what ``secgate fix`` prints
and writes, the PR comment shows, and SARIF and JSON keep.

Only pydantic here: ``secgate.model`` imports this module.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

UpgradeStatus = Literal[
    "upgrade",
    "new-major",
    "unfixable",
    "locked",
    "transitive",
    "unpinned",
    "hash-pinned",
    "not-python",
]
"""What the plan does with one blocking package version:

- ``upgrade``: the pins are rewritten to ``target`` (it clears every blocking vulnerability);
- ``new-major``: only a new major version clears them: listed, written only with
  ``--allow-major``;
- ``unfixable``: no known version clears a blocking vulnerability;
- ``locked``: pinned only in a lock file (poetry.lock, uv.lock), which its tool must update;
- ``transitive``: pinned in no requirement file of the project (a dependency of a dependency,
  or installed only);
- ``unpinned``: named in a requirement file with a range, not one version (``requests>=2``):
  the range is the user's to change;
- ``hash-pinned``: its requirement line carries ``--hash`` options for the old version;
- ``not-python``: not a PyPI package (an OS or npm package Trivy reported, say)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PinPlace(_Model):
    """One place that pins the package."""

    path: str
    """The file, relative to the project (POSIX)."""
    line: int


class PackageUpgrade(_Model):
    """The plan for one package version that blocking findings are about."""

    name: str
    """The package, PEP 503 normalized."""
    ecosystem: str = "pypi"
    version: str | None
    """The version the project has now."""
    status: UpgradeStatus
    target: str | None = None
    """The version to upgrade to (for ``upgrade`` and ``new-major``; for the others, the
    lowest version that would clear what can be cleared, when one is known)."""
    applied: bool = False
    """True when ``--write`` rewrites the pins (``upgrade``, and ``new-major`` with
    ``--allow-major``)."""
    clears: list[str] = Field(default_factory=list)
    """The blocking vulnerabilities (canonical ids) the target clears."""
    remaining: list[str] = Field(default_factory=list)
    """Vulnerabilities still affecting the target (none block), or for ``unfixable`` the
    blocking ones no known version clears."""
    places: list[PinPlace] = Field(default_factory=list)
    reason: str
    """One line a person reads: why this version, or why nothing is written."""


class UpgradePlan(_Model):
    """Every blocking dependency's plan, the diff that applies it, and what it leaves."""

    packages: list[PackageUpgrade] = Field(default_factory=list)
    diff: str = ""
    """The unified diff of the requirement files (``a/PATH`` -> ``b/PATH``), empty when
    nothing is written."""
    candidates_from: list[str] = Field(default_factory=list)
    """Where candidate versions came from (advisory data, scanner reports, environments)."""
    left_blocking: list[str] = Field(default_factory=list)
    """One line per blocking finding the plan does not clear (``tool rule_id at place``)."""

    @property
    def clears_everything(self) -> bool:
        """True when applying the plan leaves no blocking finding."""
        return not self.left_blocking
