"""``secgate advisories ...``: import advisory data for offline scans, show what is held, and
audit a project's pins against it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from secgate.advisories import audit as auditing
from secgate.advisories import staleness
from secgate.advisories.datadir import DATA_DIR_ENV, store_path
from secgate.advisories.imported import open_store
from secgate.advisories.store import AdvisoryStore
from secgate.errors import ExitCode, UsageError
from secgate.model import AdvisorySnapshot
from secgate.policy.accept import today as policy_today
from secgate.sarif import jsonout

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group("advisories")
def advisories_group() -> None:
    """Import OSV, KEV and EPSS data for offline scans; show and audit against it.

    The data lives in $SECGATE_DATA_DIR (default: the user's data directory)."""


@advisories_group.command("import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH]...")
@click.option(
    "--kev",
    "kev_file",
    type=_FILE,
    metavar="FILE",
    help="CISA's KEV catalog (known_exploited_vulnerabilities.json; gzip too).",
)
@click.option(
    "--epss",
    "epss_file",
    type=_FILE,
    metavar="FILE",
    help="FIRST's EPSS scores (epss_scores-YYYY-MM-DD.csv, gzip too).",
)
def import_command(paths: tuple[Path, ...], kev_file: Path | None, epss_file: Path | None) -> None:
    """Import OSV records from each PATH (a directory of .json/.yaml records such as the PyPA
    database's vulns/, an OSV all.zip, or one record file), and the KEV and EPSS files.

    Importing a source again replaces what it held. Everything given is imported, or nothing:
    a malformed file ends with exit 2 naming the file and the record, and leaves the store as it
    was."""
    if not paths and kev_file is None and epss_file is None:
        raise UsageError("give at least one OSV PATH, --kev FILE or --epss FILE")
    with AdvisoryStore.open(create=True) as store, store.batch():
        done = [store.import_osv(path) for path in paths]
        if kev_file is not None:
            done.append(store.import_kev(kev_file))
        if epss_file is not None:
            done.append(store.import_epss(epss_file))
    for snapshot in done:
        click.echo(f"imported {_line(snapshot)}")
    click.echo(f"store: {store.path}")


@advisories_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the snapshots as JSON.")
def status(as_json: bool) -> None:
    """List the imported snapshots: kind, source, records, date and age, content hash."""
    store = open_store()
    snapshots = [] if store is None else store.snapshots()
    if store is not None:
        store.close()
    if as_json:
        doc = {
            "store": str(store_path()),
            "snapshots": [s.model_dump(mode="json") for s in snapshots],
        }
        click.echo(jsonout.dumps_text(doc, indent=True, sort_keys=True), nl=False)
        sys.exit(ExitCode.PASS.value)
    if not snapshots:
        click.echo(
            f"no advisory data imported (store: {store_path()}; set {DATA_DIR_ENV} to "
            "use another directory)"
        )
        sys.exit(ExitCode.PASS.value)
    today = policy_today()
    click.echo(f"store: {store_path()}")
    for snapshot in snapshots:
        age = staleness.age_days(snapshot, today)
        old = f", {age} day(s) old" if age is not None else ""
        click.echo(f"{_line(snapshot)}{old}; imported {snapshot.imported_at}")
    sys.exit(ExitCode.PASS.value)


@advisories_group.command("audit")
@click.argument(
    "path",
    required=False,
    default=".",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
)
@click.option(
    "--file",
    "files",
    multiple=True,
    metavar="FILE",
    help="Audit only this pin file (relative to PATH; repeatable) [default: every "
    "requirements*.txt, poetry.lock, uv.lock and pyproject.toml found].",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the audit as JSON (secgate/osv-audit/v1, what the osv scanner reads).",
)
@click.option(
    "--db",
    "db",
    type=_FILE,
    default=None,
    help="The advisory store to read [default: the data directory's].",
)
def audit_command(path: Path, files: tuple[str, ...], as_json: bool, db: Path | None) -> None:
    """Audit the pinned Python requirements under PATH against the imported OSV data, with no
    network. Exit 0 when no pin is affected, 1 when one is, 3 when no OSV data is imported."""
    store = AdvisoryStore.open(db) if db is not None else open_store()
    if store is None or not store.has("osv"):
        click.echo(
            f"secgate: error: no OSV data imported ({store_path()}): run 'secgate "
            "advisories import PATH' first",
            err=True,
        )
        sys.exit(ExitCode.SCANNER_ERROR.value)
    with store:
        doc = auditing.audit(store, path.resolve(), list(files) or None)
    if as_json:
        click.echo(jsonout.dumps_text(doc, indent=True, sort_keys=True), nl=False)
    else:
        click.echo(auditing.render_text(doc), nl=False)
    affected = any(result["vulns"] for result in doc["results"])
    sys.exit(ExitCode.BLOCKED.value if affected else ExitCode.PASS.value)


def _line(snapshot: AdvisorySnapshot) -> str:
    kind = {"osv": "OSV", "kev": "KEV", "epss": "EPSS"}[snapshot.kind]
    return (
        f"{kind} {snapshot.source}: {snapshot.records} record(s), dated "
        f"{snapshot.date or 'unknown'}, sha256 {snapshot.sha256[:12]}"
    )
