"""Numbers written as text in tool output: ``str.isdigit`` accepts digits ``int`` refuses (``²``)
and strings of digits past Python's conversion limit; each reads as "no number", never as a
crash. The fuzz tests draw these too; these pin the places that broke."""

from __future__ import annotations

import json

import pytest

from secgate.adapters import registry
from secgate.findings.ids import normalize_cwe
from tests.support.paths import FIXTURES

HOSTILE_DIGITS = ["²", "1²", "9" * 5000]


@pytest.mark.parametrize("text", HOSTILE_DIGITS)
def test_a_cwe_of_such_digits_is_no_cwe(text: str) -> None:
    assert normalize_cwe(text) is None


@pytest.mark.parametrize("text", HOSTILE_DIGITS)
def test_bandit_line_numbers_and_cwe_ids_of_such_digits(text: str) -> None:
    doc = json.loads(next((FIXTURES / "bandit").glob("*/*.json")).read_text())
    result = doc["results"][0]
    result["line_number"] = text
    result["issue_cwe"] = {"id": text, "link": ""}
    try:
        registry.get("bandit").parse(json.dumps(doc).encode())
    except Exception as exc:  # a refusal naming the field is fine; a crash is not
        assert type(exc).__name__ == "InputError", repr(exc)


@pytest.mark.parametrize("text", HOSTILE_DIGITS)
def test_detect_secrets_audit_lines_keyed_by_such_digits_are_left_out(text: str) -> None:
    doc = json.loads((FIXTURES / "detect-secrets" / "1.5.0" / "audit-report.json").read_text())
    for entry in doc["results"]:
        entry["lines"] = {text: "password = 'x'"}
    parsed = registry.get("detect-secrets").parse(json.dumps(doc).encode())
    assert len(parsed.findings) == len(doc["results"])


@pytest.mark.parametrize("text", HOSTILE_DIGITS)
def test_trufflehog3_lines_of_such_digits_are_read(text: str) -> None:
    doc = json.loads((FIXTURES / "trufflehog3" / "3.0.10" / "files.json").read_text())
    for item in doc:
        item["line"] = text
    parsed = registry.get("trufflehog3").parse(json.dumps(doc).encode())
    assert parsed.findings
