"""JUnit XML for CI systems that show test results (GitLab, Jenkins, Azure Pipelines...).

One ``<testsuite>`` per tool and one ``<testcase>`` per finding that blocks or warns:
a blocking finding is a ``<failure>``; a warning finding is ``<skipped>`` with the message
"warning: …", because CI systems show skipped cases without failing the build, which is what a
warning means. A scanner run that failed is a test case with an ``<error>`` in the ``secgate``
suite. Passed and ignored findings are not test cases (the JSON report has them).

Text is stripped of the characters XML 1.0 cannot hold (control characters) and escaped by the
XML serializer, so a scanner's ``]]>`` or ``<`` stays text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # writes XML only; never parses untrusted input
from collections import defaultdict

from secgate.model import Action, Finding, RunStatus, ScanResult
from secgate.reports import common

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str | None) -> str:
    """``value`` with only the characters XML 1.0 allows (and no bidi overrides)."""
    if value and value.isprintable():  # none of what either pattern replaces is printable
        return value
    return _XML_INVALID.sub("\ufffd", common.clean(value))


def render(result: ScanResult) -> str:
    suites = ET.Element("testsuites", name="secgate")
    by_tool: dict[str, list[Finding]] = defaultdict(list)
    for finding in sorted((f for f in result.findings if f.decision is not None
                           and f.decision.action in (Action.BLOCK, Action.WARN)),
                          key=Finding.sort_key):
        by_tool[finding.tool].append(finding)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    problem_runs = [r for r in result.runs if r.status is not RunStatus.OK or r.incomplete]
    if problem_runs:
        suite = _suite(suites, "secgate", totals)
        for run in problem_runs:
            case = ET.SubElement(suite, "testcase", classname="secgate.scanners",
                                 name=xml_text(f"{run.tool} ran"))
            detail = run.error or "; ".join(run.notes) or run.status.value
            error = ET.SubElement(case, "error", type=run.status.value,
                                  message=xml_text(common.one_line(detail, 500)))
            error.text = xml_text(detail)
            _count(suite, totals, "errors")
    for tool in sorted(by_tool):
        suite = _suite(suites, tool, totals)
        for finding in by_tool[tool]:
            _case(suite, finding, totals)
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _suite(parent: ET.Element, name: str, totals: dict[str, int]) -> ET.Element:
    suite = ET.SubElement(parent, "testsuite", name=xml_text(name))
    for key in totals:
        suite.set(key, "0")
    return suite


def _count(suite: ET.Element, totals: dict[str, int], key: str) -> None:
    for name in ("tests", key):
        suite.set(name, str(int(suite.get(name, "0")) + 1))
        totals[name] += 1


def _case(suite: ET.Element, finding: Finding, totals: dict[str, int]) -> None:
    assert finding.decision is not None  # noqa: S101 - filtered by the caller
    where = common.location_text(finding)
    case = ET.SubElement(
        suite, "testcase",
        classname=xml_text(f"{finding.tool}.{finding.category.value}"),
        name=xml_text(common.one_line(f"{finding.rule_id} {where}", 300)),
    )
    if finding.location is not None:
        case.set("file", xml_text(finding.location.path))
        if finding.location.start_line:
            case.set("line", str(finding.location.start_line))
    severity: str = finding.severity._value_  # ``.value`` is a slow property
    message = common.one_line(f"{severity}: {finding.message}", 500)
    ids = common.finding_ids(finding)
    body = "\n".join(part for part in (
        f"{severity} {finding.category._value_} finding by "
        f"{', '.join(finding.source_tools)}",
        f"rule: {finding.rule_id}",
        f"location: {where}",
        f"ids: {', '.join(ids)}" if ids else "",
        f"fixed in: {finding.lowest_fixed_version}" if finding.fixable else "",
        f"decision: {finding.decision.action.value} — {finding.decision.reason} "
        f"[{finding.decision.decided_by}]",
        "",
        finding.message,
    ) if part or part == "")
    if finding.decision.action is Action.BLOCK:
        failure = ET.SubElement(case, "failure", type=severity,
                                message=xml_text(message))
        failure.text = xml_text(body)
        _count(suite, totals, "failures")
    else:
        skipped = ET.SubElement(case, "skipped", message=xml_text(f"warning: {message}"))
        skipped.text = xml_text(body)
        _count(suite, totals, "skipped")
