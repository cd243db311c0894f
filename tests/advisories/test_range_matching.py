"""Which versions real PyPA records affect: OSV's range rules over PEP 440 versions
(``introduced``/``fixed``/``last_affected``, several ranges, events at one version, explicit
``versions``, GIT ranges, withdrawn records and versions PEP 440 cannot read)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from secgate.advisories import ranges
from secgate.advisories.osv import AffectedPackage, parse_record
from tests.support.advisory_data import imported_store, record


def entry(relative: str, name: str) -> AffectedPackage:
    advisory = parse_record(yaml.safe_load(record(relative).read_text(encoding="utf-8")))
    (found,) = advisory.packages("PyPI", name)
    return found


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("0.2.0", True),
        ("2.19.0", True),
        ("2.19.1", True),
        ("2.20.0rc1", True),
        ("2.20.0", False),
        ("2.20", False),
        ("2.31.0", False),
    ],
)
def test_introduced_zero_and_fixed(version: str, affected: bool) -> None:
    requests = entry("requests/PYSEC-2018-28.yaml", "requests")
    assert ranges.affects(requests, version) is affected


def test_a_fixed_version_is_reported_only_above_the_pin() -> None:
    requests = entry("requests/PYSEC-2018-28.yaml", "requests")
    assert ranges.judge(requests, "2.19.0").fixed == ["2.20.0"]
    assert ranges.judge(requests, "2.20.0").fixed == []


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("1.4.0", True),
        ("1.10.0", True),
        ("1.11.0", True),
        ("1.11", True),
        ("1.11.0.post1", False),
        ("1.12.0", False),
    ],
)
def test_last_affected_is_inclusive(version: str, affected: bool) -> None:
    py = entry("py/PYSEC-2022-42969.yaml", "py")
    verdict = ranges.judge(py, version)
    assert verdict.affected is affected
    assert verdict.fixed == []  # the record names no fix
    if affected:
        assert verdict.last_affected == ["1.11.0"]


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("3.0.3", True),
        ("3.1.1", True),
        ("3.1.2", True),
        ("3.1.3", False),
        ("3.2.0", True),
        ("3.2.1", True),
        ("3.2.2", False),
        ("3.3.0", False),
    ],
)
def test_events_at_one_version_keep_the_record_order(version: str, affected: bool) -> None:
    # PYSEC-2022-236 writes fixed: 3.1.1 and introduced: 3.1.1 in two stretches of one range;
    # the advisory text says 3.1.1 to 3.1.2 are affected
    pyspark = entry("pyspark/PYSEC-2022-236.yaml", "pyspark")
    assert ranges.affects(pyspark, version) is affected


@pytest.mark.parametrize(
    ("version", "affected", "fixed"),
    [
        ("1.24.1", True, ["1.26.17", "2.0.6"]),
        ("1.26.16", True, ["1.26.17", "2.0.6"]),
        ("1.26.17", False, []),
        ("1.26.18", False, []),
        ("2.0.0", True, ["2.0.6"]),
        ("2.0.5", True, ["2.0.6"]),
        ("2.0.6", False, []),
    ],
)
def test_two_branches_in_one_range(version: str, affected: bool, fixed: list[str]) -> None:
    urllib3 = entry("urllib3/PYSEC-2023-192.yaml", "urllib3")
    verdict = ranges.judge(urllib3, version)
    assert verdict.affected is affected
    assert verdict.fixed == fixed


def test_git_ranges_decide_nothing_about_releases() -> None:
    requests = entry("requests/PYSEC-2018-28.yaml", "requests")
    assert {r.type for r in requests.ranges} == {"GIT", "ECOSYSTEM"}
    git_only = requests.model_copy(
        update={"ranges": tuple(r for r in requests.ranges if r.type == "GIT")}
    )
    assert not ranges.affects(git_only, "2.19.0.post1")  # not in `versions`: nothing to judge


def test_the_explicit_versions_list_counts_even_outside_the_ranges() -> None:
    requests = entry("requests/PYSEC-2018-28.yaml", "requests")
    no_ranges = requests.model_copy(update={"ranges": ()})
    assert ranges.affects(no_ranges, "2.19.0")
    assert ranges.affects(no_ranges, "0.12.01")  # listed as written
    assert not ranges.affects(no_ranges, "2.20.0")


def test_a_fixed_version_pep_440_cannot_read_is_undecidable_not_guessed() -> None:
    binderhub = entry("binderhub/PYSEC-2021-371.yaml", "binderhub")
    verdict = ranges.judge(binderhub, "0.1.0")
    assert not verdict.affected
    assert verdict.undecidable == ["0.2.0-n653"]


def test_a_pin_pep_440_cannot_read_is_undecidable_unless_listed() -> None:
    requests = entry("requests/PYSEC-2018-28.yaml", "requests")
    verdict = ranges.judge(requests, "not-a-version")
    assert not verdict.affected and verdict.undecidable == ["not-a-version"]
    assert ranges.judge(requests, "0.12.01").affected  # listed explicitly


def test_limit_events_bound_a_range() -> None:
    data = {
        "id": "TEST-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "demo"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"limit": "2.0"}]}
                ],
            }
        ],
    }
    (demo,) = parse_record(data).affected
    assert [ranges.affects(demo, v) for v in ("0.9", "1.0", "1.9.9", "2.0", "3.0")] == [
        False,
        True,
        True,
        False,
        False,
    ]
    unlimited = parse_record(
        {
            **data,
            "affected": [
                {
                    **data["affected"][0],
                    "ranges": [
                        {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"limit": "*"}]}
                    ],
                }
            ],
        }
    )
    assert ranges.affects(unlimited.affected[0], "9.0")


def test_the_store_answers_with_matches_undecided_and_withdrawn(tmp_path: Path) -> None:
    with imported_store(tmp_path) as store:
        requests = store.affecting("PyPI", "Requests", "2.19.0")
        assert [m.advisory.id for m in requests.matches] == ["PYSEC-2018-28", "PYSEC-2023-74"]
        assert [m.fixed for m in requests.matches] == [["2.20.0"], ["2.31.0"]]
        # PEP 503 names and PEP 440 versions: PyYAML 5.3.0 is pyyaml 5.3
        pyyaml = store.affecting("PyPI", "PyYAML", "5.3.0")
        assert {m.advisory.id for m in pyyaml.matches} == {"PYSEC-2020-96", "PYSEC-2021-142"}
        redis = store.affecting("PyPI", "redis", "1.34")  # listed in a withdrawn record
        assert redis.matches == [] and redis.withdrawn == 1
        binderhub = store.affecting("PyPI", "binderhub", "0.1.0")
        assert binderhub.matches == []
        assert [(u.advisory.id, u.versions) for u in binderhub.undecided] == [
            ("PYSEC-2021-371", ["0.2.0-n653"])
        ]
        assert store.affecting("PyPI", "requests", "2.31.0").matches == []
        assert store.affecting("npm", "requests", "2.19.0").matches == []
