"""The report options of ``secgate scan``, GitHub Actions behaviour, and ``secgate report --from``
rendering the same files again from a saved SARIF with no scanner run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.commands import run_secgate
from tests.support.paths import FIXTURES
from tests.support.sarif_validation import validate_sarif

BANDIT_SARIF = FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.sarif"
FILES = [
    "report.sarif",
    "report.json",
    "report.html",
    "report.md",
    "summary.md",
    "report.junit.xml",
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scan") / "out"
    done = run_secgate("scan", "--input", BANDIT_SARIF, "--output-dir", out, "-q")
    assert done.returncode == 1, done.stderr
    assert "::error" not in done.stdout  # not in Actions, not asked: no annotations
    return out


def test_output_dir_gets_every_report(scanned: Path) -> None:
    for name in FILES:
        assert (scanned / name).is_file(), name
    validate_sarif(scanned / "report.sarif")
    comment = (scanned / "report.md").read_text(encoding="utf-8")
    assert comment.startswith("## ") and "BLOCKED" in comment.splitlines()[0]
    ET.parse(scanned / "report.junit.xml")  # noqa: S314 - our own output
    assert "<!DOCTYPE html>" in (scanned / "report.html").read_text(encoding="utf-8")


def test_report_from_saved_sarif_renders_the_same_files(scanned: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    done = run_secgate("report", "--from", scanned / "report.sarif", "--output-dir", again)
    assert done.returncode == 1, done.stderr  # the saved verdict: blocked
    for name in FILES:
        assert (again / name).read_bytes() == (scanned / name).read_bytes(), name


def test_report_writes_single_files_and_standard_output(scanned: Path, tmp_path: Path) -> None:
    done = run_secgate(
        "report",
        "--from",
        scanned / "report.sarif",
        "--html",
        tmp_path / "r.html",
        "--junit",
        tmp_path / "r.xml",
        "--markdown",
        "-",
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[1] == "<!-- secgate-report -->"
    assert (tmp_path / "r.html").is_file() and (tmp_path / "r.xml").is_file()
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.sarif", "no such file"),
        (lambda d: _write(d / "bad.sarif", "{not json"), "malformed JSON"),
        (lambda d: BANDIT_SARIF, "not a SARIF file written by secgate"),
        (lambda d: _write(d / "list.sarif", "[1, 2]"), "not a SARIF log"),
    ],
)
def test_report_input_errors_exit_2_naming_the_file(
    tmp_path: Path, make: object, message: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    done = run_secgate("report", "--from", path, "--html", tmp_path / "x.html")
    assert done.returncode == 2
    assert message in done.stderr and str(path) in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.html").exists()


def test_report_without_any_output_is_a_usage_error(scanned: Path) -> None:
    done = run_secgate("report", "--from", scanned / "report.sarif")
    assert done.returncode == 2
    assert "at least one report" in done.stderr


def test_in_github_actions_summary_is_appended_and_annotations_printed(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("# earlier\n", encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    done = run_secgate("scan", "--input", BANDIT_SARIF, "-q", env=env)
    assert done.returncode == 1, done.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier\n## ") and "### Scanner runs" in text
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    warnings = [line for line in done.stdout.splitlines() if line.startswith("::warning ")]
    assert errors and len(errors) <= 10 and len(warnings) <= 10
    assert "file=" in errors[0] and ",line=" in errors[0]

    quiet = run_secgate("scan", "--input", BANDIT_SARIF, "-q", "--no-annotations", env=env)
    assert "::error" not in quiet.stdout


def test_annotations_move_to_stderr_when_a_report_uses_stdout(tmp_path: Path) -> None:
    done = run_secgate("scan", "--input", BANDIT_SARIF, "-q", "--annotations", "--json", "-")
    assert done.returncode == 1, done.stderr
    json.loads(done.stdout)
    assert "::error " in done.stderr


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_every_report_format_has_a_renderer_a_file_name_and_an_option() -> None:
    from secgate.reports import outputs

    assert set(outputs.RENDERERS) == set(outputs.DEFAULT_FILE_NAMES)
    scan_help = run_secgate("scan", "--help").stdout
    report_help = run_secgate("report", "--help").stdout
    for fmt in outputs.RENDERERS:
        assert f"--{fmt}" in scan_help, fmt
        assert f"--{fmt}" in report_help, fmt
    assert "--annotations / --no-annotations" in scan_help


def test_html_lists_a_real_policy_acceptance_with_its_expiry(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "version: 1\nfail_on: high\naccept:\n  - rule: B324\n"
        '    reason: "legacy <hash> | cache keys only"\n'
        "    expires: 2027-01-31\n    approved_by: security-team\n",
        encoding="utf-8",
    )
    page = tmp_path / "report.html"
    done = run_secgate(
        "scan",
        "--input",
        BANDIT_SARIF,
        "--policy",
        policy,
        "--html",
        page,
        "-q",
        env={"SECGATE_TODAY": "2026-11-27"},
    )
    assert done.returncode == 1, done.stderr
    text = page.read_text(encoding="utf-8")
    accepted = text.split('id="accepted"', 1)[1].split("</section>", 1)[0]
    assert accepted.count("<td>bandit: B324</td>") == 2
    assert "<td>2027-01-31</td>" in accepted
    assert "legacy &lt;hash&gt; | cache keys only" in accepted
