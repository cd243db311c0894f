"""The PR comment, the job summary, the HTML page's markup, workflow annotations and JUnit XML:
hostile scanner strings stay inert text in each, and the size caps hold for 10,000 findings."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from secgate.model import Action, Decision, ScanResult, Severity
from secgate.reports import annotations, html, job_summary, junit, markdown_text, pr_comment
from tests.support.report_samples import (
    HOSTILE,
    XSS,
    hostile_result,
    large_result,
    make_finding,
    make_result,
)


@pytest.fixture(scope="module")
def ten_thousand() -> ScanResult:
    return large_result(10_000)


# -- Markdown escaping ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", HOSTILE)
def test_markdown_text_is_inert(raw: str) -> None:
    out = markdown_text.text(raw, 1000)
    assert "<" not in out and ">" not in out.replace("&gt;", "")
    assert "\n" not in out
    assert not re.search(r"(?<!\\)[|`*_\[\]]", out), out
    assert not re.search(r"@(?!\u200d)", out), out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out)


def test_markdown_escapes_keep_the_text_readable() -> None:
    assert markdown_text.text("a|b") == "a\\|b"
    assert markdown_text.text("@org/team") == "@\u200dorg/team"
    assert markdown_text.text("x < y & z") == "x &lt; y &amp; z"
    assert markdown_text.code("`rm -rf`") == "<code>\\`rm -rf\\`</code>"
    assert markdown_text.text("- not a list") == "\\- not a list"
    assert markdown_text.text("1. not a list") == "1\\. not a list"


# -- PR comment -------------------------------------------------------------------------------


def test_comment_starts_with_the_verdict_and_carries_the_marker() -> None:
    text = pr_comment.render(hostile_result())
    lines = text.splitlines()
    assert lines[0].startswith("## ") and "BLOCKED" in lines[0]
    assert lines[1] == pr_comment.COMMENT_MARKER == "<!-- secgate-report -->"
    assert text.count(pr_comment.COMMENT_MARKER) == 1


def test_comment_lists_blocking_first_and_the_rest_in_details() -> None:
    text = pr_comment.render(hostile_result())
    blocking_at = text.index("### Blocking findings")
    details_at = text.index("<details>")
    assert blocking_at < details_at < text.index("</details>")
    assert "accepted risk finding" in text[details_at:]
    assert "| **new** |" in text and "| **existing** |" in text


def test_comment_escapes_every_hostile_string() -> None:
    text = pr_comment.render(hostile_result())
    assert XSS not in text
    assert "<img" not in text and "<script" not in text and "<b>" not in text
    assert "@org" not in text and "@someone" not in text
    assert "[link](javascript" not in text
    assert "\x00" not in text and "\x1b" not in text
    # each finding row has exactly its 6 cells: no scanner "|" split one
    rows = [
        line
        for line in text.splitlines()
        if line.startswith("| ") and re.search(r" \| (block|warn|pass|ignore) \| ", line)
    ]
    assert len(rows) == len(HOSTILE) + 1
    for line in rows:
        cells = re.split(r"(?<!\\)\|", line)
        assert len(cells) == 8, line


def test_comment_is_capped_at_65000_characters_for_10000_findings(ten_thousand: ScanResult) -> None:
    text = pr_comment.render(ten_thousand)
    assert len(text) <= pr_comment.MAX_CHARS
    more = re.search(r"… and (\d+) more finding\(s\)", text)
    assert more is not None
    shown = sum(
        1
        for line in text.splitlines()
        if line.startswith("| ") and ("block |" in line or "warn |" in line or "pass |" in line)
    )
    assert shown + int(more.group(1)) == 10_000
    assert text.splitlines()[1] == pr_comment.COMMENT_MARKER
    assert text.rstrip().endswith("</sub>")


def test_short_comment_is_not_cut() -> None:
    text = pr_comment.render(make_result([make_finding(i) for i in range(12)]))
    assert "more finding(s)" not in text


# -- job summary ------------------------------------------------------------------------------


def test_summary_is_within_one_mebibyte_for_10000_findings(ten_thousand: ScanResult) -> None:
    text = job_summary.render(ten_thousand)
    assert len(text.encode("utf-8")) <= 1024 * 1024
    assert "… and" in text and "more finding(s)" in text
    assert text.startswith("## ")
    assert "### Scanner runs" in text


def test_summary_escapes_hostile_strings_and_lists_runs() -> None:
    text = job_summary.render(hostile_result())
    assert "<img" not in text and "<b>boom</b>" not in text
    assert "trufflehog" in text and "failed" in text
    assert "more finding(s)" not in text


def test_summary_is_appended_to_the_step_summary_file(tmp_path: Path) -> None:
    target = tmp_path / "step_summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    assert job_summary.append_to_step_summary(
        hostile_result(), {"GITHUB_STEP_SUMMARY": str(target)}
    )
    text = target.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## ")
    assert not job_summary.append_to_step_summary(hostile_result(), {})


# -- HTML markup ------------------------------------------------------------------------------


def test_html_is_self_contained_and_escapes_scanner_text() -> None:
    page = html.render(hostile_result())
    assert XSS not in page
    assert "<script>alert" not in page
    assert "<b>boom</b>" not in page and "&lt;b&gt;boom&lt;/b&gt;" in page
    # nothing to load: no external script, style, image, frame or font
    assert not re.search(r"<(script|img|iframe|link|object|embed)[^>]*\b(src|href)=", page)
    assert "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page and "default-src &#39;none&#39;" in page
    # the findings data cannot end its script element
    data = page.split('<script type="application/json" id="secgate-data">', 1)[1]
    data = data.split("</script>", 1)[0]
    assert "<" not in data
    rows = json.loads(data)["findings"]
    assert XSS in {row["m"] for row in rows}


def test_html_lists_accepted_risks_with_expiry_and_scanner_runs() -> None:
    page = html.render(hostile_result())
    accepted = page.split('id="accepted"', 1)[1].split("</section>", 1)[0]
    assert "accept:1" in accepted and "2027-01-31" in accepted
    runs = page.split('id="runs"', 1)[1].split("</section>", 1)[0]
    assert "trufflehog" in runs and "failed" in runs and "1.0.0" in runs and "1.2 s" in runs


def test_html_for_10000_findings_pages_its_rows(ten_thousand: ScanResult) -> None:
    page = html.render(ten_thousand)
    # the rows are rendered by the script a page at a time, not as 10,000 table rows
    assert page.count("<tr") < 100
    assert len(page) < 12_000_000


# -- annotations ------------------------------------------------------------------------------


def test_annotations_most_severe_first_within_the_per_step_caps(ten_thousand: ScanResult) -> None:
    lines = annotations.lines(ten_thousand)
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    notices = [line for line in lines if line.startswith("::notice ")]
    assert len(errors) == annotations.PER_KIND_CAP == 10
    assert len(warnings) == 10
    assert len(notices) == 1 and "more blocking or warning finding(s)" in notices[0]
    assert all("title=critical " in line for line in errors)
    assert len(lines) == 21


def test_annotation_values_cannot_break_the_command() -> None:
    lines = annotations.lines(hostile_result())
    assert all("\n" not in line and "\r" not in line for line in lines)
    for line in lines:
        props = line[2:].split("::", 1)[0]
        assert "::" not in props and "\n" not in props, line
    assert any("%250A" in line for line in lines)  # a literal %0A stays literal
    assert annotations.escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert annotations.escape_data("x\ny\r%") == "x%0Ay%0D%25"


def test_annotation_for_a_located_finding_names_file_and_line() -> None:
    finding = make_finding(0, tool="bandit", severity=Severity.HIGH)
    line = annotations.command("error", finding)
    assert line.startswith("::error file=src/module_0.py,line=1,endLine=1,col=1,endColumn=20,")
    assert "title=high bandit%3A BANDIT-R0::finding number 0 from bandit" in line


# -- JUnit ------------------------------------------------------------------------------------


def test_junit_is_valid_xml_with_one_case_per_blocking_or_warning_finding() -> None:
    result = large_result(500)
    root = ET.fromstring(junit.render(result))  # noqa: S314 - our own output
    cases = root.findall(".//testcase")
    blocking = sum(1 for f in result.findings if f.decision and f.decision.action is Action.BLOCK)
    warning = sum(1 for f in result.findings if f.decision and f.decision.action is Action.WARN)
    assert len(root.findall(".//failure")) == blocking
    assert len(root.findall(".//skipped")) == warning
    assert len(root.findall(".//error")) == 1  # the failed trufflehog run
    assert len(cases) == blocking + warning + 1
    assert root.get("tests") == str(len(cases))
    assert root.get("failures") == str(blocking)


def test_junit_holds_hostile_strings_as_text() -> None:
    result = hostile_result()
    result.findings[0].decision = Decision(
        action=Action.WARN, decided_by="rule:x]]>", reason="]]> <![CDATA[ \x01 \x1b"
    )
    text = junit.render(result)
    # it parses: control characters are gone, markup is escaped
    root = ET.fromstring(text)  # noqa: S314 - our own output
    messages = " ".join(
        (el.get("message") or "") + (el.text or "")
        for el in root.iter()
        if el.tag in {"failure", "skipped", "error"}
    )
    assert XSS in messages
    assert "<img" not in text
    assert "\x00" not in text and "\x1b" not in text and "\x01" not in text


# -- every format -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(["sarif", "json", "html", "markdown", "summary", "junit"]))
def test_every_format_renders_empty_and_hostile_results_deterministically(fmt: str) -> None:
    from secgate.reports import outputs

    render = outputs.RENDERERS[fmt]
    assert render(make_result([]))
    first = render(hostile_result())
    assert first == render(hostile_result())
    assert "\x00" not in first and "\x1b" not in first


def test_comment_and_summary_count_accepted_risks() -> None:
    result = hostile_result()
    for text in (pr_comment.render(result), job_summary.render(result)):
        assert "1 covered by accepted risks" in text
