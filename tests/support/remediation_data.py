"""What the remediation tests share: a store of real PyPA records (the advisory fixtures and the
remediation subset beside them; provenance in tests/fixtures/advisories/README.md), projects
written from text, and real environments holding real installed metadata."""

from __future__ import annotations

import json
import shutil
import sysconfig
import venv
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

from secgate.advisories.store import AdvisoryStore
from tests.support.advisory_data import PYPA
from tests.support.commands import run_secgate
from tests.support.paths import FIXTURES

REMEDIATION = PYPA.parent / "remediation" / "vulns"
TRIVY_PIP = FIXTURES / "trivy" / "hand-built" / "fs-vuln-pip.json"
TODAY = "2026-12-01"


def store_in(data_dir: Path) -> Path:
    """Import both record sets into a store in ``data_dir``; the directory."""
    with AdvisoryStore.open(data_dir / "advisories.sqlite3", create=True) as store:
        store.import_osv(PYPA)
        store.import_osv(REMEDIATION)
    return data_dir


def env_of(data_dir: Path) -> dict[str, str]:
    return {"SECGATE_DATA_DIR": str(data_dir), "SECGATE_TODAY": TODAY, "SECGATE_NO_CACHE": "1"}


def project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


def environment(root: Path, distributions: list[str], name: str = ".venv") -> Path:
    """A real virtual environment at ``root/name`` holding the installed metadata
    (``*.dist-info``) of ``distributions`` as this interpreter has them installed."""
    target = root / name
    venv.create(target, with_pip=False, symlinks=True)
    version = sysconfig.get_python_version()
    site = target / "lib" / f"python{version}" / "site-packages"
    for dist_name in distributions:
        found = distribution(dist_name)
        record = next(
            f
            for f in found.files or []
            if f.name == "RECORD" and f.parent.name.endswith(".dist-info")
        )
        info = Path(str(found.locate_file(record))).parent
        shutil.copytree(info, site / info.name)
    return site


def fix(target: Path, data_dir: Path, *args: str | Path) -> tuple[int, str, str]:
    done = run_secgate("fix", target, "-s", "osv", *args, env=env_of(data_dir))
    return done.returncode, done.stdout, done.stderr


def scan_json(target: Path, data_dir: Path, *args: str | Path) -> tuple[int, dict[str, Any]]:
    out = target.parent / f"{target.name}-report.json"
    done = run_secgate(
        "scan", target, "-s", "osv", "-q", "--json", out, *args, env=env_of(data_dir)
    )
    assert out.is_file(), done.stderr
    return done.returncode, json.loads(out.read_text(encoding="utf-8"))
