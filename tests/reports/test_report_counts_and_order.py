"""What the reports share, checked against plain definitions: the one-pass counts and the order
of ``presentation.Overview`` equal counting and sorting every finding; the HTML page embeds every
finding's row, in report order, safely inside its script element; JUnit XML is laid out as
ElementTree writes it; the printable-text shortcut of ``presentation.clean`` never skips a
character it must replace."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET  # parses only the tests' own output
from collections import Counter
from typing import Any

import pytest

from secgate.model import (
    Action,
    Decision,
    EpssStatus,
    Finding,
    KevStatus,
    Location,
    ScanResult,
    Severity,
    Source,
    Suppression,
    SuppressionKind,
)
from secgate.reports import annotations, html, junit, presentation
from tests.support.report_samples import hostile_result, large_result, make_finding, make_result

_PAGE_DATA = '<script type="application/json" id="secgate-data">'


def _odd_result() -> ScanResult:
    """Findings that take every branch: no decision, no baseline state, no location, several
    sources, a suppression, an accepted risk, a tiny score, control characters everywhere."""
    findings = [make_finding(i) for i in range(60)]
    findings[1].baseline = None
    findings[2].location = None
    findings[3].sources = [
        Source(tool="bandit", rule_id="B1\x07"),
        Source(tool="semgrep", rule_id="py.x"),
        Source(tool="bandit", rule_id="B2"),
    ]
    findings[4].sources = []
    findings[5].suppression = Suppression(kind=SuppressionKind.INLINE, justification="ok\x1b")
    findings[6].decision = Decision(
        action=Action.IGNORE, decided_by="accept:3", reason="accepted (expires 2027-02-28)"
    )
    findings[7].decision = Decision(action=Action.IGNORE, decided_by="suppression", reason="nosec")
    findings[8].score = 0.00005
    findings[18].score = 0.0
    findings[19].score = -0.0  # (allowed: -0.0 >= 0) written as the json module writes it
    findings[9].message = "tab\there\nnewline \u202e bidi \x00 nul " + "long " * 1000
    findings[10].rule_id = "rule\x01id"
    findings[11].rule_description = None
    findings[11].rule_name = None
    findings[12].help_uri = "javascript:alert(1)"
    findings[13].fingerprint = None
    findings[14].cwes = ["CWE-79", "CWE-79", "CWE-20"]
    findings[15].location = Location(path="a.py")
    findings[16].message = "emoji \U0001f600 and \u2028 line separator & <b>"
    findings[17].tool = "trivy"
    findings[23].kev = KevStatus(
        listed=True,
        cve="CVE-2022-33891",
        date_added="2023-03-07",
        due_date="2023-03-28",
        ransomware=True,
    )
    findings[23].epss = EpssStatus(
        score=0.938, percentile=0.998, cve="CVE-2022-33891", date="2025-08-25"
    )
    findings[24].kev = KevStatus(listed=False)
    findings[25].epss = EpssStatus(score=0.0031, percentile=0.54, cve="CVE-2022-42969")
    for i in (20, 21, 22):  # exact ties in every field the order looks at
        findings[i] = make_finding(20)
    result = make_result(findings)
    result.findings[30].decision = None
    random.Random(7).shuffle(result.findings)  # the order must not depend on the input's
    return result


SAMPLES = [hostile_result, lambda: large_result(700), _odd_result, lambda: make_result([])]


@pytest.mark.parametrize("sample", SAMPLES)
def test_html_rows_are_every_finding_in_report_order(sample: Any) -> None:
    result = sample()
    page = html.render(result)
    embedded = page.split(_PAGE_DATA, 1)[1].split("</script>", 1)[0]
    rows = json.loads(embedded)["findings"]
    ordered = presentation.report_order(result)
    assert [(row["rule"], row.get("fp"), row["sc"]) for row in rows] == [
        (presentation.clean(f.rule_id), f.fingerprint or None, f.score) for f in ordered
    ]
    assert "<" not in embedded and ">" not in embedded and "&" not in embedded
    assert "\u2028" not in embedded and "\u2029" not in embedded


@pytest.mark.parametrize("sample", SAMPLES)
def test_overview_counts_equal_counting_every_finding(sample: Any) -> None:
    result = sample()
    findings = result.findings
    overview = presentation.Overview(findings)
    severities = Counter(f.severity.value for f in findings)
    assert overview.counts("severity") == {
        s.value: severities[s.value] for s in Severity if severities[s.value]
    }
    assert overview.counts("category") == dict(
        sorted(Counter(f.category.value for f in findings).items())
    )
    assert overview.counts("tool") == dict(
        sorted(Counter(t for f in findings for t in f.source_tools).items())
    )
    actions = Counter(presentation.action_of(f) for f in findings)
    assert overview.counts("action") == {
        a: actions[a] for a in presentation.DECISION_ORDER if actions[a]
    }
    assert (
        overview.new,
        overview.existing,
        overview.unknown_baseline,
    ) == presentation.new_existing(findings)
    assert overview.accepted == sum(1 for f in findings if presentation.is_accepted(f))
    assert overview.suppressed == sum(
        1 for f in findings if f.decision is not None and f.decision.decided_by == "suppression"
    )
    for state in ("new", "existing"):
        counts = Counter(f.severity.value for f in findings if f.baseline == state)
        assert overview.severity_counts(state) == {
            s.value: counts[s.value] for s in Severity if counts[s.value]
        }


@pytest.mark.parametrize("sample", SAMPLES)
def test_overview_order_is_report_order(sample: Any) -> None:
    result = sample()
    ordered = presentation.report_order(result)
    overview = presentation.Overview(result.findings)
    assert overview.order == ordered
    by_old_key = sorted(
        result.findings,
        key=lambda f: (presentation.DECISION_ORDER.index(presentation.action_of(f)), f.sort_key()),
    )
    assert ordered == by_old_key


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_tools_findings_are_in_sort_key_order_input_order_among_equals(sample: Any) -> None:
    result = sample()
    result.findings += [f.model_copy() for f in result.findings[::5]]  # ties keep input order
    overview = presentation.Overview(result.findings)
    expected: dict[str, list[Finding]] = {}
    for finding in sorted(result.findings, key=Finding.sort_key):
        expected.setdefault(finding.tool, []).append(finding)
    assert {t: [id(f) for f in fs] for t, fs in overview.by_tool.items()} == {
        t: [id(f) for f in fs] for t, fs in expected.items()
    }
    by_decision = sorted(
        sorted(result.findings, key=Finding.sort_key),
        key=lambda f: presentation.DECISION_ORDER.index(presentation.action_of(f)),
    )
    assert [id(f) for f in overview.order] == [id(f) for f in by_decision]


def test_annotations_are_the_first_of_each_kind_in_sort_key_order() -> None:
    result = large_result(700)
    random.Random(3).shuffle(result.findings)
    for finding in result.findings[::7]:  # exact ties between kinds keep the input order
        finding.fingerprint = "same"
    kinds = {Action.BLOCK: "error", Action.WARN: "warning"}
    emitted = {"error": 0, "warning": 0}
    expected = []
    candidates = [
        f
        for f in sorted(result.findings, key=Finding.sort_key)
        if f.decision is not None and f.decision.action in kinds
    ]
    for finding in candidates:
        assert finding.decision is not None
        kind = kinds[finding.decision.action]
        if emitted[kind] < annotations.PER_KIND_CAP:
            emitted[kind] += 1
            expected.append(annotations.command(kind, finding))
    assert annotations.lines(result)[:-1] == expected
    assert f"{len(candidates) - len(expected)} more" in annotations.lines(result)[-1]


@pytest.mark.parametrize("sample", SAMPLES)
def test_junit_is_laid_out_and_escaped_as_elementtree_writes_it(sample: Any) -> None:
    result = sample()
    result.runs[-1].error = 'crash: <b>"x"</b> &\r\n\ttab ]]>'
    text = junit.render(result)
    header, body = text.split("\n", 1)
    assert header == '<?xml version="1.0" encoding="UTF-8"?>'
    tree = ET.fromstring(body)  # noqa: S314 - our own output, parsed back
    ET.indent(tree)
    assert ET.tostring(tree, encoding="unicode") + "\n" == body


def test_clean_shortcut_never_skips_a_character_it_must_replace() -> None:
    for code in range(0x110000):
        char = chr(code)
        if presentation.printable_lines(f"a\n{char}\tb"):
            assert presentation.clean(char) == char
            assert not presentation._CONTROL_RE.match(char), hex(code)
            assert not junit._XML_INVALID.match(char), hex(code)
            assert junit.xml_text(f"a\n{char}\tb") == f"a\n{char}\tb"


def test_junit_shortcuts_never_skip_a_character_they_must_change() -> None:
    """Text and attribute values without a character to change are written as they are: the
    check that finds none agrees, for every code point, with cleaning and escaping them."""
    for code in range(0x110000):
        text = f"a {chr(code)}\tb\n"  # tabs and newlines are kept in text
        assert junit.text(text) == junit.escape_text(junit.xml_text(text)), hex(code)
        value = f"a {chr(code)} b"
        assert junit._attribute(value) == junit.attribute(junit.xml_text(value)), hex(code)


def test_html_page_holds_the_data_once() -> None:
    page = html.render(_odd_result())
    assert page.count(_PAGE_DATA) == 1
    assert "\x00" not in page
    assert page.rstrip().endswith("</html>")
    data = page.split(_PAGE_DATA, 1)[1].split("</script>", 1)[0]
    rows = json.loads(data)["findings"]
    assert len(rows) == 60 and "<" not in data and "\u2028" not in data
