"""Accepted risks over time: which acceptances still apply today, and what the reader must be told
about them (expired, expiring soon, never expiring, matching nothing).

Today's date comes from the clock (UTC), or from ``SECGATE_TODAY=YYYY-MM-DD`` so that tests and
reruns of an old build judge the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from secgate.errors import UsageError
from secgate.policy.model import Acceptance, Policy, acceptance_label

TODAY_VARIABLE = "SECGATE_TODAY"


def today(environ: Mapping[str, str] | None = None) -> date:
    """``SECGATE_TODAY`` when set, else today's date in UTC."""
    env = os.environ if environ is None else environ
    text = env.get(TODAY_VARIABLE, "").strip()
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{TODAY_VARIABLE}={text!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class AcceptanceState:
    """One acceptance as it stands today."""

    index: int
    acceptance: Acceptance
    expired: bool
    days_left: int | None
    """Days until it expires (0 on its last day); None when it never expires."""

    @property
    def label(self) -> str:
        return acceptance_label(self.acceptance, self.index)

    @property
    def decided_by(self) -> str:
        return f"accept:{self.label}"

    @property
    def summary(self) -> str:
        """What it accepts, in a few words: ``accept[0] (CVE-2018-18074)``."""
        a = self.acceptance
        parts = [
            *(a.vulnerability or []),
            *(a.rule or []),
            *(a.package or []),
            *(a.path or []),
            *(f"fingerprint {fp[:12]}" for fp in a.fingerprint or []),
        ]
        name = a.id or f"accept[{self.index}]"
        return f"{name} ({', '.join(parts)})" if parts else name

    def accepted_reason(self) -> str:
        """The reason a finding it covers is ignored."""
        a = self.acceptance
        extra = [
            f"approved by {a.approved_by}" if a.approved_by else "",
            f"ticket {a.ticket}" if a.ticket else "",
            f"until {a.expires.isoformat()}" if a.expires else "no expiry",
        ]
        return f"accepted risk: {a.reason} ({'; '.join(e for e in extra if e)})"


def states(policy: Policy, on: date) -> list[AcceptanceState]:
    """Every acceptance of ``policy`` as it stands on ``on`` (it applies through its last day)."""
    result = []
    for index, acceptance in enumerate(policy.accept):
        if acceptance.expires is None:
            result.append(AcceptanceState(index, acceptance, expired=False, days_left=None))
        else:
            left = (acceptance.expires - on).days
            result.append(AcceptanceState(index, acceptance, expired=left < 0, days_left=left))
    return result


def notes(
    all_states: list[AcceptanceState], used: set[int], warn_days: int
) -> tuple[list[str], list[str]]:
    """(notes, warnings): every line the reader must see about acceptances, and the ones among
    them that make the verdict at least "warn" (expiring soon, no expiry, stale)."""
    lines: list[str] = []
    warnings: list[str] = []
    for state in all_states:
        expires = state.acceptance.expires
        if state.expired and expires is not None:
            lines.append(
                f"acceptance {state.summary} expired on {expires.isoformat()}: what it "
                "covered is judged as if it had never been accepted"
            )
        elif expires is not None and state.days_left is not None and state.days_left <= warn_days:
            text = (
                f"acceptance {state.summary} expires on {expires.isoformat()} "
                f"(in {state.days_left} day(s)): renew or fix"
            )
            lines.append(text)
            warnings.append(text)
        if state.index not in used:
            text = f"acceptance {state.summary} is stale: it matches no finding; remove it"
            lines.append(text)
            warnings.append(text)
    never = [s.summary for s in all_states if s.acceptance.expires is None]
    if never:
        text = f"{len(never)} acceptance(s) never expire: {', '.join(never)}; give each an expires"
        lines.append(text)
        warnings.append(text)
    return lines, warnings
