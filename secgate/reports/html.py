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
from functools import lru_cache
from importlib.resources import files
from typing import Any

import orjson
from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from secgate.findings.ids import id_url
from secgate.model import Finding, ScannerRun, ScanResult, Severity
from secgate.policy.accept import today as policy_today
from secgate.reports import presentation
from secgate.sarif import jsonout

TEMPLATE = "report.html.j2"
_CHART_WIDTH = 320
_SNIPPET_LIMIT = 2_000
_MESSAGE_LIMIT = 4_000


def render(result: ScanResult, *, overview: presentation.Overview | None = None) -> str:
    """The whole HTML page for ``result``."""
    return render_bytes(result, overview=overview).decode("utf-8")


def render_bytes(result: ScanResult, *, overview: presentation.Overview | None = None) -> bytes:
    """The whole HTML page for ``result`` as UTF-8: the template's ``before_data`` block, the
    findings' JSON, its ``after_data`` block. Each piece the template yields is encoded as it
    comes, and the JSON is never text, so the page is never held as one string (at 100,000
    findings its text would take twice or four times its 60 MB of UTF-8, once a character
    beyond Latin-1 is in it). ``overview``: the one other reports of ``result`` share, when
    there is one."""
    with presentation.gc_paused():
        return _render(result, overview or presentation.Overview(result.findings))


def _render(result: ScanResult, overview: presentation.Overview) -> bytes:
    css = _resource("report.css")
    script = _resource("report.js")
    ordered = overview.order
    tools = overview.counts("tool")
    actions = overview.counts("action")
    categories = overview.counts("category")
    context = {
        "result": result,
        "verdict_word": presentation.VERDICT_WORDS[result.verdict.status],
        "status": result.verdict.status.value,
        "totals": _totals(result, overview),
        "charts": [
            ("Severity", _bars(overview.counts("severity"))),
            ("Category", _bars(categories)),
            ("Tool", _bars(tools)),
            ("Decision", _bars(actions)),
        ],
        "filters": {
            "severity": [s.value for s in Severity],
            "tool": list(tools),
            "category": list(categories),
            "decision": list(actions),
        },
        # a pass over every finding only when the counts say some were accepted
        "accepted": [_accepted_row(f) for f in ordered if _accepted(f)]
        if overview.accepted or overview.vex
        else [],
        "runs": [_run_row(r) for r in result.runs],
        "fixed": [
            (
                f.tool,
                f.rule_id,
                f.place,
                presentation.one_line(f.message, 200),
            )
            for f in result.fixed[:500]
        ],
        "notes": [presentation.clean(n) for n in result.notes],
        "gate": _gate(result),
        "upgrades": _upgrades(result),
        "advisories": presentation.snapshot_lines(result, policy_today()),
        "reasons": [presentation.clean(r) for r in result.verdict.reasons],
        "css": Markup(css),  # noqa: S704 - our own packaged stylesheet, not scanner text
        "script": Markup(script),  # noqa: S704 - our own packaged script, not scanner text
        "csp": _csp(css, script),
    }
    template = _environment().get_template(TEMPLATE)
    page = template.new_context(context)
    pieces = [piece.encode("utf-8") for piece in template.blocks["before_data"](page)]
    # the findings' JSON, made safe inside its <script> element, is written as orjson made it:
    # as template text it would be decoded, copied by the escaping and encoded again
    rows = [_row_json(f) for f in ordered]
    pieces.append(script_safe(jsonout.dumps({"findings": rows}, indent=False)[:-1]))
    del rows
    pieces.extend(piece.encode("utf-8") for piece in template.blocks["after_data"](page))
    return b"".join(pieces)


def _gate(result: ScanResult) -> dict[str, Any] | None:
    """Pull-request mode: the changes the pull request makes to the gate, for the template."""
    review = result.pull_request
    if review is None or not review.changes:
        return None
    return {
        "base": presentation.clean(review.base),
        "commit": review.commit[:12],
        "on_weakening": review.on_weakening,
        "changes": [
            (
                c.weakens,
                presentation.clean(c.file),
                presentation.clean(c.setting),
                presentation.clean(c.summary),
            )
            for c in review.changes
        ],
    }


def script_safe(data: bytes) -> bytes:
    """UTF-8 JSON text safe inside a ``<script type="application/json">`` element: no ``<``,
    ``>`` or ``&`` (so no ``</script>`` or comment can end the block) and no line separators."""
    data = data.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
    return data.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")


def _upgrades(result: ScanResult) -> dict[str, Any] | None:
    """The upgrade plan of the blocking dependencies, for the template."""
    plan = result.upgrades
    if plan is None or not plan.packages:
        return None
    written = sum(1 for u in plan.packages if u.applied)
    left = len(plan.left_blocking)
    return {
        "written": written,
        "listed": len(plan.packages) - written,
        "rows": [
            (
                u.name,
                u.version or "?",
                f"{u.target} ({u.status})" if u.target else u.status,
                presentation.clean(u.reason),
            )
            for u in plan.packages
        ],
        "diff": presentation.clean(plan.diff),
        "left": "The plan clears every blocking finding."
        if not left
        else f"After the plan, {left} blocking finding(s) remain.",
    }


def _accepted(finding: Finding) -> bool:
    """True when an accepted risk or a VEX statement decided the finding."""
    decision = finding.decision
    return decision is not None and decision.decided_by.startswith(("accept", "vex:"))


def _row_json(finding: Finding) -> orjson.Fragment:
    """``_row(finding)`` as JSON text (``secgate.sarif.jsonout``), made at once so that the row's
    data is freed before the next row is made: 100,000 of them would take ~150 MB."""
    return orjson.Fragment(jsonout.dumps(_row(finding), indent=False)[:-1])


def _row(finding: Finding) -> dict[str, Any]:
    """The finding as the page's script reads it: an object with the short keys ``s``
    severity, ``r`` its rank, ``sc`` score, ``t`` tools, ``src`` "tool: rule" of each source,
    ``c`` category, ``d`` decision, ``rule``, ``m`` message, ``loc`` location, ``ids`` [id, link
    or null] pairs, then only when not empty ``rn`` rule name, ``why`` and ``by`` of the
    decision, ``snip`` snippet, ``pkg`` package, ``fix`` fixed versions, ``help`` link, ``b``
    baseline state, ``fp`` fingerprint, ``supp`` suppression, ``sec`` secret, ``exp`` acceptance
    expiry, ``kev`` what CISA's KEV catalog says (``kx`` true when it lists the vulnerability),
    ``epss`` the EPSS score, ``rch`` the reachability of a Python dependency and why (``ru`` true
    when not reachable)."""
    clean = presentation.clean
    severity = finding.severity
    row: dict[str, Any] = {
        "s": presentation.SEVERITY_NAMES[severity],
        "r": presentation.SEVERITY_RANKS[severity],
        "sc": finding.score,
        "t": presentation.tools_of(finding),
        "src": [f"{source.tool}: {clean(source.rule_id)}" for source in finding.sources],
        "c": presentation.CATEGORY_NAMES[finding.category],
        "d": presentation.action_of(finding),
        "rule": clean(finding.rule_id),
        "m": presentation.truncate(clean(finding.message), _MESSAGE_LIMIT),
        "loc": clean(finding.place),
        "ids": [[i, _id_link(i)] for i in presentation.finding_ids(finding)],
    }
    _add_decision_fields(row, finding)
    _add_detail_fields(row, finding)
    return row


_id_link = lru_cache(maxsize=4096)(id_url)
"""``id_url``, remembered: the CWEs of a rule's findings repeat."""


def _add_decision_fields(row: dict[str, Any], finding: Finding) -> None:
    """Add the row's ``rn``, ``why``, ``by``, ``snip``, ``pkg`` and ``fix``, those not empty."""
    clean = presentation.clean
    decision = finding.decision
    name = finding.rule_description or finding.rule_name
    if name:
        row["rn"] = clean(name)
    if decision is not None:
        if decision.reason:
            row["why"] = clean(decision.reason)
        if decision.decided_by:
            row["by"] = clean(decision.decided_by)
    snippet = finding.location.snippet if finding.location is not None else None
    if snippet:
        row["snip"] = presentation.truncate(clean(snippet), _SNIPPET_LIMIT)
    package = finding.package
    if package is not None:
        if package_text := presentation.package_text(finding):
            row["pkg"] = clean(package_text)
        if package.fixed_versions:
            row["fix"] = [clean(v) for v in package.fixed_versions]


def _add_detail_fields(row: dict[str, Any], finding: Finding) -> None:
    """Add the row's ``help``, ``b``, ``fp``, ``supp``, ``sec``, ``exp``, ``kev``, ``kx``,
    ``epss``, ``rch`` and ``ru``, those not empty."""
    if finding.help_uri and (help_url := presentation.safe_http_url(finding.help_uri)):
        row["help"] = help_url
    if finding.baseline:
        row["b"] = finding.baseline
    if finding.fingerprint:
        row["fp"] = finding.fingerprint
    if finding.suppression is not None:
        row["supp"] = _suppression_text(finding) or ""
    if finding.secret is not None:
        row["sec"] = _secret_text(finding) or ""
    decision = finding.decision
    if (
        decision is not None
        and decision.decided_by.startswith("accept")
        and (expiry := presentation.acceptance_expiry(finding))
    ):
        row["exp"] = expiry
    if finding.kev is not None and (kev := presentation.kev_text(finding)):
        row["kev"] = kev
        if finding.kev.listed:
            row["kx"] = True
    if finding.epss is not None and (epss := presentation.epss_text(finding)):
        row["epss"] = epss
    if finding.reachable is not None:
        row["rch"] = presentation.reachable_text(finding)
        if finding.reachable is False:
            row["ru"] = True


def _suppression_text(finding: Finding) -> str | None:
    supp = finding.suppression
    if supp is None:
        return None
    why = f": {presentation.clean(supp.justification)}" if supp.justification else ""
    return f"{supp.kind.value}{why}"


def _secret_text(finding: Finding) -> str | None:
    secret = finding.secret
    if secret is None:
        return None
    verified = {True: "verified live", False: "not verified", None: "unverified"}[secret.verified]
    kind = presentation.clean(secret.kind) or "secret"
    return f"{kind}, {presentation.clean(secret.preview)} ({verified})"


def _totals(result: ScanResult, overview: presentation.Overview) -> dict[str, int]:
    actions = overview.counts("action")
    return {
        "findings": overview.total,
        "blocking": actions.get("block", 0),
        "warning": actions.get("warn", 0),
        "new": overview.new,
        "existing": overview.existing,
        "unknown_baseline": overview.unknown_baseline,
        "fixed": len(result.fixed),
    }


def _bars(counts: dict[str, int]) -> list[dict[str, Any]]:
    top = max(counts.values(), default=0) or 1
    return [
        {
            "label": label,
            "count": count,
            "key": label,
            "width": max(2, round(count / top * _CHART_WIDTH)),
            "y": i * 24,
        }
        for i, (label, count) in enumerate(counts.items())
    ]


def _accepted_row(finding: Finding) -> dict[str, str]:
    decision = finding.decision
    return {
        "what": presentation.clean(f"{finding.tool}: {finding.rule_id}"),
        "where": presentation.clean(finding.place),
        "ids": ", ".join(presentation.finding_ids(finding)),
        "reason": presentation.clean(decision.reason if decision else ""),
        "by": presentation.clean(decision.decided_by if decision else ""),
        "expires": "VEX statement"
        if decision is not None and decision.vex is not None
        else presentation.acceptance_expiry(finding) or "no expiry",
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
        "origin": presentation.clean(origin),
        "detail": presentation.truncate(presentation.clean(detail), 2_000),
    }


def _csp(css: str, script: str) -> str:
    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")

    return (
        "default-src 'none'; "
        f"script-src 'sha256-{digest(script)}'; style-src 'sha256-{digest(css)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


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
