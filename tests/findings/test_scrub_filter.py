"""The scrubber's filter (a finding whose texts, gathered and joined, hold no known value is not
visited field by field) never lets a value through: values with quotes, backslashes, newlines,
other control characters (the NUL the texts are joined with among them), non-ASCII text and lone
surrogates, planted in any text of a finding, its location, its secret, its tags and the keys
and values of its properties."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from secgate.findings.scrub import Scrubber
from secgate.model import Category, Finding, Level, Location, Secret, Severity

_AWKWARD = st.sampled_from(['"', "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "é", "\u2028", "𝄞", "/"])
_VALUES = st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=4).map("".join)
_PLAIN = st.text(alphabet="abcxyz -_.:/", max_size=12)


def _value() -> st.SearchStrategy[str]:
    """A value long enough to be masked, holding characters JSON writes escaped."""
    parts = st.lists(st.one_of(_AWKWARD, _VALUES, st.just("\ud800")), min_size=2, max_size=6)
    return parts.map(lambda p: "k3y-" + "".join(p) + "-v4lue").filter(lambda v: v.strip() == v)


_FIELDS = ("message", "rule_name", "path", "snippet", "tag", "property key", "property value")


def _finding(field: str, text: str) -> Finding:
    def given(name: str) -> str:
        return text if name == field else "plain"

    return Finding(
        tool="bandit",
        rule_id="B105",
        rule_name=given("rule_name"),
        category=Category.SAST,
        severity=Severity.LOW,
        score=1.0,
        level=Level.NOTE,
        message=given("message"),
        location=Location(path=given("path"), start_line=3, snippet=given("snippet")),
        secret=Secret(hash="0" * 64, preview="*****"),
        tags=["security", given("tag")],
        properties={given("property key"): {"nested": [given("property value")]}},
    )


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in [*_texts(k), *_texts(v)]]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    return []


@settings(max_examples=300, deadline=None)
@given(
    value=_value(),
    field=st.sampled_from(_FIELDS),
    before=_PLAIN,
    after=_PLAIN,
)
def test_a_value_with_escaped_characters_is_masked_in_any_field(
    value: str, field: str, before: str, after: str
) -> None:
    finding = _finding(field, f"{before}{value}{after}")
    clean = _finding("none", "")
    Scrubber([value]).findings([clean, finding], [])
    texts = _texts(finding.model_dump())
    assert not [t for t in texts if value in t]
    assert any("…" in t or "*****" in t for t in texts)
    assert clean.model_dump() == _finding("none", "").model_dump()
