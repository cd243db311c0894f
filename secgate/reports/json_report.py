"""The JSON report: normalized findings, their decisions, scanner runs and the verdict.

Its shape is documented in ``docs/json-report.md`` and versioned by ``schema``.
"""

from __future__ import annotations

import json
from typing import Any

from secgate.model import Finding, ScanResult

SCHEMA_ID = "secgate/report/v1"


def to_dict(result: ScanResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "secgate_version": result.secgate_version,
        "policy": result.policy,
        "target": result.target,
        "verdict": result.verdict.model_dump(mode="json"),
        "notes": result.notes,
        "runs": [r.model_dump(mode="json", exclude={"duration", "started_at"})
                 for r in result.runs],
        "findings": [finding_dict(f) for f in result.findings],
        "fixed": [f.model_dump(mode="json", exclude_none=True) for f in result.fixed],
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding as the JSON report shows it: its fields, plus whether and how it can be fixed."""
    data: dict[str, Any] = finding.model_dump(mode="json", exclude_none=True)
    data["fixable"] = finding.fixable
    if finding.fixable:
        data["lowest_fixed_version"] = finding.lowest_fixed_version
    return data


def render(result: ScanResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False, sort_keys=True) + "\n"

