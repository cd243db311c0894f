"""What every message format works from (``Digest``) and what it must do (``MessageFormat``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from secgate.model import VerdictStatus


@dataclass(frozen=True)
class BlockingLine:
    """One blocking finding as a message shows it (texts cleaned, on one line, bounded)."""

    severity: str
    tool: str
    rule_id: str
    where: str
    """``path:line``, ``package==version`` or ``-``."""
    message: str
    fields: dict[str, Any]
    """What secgate's JSON carries of the finding (``secgate.outbound.logs.finding_fields``)."""


@dataclass(frozen=True)
class Digest:
    """A finished scan as a notification tells it. Built from the redacted result only."""

    events: tuple[str, ...]
    status: VerdictStatus
    exit_code: int
    headline: str
    """``BLOCKED``, ``PASS with warnings``... (the words every report uses)."""
    reasons: tuple[str, ...]
    counts: dict[str, int]
    blocking: tuple[BlockingLine, ...]
    """The most severe blocking findings, at most ``TOP_BLOCKING``."""
    blocking_total: int
    finding_total: int
    repository: str
    branch: str
    commit: str | None
    run_url: str | None
    policy: str
    target: str | None
    secgate_version: str
    scanners: tuple[tuple[str, str, int], ...]
    """(tool, status, findings) of each run."""

    @property
    def title(self) -> str:
        return f"secgate: {self.headline} — {self.repository} ({self.branch})"

    @property
    def tally(self) -> str:
        """``2 blocking, 1 warning, 9 findings in all``."""
        return (
            f"{self.counts.get('block', 0)} blocking, {self.counts.get('warn', 0)} "
            f"warning, {self.finding_total} finding(s) in all"
        )


class MessageFormat(ABC):
    """A webhook's message format: which URLs are its own, and the JSON body of a digest."""

    name: ClassVar[str]

    @abstractmethod
    def owns(self, host: str, path: str) -> bool:
        """True when a webhook at ``host`` (lower case) and ``path`` takes this format."""

    @abstractmethod
    def render(self, digest: Digest) -> dict[str, Any]:
        """The JSON body of the message."""
