"""The one CVSS / tool-severity mapping (secgate.findings.severity), as documented in docs/severity.md."""

from __future__ import annotations

import pytest

from secgate.findings.severity import (
    UNRATED_VULNERABILITY,
    band,
    best,
    cvss_version,
    from_cvss,
    from_cvss_dict,
    from_tool,
    rate,
)
from secgate.model import Severity

V31_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V31_MEDIUM = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"
V2_FULL = "AV:N/AC:L/Au:N/C:C/I:C/A:C"
V4_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, Severity.INFO),
        (0.1, Severity.LOW),
        (3.9, Severity.LOW),
        (4.0, Severity.MEDIUM),
        (6.9, Severity.MEDIUM),
        (7.0, Severity.HIGH),
        (8.9, Severity.HIGH),
        (9.0, Severity.CRITICAL),
        (10.0, Severity.CRITICAL),
    ],
)
def test_v3_and_v4_bands(score: float, expected: Severity) -> None:
    assert band(score, "CVSS:3.1") is expected
    assert band(score, "CVSS:4.0") is expected


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, Severity.INFO),
        (3.9, Severity.LOW),
        (4.0, Severity.MEDIUM),
        (6.9, Severity.MEDIUM),
        (7.0, Severity.HIGH),
        (10.0, Severity.HIGH),
    ],
)
def test_v2_bands_have_no_critical(score: float, expected: Severity) -> None:
    assert band(score, "CVSS:2.0") is expected


@pytest.mark.parametrize(
    ("vector", "version"),
    [
        (V31_CRITICAL, "CVSS:3.1"),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.0"),
        (V2_FULL, "CVSS:2.0"),
        (f"({V2_FULL})", "CVSS:2.0"),
        (V4_CRITICAL, "CVSS:4.0"),
        ("not a vector", None),
    ],
)
def test_cvss_version_of_a_vector(vector: str, version: str | None) -> None:
    assert cvss_version(vector) == version


def test_vectors_are_scored_with_the_cvss_library() -> None:
    v3 = from_cvss(V31_CRITICAL)
    assert v3 is not None
    assert (v3.severity, v3.score, v3.basis, v3.vector) == (
        Severity.CRITICAL,
        9.8,
        "CVSS:3.1",
        V31_CRITICAL,
    )
    v2 = from_cvss(f"({V2_FULL})")
    assert v2 is not None
    assert (v2.severity, v2.score, v2.basis, v2.vector) == (
        Severity.HIGH,
        10.0,
        "CVSS:2.0",
        V2_FULL,
    )
    v4 = from_cvss(V4_CRITICAL)
    assert v4 is not None
    assert (v4.severity, v4.score, v4.basis) == (Severity.CRITICAL, 9.3, "CVSS:4.0")
    assert v3.properties() == {"severity_basis": "CVSS:3.1", "cvss_vector": V31_CRITICAL}


def test_published_score_is_kept_and_the_vector_gives_the_version() -> None:
    rating = from_cvss(V31_MEDIUM, "6.2")
    assert rating is not None
    assert (rating.score, rating.severity, rating.basis) == (6.2, Severity.MEDIUM, "CVSS:3.1")


def test_bare_scores_and_unusable_input() -> None:
    bare = from_cvss(None, 7.5)
    assert bare is not None and (bare.basis, bare.severity) == ("CVSS:3.1", Severity.HIGH)
    v2 = from_cvss(None, 10, "2.0")
    assert v2 is not None and (v2.basis, v2.severity) == ("CVSS:2.0", Severity.HIGH)
    v4 = from_cvss(None, 9.1, "CVSSv4")
    assert v4 is not None and v4.basis == "CVSS:4.0"
    broken_vector = from_cvss("CVSS:3.1/AV:N", 5.3)
    assert broken_vector is not None and broken_vector.score == 5.3
    assert from_cvss("CVSS:3.1/AV:N") is None
    assert from_cvss(None, None) is None
    assert from_cvss(None, 11.0) is None
    assert from_cvss(None, "n/a") is None


def test_tool_words() -> None:
    moderate = from_tool("Moderate")
    assert moderate is not None
    assert (moderate.severity, moderate.score, moderate.basis) == (
        Severity.MEDIUM,
        Severity.MEDIUM.default_score,
        "tool",
    )
    high = from_tool("HIGH", 7.4)
    assert high is not None and high.score == 7.4
    for word in ("UNKNOWN", "Unknown", "", None, "bogus"):
        assert from_tool(word) is None


def test_cvss_objects_as_nvd_and_safety_write_them() -> None:
    v3 = from_cvss_dict(
        {"base_score": 6.1, "base_severity": "MEDIUM", "vector_string": V31_MEDIUM}, "3"
    )
    assert v3 is not None and (v3.score, v3.severity) == (6.1, Severity.MEDIUM)
    v2 = from_cvss_dict({"base_score": 5.0, "vector_string": "AV:N/AC:L/Au:N/C:P/I:N/A:N"}, "2")
    assert v2 is not None and v2.basis == "CVSS:2.0"
    assert from_cvss_dict(None, "3") is None
    assert from_cvss_dict({"impact_score": 2.9}, "3") is None


def test_newest_cvss_version_wins_then_the_highest_score() -> None:
    v2 = from_cvss(V2_FULL)  # 10.0 but v2
    v3 = from_cvss(V31_MEDIUM)
    word = from_tool("critical")
    chosen = best([v2, None, word, v3])
    assert chosen is v3
    v3_high = from_cvss(None, 8.8, "3.1")
    assert best([v3, v3_high]) is v3_high
    assert best([from_cvss(V4_CRITICAL), v3_high]) == from_cvss(V4_CRITICAL)
    assert best([word, UNRATED_VULNERABILITY]) is word
    assert best([None]) is None


def test_unrated_vulnerabilities_default_to_high() -> None:
    assert rate([]) == UNRATED_VULNERABILITY
    assert (
        UNRATED_VULNERABILITY.severity,
        UNRATED_VULNERABILITY.score,
        UNRATED_VULNERABILITY.basis,
    ) == (Severity.HIGH, 8.0, "default")
    low = from_tool("low")
    assert low is not None
    assert rate([None], default=low) is low
