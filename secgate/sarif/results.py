"""SARIF results written directly as JSON data, one per finding.

The writer builds the document's frame with sarif-om (log, runs, tool and rules, invocations,
automation details): a few dozen objects. The results are the bulk: one per finding, 100,000 in
a large scan, and making a sarif-om ``Result`` with its location, region and message for each,
then converting it back to JSON data, was most of the time spent writing SARIF. So each result
is written here as the dict ``serialize.to_json`` made of those objects: the same SARIF property
names in the same order (the order of the sarif-om attrs fields), absent values left out, and
sarif-om's defaults that ``to_json`` keeps (``kind``, a location's ``id`` of -1) kept, so the
bytes of a report are unchanged. ``tests/sarif/test_sarif_results.py`` checks the key order
against sarif-om's classes.

A ``Style`` says how the texts are fitted: as they are for the writer, to GitHub's rules for
``secgate.reports.sarif_report``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any
from urllib.parse import quote

from secgate.model import Finding, Location
from secgate.sarif.jsonout import is_plain
from secgate.sarif.serialize import to_json

FINGERPRINT_KEY = "secgate/v1"
"""The ``partialFingerprints`` key that holds secgate's own fingerprint."""
LINE_HASH_KEY = "primaryLocationLineHash"
SRCROOT = "%SRCROOT%"
RULE_FIELDS = ("rule_name", "rule_description", "rule_help", "help_uri")
"""A finding's rule texts, in ``Finding``'s field order: SARIF keeps them on the rule."""
CLEARED_RULE_FIELDS = "rule_fields_absent"
"""Lists the rule texts a result lacks although its SARIF rule has them."""
_SORTED_RULE_FIELDS = tuple(sorted(RULE_FIELDS))
_URI_SAFE = "/@:+,;=!$&'()*~"
_rule_texts = attrgetter(*RULE_FIELDS)
_BASELINE_STATES = {"new": "new", "existing": "unchanged"}

Region = tuple[int | None, int | None, int | None, int]
"""A region's end column, end line, start column and start line, as SARIF gets them."""


def dump_fields(finding: Finding) -> dict[str, Any]:
    """A finding's fields as JSON data, None values left out."""
    return finding.model_dump(mode="json", exclude_none=True)


@dataclass
class Style:
    """How results are written. The defaults write texts as they are, for the writer."""

    message: Callable[[str, str], str] | None = None
    """(text, rule id) -> the message text."""
    snippet: Callable[[str], str] | None = None
    uri: Callable[[str], str] | None = None
    """Applied to the percent-encoded path."""
    whole_region: bool = False
    """Give a region without a start column column 1, and one without an end line its start."""
    uri_cache: dict[str, str] = field(default_factory=dict)
    """Path -> its URI, filled as results are written (findings share files)."""
    message_cache: dict[str, str] = field(default_factory=dict)
    """Text -> its message text."""
    fields: Callable[[Finding], dict[str, Any]] = dump_fields
    """A finding -> its ``dump_fields``, which a caller may keep to share with another report
    (read here, never changed)."""


def result(finding: Finding, rule_index: int, rule: Finding, style: Style) -> dict[str, Any]:
    """The SARIF result for ``finding``; ``rule`` is the finding its SARIF rule was made from."""
    out: dict[str, Any] = {"message": {"text": _message(finding, style)}}
    baseline = finding.baseline
    if baseline is not None:
        state = _BASELINE_STATES.get(baseline)
        if state is not None:
            out["baselineState"] = state
    out["kind"] = "fail"
    out["level"] = finding.level.value
    loc = finding.location
    if loc is not None:
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": _uri(loc.path, style), "uriBaseId": SRCROOT}
        }
        bounds = _region(loc)
        if bounds is not None:
            physical["region"] = _region_dict(bounds, loc.snippet, style)
        out["locations"] = [{"id": -1, "physicalLocation": physical}]
    if finding.fingerprint or finding.line_hash:
        fingerprints = {}
        if finding.fingerprint:
            fingerprints[FINGERPRINT_KEY] = finding.fingerprint
        if finding.line_hash:
            fingerprints[LINE_HASH_KEY] = finding.line_hash
        out["partialFingerprints"] = fingerprints
    properties: dict[str, Any] = {"secgate": secgate_properties(finding, rule, style.fields)}
    if finding.tags:
        properties["tags"] = sorted(finding.tags)
    out["properties"] = properties
    out["ruleId"] = finding.rule_id
    out["ruleIndex"] = rule_index
    suppression = finding.suppression
    if suppression is not None:
        entry = {"kind": "inSource" if suppression.kind.value == "inline" else "external"}
        if suppression.justification is not None:
            entry["justification"] = suppression.justification
        out["suppressions"] = [entry]
    return out


def _message(finding: Finding, style: Style) -> str:
    text = finding.message or finding.rule_id
    if style.message is None:
        return text
    # scanners repeat a rule's message over many findings; the text alone is the key, as it is
    # empty only when the rule id is too
    fitted = style.message_cache.get(text)
    if fitted is None:
        fitted = style.message_cache[text] = style.message(text, finding.rule_id)
    return fitted


def _uri(path: str, style: Style) -> str:
    uri = style.uri_cache.get(path)
    if uri is None:
        uri = quote(path, safe=_URI_SAFE)
        if style.uri is not None:
            uri = style.uri(uri)
        style.uri_cache[path] = uri
    return uri


def _region(loc: Location) -> Region | None:
    """The region of ``loc``: None without a start line; columns below 1, an end line before
    the start, and an end column before the start column on one line left out."""
    start = loc.start_line
    if not start or start < 1:
        return None
    end_line = loc.end_line if loc.end_line and loc.end_line >= start else None
    start_col = loc.start_column if loc.start_column and loc.start_column >= 1 else None
    end_col = loc.end_column if loc.end_column and loc.end_column >= 1 else None
    if (
        end_col is not None
        and start_col is not None
        and end_line in (None, start)
        and end_col < start_col
    ):
        end_col = None
    return end_col, end_line, start_col, start


def _region_dict(bounds: Region, snippet: str | None, style: Style) -> dict[str, Any]:
    end_col, end_line, start_col, start = bounds
    region: dict[str, Any] = {}
    if end_col is not None:
        region["endColumn"] = end_col
    if end_line is not None:
        region["endLine"] = end_line
    if snippet:
        region["snippet"] = {
            "text": style.snippet(snippet) if style.snippet is not None else snippet
        }
    if start_col is not None:
        region["startColumn"] = start_col
    region["startLine"] = start
    if style.whole_region:  # appended last, as GitHub's fitting always added them
        if start_col is None:
            region["startColumn"] = 1
        if end_line is None:
            region["endLine"] = start
    return region


def secgate_properties(
    finding: Finding, rule: Finding, fields: Callable[[Finding], dict[str, Any]] = dump_fields
) -> dict[str, Any]:
    """``properties.secgate`` of a result: the finding's ``fields`` (see ``Style.fields``)
    without the texts its rule holds."""
    own = dict(fields(finding))  # copied then emptied of four keys: cheaper than filtering all
    for name in RULE_FIELDS:
        own.pop(name, None)
    if finding.properties and not _plain_properties(finding.properties):
        own = to_json(own)  # SARIF output leaves out None values, also inside tool properties
    own.update(_extras(finding, rule))
    return own


def _plain_properties(properties: dict[str, Any]) -> bool:
    """True when a finding's tool properties hold no None (``to_json`` drops those from SARIF)
    and nothing orjson or pydantic writes differently from ``json``."""
    for value in properties.values():
        if type(value) is not str and not is_plain(value, allow_none=False):
            return False
    return True


def _extras(finding: Finding, rule: Finding) -> dict[str, Any]:
    """What ``properties.secgate`` adds to the finding's fields, in the order it adds them."""
    extras: dict[str, Any] = {}
    if finding.fixable:
        extras["fixable"] = True
        lowest = finding.lowest_fixed_version
        if lowest is not None:
            extras["lowest_fixed_version"] = lowest
    if finding is rule:
        return extras
    texts = _rule_texts(finding)
    if texts == _rule_texts(rule):
        return extras
    for name in RULE_FIELDS:  # rule texts live on the rule: keep those that differ from it
        value = getattr(finding, name)
        if value is not None and value != getattr(rule, name):
            extras[name] = value
    cleared = [
        name
        for name in _SORTED_RULE_FIELDS
        if getattr(finding, name) is None and getattr(rule, name) is not None
    ]
    if cleared:
        extras[CLEARED_RULE_FIELDS] = cleared
    return extras
