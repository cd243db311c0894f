"""The JSON report's documented schema (secgate/schemas/json-report-v1.json) holds for real and
generated reports, and lists exactly the fields the model has."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from secgate.model import (
    Finding,
    GateChange,
    PullRequestGate,
    ScannerRun,
    ScanResult,
    field_types,
)
from secgate.reports import json_report
from tests.support.commands import run_secgate
from tests.support.paths import FIXTURES
from tests.support.report_samples import hostile_result, large_result


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    text = files("secgate.schemas").joinpath("json-report-v1.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


def test_schema_lists_exactly_the_model_fields(schema: dict[str, Any]) -> None:
    finding = set(schema["$defs"]["finding"]["properties"])
    assert finding == set(field_types(Finding)) | {"fixable", "lowest_fixed_version"}
    run = set(schema["$defs"]["run"]["properties"])
    assert run == set(ScannerRun.model_fields) - {"duration", "started_at"}
    assert set(schema["properties"]) == set(json_report.to_dict(hostile_result())) | {
        "pull_request",
        "upgrades",
    }  # present in pull-request mode, when something blocks
    assert set(json_report.to_dict(pull_request_result())) == set(schema["properties"]) - {
        "upgrades"
    }
    pull = schema["$defs"]["pull_request"]
    assert set(pull["properties"]) == set(PullRequestGate.model_fields)
    assert set(pull["properties"]["changes"]["items"]["properties"]) == set(GateChange.model_fields)
    assert schema["properties"]["schema"]["const"] == json_report.SCHEMA_ID


def pull_request_result() -> ScanResult:
    """A hostile result as pull-request mode reports it, with a change of each kind."""
    changes = [
        GateChange(
            file=".secgateignore",
            setting="ignore",
            weakens=True,
            summary="new ignore pattern '**<script>|': findings left out",
        ),
        GateChange(
            file=".secgate.yml",
            setting="fail_on",
            weakens=False,
            summary="fail_on lowered from high to low: the gate blocks on more",
        ),
    ]
    review = PullRequestGate(
        base="origin/main",
        commit="0123456789abcdef" * 2 + "01234567",
        on_weakening="warn",
        changes=changes,
    )
    return hostile_result().model_copy(update={"pull_request": review})


@pytest.mark.parametrize("make", [hostile_result, lambda: large_result(300), pull_request_result])
def test_generated_reports_validate(schema: dict[str, Any], make: Any) -> None:
    doc = json.loads(json_report.render(make()))
    jsonschema.Draft202012Validator(schema).validate(doc)


def test_a_real_multi_tool_report_validates(schema: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = run_secgate(
        "scan",
        "-q",
        "--json",
        out,
        "--input",
        FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.sarif",
        "--input",
        FIXTURES / "semgrep" / "1.185.0" / "vulnerable-app.json",
        "--input",
        FIXTURES / "gitleaks" / "8.30.1" / "git.json",
        "--input",
        FIXTURES / "trivy" / "0.76.0" / "fs-secret-license-misconfig.json",
    )
    assert done.returncode == 1, done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert {f["category"] for f in doc["findings"]} >= {"sast", "secret", "license"}
