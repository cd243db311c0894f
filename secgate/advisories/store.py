"""The local advisory store: one SQLite file (``secgate.advisories.datadir``) holding imported
snapshots of OSV records, the KEV catalog and EPSS scores, and the queries scans make of it.

**Snapshots.** Every import is a snapshot: its kind (``osv``, ``kev``, ``epss``), its source
(the path it came from), the SHA-256 of its content, its record count, its date (the newest
``modified`` of its OSV records; KEV's ``dateReleased``; EPSS's ``score_date``) and when it was
imported. Importing an OSV source again replaces that source's snapshot; several OSV sources
live side by side (the PyPA database and an OSV ``all.zip``, say), and a record both hold is
answered once, from the newer copy. KEV and EPSS are one catalog each: an import replaces the
previous one. An import reads and checks every record before it writes anything, and writes in
one transaction: a malformed file leaves the store as it was.

**Queries** (the API later stages build on):

- ``affecting(ecosystem, name, version)``: the advisories that affect one package version, each
  with the ``affected`` entries that matched and the fixed versions above it;
- ``advisories_for(ecosystem, name)``: every advisory naming a package (withdrawn ones
  included, marked), with its ranges, for upgrade planning;
- ``advisory(id)``: one advisory by its id or any alias; ``raw_record(id)``: the record as
  imported (what an OSV API serves);
- ``kev(cves)``, ``epss(cves)``: exploitation facts by CVE id;
- ``snapshots()``: what the store holds.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from secgate.advisories import epss as epss_format
from secgate.advisories import kev as kev_format
from secgate.advisories import ranges
from secgate.advisories.datadir import store_path
from secgate.advisories.osv import (
    Advisory,
    AffectedPackage,
    RecordError,
    ecosystem_key,
    package_key,
    parse_record,
    record_id,
)
from secgate.advisories.sources import (
    RecordFile,
    digest_bytes,
    digest_files,
    load_document,
    read_maybe_gzip,
    record_files,
)
from secgate.errors import InputError, UsageError
from secgate.model import AdvisorySnapshot, SnapshotKind

_T = TypeVar("_T")
SCHEMA_VERSION = "1"
_CATALOG_TABLES = {"kev": "kev", "epss": "epss"}
"""The table of each catalog kind (table names are never taken from input)."""
_BUSY_TIMEOUT = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL,
  records INTEGER NOT NULL, data_date TEXT, imported_at TEXT NOT NULL, UNIQUE (kind, source));
CREATE TABLE IF NOT EXISTS advisories (
  snapshot INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
  id TEXT NOT NULL, modified TEXT NOT NULL, withdrawn TEXT, record BLOB NOT NULL,
  PRIMARY KEY (snapshot, id));
CREATE TABLE IF NOT EXISTS affected (
  snapshot INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
  advisory TEXT NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_package ON affected (ecosystem, name);
CREATE TABLE IF NOT EXISTS aliases (
  snapshot INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
  advisory TEXT NOT NULL, alias TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS aliases_alias ON aliases (alias);
CREATE TABLE IF NOT EXISTS kev (
  snapshot INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
  cve TEXT PRIMARY KEY, date_added TEXT NOT NULL, due_date TEXT NOT NULL, ransomware INTEGER,
  vendor TEXT, product TEXT, name TEXT);
CREATE TABLE IF NOT EXISTS epss (
  snapshot INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
  cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL);
"""


@dataclass(frozen=True)
class Match:
    """One advisory that affects one package version."""

    advisory: Advisory
    entries: list[AffectedPackage]
    """The advisory's ``affected`` entries for the package that matched the version."""
    fixed: list[str] = field(default_factory=list)
    """Fixed versions above the version (lowest first), from the matching ranges."""


@dataclass(frozen=True)
class Undecided:
    """An advisory whose ranges for the package could not be judged for a version."""

    advisory: Advisory
    versions: list[str]
    """The versions PEP 440 could not read (in the record's events, or the pin itself)."""


@dataclass
class PackageAudit:
    """What the store says about one package version."""

    matches: list[Match] = field(default_factory=list)
    undecided: list[Undecided] = field(default_factory=list)
    withdrawn: int = 0
    """Withdrawn advisories naming the package (never matched)."""


class AdvisoryStore:
    """An open store. Use ``imported.open_store`` (or ``AdvisoryStore.open``) and close it, or
    use it as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._parsed: dict[tuple[int, str], Advisory] = {}

    # --- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = False) -> AdvisoryStore:
        """The store at ``path`` (default: the data directory's). Without ``create`` a store
        that does not exist is a ``UsageError``; with it, one is made."""
        target = path or store_path()
        if not create and not target.is_file():
            raise UsageError(
                f"{target}: no advisory data imported yet (run 'secgate "
                "advisories import PATH', or set SECGATE_DATA_DIR)"
            )
        try:
            if create:
                target.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(target, timeout=_BUSY_TIMEOUT, isolation_level=None)
            else:
                connection = sqlite3.connect(
                    f"{target.resolve().as_uri()}?mode=ro",
                    uri=True,
                    timeout=_BUSY_TIMEOUT,
                    isolation_level=None,
                )
            connection.execute("PRAGMA foreign_keys = ON")
            store = cls(connection, target)
            store._prepare(create)
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"not a usable advisory store ({exc}); delete it and import again", path=target
            ) from None
        except OSError as exc:
            raise InputError(
                f"cannot open the advisory store: {exc.strerror}", path=target
            ) from None
        return store

    def _prepare(self, create: bool) -> None:
        if create:
            self._db.executescript(_SCHEMA)  # every statement is idempotent
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            found = row[0] if row else "none"
            raise InputError(
                f"advisory store format {found}, this secgate reads "
                f"{SCHEMA_VERSION}: delete it and import again",
                path=self.path,
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> AdvisoryStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- snapshots ------------------------------------------------------------------------
    def snapshots(self, kind: SnapshotKind | None = None) -> list[AdvisorySnapshot]:
        """The snapshots held, by kind then source."""
        rows = self._db.execute(
            "SELECT kind, source, sha256, records, data_date, imported_at FROM snapshots "
            "WHERE ? IS NULL OR kind = ? ORDER BY kind, source",
            (kind, kind),
        ).fetchall()
        return [
            AdvisorySnapshot(
                kind=r[0], source=r[1], sha256=r[2], records=r[3], date=r[4], imported_at=r[5]
            )
            for r in rows
        ]

    def has(self, kind: SnapshotKind) -> bool:
        return (
            self._db.execute("SELECT 1 FROM snapshots WHERE kind = ? LIMIT 1", (kind,)).fetchone()
            is not None
        )

    # --- importing ------------------------------------------------------------------------
    def import_osv(self, path: Path) -> AdvisorySnapshot:
        """Import OSV records from a directory, a zip archive or a file (replacing the
        snapshot of the same source); ``InputError`` names the file and record that is wrong."""
        files = list(record_files(path))
        advisories: list[tuple[Advisory, dict[str, Any]]] = []
        for file in files:
            advisories.extend(_records(file))
        if not advisories:
            raise InputError("holds no OSV record (*.json, *.yaml)", path=path)
        seen: dict[str, str] = {}
        for advisory, _ in advisories:
            if advisory.id in seen:
                raise InputError(
                    f"record {advisory.id} appears twice (also in {seen[advisory.id]})", path=path
                )
            seen[advisory.id] = str(path)
        digest = digest_bytes(path.read_bytes()) if path.is_file() else digest_files(files, path)
        newest = max(a.modified for a, _ in advisories)
        with self._writing() as db:
            snapshot = self._replace_snapshot(
                db, "osv", str(path), digest, len(advisories), newest[:10], every_source=False
            )
            db.executemany(
                "INSERT INTO advisories VALUES (?, ?, ?, ?, ?)",
                ((snapshot, a.id, a.modified, a.withdrawn, _pack(raw)) for a, raw in advisories),
            )
            db.executemany(
                "INSERT INTO affected VALUES (?, ?, ?, ?)",
                (
                    (snapshot, a.id, *key)
                    for a, _ in advisories
                    for key in dict.fromkeys(entry.key for entry in a.affected)
                ),
            )
            db.executemany(
                "INSERT INTO aliases VALUES (?, ?, ?)",
                (
                    (snapshot, a.id, _alias_key(alias))
                    for a, _ in advisories
                    for alias in dict.fromkeys(a.all_ids)
                ),
            )
        self._parsed.clear()
        return self._snapshot(snapshot)

    def import_kev(self, path: Path) -> AdvisorySnapshot:
        """Import the KEV catalog (replacing the one held)."""
        data = read_maybe_gzip(path)
        catalog = _parsed_catalog(kev_format.parse_catalog, data, path)
        rows = [
            (
                e.cve,
                e.date_added,
                e.due_date,
                None if e.ransomware is None else int(e.ransomware),
                e.vendor,
                e.product,
                e.name,
            )
            for e in catalog.entries
        ]
        return self._replace_catalog("kev", path, data, catalog.date, rows)

    def import_epss(self, path: Path) -> AdvisorySnapshot:
        """Import EPSS scores from their CSV, gzip-compressed or not (replacing those held)."""
        data = read_maybe_gzip(path)
        scores = _parsed_catalog(epss_format.parse_scores, data, path)
        rows = [(s.cve, s.score, s.percentile) for s in scores.scores]
        return self._replace_catalog("epss", path, data, scores.score_date, rows)

    def _replace_catalog(
        self, kind: SnapshotKind, path: Path, data: bytes, day: str, rows: list[tuple[Any, ...]]
    ) -> AdvisorySnapshot:
        """One catalog (KEV, EPSS) in place of the one held: its snapshot, then its rows."""
        marks = ", ".join("?" * (len(rows[0]) + 1)) if rows else ""
        with self._writing() as db:
            snapshot = self._replace_snapshot(
                db, kind, str(path), digest_bytes(data), len(rows), day, every_source=True
            )
            if rows:
                db.executemany(
                    f"INSERT OR REPLACE INTO {_CATALOG_TABLES[kind]} "  # noqa: S608
                    f"VALUES ({marks})",
                    ((snapshot, *row) for row in rows),
                )
        return self._snapshot(snapshot)

    @contextmanager
    def batch(self) -> Iterator[AdvisoryStore]:
        """Several imports as one: all of them are written, or (on any error) none."""
        with self._writing():
            yield self

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction (joining the one a ``batch`` holds open)."""
        db = self._db
        if db.in_transaction:
            yield db
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _replace_snapshot(
        self,
        db: sqlite3.Connection,
        kind: SnapshotKind,
        source: str,
        digest: str,
        records: int,
        data_date: str,
        every_source: bool,
    ) -> int:
        if every_source:
            db.execute("DELETE FROM snapshots WHERE kind = ?", (kind,))
        else:
            db.execute("DELETE FROM snapshots WHERE kind = ? AND source = ?", (kind, source))
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        cursor = db.execute(
            "INSERT INTO snapshots (kind, source, sha256, records, data_date, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (kind, source, digest, records, data_date, now),
        )
        assert cursor.lastrowid is not None  # noqa: S101 - an INSERT always sets it
        return cursor.lastrowid

    def _snapshot(self, snapshot_id: int) -> AdvisorySnapshot:
        row = self._db.execute(
            "SELECT kind, source, sha256, records, data_date, imported_at "
            "FROM snapshots WHERE id = ?",
            (snapshot_id,),
        ).fetchone()
        return AdvisorySnapshot(
            kind=row[0],
            source=row[1],
            sha256=row[2],
            records=row[3],
            date=row[4],
            imported_at=row[5],
        )

    # --- OSV queries ----------------------------------------------------------------------
    def advisories_for(self, ecosystem: str, name: str) -> list[Advisory]:
        """Every advisory naming the package, withdrawn ones included, by id; one per id (the
        newest ``modified`` of the snapshots holding it)."""
        rows = self._db.execute(
            "SELECT a.snapshot, a.id, a.modified, a.record FROM affected f JOIN advisories a "
            "ON a.snapshot = f.snapshot AND a.id = f.advisory "
            "WHERE f.ecosystem = ? AND f.name = ?",
            (ecosystem_key(ecosystem), package_key(ecosystem, name)),
        ).fetchall()
        return self._newest(rows)

    def affecting(self, ecosystem: str, name: str, version: str) -> PackageAudit:
        """What the store says about one package version (withdrawn advisories never match)."""
        audit = PackageAudit()
        for advisory in self.advisories_for(ecosystem, name):
            if advisory.withdrawn:
                audit.withdrawn += 1
                continue
            entries = advisory.packages(ecosystem, name)
            verdicts = [(entry, ranges.judge(entry, version)) for entry in entries]
            matched = [entry for entry, verdict in verdicts if verdict.affected]
            if matched:
                fixed = ranges.sort_versions(
                    v for _, verdict in verdicts if verdict.affected for v in verdict.fixed
                )
                audit.matches.append(Match(advisory, matched, fixed))
                continue
            unreadable = [v for _, verdict in verdicts for v in verdict.undecidable]
            if unreadable:
                audit.undecided.append(Undecided(advisory, list(dict.fromkeys(unreadable))))
        return audit

    def advisory(self, vuln_id: str) -> Advisory | None:
        """The advisory with this id or alias (the newest copy), or None."""
        rows = self._db.execute(
            "SELECT a.snapshot, a.id, a.modified, a.record FROM aliases l JOIN advisories a "
            "ON a.snapshot = l.snapshot AND a.id = l.advisory WHERE l.alias = ?",
            (_alias_key(vuln_id),),
        ).fetchall()
        found = self._newest(rows)
        exact = [a for a in found if a.id == vuln_id]
        chosen = exact or found
        return chosen[0] if chosen else None

    def raw_record(self, advisory_id: str) -> dict[str, Any] | None:
        """The record with this id as it was imported (the newest copy), or None."""
        row = self._db.execute(
            "SELECT record FROM advisories WHERE id = ? "
            "ORDER BY modified DESC, snapshot DESC LIMIT 1",
            (advisory_id,),
        ).fetchone()
        return _unpack(row[0]) if row else None

    def packages(self, ecosystem: str) -> list[str]:
        """Every package name of an ecosystem that some advisory names (PEP 503 for PyPI)."""
        rows = self._db.execute(
            "SELECT DISTINCT name FROM affected WHERE ecosystem = ? ORDER BY name",
            (ecosystem_key(ecosystem),),
        ).fetchall()
        return [r[0] for r in rows]

    def _newest(self, rows: Sequence[tuple[int, str, str, bytes]]) -> list[Advisory]:
        best: dict[str, tuple[str, int, bytes]] = {}
        for snapshot, advisory_id, modified, record in rows:
            held = best.get(advisory_id)
            if held is None or (modified, snapshot) > held[:2]:
                best[advisory_id] = (modified, snapshot, record)
        out = []
        for advisory_id in sorted(best):
            _, snapshot, record = best[advisory_id]
            key = (snapshot, advisory_id)
            parsed = self._parsed.get(key)
            if parsed is None:
                parsed = self._parsed[key] = parse_record(_unpack(record))
            out.append(parsed)
        return out

    # --- KEV and EPSS ---------------------------------------------------------------------
    def kev(self, cves: Iterable[str]) -> dict[str, kev_format.KevEntry]:
        """The KEV entries of those CVE ids the catalog lists."""
        found = {}
        for cve in _unique_upper(cves):
            row = self._db.execute(
                "SELECT cve, date_added, due_date, ransomware, vendor, "
                "product, name FROM kev WHERE cve = ?",
                (cve,),
            ).fetchone()
            if row is not None:
                found[cve] = kev_format.KevEntry(
                    cve=row[0],
                    date_added=row[1],
                    due_date=row[2],
                    ransomware=None if row[3] is None else bool(row[3]),
                    vendor=row[4],
                    product=row[5],
                    name=row[6],
                )
        return found

    def epss(self, cves: Iterable[str]) -> dict[str, epss_format.EpssScore]:
        """The EPSS scores of those CVE ids that were scored."""
        found = {}
        for cve in _unique_upper(cves):
            row = self._db.execute(
                "SELECT score, percentile FROM epss WHERE cve = ?", (cve,)
            ).fetchone()
            if row is not None:
                found[cve] = epss_format.EpssScore(cve=cve, score=row[0], percentile=row[1])
        return found


def _parsed_catalog(parse: Callable[[bytes], _T], data: bytes, path: Path) -> _T:
    """``parse(data)``, its ``InputError`` naming ``path``."""
    try:
        return parse(data)
    except InputError as exc:
        raise InputError(exc.message, path=path) from None


def _records(file: RecordFile) -> list[tuple[Advisory, dict[str, Any]]]:
    document = load_document(file)
    items = document if isinstance(document, list) else [document]
    out = []
    for index, item in enumerate(items):
        name = record_id(item) or (f"#{index}" if isinstance(document, list) else "")
        try:
            advisory = parse_record(item)
        except RecordError as exc:
            what = f"record {name}: " if name else ""
            raise InputError(f"{what}{exc}", path=file.label) from None
        out.append((advisory, _jsonable(item)))
    return out


def _jsonable(value: Any) -> Any:
    """A record as JSON data (YAML may hold dates and other non-JSON scalars)."""
    return json.loads(json.dumps(value, default=str))


def _pack(record: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(record, separators=(",", ":"), sort_keys=True).encode(), 6)


def _unpack(blob: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(zlib.decompress(blob))
    return loaded


def _alias_key(vuln_id: str) -> str:
    return vuln_id.strip().upper()


def _unique_upper(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i.strip().upper() for i in ids if i and i.strip()))
