"""pip-licenses: its real JSON captures parse to SPDX-normalized license findings, and a real run
over an existing environment works through the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from secgate.adapters.interface import Sample
from secgate.adapters.pip_licenses import PipLicensesAdapter, environment_python
from secgate.adapters.registry import detect
from secgate.errors import InputError
from secgate.model import Category, Level, Severity
from tests.support.commands import require_tool, run_secgate
from tests.support.paths import FIXTURES, ROOT

CAPTURES = sorted((FIXTURES / "pip-licenses").glob("*/*.json"))

# What the example app's pins are licensed under, read from each capture.
CLASSIFIER_SPDX = {
    "django": "BSD-3-Clause",
    "flask": "BSD-3-Clause",
    "jinja2": "BSD-3-Clause",
    "pyyaml": "MIT",
    "cryptography": "Apache-2.0 AND BSD-3-Clause",
    "paramiko": "LGPL-2.0-or-later",
    "requests": "Apache-2.0",
    "urllib3": "MIT",
}
META_SPDX = {**CLASSIFIER_SPDX, "cryptography": "BSD-3-Clause OR Apache-2.0"}


def test_every_capture_is_detected_and_parsed() -> None:
    assert len(CAPTURES) >= 5
    for path in CAPTURES:
        data = path.read_bytes()
        adapter = detect(Sample(data))
        assert adapter is not None and adapter.name == "pip-licenses", path
        findings = PipLicensesAdapter().parse(data).findings
        assert len(findings) == 8, path
        for finding in findings:
            assert finding.category is Category.LICENSE
            assert finding.severity is Severity.INFO and finding.level is Level.NOTE
            assert finding.package is not None and finding.package.ecosystem == "pypi"
            assert (
                finding.package.purl == f"pkg:pypi/{finding.package.name}@{finding.package.version}"
            )
        spdx = {f.package.name: f.license.spdx for f in findings if f.package and f.license}
        expected = META_SPDX if path.name == "licenses-meta.json" else CLASSIFIER_SPDX
        assert spdx == expected, path


def test_raw_names_and_extra_columns_are_kept() -> None:
    findings = (
        PipLicensesAdapter()
        .parse((FIXTURES / "pip-licenses/5.5.5/licenses-all.json").read_bytes())
        .findings
    )
    paramiko = next(f for f in findings if f.package and f.package.name == "paramiko")
    assert paramiko.license is not None
    assert paramiko.license.raw == "GNU Library or Lesser General Public License (LGPL)"
    assert paramiko.properties["license_metadata"] == "LGPL"
    assert paramiko.properties["license_expression"] == "UNKNOWN"
    urls = (
        PipLicensesAdapter()
        .parse((FIXTURES / "pip-licenses/5.5.5/licenses-mixed-urls.json").read_bytes())
        .findings
    )
    django = next(f for f in urls if f.package and f.package.name == "django")
    assert django.properties == {"url": "https://www.djangoproject.com/"}


def test_unknown_license_stays_visible() -> None:
    data = json.dumps(
        [
            {"License": "UNKNOWN", "Name": "mystery", "Version": "1.0"},
            {"License": "Acme Corp EULA", "Name": "acme", "Version": "2"},
        ]
    ).encode()
    findings = PipLicensesAdapter().parse(data).findings
    assert [(f.license.raw, f.license.spdx) for f in findings if f.license] == [
        ("UNKNOWN", None),
        ("Acme Corp EULA", None),
    ]
    assert {f.rule_id for f in findings} == {"license-unknown"}
    assert "not a known SPDX license: 'Acme Corp EULA'" in findings[1].message


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ('{"License": "MIT"}', "expected a list"),
        ('[{"License": "MIT", "Version": "1"}]', "no 'Name'"),
        ('[{"Name": "x", "Version": "1"}]', "no 'License'"),
        ('[{"Name": "x", "Version": 1, "License": "MIT"}]', "not a string"),
        ('["x"]', "not an object"),
    ],
)
def test_malformed_input_is_an_input_error(content: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        PipLicensesAdapter().parse(content.encode())


def test_malformed_file_exits_2_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "licenses.json"
    bad.write_text('[{"License": "MIT", "Name": "x", "Version": "1"}, {"Name": ', "utf-8")
    done = run_secgate("scan", "--input", f"pip-licenses={bad}", "-q")
    assert done.returncode == 2, done.stderr
    assert str(bad) in done.stderr and "Traceback" not in done.stderr


def test_environment_python_choice(tmp_path: Path) -> None:
    assert environment_python(tmp_path, {}) is None
    reason = PipLicensesAdapter().missing_environment(tmp_path, {})
    assert reason is not None and "scanners.settings.pip-licenses.python" in reason
    venv_python = tmp_path / "venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text("", "utf-8")
    assert environment_python(tmp_path, {}) == venv_python
    assert environment_python(tmp_path, {"python": sys.executable}) == Path(sys.executable)
    assert environment_python(tmp_path, {"python": "nowhere/python"}) is None
    assert "is not an executable file" in (
        PipLicensesAdapter().missing_environment(tmp_path, {"python": "nowhere/python"}) or ""
    )


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real pip-licenses run, through the CLI, over secgate's own development environment
    (a real, already-installed venv: linked into a target as its ``.venv``)."""
    require_tool("pip-licenses")
    target = tmp_path_factory.mktemp("pl-target")
    (target / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    out = target.parent / "pl-report.json"
    done = run_secgate("scan", target, "--scanner", "pip-licenses", "--json", out, "-q")
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return report


def test_real_run_normalizes_known_packages(real_run: dict[str, Any]) -> None:
    (run,) = real_run["runs"]
    assert run["tool"] == "pip-licenses" and run["status"] == "ok"
    assert "--python" in run["command"]
    spdx = {f["package"]["name"]: f["license"]["spdx"] for f in real_run["findings"]}
    assert spdx["click"] == "BSD-3-Clause"
    assert spdx["requests"] == "Apache-2.0"
    assert spdx["pydantic"] == "MIT"
    assert spdx["certifi"] == "MPL-2.0"
    assert spdx["packaging"] == "Apache-2.0 OR BSD-2-Clause"
    assert all(f["category"] == "license" and f["severity"] == "info" for f in real_run["findings"])


def test_policy_setting_names_the_environment(tmp_path: Path) -> None:
    require_tool("pip-licenses")
    policy = tmp_path / "policy.yml"
    python = ROOT / ".venv" / "bin" / "python"
    policy.write_text(
        "version: 1\nscanners:\n  settings:\n    pip-licenses:\n"
        f"      python: {json.dumps(str(python))}\n",
        "utf-8",
    )
    target = tmp_path / "project"
    target.mkdir()
    out = tmp_path / "report.json"
    done = run_secgate(
        "scan", target, "--scanner", "pip-licenses", "--policy", policy, "--json", out, "-q"
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text("utf-8"))
    assert report["runs"][0]["command"][1:3] == ["--python", str(python)]
    assert any(f["package"]["name"] == "click" for f in report["findings"])


def test_no_environment_skips_with_a_reason(tmp_path: Path) -> None:
    require_tool("pip-licenses")
    target = tmp_path / "project"
    target.mkdir()
    out = tmp_path / "report.json"
    done = run_secgate("scan", target, "--scanner", "pip-licenses", "--json", out, "-q")
    assert done.returncode == 3, done.stderr  # a scanner asked for by name examined nothing
    (run,) = json.loads(out.read_text("utf-8"))["runs"]
    assert run["status"] == "skipped" and run["error"] is None  # nothing to examine: a note
    (note,) = run["notes"]
    assert "no Python environment to read" in note
    assert "scanners.settings.pip-licenses.python" in note


def test_wrong_python_setting_is_an_error(tmp_path: Path) -> None:
    require_tool("pip-licenses")
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "version: 1\nscanners:\n  required: installed\n  settings:\n"
        "    pip-licenses:\n      python: no/such/python\n",
        "utf-8",
    )
    out = tmp_path / "report.json"
    done = run_secgate(
        "scan", tmp_path, "--scanner", "pip-licenses", "--policy", policy, "--json", out, "-q"
    )
    assert done.returncode == 3, done.stderr
    (run,) = json.loads(out.read_text("utf-8"))["runs"]
    assert run["status"] == "skipped"
    assert run["error"] == (
        "scanners.settings.pip-licenses.python (no/such/python) is not an executable file"
    )
