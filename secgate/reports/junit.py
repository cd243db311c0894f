"""JUnit XML for CI systems that show test results (GitLab, Jenkins, Azure Pipelines...).

One ``<testsuite>`` per tool and one ``<testcase>`` per finding that blocks or warns:
a blocking finding is a ``<failure>``; a warning finding is ``<skipped>`` with the message
"warning: …", because CI systems show skipped cases without failing the build, which is what a
warning means. A scanner run that failed is a test case with an ``<error>`` in the ``secgate``
suite. Passed and ignored findings are not test cases (the JSON report has them).

Text is stripped of the characters XML 1.0 cannot hold (control characters) and escaped as
ElementTree escapes it, so a scanner's ``]]>`` or ``<`` stays text.
"""

from __future__ import annotations

import re

from secgate.model import Action, Finding, RunStatus, ScanResult
from secgate.reports import presentation

_CASES = (Action.BLOCK, Action.WARN)
"""The decisions that make a finding a test case."""
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str | None) -> str:
    """``value`` with only the characters XML 1.0 allows (and no bidi overrides)."""
    if value and presentation.printable_lines(value):  # nothing either pattern replaces
        return value
    return _XML_INVALID.sub("\ufffd", presentation.clean(value))


_INDENT = ["\n" + "  " * level for level in range(4)]
"""The line break and indentation before an element at each depth (``ET.indent``'s layout)."""


def render(result: ScanResult, *, overview: presentation.Overview | None = None) -> str:
    """The JUnit XML document, laid out as ``ElementTree.indent`` lays it out (``overview``:
    the one other reports of ``result`` share, when there is one).

    It is written as text rather than built as an element tree: at 100,000 findings the tree
    and its serialization took seconds. ``attribute`` and ``text`` escape as ElementTree does."""
    overview = overview or presentation.Overview(result.findings)
    by_tool: dict[str, list[Finding]] = {}
    for tool, ranked in overview.by_tool.items():
        tested = [f for f in ranked if f.decision is not None and f.decision.action in _CASES]
        if tested:
            by_tool[tool] = tested
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites: list[str] = []
    problem_runs = [r for r in result.runs if r.status is not RunStatus.OK or r.incomplete]
    if problem_runs:
        cases = []
        for run in problem_runs:
            detail = run.error or "; ".join(run.notes) or run.status.value
            cases.append(
                _element(
                    "testcase",
                    [("classname", "secgate.scanners"), ("name", f"{run.tool} ran")],
                    [
                        _element(
                            "error",
                            [
                                ("type", run.status.value),
                                ("message", presentation.one_line(detail, 500)),
                            ],
                            text=detail,
                        )
                    ],
                    depth=2,
                )
            )
        suites.append(_suite("secgate", cases, {"errors": len(cases)}, totals))
    for tool in sorted(by_tool):
        findings = by_tool[tool]
        blocking = sum(1 for f in findings if _is_blocking(f))
        suites.append(
            _suite(
                tool,
                [_case(f) for f in findings],
                {"failures": blocking, "skipped": len(findings) - blocking},
                totals,
            )
        )
    root_attributes = [("name", "secgate"), *((k, str(v)) for k, v in totals.items())]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + _element("testsuites", root_attributes, suites, depth=0)
        + "\n"
    )


def _element(
    tag: str,
    attributes: list[tuple[str, str]],
    children: list[str] | None = None,
    depth: int = 0,
    text: str | None = None,
) -> str:
    """One element (its ``children`` already written one level deeper), with the attribute
    values and the text passed through ``xml_text`` and escaped."""
    start = (
        "<" + tag + "".join(f' {name}="{attribute(xml_text(value))}"' for name, value in attributes)
    )
    if children:
        inner = _INDENT[depth + 1]
        return f"{start}>{inner}{inner.join(children)}{_INDENT[depth]}</{tag}>"
    if text is not None and (text := xml_text(text)):
        return f"{start}>{escape_text(text)}</{tag}>"
    return start + " />"


def attribute(value: str) -> str:
    """An attribute value escaped as ElementTree escapes it."""
    if _ATTRIBUTE_SPECIAL.search(value) is None:
        return value
    for char, entity in _ATTRIBUTE_ENTITIES:
        value = value.replace(char, entity)
    return value


_ATTRIBUTE_SPECIAL = re.compile('[&<>"\r\n\t]')
_ATTRIBUTE_ENTITIES = [
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\r", "&#13;"),
    ("\n", "&#10;"),
    ("\t", "&#09;"),
]


def escape_text(value: str) -> str:
    """Element text escaped as ElementTree escapes it."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _suite(name: str, cases: list[str], counts: dict[str, int], totals: dict[str, int]) -> str:
    counts = {"tests": len(cases), **counts}
    for key, value in counts.items():
        totals[key] += value
    attributes = [("name", name), *((k, str(counts.get(k, 0))) for k in totals)]
    return _element("testsuite", attributes, cases, depth=1)


def _is_blocking(finding: Finding) -> bool:
    return finding.decision is not None and finding.decision.action is Action.BLOCK


def _case(finding: Finding) -> str:
    """A finding's ``<testcase>`` (written directly: this runs once per finding)."""
    decision = finding.decision
    assert decision is not None  # noqa: S101 - filtered by the caller
    where = presentation.location_text(finding)
    category: str = finding.category.value
    attributes = (
        f' classname="{_attribute(f"{finding.tool}.{category}")}"'
        f' name="{_attribute(presentation.one_line(f"{finding.rule_id} {where}", 300))}"'
    )
    if finding.location is not None:
        attributes += f' file="{_attribute(finding.location.path)}"'
        if finding.location.start_line:
            attributes += f' line="{finding.location.start_line}"'
    severity: str = finding.severity.value
    message = presentation.one_line(f"{severity}: {finding.message}", 500)
    ids = presentation.finding_ids(finding)
    body = xml_text(
        "\n".join(
            (
                f"{severity} {category} finding by {', '.join(finding.source_tools)}",
                f"rule: {finding.rule_id}",
                f"location: {where}",
                f"ids: {', '.join(ids)}" if ids else "",
                f"fixed in: {finding.lowest_fixed_version}" if finding.fixable else "",
                f"decision: {decision.action.value} — {decision.reason} [{decision.decided_by}]",
                "",
                finding.message,
            )
        )
    )
    if decision.action is Action.BLOCK:
        start = f'<failure type="{_attribute(severity)}" message="{_attribute(message)}"'
        tag = "failure"
    else:
        start = f'<skipped message="{_attribute(f"warning: {message}")}"'
        tag = "skipped"
    outcome = f"{start}>{escape_text(body)}</{tag}>" if body else start + " />"
    return f"<testcase{attributes}>{_INDENT[3]}{outcome}{_INDENT[2]}</testcase>"


def _attribute(value: str) -> str:
    return attribute(xml_text(value))
