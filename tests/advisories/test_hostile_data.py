"""Advisory data and VEX documents are input from outside: whatever their content, reading them
ends in a clean result or in the error the CLI reports (exit 2), never in another exception.
Property-based (hypothesis) over arbitrary JSON values and text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from secgate.adapters.osv import parse_audit
from secgate.advisories import epss, kev, ranges, vex
from secgate.advisories.osv import RecordError, parse_record
from secgate.errors import InputError

_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
_VERSIONS = st.sampled_from(
    ["0", "1.0", "2.0.0rc1", "1!2.0", "*", "0.2.0-n653", "", " ", "3000.1", "v1", "1.0.post1"]
) | st.text(max_size=8)
EVENT = st.dictionaries(
    st.sampled_from(["introduced", "fixed", "last_affected", "limit", "other"]),
    _VERSIONS,
    min_size=1,
    max_size=2,
)
RECORD = st.fixed_dictionaries(
    {
        "id": st.text(min_size=1, max_size=10),
        "modified": st.text(max_size=20),
        "affected": st.lists(
            st.fixed_dictionaries(
                {
                    "package": st.fixed_dictionaries(
                        {
                            "ecosystem": st.sampled_from(["PyPI", "npm", ""]),
                            "name": st.text(max_size=10),
                        }
                    ),
                    "ranges": st.lists(
                        st.fixed_dictionaries(
                            {
                                "type": st.sampled_from(["ECOSYSTEM", "SEMVER", "GIT", "OTHER"]),
                                "events": st.lists(EVENT, max_size=5),
                            }
                        ),
                        max_size=3,
                    ),
                    "versions": st.lists(_VERSIONS, max_size=4),
                }
            ),
            max_size=2,
        ),
    },
    optional={"aliases": JSON, "withdrawn": JSON, "severity": JSON, "database_specific": JSON},
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_value_is_a_record_or_a_record_error(value: Any) -> None:
    try:
        parse_record(value)
    except RecordError:
        pass


@settings(max_examples=300, deadline=None)
@given(RECORD, _VERSIONS)
def test_any_well_shaped_record_is_judged_for_any_version_without_error(
    data: dict[str, Any], version: str
) -> None:
    try:
        advisory = parse_record(data)
    except RecordError:
        return
    for entry in advisory.affected:
        verdict = ranges.judge(entry, version)
        assert verdict.affected in (True, False)
        assert verdict.fixed == ranges.sort_versions(verdict.fixed)


@settings(max_examples=200, deadline=None)
@given(JSON | st.binary(max_size=60).map(lambda b: b))
def test_kev_catalogs_epss_files_and_audits_fail_only_with_input_errors(value: Any) -> None:
    data = value if isinstance(value, bytes) else json.dumps(value).encode()
    for parse in (kev.parse_catalog, epss.parse_scores, parse_audit):
        try:
            parse(data)
        except InputError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_epss_text_fails_only_with_input_errors(text: str) -> None:
    try:
        epss.parse_scores(
            ("#model_version:v1,score_date:2025-01-01\ncve,epss,percentile\n" + text).encode()
        )
    except InputError:
        pass


@settings(max_examples=300, deadline=None)
@given(JSON, JSON)
def test_vex_documents_fail_only_with_input_errors(statements: Any, extra: Any) -> None:
    for doc in (
        {"@context": "https://openvex.dev/ns/v0.2.0", "statements": statements, "@id": extra},
        {"bomFormat": "CycloneDX", "vulnerabilities": statements, "components": extra},
        statements,
    ):
        try:
            vex.parse_document(doc, "hostile.json")
        except InputError:
            pass


CYCLONEDX_VULN = st.fixed_dictionaries(
    {"id": JSON | st.sampled_from(["CVE-2020-1747"])},
    optional={
        "references": JSON | st.lists(st.fixed_dictionaries({"id": JSON}), max_size=2),
        "analysis": JSON
        | st.fixed_dictionaries(
            {"state": JSON | st.sampled_from(["not_affected", "resolved", "in_triage"])},
            optional={"justification": JSON, "response": JSON, "lastUpdated": JSON},
        ),
        "affects": JSON
        | st.lists(
            st.fixed_dictionaries(
                {"ref": JSON | st.sampled_from(["pkg:pypi/pyyaml@5.3", "lib", "not a purl"])}
            ),
            max_size=2,
        ),
    },
)
OPENVEX_STATEMENT = st.fixed_dictionaries(
    {
        "status": JSON | st.sampled_from(["not_affected", "affected", "fixed"]),
        "vulnerability": JSON | st.fixed_dictionaries({"name": JSON}, optional={"aliases": JSON}),
        "products": JSON
        | st.lists(
            JSON
            | st.fixed_dictionaries(
                {"@id": JSON}, optional={"identifiers": JSON, "subcomponents": JSON}
            ),
            max_size=2,
        ),
    },
    optional={
        "justification": JSON,
        "timestamp": JSON | st.sampled_from(["2025-01-01T00:00:00Z", "2025-01-01", "yesterday"]),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CYCLONEDX_VULN, max_size=3), st.lists(OPENVEX_STATEMENT, max_size=3), JSON)
def test_well_shaped_vex_with_hostile_fields_fails_only_with_input_errors(
    vulns: list[Any], statements: list[Any], components: Any
) -> None:
    for doc in (
        {
            "bomFormat": "CycloneDX",
            "vulnerabilities": vulns,
            "components": components,
            "metadata": components,
        },
        {"@context": "https://openvex.dev/ns/v0.2.0", "statements": statements},
    ):
        try:
            vex.parse_document(doc, "hostile.json")
        except InputError:
            pass


AUDIT_VULN = st.fixed_dictionaries(
    {"id": st.sampled_from(["PYSEC-2021-142", "GHSA-8q59-q68h-6hv4"]) | st.text(max_size=8)},
    optional={
        "fixed": JSON | st.lists(_VERSIONS, max_size=3),
        "aliases": JSON | st.lists(st.text(max_size=12), max_size=3),
        "severity": JSON
        | st.lists(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["CVSS_V3", "CVSS_V4", "OTHER"]) | JSON},
                optional={"score": JSON | st.just("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")},
            ),
            max_size=2,
        ),
        "summary": JSON,
        "details": JSON,
        "severity_word": JSON | st.sampled_from(["HIGH", "moderate", ""]),
    },
)
AUDIT_RESULT = st.fixed_dictionaries(
    {
        "name": st.text(min_size=1, max_size=10),
        "version": _VERSIONS,
        "vulns": st.lists(AUDIT_VULN, max_size=3),
    },
    optional={
        "path": JSON | st.sampled_from(["requirements.txt", "/etc/passwd", "../x", "a\x00b"]),
        "line": JSON | st.integers(),
        "undecided": JSON
        | st.lists(st.fixed_dictionaries({"id": JSON}, optional={"versions": JSON}), max_size=2),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(AUDIT_RESULT, max_size=3), JSON, JSON, JSON)
def test_well_shaped_audits_with_hostile_fields_fail_only_with_input_errors(
    results: list[Any], unpinned: Any, problems: Any, version: Any
) -> None:
    """An OSV audit can be ingested with ``--input osv=FILE``: every optional field of a
    well-shaped document may hold any JSON value."""
    doc = {
        "schema": "secgate/osv-audit/v1",
        "secgate_version": version,
        "results": results,
        "unpinned": unpinned,
        "problems": problems,
    }
    try:
        parse_audit(json.dumps(doc).encode())
    except InputError:
        pass
