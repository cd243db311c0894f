"""``--input FILE`` reads every format ``--input TOOL=FILE`` reads; a SARIF log a tool-specific
reader refuses falls back to the generic SARIF reader; a file forced as another tool's output
says whose it is; an empty report says how to name its tool."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from secgate.errors import InputError
from secgate.scanning.ingest import InputSpec, ingest
from tests.support.commands import run_secgate
from tests.support.example_app import AWS_ID
from tests.support.paths import FIXTURES

GITLEAKS_7 = FIXTURES / "gitleaks" / "7.6.1"
PIP_AUDIT = FIXTURES / "pip-audit" / "2.10.1" / "osv-pypa-records"


def _tools(spec: InputSpec) -> list[tuple[str, int]]:
    return [(o.run.tool, len(o.parsed.findings)) for o in ingest(spec)]


@pytest.mark.parametrize(
    ("path", "tool", "count"),
    [
        (GITLEAKS_7 / "git.json", "gitleaks", 4),  # v7 keys: offender, commitMessage, rule
        (GITLEAKS_7 / "no-git.json", "gitleaks", 3),
        (GITLEAKS_7 / "git.sarif", "gitleaks", 4),
        (PIP_AUDIT / "vulns.json", "pip-audit", 52),  # {"dependencies": [...]} without fixes
        (PIP_AUDIT / "fix.json", "pip-audit", 52),  # ... and with "fixes"
        (FIXTURES / "semgrep" / "1.185.0" / "supply-chain-sca-app.json", "semgrep", 3),
        (FIXTURES / "trufflehog3" / "2.0.7" / "all.json", "trufflehog3", 24),
        (FIXTURES / "detect-secrets" / "1.5.0" / "audited.json", "detect-secrets", 9),
    ],
)
def test_detected_as_the_forced_mode_reads_it(path: Path, tool: str, count: int) -> None:
    assert _tools(InputSpec(path)) == _tools(InputSpec(path, tool)) == [(tool, count)]


def _sarif_with_rule_indexes(tmp_path: Path) -> Path:
    """Gitleaks 7.6.1's SARIF with each result naming its rule by index (valid SARIF 2.1.0,
    which Gitleaks' own reading does not accept: it needs ``ruleId``)."""
    doc = json.loads((GITLEAKS_7 / "git.sarif").read_text(encoding="utf-8"))
    rules = [rule["id"] for rule in doc["runs"][0]["tool"]["driver"]["rules"]]
    for result in doc["runs"][0]["results"]:
        result["ruleIndex"] = rules.index(result.pop("ruleId"))
    path = tmp_path / "leaks.sarif"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("forced", [None, "gitleaks"])
def test_sarif_refused_by_its_tool_falls_back_to_generic(
    tmp_path: Path, forced: str | None
) -> None:
    path = _sarif_with_rule_indexes(tmp_path)
    (outcome,) = ingest(InputSpec(path, forced))
    assert outcome.run.tool == "gitleaks" and len(outcome.parsed.findings) == 4
    assert outcome.run.notes[0].startswith("read as generic SARIF: not readable as gitleaks's")
    # a secret scanner's snippets are its secrets: hashed, masked, never kept as text
    assert all(
        f.category.value == "secret"
        and f.secret is not None
        and (f.location is None or f.location.snippet is None)
        for f in outcome.parsed.findings
    )
    assert any(AWS_ID in value for value in outcome.parsed.secret_values)  # to scrub with
    dumped = json.dumps([f.model_dump(mode="json") for f in outcome.parsed.findings])
    assert AWS_ID not in dumped


def test_sarif_fallback_keeps_secrets_out_of_reports(tmp_path: Path) -> None:
    path = _sarif_with_rule_indexes(tmp_path)
    out = tmp_path / "out"
    done = run_secgate("scan", "--input", path, "--output-dir", out, cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # secrets block
    text = "".join(p.read_text(encoding="utf-8") for p in out.iterdir()) + done.stdout
    assert AWS_ID not in text


def test_another_tools_file_forced_says_whose_it_is() -> None:
    with pytest.raises(
        InputError,
        match=r"not trufflehog output: this is gitleaks output "
        r"\(use --input gitleaks=FILE\)",
    ):
        ingest(InputSpec(GITLEAKS_7 / "git.json", "trufflehog"))
    with pytest.raises(InputError, match="not bandit output: this is semgrep output"):
        ingest(InputSpec(FIXTURES / "semgrep" / "1.130.0" / "identity-app.json", "bandit"))


@pytest.mark.parametrize(
    "source",
    [
        FIXTURES / "gitleaks" / "8.30.1" / "empty.json",
        GITLEAKS_7 / "empty-null.json",
        FIXTURES / "trufflehog3" / "3.0.10" / "clean.json",
    ],
)
def test_empty_report_is_named_by_its_file_or_refused(tmp_path: Path, source: Path) -> None:
    tool = source.relative_to(FIXTURES).parts[0]
    bare = tmp_path / "report.json"
    shutil.copyfile(source, bare)
    with pytest.raises(
        InputError,
        match=r"does not say which tool wrote it; name the tool "
        r"with --input TOOL=FILE",
    ):
        ingest(InputSpec(bare))
    named = tmp_path / f"{tool}-report.json"
    shutil.copyfile(source, named)
    assert _tools(InputSpec(named)) == [(tool, 0)]
    assert _tools(InputSpec(bare, tool)) == [(tool, 0)]


def test_empty_report_named_for_two_tools_is_refused(tmp_path: Path) -> None:
    both = tmp_path / "gitleaks-and-trivy.json"
    both.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError, match="does not say which tool"):
        ingest(InputSpec(both))
