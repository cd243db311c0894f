"""Package versions and URLs from hostile tool output: the shapes fuzzing found breaking them
(a superscript digit, a 30-digit version part, names packageurl normalizes to nothing)."""

from __future__ import annotations

import pytest

from secgate.findings.packages import purl_of
from secgate.findings.versions import canonical_version, lowest, parse_version, sort_versions


def test_versions_pep_440_cannot_read_sort_by_their_ascii_numbers() -> None:
    # "²" passes str.isdigit and fails int(): it sorts as text, before any number
    assert sort_versions(["1.10-x", "1.9-x", "1.²", "1.2"]) == ["1.2", "1.²", "1.9-x", "1.10-x"]
    assert lowest(["7.0-x-" + "9" * 30, "7.0-x-1"]) == "7.0-x-" + "9" * 30  # too long: text


@pytest.mark.parametrize("version", ["1-" + "1" * 5000, "1.0.post" + "7" * 4400, "1." + "2" * 4301])
def test_version_numbers_past_int_conversion_limits_are_no_versions(version: str) -> None:
    """packaging raises a plain ValueError for them (Python converts at most 4,300 digits)."""
    assert parse_version(version) is None
    assert canonical_version(f" {version} ") == version
    assert sort_versions([version, "2.0"]) == ["2.0", version]


@pytest.mark.parametrize("name", [" ", "/", ""])
def test_a_name_normalized_to_nothing_has_no_purl(name: str) -> None:
    assert purl_of("pypi", name, "1.0") is None


def test_a_plain_package_gets_its_purl() -> None:
    assert purl_of("pypi", "pyyaml", "5.3") == "pkg:pypi/pyyaml@5.3"
    assert purl_of("pypi", "pyyaml", None) == "pkg:pypi/pyyaml"
