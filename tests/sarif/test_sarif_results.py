"""SARIF results written directly as data (``secgate.sarif.results``) are what sarif-om's objects
give; the JSON text written by orjson (``secgate.sarif.jsonout``, also for the JSON report) is
the JSON of that data, the same bytes every time, and what orjson refuses the json module
writes."""

from __future__ import annotations

import json
from typing import Any

import attr
import pytest
import sarif_om as om

from secgate.model import Location, Package, Suppression, SuppressionKind
from secgate.reports import json_report, sarif_report
from secgate.sarif import jsonout, writer
from secgate.sarif.serialize import to_json
from tests.support.report_samples import hostile_result, make_finding, make_result

_NESTED: dict[str, type] = {
    "message": om.Message,
    "locations": om.Location,
    "physicalLocation": om.PhysicalLocation,
    "artifactLocation": om.ArtifactLocation,
    "region": om.Region,
    "snippet": om.ArtifactContent,
    "suppressions": om.Suppression,
}


def _rebuild(cls: type, data: dict[str, Any]) -> Any:
    """The sarif-om object ``data`` describes (properties left as data)."""
    names = {f.metadata.get("schema_property_name", f.name): f.name for f in attr.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        nested = _NESTED.get(key)
        if nested is not None and isinstance(value, list):
            value = [_rebuild(nested, item) for item in value]
        elif nested is not None:
            value = _rebuild(nested, value)
        kwargs[names[key]] = value
    return cls(**kwargs)


def _varied_findings() -> list[Any]:
    findings = [make_finding(i) for i in range(40)]
    findings[1].location = None
    findings[2].location = Location(
        path="a b/ü.py", start_line=4, end_line=2, start_column=7, end_column=3, snippet="x = 1"
    )
    findings[3].location = Location(path="x.py", start_line=0)
    findings[4].suppression = Suppression(kind=SuppressionKind.INLINE, justification="ok")
    findings[5].suppression = Suppression(kind=SuppressionKind.EXTERNAL)
    findings[6].baseline = "existing"
    findings[7].baseline = "new"
    findings[8].package = Package(name="p", version="1", fixed_versions=["2.0", "1.5"])
    findings[9].rule_name = None
    findings[10].rule_help = "other help"
    findings[11].tags = ["z", "a"]
    findings[12].line_hash = "abc:1"
    findings[13].fingerprint = None
    findings[14].properties = {"a": None, "b": [1, {"c": None}], "tiny": 5e-05}
    return findings


def test_results_are_what_sarif_om_objects_give() -> None:
    doc = writer.to_dict(make_result(_varied_findings()))
    count = 0
    for run in doc["runs"]:
        for result in run["results"]:
            rebuilt = to_json(_rebuild(om.Result, result))
            assert json.dumps(rebuilt) == json.dumps(result)  # same keys in the same order
            count += 1
    assert count == 40


def test_compact_sarif_is_the_json_of_its_data() -> None:
    findings = [make_finding(i) for i in range(sarif_report.INDENT_MAX_RESULTS + 500)]
    for i, finding in enumerate(findings[:300]):
        finding.message = ['\x00\x1f\x7f é ☃ 𝄞 "q" \\ /', "", "\u2028", "x" * 9000][i % 4]
        finding.properties = {"n": {"deep": [1, 2.5, "s", True, {"k": "v"}]}, "e": {}, "l": []}
        finding.score = [0.0, 7.25, 9.999999999999998, 1e-4, -0.0][i % 5]
    findings[300].package = Package(name="p", version="1", fixed_versions=["2.0"])
    findings[301].rule_name = None
    result = make_result(findings)
    text = sarif_report.fit(result).text
    assert text.endswith("}\n") and "\n" not in text[:-1]  # compact
    doc = json.loads(text)
    assert doc == json.loads(jsonout.stdlib_dumps(doc, indent=False))
    assert text == sarif_report.fit(result).text  # the same result, the same bytes
    assert sum(len(run["results"]) for run in doc["runs"]) == len(findings)


@pytest.mark.parametrize("indent", [True, False])
def test_dumps_writes_what_orjson_refuses_with_the_json_module(indent: bool) -> None:
    text = "".join(map(chr, range(0x3000))) + "𝄞\u2028\ufeff"
    docs: list[Any] = [
        {"a": [], "b": {}, "c": [1, {"d": 2.5, "e": None, "f": True}], "g": text},
        {"f": [0.0, -0.0, 1e-4, 1e16, 1e22, 123456789.125, 2**63 - 1, -(2**63)]},
        {"big": 2**70},  # orjson refuses it: the json module writes it
        {1: "a key that is no string"},
        {"x": 5e-05},
        hostile_result().model_dump(mode="json"),
    ]
    for doc in docs:
        data = jsonout.dumps(doc, indent=indent)
        assert data.endswith(b"\n")
        assert json.loads(data) == json.loads(jsonout.stdlib_dumps(doc, indent=indent))
        assert data.decode("utf-8") == jsonout.dumps_text(doc, indent=indent)
        assert (b"\n  " in data) == (indent and len(json.loads(data)) > 0)
    assert jsonout.dumps({"big": 2**70}, indent=False) == b'{"big":1180591620717411303424}\n'
    assert jsonout.dumps({"b": 1, "a": 2}, indent=False, sort_keys=True) == b'{"a":2,"b":1}\n'


def test_json_report_is_the_json_of_its_data() -> None:
    findings = [make_finding(i) for i in range(30)]
    findings[0].properties = {"tiny": 5e-05}
    findings[1].properties = {"big": 2**70, "none": None, "ü": ["é", 1.5]}
    findings[2].score = 1e-5
    for result in (make_result(findings), make_result(findings[3:]), hostile_result()):
        text = json_report.render(result)
        assert json.loads(text) == json.loads(json.dumps(json_report.to_dict(result)))
        assert text.startswith('{\n  "') and text == json_report.render(result)
