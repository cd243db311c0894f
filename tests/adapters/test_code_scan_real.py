"""The real Bandit and Semgrep, run by ``secgate scan`` against a copy of the example app, and
``secgate scan --input`` on their captured outputs (good and bad files)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from secgate.adapters import registry
from secgate.adapters.interface import Sample
from tests.support.commands import require_tool, run_secgate
from tests.support.example_app import example_password_literals
from tests.support.paths import EXAMPLE_APP, FIXTURES
from tests.support.sarif_validation import validate_sarif

PASSWORDS = example_password_literals()
PROJECT_RULES = """\
rules:
  - id: local.no-yaml-import
    message: this project reads no YAML
    severity: INFO
    languages: [python]
    pattern: import yaml
"""


@dataclass
class Scan:
    target: Path
    process: subprocess.CompletedProcess[str]
    report: dict[str, Any]
    sarif_path: Path
    json_path: Path


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """One real run of both scanners over the example app, given a project Bandit config that
    skips B101 and a project Semgrep rule with a dotted id."""
    require_tool("bandit")
    require_tool("semgrep")
    base = tmp_path_factory.mktemp("code-scan")
    target = base / "vulnerable-app"
    shutil.copytree(EXAMPLE_APP, target)
    (target / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B101"]\n', encoding="utf-8")
    (target / ".semgrep.yml").write_text(PROJECT_RULES, encoding="utf-8")
    git = [
        "git",
        "-c",
        "user.name=secgate-test",
        "-c",
        "user.email=test@example.invalid",
        "-c",
        "commit.gpgsign=false",
        "-C",
        str(target),
    ]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "example"], check=True)
    out = base / "out"
    process = run_secgate(
        "scan",
        target,
        "--scanner",
        "bandit",
        "--scanner",
        "semgrep",
        "--json",
        out / "report.json",
        "--sarif",
        out / "report.sarif",
        cwd=base,
        timeout=300,
    )
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return Scan(target, process, report, out / "report.sarif", out / "report.json")


def found(scan: Scan, tool: str) -> list[tuple[str, str, int]]:
    """What ``tool`` reported, including reports merged into another tool's finding."""
    return sorted(
        (s["rule_id"], f["location"]["path"], f["location"]["start_line"])
        for f in scan.report["findings"]
        for s in f["sources"]
        if s["tool"] == tool
    )


def reported_by(scan: Scan, rule_id: str) -> list[dict[str, Any]]:
    return [
        f for f in scan.report["findings"] if any(s["rule_id"] == rule_id for s in f["sources"])
    ]


def test_scan_blocks_with_exit_1(scan: Scan) -> None:
    assert scan.process.returncode == 1, scan.process.stderr
    assert "Traceback" not in scan.process.stderr
    assert scan.report["verdict"]["status"] == "block"


def test_both_scanners_ran_and_reported_their_versions(scan: Scan) -> None:
    runs = {r["tool"]: r for r in scan.report["runs"]}
    assert set(runs) == {"bandit", "semgrep"}
    assert runs["bandit"]["status"] == "ok" and runs["bandit"]["exit_code"] == 1
    assert runs["bandit"]["version"] == "1.9.4"
    assert runs["bandit"]["command"][1:5] == ["-r", ".", "-f", "json"]
    semgrep_version = subprocess.run(
        [require_tool("semgrep"), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert runs["semgrep"]["status"] == "ok" and runs["semgrep"]["exit_code"] == 0
    assert runs["semgrep"]["version"] == semgrep_version
    assert "--metrics" in runs["semgrep"]["command"]


def test_bandit_finds_shell_true_and_honours_the_project_config(scan: Scan) -> None:
    bandit = found(scan, "bandit")
    assert ("B602", "app/commands.py", 9) in bandit
    assert ("B602", "app/commands.py", 15) in bandit
    assert ("B105", "app/auth.py", 5) in bandit
    assert ("B506", "app/storage.py", 15) in bandit
    assert not [f for f in bandit if f[0] == "B101"]  # skipped by [tool.bandit] in pyproject
    assert len(bandit) == 18  # the 19 of the captured run, less the one B101


def test_semgrep_finds_shell_true_at_the_same_line_with_clean_rule_ids(scan: Scan) -> None:
    semgrep = found(scan, "semgrep")
    assert ("python-subprocess-shell-true", "app/commands.py", 9) in semgrep
    assert ("python-subprocess-shell-true", "app/commands.py", 15) in semgrep
    assert ("local.no-yaml-import", "app/storage.py", 5) in semgrep  # the project's own rule
    assert all("." not in rule or rule == "local.no-yaml-import" for rule, _, _ in semgrep)
    assert len(semgrep) == 17


def test_shell_true_findings_block(scan: Scan) -> None:
    shell = reported_by(scan, "B602") + reported_by(scan, "python-subprocess-shell-true")
    assert {f["location"]["start_line"] for f in shell} == {9, 15}
    for finding in shell:
        assert finding["location"]["path"] == "app/commands.py"
        assert finding["severity"] == "high"
        assert finding["decision"]["action"] == "block"
        assert finding["cwes"] == ["CWE-78"]


def test_no_hardcoded_password_literal_in_any_output(scan: Scan) -> None:
    outputs = [
        scan.process.stdout,
        scan.process.stderr,
        scan.sarif_path.read_text(encoding="utf-8"),
        scan.json_path.read_text(encoding="utf-8"),
    ]
    for raw in PASSWORDS:
        for text in outputs:
            assert raw not in text
    b105 = reported_by(scan, "B105")
    assert len(b105) == 4 and all(f["secret"]["hash"] for f in b105)


def test_sarif_is_valid_and_stays_secgate_sarif_on_ingest(scan: Scan) -> None:
    doc = validate_sarif(scan.sarif_path)
    assert {run["tool"]["driver"]["name"] for run in doc["runs"]} == {"bandit", "semgrep"}
    detected = registry.detect(Sample(scan.sarif_path.read_bytes()))
    assert detected is not None and detected.name == "sarif"


def test_captured_outputs_ingest_with_their_tools(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    process = run_secgate(
        "scan",
        "--input",
        FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.sarif",
        "--input",
        FIXTURES / "bandit" / "1.6.2" / "vulnerable-app.json",
        "--input",
        FIXTURES / "semgrep" / "1.185.0" / "vulnerable-app.json",
        "--input",
        f"semgrep={FIXTURES / 'semgrep' / '0.61.0' / 'vulnerable-app.sarif'}",
        "--json",
        out,
        "--quiet",
        cwd=tmp_path,
    )
    assert process.returncode == 1, process.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    runs = sorted((r["tool"], r["version"] or "", r["finding_count"]) for r in report["runs"])
    assert runs == [
        ("bandit", "", 19),
        ("bandit", "1.9.4", 19),
        ("semgrep", "0.61.0", 16),
        ("semgrep", "1.185.0", 16),
    ]
    assert all(raw not in out.read_text(encoding="utf-8") for raw in PASSWORDS)


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    bandit_json = (FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.json").read_bytes()
    semgrep_json = (FIXTURES / "semgrep" / "1.185.0" / "vulnerable-app.json").read_bytes()
    files = {
        "truncated-bandit.json": bandit_json[: len(bandit_json) // 2],
        "truncated-semgrep.json": semgrep_json[:-40],
        "empty.json": b"",
        "binary.json": bytes(range(256)) * 4,
        "semgrep-output.json": semgrep_json,
        "bandit-output.json": bandit_json,
    }
    for name, data in files.items():
        (tmp / name).write_bytes(data)
    return {
        "truncated-bandit": (["truncated-bandit.json"], "no adapter recognises this file"),
        "truncated-semgrep": (["semgrep=truncated-semgrep.json"], "semgrep output: malformed"),
        "empty": (["bandit=empty.json"], "empty"),
        "binary": (["binary.json"], "binary"),
        "semgrep-as-bandit": (
            ["bandit=semgrep-output.json"],
            "not bandit output: this is semgrep output",
        ),
        "bandit-as-semgrep": (
            ["semgrep=bandit-output.json"],
            "not semgrep output: this is bandit output",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "truncated-bandit",
        "truncated-semgrep",
        "empty",
        "binary",
        "semgrep-as-bandit",
        "bandit-as-semgrep",
    ],
)
def test_bad_input_files_exit_2_naming_the_file(tmp_path: Path, case: str) -> None:
    (spec,), why = _bad_inputs(tmp_path)[case]
    process = run_secgate("scan", "--input", spec, "--quiet", cwd=tmp_path)
    assert process.returncode == 2, process.stderr
    file_name = spec.split("=", 1)[-1]
    assert file_name in process.stderr
    assert why in process.stderr
    assert "Traceback" not in process.stderr
    assert len(process.stderr.strip().splitlines()) <= 2
