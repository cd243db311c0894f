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
from functools import lru_cache

from secgate.model import Action, Finding, RunStatus, ScannerRun, ScanResult
from secgate.reports import presentation

_CASES = (Action.BLOCK, Action.WARN)
"""The decisions that make a finding a test case."""
_XML_INVALID_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff"
_XML_INVALID = re.compile(f"[{_XML_INVALID_CHARS}]")
_TEXT_WORK = re.compile(f"[&<>{presentation.CONTROL_CHARS}{_XML_INVALID_CHARS}]")
"""A character that ``text`` changes; most texts have none, and are written as they are."""
_ATTRIBUTE_WORK = re.compile(f'[&<>"\t\n\r{presentation.CONTROL_CHARS}{_XML_INVALID_CHARS}]')
"""A character that ``_attribute`` changes."""


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
    and its serialization took seconds. ``attribute`` and ``text`` escape as ElementTree does.
    Every suite's counts are known before its cases are written, so the document is one list
    of pieces joined once."""
    overview = overview or presentation.Overview(result.findings)
    suites: list[tuple[str, dict[str, int], list[str] | list[Finding]]] = []
    problem_runs = [r for r in result.runs if r.status is not RunStatus.OK or r.incomplete]
    if problem_runs:
        errors = [_run_case(run) for run in problem_runs]
        suites.append(("secgate", {"tests": len(errors), "errors": len(errors)}, errors))
    for tool, ranked in sorted(overview.by_tool.items()):
        tested = [f for f in ranked if f.decision is not None and f.decision.action in _CASES]
        if tested:
            blocking = sum(1 for f in tested if _is_blocking(f))
            counts = {"tests": len(tested), "failures": blocking, "skipped": len(tested) - blocking}
            suites.append((tool, counts, tested))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for _, counts, _ in suites:
        for key, value in counts.items():
            totals[key] += value
    root = [("name", "secgate"), *((k, str(v)) for k, v in totals.items())]
    pieces = ['<?xml version="1.0" encoding="UTF-8"?>\n', _start_tag("testsuites", root)]
    if not suites:
        return "".join(pieces) + " />\n"
    pieces.append(">")
    for name, counts, cases in suites:
        attributes = [("name", name), *((k, str(counts.get(k, 0))) for k in totals)]
        pieces += (_INDENT[1], _start_tag("testsuite", attributes), ">")
        for case in cases:
            pieces += (_INDENT[2], case if isinstance(case, str) else _case(case))
        pieces += (_INDENT[1], "</testsuite>")
    pieces += (_INDENT[0], "</testsuites>\n")
    return "".join(pieces)


def _run_case(run: ScannerRun) -> str:
    """The ``<testcase>`` of a scanner run that failed or did not finish."""
    detail = run.error or "; ".join(run.notes) or run.status.value
    error = _element(
        "error",
        [("type", run.status.value), ("message", presentation.one_line(detail, 500))],
        text=detail,
    )
    return _element(
        "testcase",
        [("classname", "secgate.scanners"), ("name", f"{run.tool} ran")],
        [error],
        depth=2,
    )


def _start_tag(tag: str, attributes: list[tuple[str, str]]) -> str:
    """``<tag`` and its attributes, the values passed through ``xml_text`` and escaped."""
    return "<" + tag + "".join(f' {name}="{_attribute(value)}"' for name, value in attributes)


def _element(
    tag: str,
    attributes: list[tuple[str, str]],
    children: list[str] | None = None,
    depth: int = 0,
    text: str | None = None,
) -> str:
    """One element (its ``children`` already written one level deeper), with the attribute
    values and the text passed through ``xml_text`` and escaped."""
    start = _start_tag(tag, attributes)
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


def _is_blocking(finding: Finding) -> bool:
    return finding.decision is not None and finding.decision.action is Action.BLOCK


def _case(finding: Finding) -> str:
    """A finding's ``<testcase>`` (written directly: this runs once per finding)."""
    decision = finding.decision
    assert decision is not None  # noqa: S101 - filtered by the caller
    where = finding.place
    category = presentation.CATEGORY_NAMES[finding.category]
    attributes = (
        f' classname="{_classname(finding.tool, category)}"'
        f' name="{_attribute(presentation.one_line(f"{finding.rule_id} {where}", 300))}"'
    )
    location = finding.location
    if location is not None:
        attributes += f' file="{_attribute(location.path)}"'
        if location.start_line:
            attributes += f' line="{location.start_line}"'
    severity = presentation.SEVERITY_NAMES[finding.severity]
    message = presentation.one_line(f"{severity}: {finding.message}", 500)
    ids = presentation.finding_ids(finding)
    action = presentation.ACTION_NAMES[decision.action]
    body = text(
        "\n".join(
            (
                f"{severity} {category} finding by {', '.join(presentation.tools_of(finding))}",
                f"rule: {finding.rule_id}",
                f"location: {where}",
                f"ids: {', '.join(ids)}" if ids else "",
                f"fixed in: {finding.lowest_fixed_version}" if finding.fixable else "",
                f"decision: {action} — {decision.reason} [{decision.decided_by}]",
                "",
                finding.message,
            )
        )
    )
    if decision.action is Action.BLOCK:
        start = f'<failure type="{severity}" message="{_attribute(message)}"'
        tag = "failure"
    else:
        start = f'<skipped message="{_attribute(f"warning: {message}")}"'
        tag = "skipped"
    outcome = f"{start}>{body}</{tag}>" if body else start + " />"
    return f"<testcase{attributes}>{_INDENT[3]}{outcome}{_INDENT[2]}</testcase>"


def text(value: str) -> str:
    """Element text: ``xml_text``, escaped as ElementTree escapes it."""
    if _TEXT_WORK.search(value) is None:
        return value
    return escape_text(xml_text(value))


def _attribute(value: str) -> str:
    """An attribute value: ``xml_text``, escaped as ElementTree escapes it."""
    if _ATTRIBUTE_WORK.search(value) is None:
        return value
    return attribute(xml_text(value))


@lru_cache(maxsize=1024)
def _classname(tool: str, category: str) -> str:
    """The escaped ``classname`` of a tool's findings of a category."""
    return _attribute(f"{tool}.{category}")
