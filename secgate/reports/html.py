"""The HTML report: one self-contained file a security engineer opens in a browser.

The page loads nothing from the network: its CSS and JavaScript are inline, and a
Content-Security-Policy allows only those two inline blocks (by their SHA-256 hashes), so markup
smuggled in through a scanner's text could not run or fetch anything even if it were not escaped.
Everything a scanner wrote is escaped anyway: the server-rendered parts by Jinja2's autoescape,
and the findings, which travel as JSON in a ``<script type="application/json">`` block, are put
on the page by the script with ``textContent`` only. The script renders one page of rows at a
time, so the report stays usable with tens of thousands of findings.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from secgate.model import Finding, ScannerRun, ScanResult, Severity
from secgate.reports import common

TEMPLATE = "report.html.j2"
_CHART_WIDTH = 320
_SNIPPET_LIMIT = 2_000
_MESSAGE_LIMIT = 4_000


def render(result: ScanResult) -> str:
    """The whole HTML page for ``result``."""
    with common.gc_paused():
        return _render(result)


def _render(result: ScanResult) -> str:
    css = _resource("report.css")
    script = _resource("report.js")
    findings = common.report_order(result)
    context = {
        "result": result,
        "verdict_word": common.VERDICT_WORDS[result.verdict.status],
        "status": result.verdict.status.value,
        "totals": _totals(result),
        "charts": [
            ("Severity", _bars(common.counts_by(result.findings, "severity"))),
            ("Category", _bars(common.counts_by(result.findings, "category"))),
            ("Tool", _bars(common.counts_by(result.findings, "tool"))),
            ("Decision", _bars(common.counts_by(result.findings, "action"))),
        ],
        "filters": {
            "severity": [s.value for s in Severity],
            "tool": sorted({t for f in result.findings for t in f.source_tools}),
            "category": sorted({f.category.value for f in result.findings}),
            "decision": list(common.counts_by(result.findings, "action")),
        },
        "accepted": [_accepted_row(f) for f in findings if common.is_accepted(f)],
        "runs": [_run_row(r) for r in result.runs],
        "fixed": [(f.tool, f.rule_id, common.location_text(f), common.one_line(f.message, 200))
                  for f in result.fixed[:500]],
        "notes": [common.clean(n) for n in result.notes],
        "reasons": [common.clean(r) for r in result.verdict.reasons],
        "css": Markup(css),  # noqa: S704 - our own packaged stylesheet, not scanner text
        "script": Markup(script),  # noqa: S704 - our own packaged script, not scanner text
        "data": Markup(embed_json({"findings": [finding_row(f) for f in findings]})),  # noqa: S704
        "csp": _csp(css, script),
    }
    return _environment().get_template(TEMPLATE).render(context)


def embed_json(data: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` element: no ``<``, ``>`` or
    ``&`` (so no ``</script>`` or comment can end the block) and no line separators."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def finding_row(finding: Finding) -> dict[str, Any]:
    """What the page's script shows of one finding (short keys: 10,000 of these are embedded)."""
    loc = finding.location
    decision = finding.decision
    row: dict[str, Any] = {
        "s": finding.severity.value,
        "r": finding.severity.rank,
        "sc": finding.score,
        "t": finding.source_tools,
        "src": [f"{s.tool}: {common.clean(s.rule_id)}" for s in finding.sources],
        "c": finding.category.value,
        "d": common.action_of(finding),
        "rule": common.clean(finding.rule_id),
        "m": common.truncate(common.clean(finding.message), _MESSAGE_LIMIT),
        "loc": common.clean(common.location_text(finding)),
        "ids": [[i, common.id_url(i)] for i in common.finding_ids(finding)],
    }
    optional: dict[str, Any] = {
        "rn": common.clean(finding.rule_description or finding.rule_name),
        "why": common.clean(decision.reason) if decision else None,
        "by": common.clean(decision.decided_by) if decision else None,
        "snip": common.truncate(common.clean(loc.snippet), _SNIPPET_LIMIT) if loc else None,
        "pkg": common.clean(common.package_text(finding)) or None,
        "fix": [common.clean(v) for v in finding.package.fixed_versions]
        if finding.package else None,
        "help": common.safe_http_url(finding.help_uri),
        "b": finding.baseline,
        "fp": finding.fingerprint,
        "supp": _suppression_text(finding),
        "sec": _secret_text(finding),
        "exp": common.acceptance_expiry(finding) if common.is_accepted(finding) else None,
    }
    row.update({k: v for k, v in optional.items() if v})
    return row


def _suppression_text(finding: Finding) -> str | None:
    supp = finding.suppression
    if supp is None:
        return None
    why = f": {common.clean(supp.justification)}" if supp.justification else ""
    return f"{supp.kind.value}{why}"


def _secret_text(finding: Finding) -> str | None:
    secret = finding.secret
    if secret is None:
        return None
    verified = {True: "verified live", False: "not verified", None: "unverified"}[secret.verified]
    kind = common.clean(secret.kind) or "secret"
    return f"{kind}, {common.clean(secret.preview)} ({verified})"


def _totals(result: ScanResult) -> dict[str, int]:
    new, existing, unknown = common.new_existing(result.findings)
    actions = common.counts_by(result.findings, "action")
    return {
        "findings": len(result.findings),
        "blocking": actions.get("block", 0),
        "warning": actions.get("warn", 0),
        "new": new,
        "existing": existing,
        "unknown_baseline": unknown,
        "fixed": len(result.fixed),
    }


def _bars(counts: dict[str, int]) -> list[dict[str, Any]]:
    top = max(counts.values(), default=0) or 1
    return [{"label": label, "count": count, "key": label,
             "width": max(2, round(count / top * _CHART_WIDTH)), "y": i * 24}
            for i, (label, count) in enumerate(counts.items())]


def _accepted_row(finding: Finding) -> dict[str, str]:
    decision = finding.decision
    return {
        "what": common.clean(f"{finding.tool}: {finding.rule_id}"),
        "where": common.clean(common.location_text(finding)),
        "ids": ", ".join(common.finding_ids(finding)),
        "reason": common.clean(decision.reason if decision else ""),
        "by": common.clean(decision.decided_by if decision else ""),
        "expires": common.acceptance_expiry(finding) or "no expiry",
    }


def _run_row(run: ScannerRun) -> dict[str, Any]:
    status = run.status.value + (" (incomplete)" if run.incomplete else "")
    detail = run.error or "; ".join(run.notes)
    origin = f"input {run.input_file}" if run.origin == "input" and run.input_file else run.origin
    return {
        "tool": run.tool,
        "status": status,
        "ok": run.succeeded,
        "version": run.version or "?",
        "duration": f"{run.duration:.1f} s",
        "findings": run.finding_count,
        "origin": common.clean(origin),
        "detail": common.truncate(common.clean(detail), 2_000),
    }


def _csp(css: str, script: str) -> str:
    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")

    return ("default-src 'none'; "
            f"script-src 'sha256-{digest(script)}'; style-src 'sha256-{digest(css)}'; "
            "img-src data:; base-uri 'none'; form-action 'none'")


@lru_cache(maxsize=8)
def _resource(name: str) -> str:
    return files("secgate.report_templates").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FunctionLoader(_resource),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
