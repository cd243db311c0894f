"""How old the advisory data a scan judged with was: one ``DatedSource`` per source (not the
``secgate.model.AdvisorySnapshot`` of an import: a source and the moment its data is from).

A stale vulnerability database makes a gate pass what it should block, so the metrics carry each
snapshot's date (``secgate_advisory_snapshot_timestamp_seconds``) and age. What a run knows
about its advisory data comes from the finders in ``FINDERS``, a plain registry: each takes the
finished ``ScanResult`` and returns the snapshots it can date. A new source of advisories (an
offline database shipped with secgate, a KEV catalog) adds one entry here; nothing else changes.

Shipped finders: ``safety-db``, the local Safety database a Safety run used (``--db DIR``), dated
by its ``insecure.json`` ``$meta.timestamp`` (Unix seconds) or ``$meta.last_updated``; and
``imported``, the OSV, KEV and EPSS snapshots of ``secgate advisories import`` that the scan
consulted (``ScanResult.advisories``), dated by their data date.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secgate.model import ScanResult

_MAX_DB_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class DatedSource:
    """One source of advisory data and when its snapshot was taken (UTC)."""

    source: str
    taken: datetime

    def age_seconds(self, now: float) -> float:
        return max(0.0, now - self.taken.timestamp())


SnapshotFinder = Callable[[ScanResult], Iterable[DatedSource]]


def safety_database(result: ScanResult) -> list[DatedSource]:
    """The snapshot of each local Safety database a Safety run of ``result`` used."""
    found = []
    for run in result.runs:
        if run.tool != "safety" or "--db" not in run.command:
            continue
        index = run.command.index("--db")
        if index + 1 < len(run.command):
            taken = _safety_db_date(Path(run.command[index + 1]) / "insecure.json")
            if taken is not None:
                found.append(DatedSource("safety-db", taken))
    return found


def imported_advisories(result: ScanResult) -> list[DatedSource]:
    """The snapshots of imported advisory data (``secgate advisories import``) the scan
    consulted, by kind (``osv``, ``kev``, ``epss``), dated by their data date."""
    found = []
    for snapshot in result.advisories:
        if snapshot.date is None:
            continue
        try:
            taken = datetime.strptime(snapshot.date[:10], "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            continue
        found.append(DatedSource(snapshot.kind, taken))
    return found


FINDERS: dict[str, SnapshotFinder] = {
    "safety-db": safety_database,
    "imported": imported_advisories,
}
"""Every source of advisory snapshots, by name."""


def snapshots(
    result: ScanResult, finders: Iterable[SnapshotFinder] | None = None
) -> list[DatedSource]:
    """The oldest snapshot of each source (the one that makes the data look least fresh),
    sorted by source."""
    oldest: dict[str, DatedSource] = {}
    for finder in FINDERS.values() if finders is None else finders:
        for snapshot in finder(result):
            kept = oldest.get(snapshot.source)
            if kept is None or snapshot.taken < kept.taken:
                oldest[snapshot.source] = snapshot
    return [oldest[source] for source in sorted(oldest)]


def _safety_db_date(path: Path) -> datetime | None:
    try:
        if path.stat().st_size > _MAX_DB_BYTES:
            return None
        meta: Any = json.loads(path.read_bytes()).get("$meta")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(meta, dict):
        return None
    stamp = meta.get("timestamp")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and stamp > 0:
        return datetime.fromtimestamp(stamp, UTC)
    text = meta.get("last_updated")
    if isinstance(text, str):
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
