"""Every captured output under tests/fixtures, ingested: named (``--input TOOL=FILE``) and
detected (``--input FILE``) it gives the same findings, and their count is the tool's own count
(``expected.yml`` beside it) minus the reports secgate merged, as the JSON report's ``sources``
list them, and minus the entries it could not read (each named in the run's notes)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from secgate.adapters import registry
from secgate.adapters.interface import Sample
from secgate.errors import InputError
from secgate.gate import ScanRequest, execute
from secgate.reports.json_report import to_dict
from secgate.scanning.detection import is_empty_report
from secgate.scanning.ingest import InputSpec, ingest
from tests.support.paths import FIXTURES

TOOL_OF_DIRECTORY = {name: name for name in registry.ADAPTERS}


def _cases() -> list[tuple[str, Path, dict[str, Any]]]:
    cases = []
    for expected in sorted(FIXTURES.rglob("expected.yml")):
        tool = expected.relative_to(FIXTURES).parts[0]
        files = yaml.safe_load(expected.read_text(encoding="utf-8"))["files"]
        for name, info in sorted(files.items()):
            cases.append((tool, expected.parent / name, info))
    return cases


CASES = _cases()


def _report(spec: InputSpec) -> dict[str, Any]:
    result = execute(ScanRequest(inputs=[spec], use_cache=False, use_baseline=False))
    return to_dict(result)


def _findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in f.items() if k != "decision"} for f in report["findings"]]


def _reports_of(finding: dict[str, Any]) -> int:
    """How many of the tool's reports one finding of the JSON report stands for."""
    return sum(s.get("reports", 1) for s in finding.get("sources") or []) or 1


def test_every_tool_directory_names_an_adapter() -> None:
    assert {tool for tool, _, _ in CASES} <= set(TOOL_OF_DIRECTORY)
    assert len(CASES) > 130


@pytest.mark.parametrize(
    ("tool", "path", "info"), CASES, ids=[str(p.relative_to(FIXTURES)) for _, p, _ in CASES]
)
def test_forced_and_detected_give_the_tools_count(
    tool: str, path: Path, info: dict[str, Any], tmp_path: Path
) -> None:
    forced = _report(InputSpec(path, tool))
    try:
        detected = _report(InputSpec(path))
    except InputError as error:
        # an empty `[]`/`null` says no tool's name: refused unless the file's name says it
        assert info["findings"] == 0 and "--input TOOL=FILE" in error.message
        named = tmp_path / f"{tool}-{path.name}"
        shutil.copyfile(path, named)
        detected = _report(InputSpec(named))
    assert _findings(detected) == _findings(forced)
    assert [r["tool"] for r in detected["runs"]] == [r["tool"] for r in forced["runs"]]

    skipped = sum(o.parsed.skipped for o in ingest(InputSpec(path, tool)))
    tool_count = info.get("strings", info["findings"])
    reports = sum(_reports_of(f) for f in forced["findings"])
    merges = reports - len(forced["findings"])
    assert len(forced["findings"]) == tool_count - merges - skipped


NOT_REPORTS = {
    "detect-secrets/1.5.0/audit-stats.json": "audit --stats: per-plugin precision, no findings",
    "detect-secrets/1.5.0/audited-stats.json": "audit --stats: per-plugin precision, no findings",
    "pip-audit/2.10.1/osv-standin/records.json": "advisory records the stand-in server serves",
}
"""Files under the tool directories that are not a tool's findings report, and why."""


def test_every_captured_report_has_its_count() -> None:
    listed = {path for _, path, _ in CASES}
    unlisted = []
    for path in sorted(FIXTURES.rglob("*")):
        relative = path.relative_to(FIXTURES).as_posix()
        if path.suffix not in (".json", ".sarif", ".jsonl") or relative.split("/")[0] in (
            "advisories",
            "targets",
        ):
            continue
        if path.stat().st_size == 0:
            # an empty file is refused (a crashed run leaves one: trufflehog3's history scan)
            with pytest.raises(InputError, match="empty"):
                ingest(InputSpec(path, relative.split("/")[0]))
            continue
        if path not in listed and relative not in NOT_REPORTS:
            unlisted.append(relative)
    assert unlisted == []


@pytest.mark.parametrize(
    ("tool", "path", "info"), CASES, ids=[str(p.relative_to(FIXTURES)) for _, p, _ in CASES]
)
def test_detection_rules_are_mutually_exclusive(
    tool: str, path: Path, info: dict[str, Any]
) -> None:
    sample = Sample(path.read_bytes())
    claims = sorted(
        name
        for name, cls in registry.ADAPTERS.items()
        if name != registry.GENERIC and cls().detect(sample)
    )
    if is_empty_report(sample):
        assert claims == []  # no tool's: the file's name or --input TOOL=FILE decides
    else:
        assert claims == [tool]
