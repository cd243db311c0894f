"""The wheel: every sub-package, the shipped policies, templates, schemas and rules are inside,
and the installed package works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.support.paths import FIXTURES, ROOT
from tests.support.sarif_validation import validate_sarif


def test_every_package_directory_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "secgate").rglob("__init__.py")
    }
    assert found <= listed, f"missing from [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheels = list(out.glob("secgate-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_the_wheel_ships_policies_templates_schemas_and_rules(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "secgate/policies/default.yml",
        "secgate/policies/strict.yml",
        "secgate/policies/report-only.yml",
        "secgate/report_templates/report.html.j2",
        "secgate/schemas/sarif-2.1.0.json",
        "secgate/policy/schema.json",
        "secgate/schemas/notify-v1.json",
        "secgate/rules/python.yml",
        "secgate/sarif/writer.py",
        "secgate/py.typed",
    ):
        assert required in names, required


def test_installed_wheel_works_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}

    def secgate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "secgate", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import secgate; print(secgate.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site))
    assert secgate("--version").stdout.startswith("secgate ")
    sarif_in = FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.sarif"
    done = secgate(
        "scan", "--input", str(sarif_in), "--sarif", "out.sarif", "--output-dir", "reports", "-q"
    )
    assert done.returncode in (0, 1), done.stderr
    validate_sarif(elsewhere / "out.sarif")
    assert (elsewhere / "reports" / "report.html").stat().st_size > 0
    assert secgate("policy", "validate", str(ROOT / "policies" / "strict.yml")).returncode == 0
