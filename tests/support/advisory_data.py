"""Where the advisory fixtures are (real PyPA records and a KEV subset, a hand-built EPSS file;
provenance in tests/fixtures/advisories/README.md) and a store made from them."""

from __future__ import annotations

from pathlib import Path

from secgate.advisories.store import AdvisoryStore
from tests.support.paths import FIXTURES

ADVISORIES = FIXTURES / "advisories"
PYPA = ADVISORIES / "pypa-advisory-database" / "3ccb612573e2" / "vulns"
KEV = ADVISORIES / "kev-data" / "eacf03ec6637" / "known_exploited_vulnerabilities.json"
EPSS = ADVISORIES / "epss" / "hand-built" / "epss_scores-2025-08-25.csv"


def record(relative: str) -> Path:
    """One real PyPA record, e.g. ``requests/PYSEC-2018-28.yaml``."""
    path = PYPA / relative
    assert path.is_file(), path
    return path


def imported_store(data_dir: Path, *, kev: bool = True, epss: bool = True) -> AdvisoryStore:
    """A store in ``data_dir`` holding the PyPA subset, and the KEV and EPSS fixtures."""
    store = AdvisoryStore.open(data_dir / "advisories.sqlite3", create=True)
    store.import_osv(PYPA)
    if kev:
        store.import_kev(KEV)
    if epss:
        store.import_epss(EPSS)
    return store


def import_env(data_dir: Path) -> dict[str, str]:
    """The environment of a secgate run that reads the store in ``data_dir``."""
    return {"SECGATE_DATA_DIR": str(data_dir)}
