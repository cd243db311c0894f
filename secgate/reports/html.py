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
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files
from json.encoder import encode_basestring as quote  # the json module's own (C) string writer
from operator import itemgetter
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from secgate.findings.ids import id_url
from secgate.model import SEVERITY_RANK, Finding, ScannerRun, ScanResult, Severity
from secgate.policy.accept import today as policy_today
from secgate.reports import presentation

TEMPLATE = "report.html.j2"
_CHART_WIDTH = 320
_SNIPPET_LIMIT = 2_000
_MESSAGE_LIMIT = 4_000


_DATA_SLOT = "\x00secgate-data\x00"
"""Where the findings' JSON goes in the rendered page (spliced in after Jinja2, not through it:
copying tens of megabytes through the template costs more than rendering everything else)."""


def render(result: ScanResult) -> str:
    """The whole HTML page for ``result``."""
    with presentation.gc_paused():
        return _render(result)


def _render(result: ScanResult) -> str:
    css = _resource("report.css")
    script = _resource("report.js")
    rows = _Rows(result.findings)
    overview = rows.overview
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
        "accepted": [_accepted_row(f) for f in rows.accepted()],
        "runs": [_run_row(r) for r in result.runs],
        "fixed": [
            (
                f.tool,
                f.rule_id,
                presentation.location_text(f),
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
        "data": Markup(_DATA_SLOT),  # noqa: S704 - a placeholder, replaced below
        "csp": _csp(css, script),
    }
    page = _environment().get_template(TEMPLATE).render(context)
    # the last occurrence: only the template's own script comes after the slot
    before, _, after = page.rpartition(_DATA_SLOT)
    return "".join([before, *rows.json_parts(), after])


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


def embed_json(data: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` element: no ``<``, ``>`` or
    ``&`` (so no ``</script>`` or comment can end the block) and no line separators."""
    return script_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def script_safe(text: str) -> str:
    """JSON text made safe inside a ``<script>`` element (see ``embed_json``)."""
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    if text.isascii():  # (a constant-time test) no line separator in it
        return text
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


_FIELDS = itemgetter(
    "decision",
    "severity",
    "score",
    "category",
    "baseline",
    "message",
    "rule_id",
    "sources",
    "cwes",
    "vulnerability",
    "location",
    "package",
    "fingerprint",
    "tool",
    "rule_description",
    "rule_name",
    "help_uri",
    "suppression",
    "secret",
    "kev",
    "epss",
)
"""The fields a row reads, straight from a finding's ``__dict__`` (where pydantic keeps them):
one call instead of one attribute lookup each."""


class _Memo(dict[Any, str]):
    """``make(key)`` for each key, made once: most of a row's values repeat from finding to
    finding (tools, rules, descriptions, reasons, scores)."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> str:
        value = self[key] = self.make(key)
        return value


def _quote_clean(text: str) -> str:
    return quote(presentation.clean(text))


class _Rows:
    """The findings as the page's script reads them, in report order, and the counts, all from
    one pass over the findings.

    The script reads ``{"findings": [row, ...]}``; a row is an object with the short keys
    ``s`` severity, ``r`` its rank, ``sc`` score, ``t`` tools, ``src`` "tool: rule" of each
    source, ``c`` category, ``d`` decision, ``rule``, ``m`` message, ``loc`` location, ``ids``
    [id, link or null] pairs, then only when not empty ``rn`` rule name, ``why`` and ``by`` of
    the decision, ``snip`` snippet, ``pkg`` package, ``fix`` fixed versions, ``help`` link,
    ``b`` baseline state, ``fp`` fingerprint, ``supp`` suppression, ``sec`` secret, ``exp``
    acceptance expiry, ``kev`` what CISA's KEV catalog says (``kx`` true when it lists the
    vulnerability), ``epss`` the EPSS score, ``rch`` the reachability of a Python dependency
    and why (``ru`` true when not reachable). Each row is written straight to JSON text, as
    ``json.dumps(row, ensure_ascii=False, separators=(",", ":"))`` would write it: at 100,000
    findings, building a dict per finding and serializing them all cost more than the rest of
    the page."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.quoted = _Memo(quote)
        self.cleaned = _Memo(_quote_clean)
        self.scores = _Memo(repr)  # the json module writes a float as its repr
        self.sources = _Memo(_source_json)
        self.ids = _Memo(_ids_json)
        self.help = _Memo(_help_json)
        self.tools: Counter[str] = Counter()
        rows: list[str] = []
        facts: list[presentation.Facts] = []
        keys: list[tuple[Any, ...]] = []
        for finding in findings:
            row, fact, key = self._row(finding)
            rows.append(row)
            facts.append(fact)
            keys.append(key)
        self._rows = rows
        self._keys = keys
        self._facts = facts
        self.overview = presentation.Overview(findings, facts, dict(sorted(self.tools.items())))

    def accepted(self) -> list[Finding]:
        """The findings an accepted risk or a VEX statement decided, in report order."""
        chosen = [
            i for i, fact in enumerate(self._facts) if fact[7].startswith(("accept", "vex:"))
        ]  # what decided it
        return [self.findings[i] for i in sorted(chosen, key=self._keys.__getitem__)]

    def json_parts(self) -> list[str]:
        """The ``<script type="application/json">`` content (what ``embed_json`` would write),
        in parts to be joined (the page is joined once: at 100,000 findings it is 57 MB)."""
        rows = self._rows
        if not rows:
            return ['{"findings":[]}']
        order = sorted(range(len(rows)), key=self._keys.__getitem__)
        parts = [","] * (2 * len(rows) + 1)
        parts[0] = '{"findings":['
        parts[1::2] = [rows[i] for i in order]
        parts[-1] = "]}"
        return parts

    def _row(self, finding: Finding) -> tuple[str, presentation.Facts, tuple[Any, ...]]:
        """The finding's row as JSON, its ``presentation.Facts`` and its place in report order (a
        key that sorts as ``presentation.report_key``); counts its tools. It reads each field of the
        finding once: this runs once per finding, keep it lean."""
        q = self.quoted
        qc = self.cleaned
        clean = presentation.clean
        (
            decision,
            severity_enum,
            score,
            category_enum,
            baseline,
            message,
            rule_id,
            sources,
            cwes,
            vulnerability,
            loc,
            package,
            fingerprint,
            tool,
            rule_description,
            rule_name,
            help_uri,
            suppression,
            secret,
            kev,
            epss,
        ) = _FIELDS(finding.__dict__)
        severity: str = severity_enum._value_  # ``.value`` is a slow property
        category: str = category_enum._value_
        if decision is None:
            action, decided_by, why, by = presentation.NO_DECISION, "", "", ""
        else:
            action, decided_by = decision.action._value_, decision.decided_by
            # (``clean`` never empties a string: a value is there when the field is not empty)
            why = ',"why":' + qc[decision.reason] if decision.reason else ""
            by = ',"by":' + qc[decided_by] if decided_by else ""
        rank = presentation.ACTION_RANK[action]
        severity_rank = SEVERITY_RANK[severity]
        fact = (rank, -severity_rank, -score, severity, category, action, baseline, decided_by)
        if len(sources) == 1:
            source = sources[0]
            self.tools[source.tool] += 1
            found_by = self.sources[source.tool, source.rule_id]
        else:
            tools = finding.source_tools
            self.tools.update(tools)
            found_by = (
                f'"t":[{",".join([q[t] for t in tools])}],"src":['
                + ",".join([q[f"{s.tool}: {clean(s.rule_id)}"] for s in sources])
                + "]"
            )
        if vulnerability is None and len(cwes) < 2:
            ids = self.ids[tuple(cwes)]
        else:
            ids = self.ids[tuple(presentation.finding_ids(finding))]
        if loc is not None:
            path = loc.path
            line = loc.start_line
            where = f"{path}:{line}" if line else path
            snippet = loc.snippet
            snip = (
                ',"snip":' + quote(presentation.truncate(clean(snippet), _SNIPPET_LIMIT))
                if snippet
                else ""
            )
        else:
            path, line, snip = "", 0, ""
            where = presentation.location_text(finding)
        pkg = ""
        if package is not None:
            if package_text := presentation.package_text(finding):
                pkg = ',"pkg":' + quote(clean(package_text))
            if package.fixed_versions:
                pkg += ',"fix":[' + ",".join([qc[v] for v in package.fixed_versions]) + "]"
        # Finding.sort_key() read from the fields above, spelled out; tests check they agree
        key = (
            rank,
            -severity_rank,
            -score,
            path,
            line or 0,
            tool,
            rule_id,
            package.name if package is not None else "",
            fingerprint or "",
            message,
        )
        name = rule_description or rule_name
        rn = ',"rn":' + qc[name] if name else ""
        if len(message) > _MESSAGE_LIMIT or not message.isprintable():
            message = presentation.truncate(clean(message), _MESSAGE_LIMIT)
        if not where.isprintable():
            where = clean(where)
        extra = "".join(
            [
                self.help[help_uri],
                ',"b":' + q[baseline] if baseline else "",
                ',"fp":' + quote(fingerprint) if fingerprint else "",
                ',"supp":' + quote(_suppression_text(finding) or "")
                if suppression is not None
                else "",
                ',"sec":' + quote(_secret_text(finding) or "") if secret is not None else "",
                ',"exp":' + quote(expiry)
                if decided_by.startswith("accept")
                and (expiry := presentation.acceptance_expiry(finding))
                else "",
                _exploit_json(finding) if kev is not None or epss is not None else "",
                _reachable_json(finding),
            ]
        )
        # (-0.0 == 0.0: zero is written on its own, as its sign shows in JSON)
        written_score = self.scores[score] if score else repr(score)
        row = (
            f'{{"s":{q[severity]},"r":{severity_rank},"sc":{written_score},{found_by},'
            f'"c":{q[category]},"d":{q[action]},"rule":{qc[rule_id]},"m":{quote(message)},'
            f'"loc":{quote(where)},"ids":{ids}{rn}{why}{by}{snip}{pkg}{extra}}}'
        )
        return script_safe(row), fact, key


def _exploit_json(finding: Finding) -> str:
    """``,"kev":text`` (and ``,"kx":true`` when listed) and ``,"epss":text`` of a finding with
    exploitation facts."""
    parts = []
    kev = presentation.kev_text(finding)
    if kev is not None:
        parts.append(',"kev":' + quote(kev))
        if finding.kev is not None and finding.kev.listed:
            parts.append(',"kx":true')
    epss = presentation.epss_text(finding)
    if epss is not None:
        parts.append(',"epss":' + quote(epss))
    return "".join(parts)


def _reachable_json(finding: Finding) -> str:
    """``,"rch":text`` (and ``,"ru":true`` when not reachable) of a judged Python dependency
    finding, else nothing."""
    text = presentation.reachable_text(finding)
    if text is None:
        return ""
    return ',"rch":' + quote(text) + (',"ru":true' if finding.reachable is False else "")


def _source_json(source: tuple[str, str]) -> str:
    """``"t":[tool],"src":["tool: rule"]`` of a finding with one source."""
    tool, rule_id = source
    return f'"t":[{quote(tool)}],"src":[{quote(f"{tool}: {presentation.clean(rule_id)}")}]'


def _ids_json(ids: tuple[str, ...]) -> str:
    """``[[id, link or null], ...]``."""
    return json.dumps([[i, id_url(i)] for i in ids], ensure_ascii=False, separators=(",", ":"))


def _help_json(url: str | None) -> str:
    """``,"help":url`` when ``url`` is safe to link to, else nothing."""
    safe = presentation.safe_http_url(url)
    return ',"help":' + quote(safe) if safe else ""


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
        "where": presentation.clean(presentation.location_text(finding)),
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
