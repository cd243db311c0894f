"""The content of a notification, made from the finished, redacted ``ScanResult``.

Only what locates and explains a finding goes in (severity, tool, rule, place, message, ids),
never its snippet or secret preview; every text is cleaned of control characters and cut to a
bounded length. Each format escapes what its own markup needs.
"""

from __future__ import annotations

from secgate.model import Action, ScanResult
from secgate.outbound.context import RunContext
from secgate.outbound.logs import finding_fields, where
from secgate.outbound.notify.interface import BlockingLine, Digest
from secgate.reports.presentation import VERDICT_WORDS, one_line

TOP_BLOCKING = 10
SHOWN_REASONS = 10


def build(result: ScanResult, context: RunContext, events: tuple[str, ...]) -> Digest:
    """The digest of ``result`` for a message sent on ``events``."""
    blocking = [
        f for f in result.findings if f.decision is not None and f.decision.action is Action.BLOCK
    ]
    lines = tuple(
        BlockingLine(
            severity=f.severity.value,
            tool=one_line(f.tool, 60),
            rule_id=one_line(f.rule_id, 120),
            where=one_line(where(f), 200),
            message=one_line(f.message, 200),
            fields={**finding_fields(f), "message": one_line(f.message, 300)},
        )
        for f in blocking[:TOP_BLOCKING]
    )
    verdict = result.verdict
    return Digest(
        events=events,
        status=verdict.status,
        exit_code=verdict.exit_code,
        headline=VERDICT_WORDS[verdict.status],
        reasons=tuple(one_line(r, 300) for r in verdict.reasons[:SHOWN_REASONS]),
        counts=dict(sorted(verdict.counts.items())),
        blocking=lines,
        blocking_total=len(blocking),
        finding_total=len(result.findings),
        repository=one_line(context.repository, 200),
        branch=one_line(context.branch, 200),
        commit=context.commit,
        run_url=context.run_url,
        policy=one_line(result.policy, 300),
        target=one_line(result.target, 300) if result.target else None,
        secgate_version=result.secgate_version,
        scanners=tuple(
            (
                one_line(r.tool, 60),
                "incomplete" if r.incomplete and r.status.value == "ok" else r.status.value,
                r.finding_count,
            )
            for r in result.runs
        ),
    )
