"""How old each advisory snapshot is, and what the policy says about old data: a pure function
of the snapshots, the policy's ``advisories`` block and today's date.

A snapshot's age is the days from its date (the data's own date, not the import's) to today.
With ``advisories.max_age_days: N``, a snapshot older than N days is stale: the verdict is then
at least "warn" (``on_stale: warn``, the default), or "error" (``on_stale: block``), and the
reasons name each stale snapshot. A snapshot without a date counts as stale: its age is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from secgate.model import AdvisorySnapshot

KIND_NAMES = {"osv": "OSV", "kev": "KEV", "epss": "EPSS"}


def parse_day(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` day, or None when ``text`` is not one."""
    if not text or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def age_days(snapshot: AdvisorySnapshot, today: date) -> int | None:
    """Days from the snapshot's date to ``today``; None when it has no readable date."""
    day = parse_day((snapshot.date or "")[:10])
    return None if day is None else (today - day).days


@dataclass(frozen=True)
class Staleness:
    stale: list[str]
    """One line per snapshot older than allowed."""
    block: bool
    """True when the policy makes stale data an error (``on_stale: block``)."""


def judge(
    snapshots: list[AdvisorySnapshot], max_age_days: int | None, on_stale: str, today: date
) -> Staleness:
    """The stale snapshots under the policy (none when ``max_age_days`` is not set)."""
    if max_age_days is None:
        return Staleness([], False)
    lines = []
    for snapshot in snapshots:
        age = age_days(snapshot, today)
        if age is not None and age <= max_age_days:
            continue
        kind = KIND_NAMES[snapshot.kind]
        how_old = f"is {age} day(s) old" if age is not None else "has no date"
        lines.append(
            f"advisory data {kind} {snapshot.source} (dated {snapshot.date or '?'}) "
            f"{how_old}, more than advisories.max_age_days: {max_age_days}; import a "
            "newer snapshot"
        )
    return Staleness(lines, block=bool(lines) and on_stale == "block")


def describe(snapshot: AdvisorySnapshot, today: date) -> str:
    """One line naming a snapshot and its date, for reports."""
    age = age_days(snapshot, today)
    old = f", {age} day(s) old" if age is not None else ""
    return (
        f"{KIND_NAMES[snapshot.kind]} {snapshot.source}: {snapshot.records} record(s), "
        f"dated {snapshot.date or 'unknown'}{old}"
    )
