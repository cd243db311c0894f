"""The ``ScanResult`` back from a SARIF file secgate wrote, for ``secgate report --from``.

secgate's SARIF carries every normalized finding (``result.properties.secgate``), every scanner
run (``invocation.properties.secgate``) and the verdict, policy, notes, fixed findings, the
advisory snapshots consulted and the upgrade plan (``properties.secgate`` of the log), so every
report can be rendered again with no scanner run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secgate.errors import InputError
from secgate.files import fields
from secgate.files.reading import decode_json, read_bytes, reading
from secgate.model import AdvisorySnapshot, Finding, PullRequestGate, ScanResult, Verdict
from secgate.remediation.model import UpgradePlan
from secgate.sarif.reader import read_findings, read_runs, secgate_properties, validated
from secgate.sarif.results import CLEARED_RULE_FIELDS


def load_result(path: Path) -> ScanResult:
    """Read ``path`` (a SARIF file from ``secgate scan --sarif``) into the result it was
    written from; ``InputError`` naming the file when it cannot be."""
    with reading(path):
        data = read_bytes(path, "a SARIF file")
        try:
            return result_from_sarif(decode_json(data))
        except InputError as exc:
            raise InputError(exc.message, path=path) from None


def result_from_sarif(doc: Any) -> ScanResult:
    """The ``ScanResult`` in a SARIF document secgate wrote."""
    if not isinstance(doc, dict):
        raise InputError("not a SARIF log (the document is not a JSON object)")
    props = secgate_properties(doc)
    if props is None:
        raise InputError(
            "not a SARIF file written by secgate (no properties.secgate block); "
            "use 'secgate scan --input FILE' for other tools' SARIF"
        )
    findings = sorted(read_findings(doc), key=Finding.sort_key)
    runs = sorted(read_runs(doc), key=lambda r: (r.tool, r.input_file or ""))
    where = "properties.secgate"
    verdict = validated(Verdict, props.get("verdict"), fields.at(where, "verdict"))
    fixed = [
        validated(Finding, _finding_data(item), f"{where}.fixed[{index}]")
        for index, item in enumerate(fields.opt_array(props, "fixed", where))
    ]
    notes = fields.opt_array(props, "notes", where)
    for index, note in enumerate(notes):
        if not isinstance(note, str):
            raise fields.wrong(f"{where}.notes[{index}]", "a string", note)
    return ScanResult(
        findings=findings,
        runs=runs,
        verdict=verdict,
        policy=fields.scalar_text(props, "policy", where) or "unknown",
        target=fields.opt_str(props, "target", where),
        secgate_version=fields.scalar_text(props, "version", where) or "unknown",
        notes=list(notes),
        fixed=fixed,
        advisories=[
            validated(AdvisorySnapshot, item, f"{where}.advisories[{index}]")
            for index, item in enumerate(fields.opt_array(props, "advisories", where))
        ],
        pull_request=validated(PullRequestGate, props["pull_request"], f"{where}.pull_request")
        if props.get("pull_request") is not None
        else None,
        upgrades=validated(UpgradePlan, props["upgrades"], f"{where}.upgrades")
        if props.get("upgrades") is not None
        else None,
    )


def _finding_data(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    return {
        k: v
        for k, v in item.items()
        if k not in {"fixable", "lowest_fixed_version", CLEARED_RULE_FIELDS}
    }
