"""The JSON report: normalized findings, their decisions, scanner runs and the verdict.

Its shape is documented in ``docs/json-report.md`` and versioned by ``schema``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from secgate.model import Finding, ScanResult
from secgate.reports.presentation import Overview
from secgate.sarif import jsonout
from secgate.sarif.results import dump_fields

SCHEMA_ID = "secgate/report/v1"


def to_dict(result: ScanResult, *, overview: Overview | None = None) -> dict[str, Any]:
    """The report as JSON data (``overview``: the one other reports of ``result`` share, when
    there is one)."""
    doc = _core(result, overview)
    if result.pull_request is not None:  # only in pull-request mode
        doc["pull_request"] = result.pull_request.model_dump(mode="json")
    if result.upgrades is not None:  # only when something blocks
        doc["upgrades"] = result.upgrades.model_dump(mode="json")
    return doc


def _core(result: ScanResult, overview: Overview | None) -> dict[str, Any]:
    fields = dump_fields if overview is None else overview.fields
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
        "findings": [finding_dict(f, fields) for f in result.findings],
        "fixed": [f.model_dump(mode="json", exclude_none=True) for f in result.fixed],
        "advisories": [s.model_dump(mode="json") for s in result.advisories],
    }


def finding_dict(
    finding: Finding, fields: Callable[[Finding], dict[str, Any]] = dump_fields
) -> dict[str, Any]:
    """A finding as the JSON report shows it: its ``fields`` (``dump_fields``, or the shared
    ones of an ``Overview``), plus whether and how it can be fixed."""
    data = dict(fields(finding))
    data["fixable"] = finding.fixable
    if finding.fixable:
        data["lowest_fixed_version"] = finding.lowest_fixed_version
    return data


def render(result: ScanResult, *, overview: Overview | None = None) -> str:
    """Indented, keys sorted (``secgate.sarif.jsonout``)."""
    return render_bytes(result, overview=overview).decode("utf-8")


def render_bytes(result: ScanResult, *, overview: Overview | None = None) -> bytes:
    """``render``'s text as UTF-8, as it is written to a file."""
    return jsonout.dumps(to_dict(result, overview=overview), indent=True, sort_keys=True)
