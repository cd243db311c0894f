"""Section 4 of ``bench/run.py``: importing the whole PyPA advisory database and auditing 200
pins against it.

The database is not part of this repository: give its ``vulns/`` directory with ``--pypa DIR``
(or ``SECGATE_BENCH_PYPA=DIR``); get it with
``git clone --depth 1 https://github.com/pypa/advisory-database`` (``advisory-database/vulns``),
or the archive https://github.com/pypa/advisory-database/archive/refs/heads/main.zip. Without it
the section says so and is skipped.

Figures, each one process measured by ``run.measure``:

- the floor: reading every record with PyYAML's libyaml loader in one process (what no import
  can skip), against ``secgate advisories import DIR`` into an empty store, and an import of the
  same source again (it replaces the snapshot); the store's size against the records' size;
- 200 pins (``requirements.txt``, packages spread over the database's names, half of them at a
  version a record lists as affected, half at a version no record names): the ``osv``
  scanner's own process (``secgate advisories audit --json``), a whole ``secgate scan -s osv``
  (start-up, cache off, policy, JSON report), and pip-audit through the same data served on
  loopback (``secgate scan -s pip-audit``), when pip-audit is installed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

PIN_COUNT = 200
ENV = "SECGATE_BENCH_PYPA"

_FLOOR = """
import pathlib, sys, yaml
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
count = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    count += 1
print(count)
"""


def source(given: Path | None) -> Path | None:
    """The database's ``vulns/`` directory from ``--pypa`` or ``$SECGATE_BENCH_PYPA``."""
    path = given or (Path(os.environ[ENV]) if os.environ.get(ENV) else None)
    if path is not None and (path / "vulns").is_dir():
        path = path / "vulns"
    return path if path is not None and path.is_dir() else None


def make_pins(store_file: Path) -> tuple[str, int]:
    """``requirements.txt`` text of ``PIN_COUNT`` pins, and how many of them pin a version a
    record lists as affected."""
    from secgate.advisories.store import AdvisoryStore

    lines = []
    affected = 0
    with AdvisoryStore.open(store_file) as store:
        names = store.packages("PyPI")
        step = max(1, len(names) // PIN_COUNT)
        for index, name in enumerate(names[::step][:PIN_COUNT]):
            listed = [
                v
                for a in store.advisories_for("PyPI", name)
                if not a.withdrawn
                for entry in a.packages("PyPI", name)
                for v in entry.versions
            ]
            if index % 2 == 0 and listed:
                lines.append(f"{name}=={listed[len(listed) // 2]}")
                affected += 1
            else:
                lines.append(f"{name}==9999.0")
    return "\n".join(lines) + "\n", affected


def run(
    pypa: Path | None,
    work: Path,
    measure: Callable[..., Any],
    secgate: Callable[..., list[str]],
    scanner_env: Callable[..., dict[str, str]],
    python: str,
) -> None:
    print("== 4. Advisory data: import the whole PyPA advisory database, audit 200 pins")
    found = source(pypa)
    if found is None:
        print(
            f"   skipped: no PyPA advisory database (give --pypa DIR or ${ENV}=DIR; get it "
            "with: git clone --depth 1 https://github.com/pypa/advisory-database)"
        )
        return
    files = sorted(found.rglob("*.yaml"))
    size = sum(p.stat().st_size for p in files)
    print(f"   source: {found} ({len(files):,} records, {size / 2**20:.1f} MiB of YAML)")
    data = work / "advisory-data"
    shutil.rmtree(data, ignore_errors=True)
    env = scanner_env(SECGATE_DATA_DIR=str(data), SECGATE_NO_CACHE="1")
    floor = measure([python, "-c", _FLOOR, str(found)])
    first = measure(secgate("advisories", "import", found), env=env)
    store_file = data / "advisories.sqlite3"
    store_size = store_file.stat().st_size
    again = measure(secgate("advisories", "import", found), env=env)
    print(
        f"   floor: read every record with libyaml   {floor.wall:6.2f} s  {floor.peak_mb:5.0f} MiB"
    )
    print(
        f"   secgate advisories import (empty store)  {first.wall:6.2f} s  "
        f"{first.peak_mb:5.0f} MiB  {first.wall / floor.wall:.2f}x the floor; "
        f"{first.wall / len(files) * 1e3:.2f} ms per record"
    )
    print(
        f"   import again (replaces the snapshot)     {again.wall:6.2f} s  "
        f"{again.peak_mb:5.0f} MiB  {again.wall / floor.wall:.2f}x the floor"
    )
    print(f"   store: {store_size / 2**20:.1f} MiB = {store_size / size:.2f}x the YAML")
    project = work / "pins-200"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir()
    text, affected = make_pins(store_file)
    (project / "requirements.txt").write_text(text, encoding="utf-8")
    audit = measure(
        secgate("advisories", "audit", project, "--json", "--db", store_file), env=env, ok=(0, 1)
    )
    report = work / "pins-200.json"
    scan = measure(
        secgate("scan", project, "-s", "osv", "-q", "--json", report), env=env, ok=(0, 1, 3)
    )
    findings = _finding_count(report)
    print(f"   {PIN_COUNT} pins ({affected} at a listed affected version): {findings} finding(s)")
    print(
        f"   osv audit (the scanner's process)        {audit.wall:6.2f} s  "
        f"{audit.peak_mb:5.0f} MiB  {audit.wall / PIN_COUNT * 1e3:.1f} ms per pin"
    )
    print(
        f"   secgate scan -s osv (JSON report)        {scan.wall:6.2f} s  "
        f"{scan.peak_mb:5.0f} MiB  {scan.wall / audit.wall:.2f}x the audit"
    )
    if shutil.which("pip-audit", path=env.get("PATH")) is None:
        print("   pip-audit through the served data: skipped (pip-audit not installed)")
        return
    served = measure(
        secgate("scan", project, "-s", "pip-audit", "-q", "--json", report), env=env, ok=(0, 1, 3)
    )
    print(
        f"   secgate scan -s pip-audit (served data)  {served.wall:6.2f} s  "
        f"{served.peak_mb:5.0f} MiB  {served.wall / scan.wall:.2f}x the osv scan; "
        f"{_finding_count(report)} finding(s)"
    )


def _finding_count(report: Path) -> int:
    import json

    try:
        return len(json.loads(report.read_text(encoding="utf-8"))["findings"])
    except (OSError, ValueError, KeyError):
        return -1
