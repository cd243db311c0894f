"""Findings, locations and decisions are records (slotted dataclasses): made without validation
by the code that checked their values, validated like pydantic models when read from outside,
and written by pydantic's serializer as a model would be."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from secgate.model import Finding
from tests.support.report_samples import TOOLS, make_finding


@pytest.mark.parametrize("tool", TOOLS)
def test_a_record_reads_back_what_it_writes(tool: str) -> None:
    original = make_finding(1, tool=tool)  # with its location or package, secret, decision
    data = original.model_dump(mode="json", exclude_none=True)
    decision = original.decision
    assert decision is not None
    assert data["decision"] == {
        "action": decision.action.value,
        "decided_by": "threshold",
        "reason": decision.reason,
    }
    assert Finding.model_validate(data) == original
    assert json.loads(original.model_dump_json()) == original.model_dump(mode="json")


@pytest.mark.parametrize(
    "change",
    [
        {"score": 11},  # outside 0-10
        {"unknown_field": 1},  # extra keys are refused, as the models refuse them
        {"location": {"path": "a.py", "line": 3}},  # nested too
        {"decision": {"action": "maybe", "decided_by": "x", "reason": "y"}},
        {"message": ["not", "text"]},
    ],
)
def test_data_from_outside_is_validated(change: dict[str, object]) -> None:
    data = make_finding(0, tool="bandit").model_dump(mode="json")
    data.update(change)
    with pytest.raises(ValidationError):
        Finding.model_validate(data)


def test_a_whole_number_score_is_written_as_a_float() -> None:
    made = make_finding(0).model_copy(update={"score": 7})
    assert type(made.score) is float
    assert made.model_dump(mode="json")["score"] == 7.0
    assert '"score":7.0' in made.model_dump_json()


def test_copies_are_new_records_with_their_changes() -> None:
    original = make_finding(0, tool="bandit")
    changed = original.model_copy(update={"message": "other"})
    assert changed.message == "other" and original.message == "finding number 0 from bandit"
    assert changed.location is original.location  # shallow, as pydantic's model_copy
    deep = original.model_copy(deep=True)
    assert deep == original and deep.location is not original.location
