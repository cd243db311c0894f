"""SARIF for GitHub code scanning: a 30,000-finding input stays within GitHub's documented limits
and validates against the SARIF 2.1.0 schema."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from typing import Any

import pytest

from secgate.model import Location, ScanResult, Severity
from secgate.reports import sarif_report
from secgate.sarif.rebuild import result_from_sarif
from tests.support.report_samples import hostile_result, large_result, make_finding, make_result
from tests.support.sarif_validation import validate_sarif


@pytest.fixture(scope="module")
def big() -> tuple[sarif_report.FittedSarif, dict[str, Any], ScanResult]:
    """30,000 findings, 27,000 of them from one tool (over the 25,000 per run), with odd paths
    and columns, and rule texts longer than GitHub allows."""
    findings = [make_finding(i, tool="bandit" if i < 27_000 else None) for i in range(30_000)]
    findings[5].location = Location(
        path="/abs/src/app.py", start_line=3, start_column=0, end_column=0
    )
    findings[6].location = Location(path="./src/dot.py", start_line=4, start_column=5, end_column=2)
    findings[7].rule_id = "LONG-RULE"
    findings[7].rule_name = "n" * 400
    findings[7].rule_description = "d" * 5000
    findings[7].rule_help = "h" * 50_000
    findings[27_001].severity = Severity.CRITICAL
    result = make_result(findings)
    fitted = sarif_report.fit(result)
    return fitted, json.loads(fitted.text), result


def test_big_input_validates_against_the_sarif_schema(big: Any) -> None:
    _, doc, _ = big
    validate_sarif(doc)


def test_runs_are_at_most_20_with_unique_tools_and_categories(big: Any) -> None:
    _, doc, _ = big
    runs = doc["runs"]
    assert 1 <= len(runs) <= sarif_report.MAX_RUNS
    tools = [r["tool"]["driver"]["name"] for r in runs]
    ids = [r["automationDetails"]["id"] for r in runs]
    assert len(set(tools)) == len(tools)
    assert len(set(ids)) == len(ids)


def test_results_per_run_are_capped_keeping_the_most_severe_and_saying_so(big: Any) -> None:
    fitted, doc, result = big
    bandit = next(r for r in doc["runs"] if r["tool"]["driver"]["name"] == "bandit")
    assert len(bandit["results"]) == sarif_report.MAX_RESULTS_PER_RUN
    for run in doc["runs"]:
        assert len(run["results"]) <= sarif_report.MAX_RESULTS_PER_RUN
        assert len(run["tool"]["driver"]["rules"]) <= sarif_report.MAX_RULES_PER_RUN
    # the dropped ones are the least severe: every kept bandit result is at least as severe
    kept = Counter(r["properties"]["secgate"]["severity"] for r in bandit["results"])
    given = Counter(f.severity.value for f in result.findings if f.tool == "bandit")
    dropped = given["info"] - kept["info"]
    # only the least severe (info) findings were left out
    assert {s: n for s, n in kept.items() if s != "info"} == {
        s: n for s, n in given.items() if s != "info"
    }
    assert dropped == sum(given.values()) - sarif_report.MAX_RESULTS_PER_RUN > 0
    assert fitted.dropped == {"bandit": dropped}
    assert bandit["properties"]["secgate"]["dropped_results"] == dropped
    notes = doc["properties"]["secgate"]["notes"]
    assert any("bandit" in n and f"left out {dropped} ({dropped} info)" in n for n in notes)
    assert any(f"left out {dropped}" in n for n in fitted.notes)
    assert sum(len(r["results"]) for r in doc["runs"]) == len(result.findings) - dropped


def test_rules_texts_severity_tags_columns_and_uris_fit_github(big: Any) -> None:
    _, doc, _ = big
    for run in doc["runs"]:
        for rule in run["tool"]["driver"]["rules"]:
            assert len(rule["shortDescription"]["text"]) <= 1024
            assert len(rule["fullDescription"]["text"]) <= 1024
            assert len(rule["help"]["text"]) <= sarif_report.MAX_RULE_HELP
            props = rule["properties"]
            assert "security" in props["tags"]
            assert len(props["tags"]) <= sarif_report.MAX_TAGS_PER_RULE
            assert 0.0 < float(props["security-severity"]) <= 10.0
            assert len(rule.get("name", "")) <= 255
        for result in run["results"]:
            for loc in result.get("locations", []):
                physical = loc["physicalLocation"]
                uri = physical["artifactLocation"]["uri"]
                assert not uri.startswith(("/", "./", "file:")), uri
                assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
                region = physical["region"]
                assert region["startColumn"] >= 1 and region["endLine"] >= region["startLine"]
                assert region.get("endColumn", 1) >= 1
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for run in doc["runs"]
        for r in run["results"]
        for loc in r.get("locations", [])
    }
    assert "abs/src/app.py" in uris
    assert "src/dot.py" in uris


def test_gzip_size_is_within_githubs_upload_limit(big: Any) -> None:
    fitted, _, _ = big
    compressed = len(gzip.compress(fitted.text.encode("utf-8")))
    assert compressed < sarif_report.MAX_GZIP_BYTES
    # within the budget, the size kept is gzip's fastest level: an upper bound, not far above
    assert compressed <= fitted.gzip_size < 1.6 * compressed


def test_the_compressed_size_is_exact_past_the_budget() -> None:
    data = sarif_report.fit(large_result(300)).data
    exact = sarif_report.gzip_size(data)
    bound = sarif_report.gzip_size(data, level=1)
    assert bound >= exact >= len(gzip.compress(data))
    assert sarif_report.compressed_size_within(data, bound) == bound
    assert sarif_report.compressed_size_within(data, bound - 1) == exact


def test_over_the_gzip_budget_the_least_severe_results_go_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = large_result(1_000)
    full = sarif_report.fit(result)
    monkeypatch.setattr(sarif_report, "GZIP_BUDGET", full.gzip_size // 2)
    fitted = sarif_report.fit(result)
    assert fitted.gzip_size <= full.gzip_size // 2
    assert any("10 MB" in n for n in fitted.notes)
    doc = validate_sarif(json.loads(fitted.text))
    kept = sum(len(run["results"]) for run in doc["runs"])
    assert 0 < kept < 1_000


def test_more_than_20_tools_keeps_the_20_most_severe_runs() -> None:
    findings = []
    for i in range(25):
        finding = make_finding(
            i, tool="bandit", severity=Severity.CRITICAL if i < 3 else Severity.LOW
        )
        finding.tool = f"tool{i:02d}"
        findings.append(finding)
    fitted = sarif_report.fit(make_result(findings))
    doc = validate_sarif(json.loads(fitted.text))
    names = [r["tool"]["driver"]["name"] for r in doc["runs"]]
    assert len(names) == 20
    assert {"tool00", "tool01", "tool02"} <= set(names)
    assert any("at most 20 runs" in n for n in fitted.notes)


def test_same_result_gives_the_same_bytes_and_reads_back() -> None:
    result = hostile_result()
    first = sarif_report.fit(result).text
    assert first == sarif_report.fit(result).text
    back = result_from_sarif(json.loads(first))
    assert back.findings == result.findings
    assert back.verdict == result.verdict
    assert [r.tool for r in back.runs] == [r.tool for r in result.runs]


def test_hostile_strings_are_plain_json_text() -> None:
    doc = validate_sarif(json.loads(sarif_report.fit(hostile_result()).text))
    messages = [r["message"]["text"] for run in doc["runs"] for r in run["results"]]
    assert "<img src=x onerror=alert(1)>" in messages
    assert not any("\x00" in m or "\x1b" in m for m in messages)
