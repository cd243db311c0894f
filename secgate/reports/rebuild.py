"""The ``ScanResult`` back from a SARIF file secgate wrote, for ``secgate report --from``.

secgate's SARIF carries every normalized finding (``result.properties.secgate``), every scanner
run (``invocation.properties.secgate``) and the verdict, policy, notes, fixed findings and the
advisory snapshots consulted (``properties.secgate`` of the log), so every report can be
rendered again with no scanner run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from secgate.errors import InputError
from secgate.model import AdvisorySnapshot, Finding, ScanResult, Verdict
from secgate.sarif.reader import read_findings, read_runs, secgate_properties
from secgate.sarif.results import CLEARED_RULE_FIELDS
from secgate.util import load_json, read_input


def load_result(path: Path) -> ScanResult:
    """Read ``path`` (a SARIF file from ``secgate scan --sarif``) into the result it was
    written from; ``InputError`` naming the file when it cannot be."""
    data = read_input(path, "a SARIF file")
    try:
        return result_from_sarif(load_json(data))
    except InputError as exc:
        raise InputError(exc.message, path=path) from None


def result_from_sarif(doc: Any) -> ScanResult:
    """The ``ScanResult`` in a SARIF document secgate wrote."""
    if not isinstance(doc, dict):
        raise InputError("not a SARIF log (the document is not a JSON object)")
    props = secgate_properties(doc)
    if props is None:
        raise InputError("not a SARIF file written by secgate (no properties.secgate block); "
                         "use 'secgate scan --input FILE' for other tools' SARIF")
    findings = sorted(read_findings(doc), key=Finding.sort_key)
    runs = sorted(read_runs(doc), key=lambda r: (r.tool, r.input_file or ""))
    try:
        verdict = Verdict.model_validate(props.get("verdict"))
        fixed = [Finding.model_validate(_finding_data(item)) for item in props.get("fixed") or []]
        return ScanResult(
            findings=findings,
            runs=runs,
            verdict=verdict,
            policy=str(props.get("policy") or "unknown"),
            target=props.get("target"),
            secgate_version=str(props.get("version") or "unknown"),
            notes=[str(note) for note in props.get("notes") or []],
            fixed=fixed,
            advisories=[AdvisorySnapshot.model_validate(item)
                        for item in props.get("advisories") or []],
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(f"invalid secgate block in SARIF: {where}: {err['msg']}") from None


def _finding_data(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    return {k: v for k, v in item.items()
            if k not in {"fixable", "lowest_fixed_version", CLEARED_RULE_FIELDS}}
