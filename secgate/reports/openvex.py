"""VEX out: a scan's decided dependency findings as an OpenVEX v0.2.0 document
(``secgate scan --openvex FILE``), for tools that read VEX (Trivy, Grype) or for the record.

One statement per finding with a vulnerability and a package URL that the policy did not leave
to its rules:

- decided by a VEX statement: that statement again (``not_affected`` with its justification
  and impact statement, or ``fixed``), naming the document it came from;
- decided by an accepted risk (``accept:<id>``): ``affected`` (an accepted risk is a known,
  exploitable vulnerability that someone chose to live with), its ``action_statement`` the
  acceptance's reason, approver, ticket and expiry.

The products are the findings' package URLs; the vulnerability is named by its canonical id
with the other ids as aliases. Accepted findings without a package URL and a vulnerability
(code, secrets) cannot be stated in VEX and are counted instead. The document is
deterministic: statements sorted, ``timestamp`` the judging day (``SECGATE_TODAY``), ``@id``
derived from the statements' content.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from secgate import __version__
from secgate.advisories.vex import finding_product
from secgate.errors import UsageError
from secgate.model import Finding, ScanResult
from secgate.sarif import jsonout

CONTEXT = "https://openvex.dev/ns/v0.2.0"
ID_PREFIX = "https://openvex.dev/docs/secgate/"


@dataclass(frozen=True)
class Written:
    statements: int
    left_out: int
    """Accepted or VEX-decided findings with no package URL and vulnerability to state."""


def document(result: ScanResult, today: date) -> tuple[dict[str, Any], int]:
    """The OpenVEX document of ``result``, and how many decided findings it could not state."""
    statements: dict[str, dict[str, Any]] = {}
    left_out = 0
    for finding in result.findings:
        decision = finding.decision
        if decision is None or not decision.decided_by.startswith(("accept:", "vex:")):
            continue
        statement = _statement(finding)
        if statement is None:
            left_out += 1
            continue
        key = json.dumps(statement, sort_keys=True)
        statements.setdefault(key, statement)
    ordered = [statements[key] for key in sorted(statements)]
    digest = hashlib.sha256(json.dumps(ordered, sort_keys=True).encode()).hexdigest()
    doc = {
        "@context": CONTEXT,
        "@id": f"{ID_PREFIX}{digest[:32]}",
        "author": "secgate",
        "role": "policy gate",
        "timestamp": f"{today.isoformat()}T00:00:00Z",
        "version": 1,
        "tooling": f"secgate {__version__}",
        "statements": ordered,
    }
    return doc, left_out


def _statement(finding: Finding) -> dict[str, Any] | None:
    decision = finding.decision
    product = finding_product(finding)
    if decision is None or product is None or finding.vulnerability is None:
        return None
    vuln = finding.vulnerability
    name = vuln.canonical_id
    aliases = sorted(vuln.all_ids - {name})
    statement: dict[str, Any] = {
        "vulnerability": {"name": name, **({"aliases": aliases} if aliases else {})},
        "products": [{"@id": product.text}],
    }
    if decision.vex is not None:
        statement["status"] = decision.vex.status
        if decision.vex.justification:
            statement["justification"] = decision.vex.justification
        if decision.vex.impact:
            statement["impact_statement"] = decision.vex.impact
        statement["status_notes"] = (
            f"from {decision.decided_by} (statement "
            f"{decision.vex.statement} of {decision.vex.source})"
        )
    else:
        statement["status"] = "affected"
        statement["action_statement"] = f"{decision.decided_by}: {decision.reason}"
    return statement


def write(result: ScanResult, path: Path, today: date) -> Written:
    """Write the document to ``path`` ('-' for standard output)."""
    doc, left_out = document(result, today)
    text = jsonout.dumps_text(doc, indent=True)
    if str(path) == "-":
        print(text, end="")
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot write the OpenVEX document: {exc.strerror}") from None
    return Written(statements=len(doc["statements"]), left_out=left_out)
