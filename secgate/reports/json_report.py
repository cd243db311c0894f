"""The JSON report: normalized findings, their decisions, scanner runs and the verdict.

Its shape is documented in ``docs/json-report.md`` and versioned by ``schema``.
"""

from __future__ import annotations

from typing import Any

from secgate.model import Finding, ScanResult
from secgate.sarif import jsonout

SCHEMA_ID = "secgate/report/v1"


def to_dict(result: ScanResult) -> dict[str, Any]:
    doc = _core(result)
    if result.pull_request is not None:  # only in pull-request mode
        doc["pull_request"] = result.pull_request.model_dump(mode="json")
    if result.upgrades is not None:  # only when something blocks
        doc["upgrades"] = result.upgrades.model_dump(mode="json")
    return doc


def _core(result: ScanResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "secgate_version": result.secgate_version,
        "policy": result.policy,
        "target": result.target,
        "verdict": result.verdict.model_dump(mode="json"),
        "notes": result.notes,
        "runs": [
            r.model_dump(mode="json", exclude={"duration", "started_at"}) for r in result.runs
        ],
        "findings": [finding_dict(f) for f in result.findings],
        "fixed": [f.model_dump(mode="json", exclude_none=True) for f in result.fixed],
        "advisories": [s.model_dump(mode="json") for s in result.advisories],
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding as the JSON report shows it: its fields, plus whether and how it can be fixed."""
    data: dict[str, Any] = finding.model_dump(mode="json", exclude_none=True)
    data["fixable"] = finding.fixable
    if finding.fixable:
        data["lowest_fixed_version"] = finding.lowest_fixed_version
    return data


def render(result: ScanResult) -> str:
    """Indented, keys sorted (``secgate.sarif.jsonout``)."""
    return jsonout.dumps_text(to_dict(result), indent=True, sort_keys=True)
