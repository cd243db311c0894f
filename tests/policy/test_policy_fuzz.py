"""Hostile policy files, by property-based fuzzing: whatever the text, the loader returns a
policy or raises a ``PolicyError`` (exit 2 with a place), never anything else; and a schema
check remembered by the result cache changes no outcome.

Two shapes of input: the shipped policies with characters that matter to YAML inserted,
deleted or swapped at random places (most stay YAML, many break it), and random plain data
written as YAML (valid YAML, mostly an invalid policy). The run in the suite is bounded
(``SECGATE_FUZZ_EXAMPLES`` per test, 60 by default; ``SECGATE_FUZZ_RANDOM=1`` for a new random
run instead of the repeatable one)."""

from __future__ import annotations

import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secgate.errors import PolicyError
from secgate.policy import loader
from secgate.policy.model import Policy
from tests.support.policy_checks import CountingChecks

EXAMPLES = int(os.environ.get("SECGATE_FUZZ_EXAMPLES", "60"))
RANDOM = os.environ.get("SECGATE_FUZZ_RANDOM", "") not in ("", "0")
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not RANDOM,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SHIPPED = [loader.shipped(name) for name in loader.builtin_names()]
YAML_CHARACTERS = ":-[]{}&*!|>'\"#%@`,?\n\t ~0123456789abcdefghijklmnopqrstuvwxyz"


@st.composite
def mutated_policies(draw: st.DrawFn) -> str:
    """A shipped policy with up to eight characters inserted, deleted or replaced."""
    text = draw(st.sampled_from(SHIPPED))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        change = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from(YAML_CHARACTERS))
        if change == "insert":
            text = text[:at] + char + text[at:]
        elif change == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + char + text[at + 1 :]
    return text


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["high", "critical", "block", "warn", "ignore", "MIT", "GPL-3.0-only", "*"]),
)
_KEYS = st.sampled_from(
    ["version", "fail_on", "warn_on", "rules", "accept", "licenses", "allow", "deny", "match",
     "action", "severity", "tool", "expires", "reason", "scanners", "required", "notify", "on"]
)  # fmt: skip
plain_data = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)


def outcome(text: str, checks: CountingChecks | None = None) -> Policy | str:
    """The policy ``text`` loads as, or the error it is refused with; anything else fails."""
    try:
        return loader.parse(text, "policy.yml", checks)
    except PolicyError as exc:
        rendered = exc.render()
        assert "policy.yml" in rendered
        assert "Traceback" not in rendered
        return rendered


@SETTINGS
@given(mutated_policies())
def test_a_mangled_policy_loads_or_is_refused_with_its_place(text: str) -> None:
    outcome(text)


@SETTINGS
@given(plain_data)
def test_any_plain_data_loads_or_is_refused_with_its_place(data: Any) -> None:
    outcome(yaml.safe_dump(data, allow_unicode=True))


@SETTINGS
@given(st.one_of(mutated_policies(), plain_data.map(yaml.safe_dump)))
def test_a_remembered_schema_check_changes_no_outcome(text: str) -> None:
    checks = CountingChecks()
    plain = outcome(text)
    assert outcome(text, checks) == plain  # checked, and remembered when it passed
    assert outcome(text, checks) == plain  # the schema check skipped when remembered
