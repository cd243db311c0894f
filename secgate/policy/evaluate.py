"""Judging findings and scanner runs against a policy: a pure function, no I/O.

Each finding gets one ``Decision``, taken by the first of these that applies:

1. ``suppression``: the tool reported it suppressed (``# nosec``, ``# nosemgrep``, a SARIF
   suppression) and the policy honours inline suppressions -> ignore;
2. ``accept:<id>``: an acceptance that has not expired covers it -> ignore;
3. ``vex:<document>``: the current VEX statement about its package and vulnerability says
   ``not_affected`` with a justification, or ``fixed`` (``secgate.advisories.vex``) -> ignore;
4. ``rule:<id>``: the first rule whose ``match`` fits -> that rule's action;
5. ``license``: a license finding, when the policy has ``licenses`` -> allowed: pass,
   denied: block, anything else: ``licenses.unknown``;
6. ``threshold``: ``fail_on`` -> block, ``warn_on`` -> warn, else pass.

Then a finding the baseline already had (``Finding.baseline == "existing"``) cannot block: a
block becomes a warn decided by ``baseline`` (it stays visible, it does not fail the build).
In pull-request mode with ``pull_request.block: changed`` (the default), a block on a finding
the pull request does not touch (``Finding.changed is False``) becomes a warn decided by
``diff`` in the same way.
An acceptance past its date is ignored in step 2 and the decision says it expired.

The verdict also weighs the advisory data the scan consulted: with ``advisories.max_age_days``,
a snapshot older than that makes the verdict at least "warn", or "error" with
``on_stale: block`` (``secgate.advisories.staleness``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from secgate.advisories import staleness
from secgate.model import (
    Action,
    AdvisorySnapshot,
    Category,
    Decision,
    Finding,
    RunStatus,
    ScannerRun,
    Severity,
    Verdict,
    VerdictStatus,
)
from secgate.policy import accept
from secgate.policy.accept import AcceptanceState
from secgate.policy.licenses import LicenseStatus, judge
from secgate.policy.match import acceptance_matches, finding_matches
from secgate.policy.model import INSTALLED, Policy, Threshold, rule_label

if TYPE_CHECKING:
    from secgate.advisories.vex import VexIndex  # read only when a scan has VEX documents


@dataclass
class Evaluation:
    """The verdict, and the run-wide notes for the reader (acceptances expired, stale...)."""

    verdict: Verdict
    notes: list[str] = field(default_factory=list)


def _at_or_above(severity: Severity, threshold: Threshold) -> bool:
    return threshold != "none" and severity.rank >= Severity(threshold).rank


def _name(threshold: Threshold) -> str:
    return threshold.value if isinstance(threshold, Severity) else threshold


def _threshold(finding: Finding, policy: Policy) -> Decision:
    return _threshold_decision(finding.severity, policy.fail_on, policy.warn_on)


@functools.lru_cache(maxsize=256)
def _threshold_decision(severity: Severity, fail_on: Threshold, warn_on: Threshold) -> Decision:
    """One shared decision per severity and thresholds (decisions are never changed in place:
    a later step that qualifies one makes a copy)."""
    sev = severity.value
    if _at_or_above(severity, fail_on):
        return Decision(
            action=Action.BLOCK,
            decided_by="threshold",
            reason=f"severity {sev} is at or above fail_on: {_name(fail_on)}",
        )
    if _at_or_above(severity, warn_on):
        return Decision(
            action=Action.WARN,
            decided_by="threshold",
            reason=f"severity {sev} is at or above warn_on: {_name(warn_on)}",
        )
    return Decision(
        action=Action.PASS,
        decided_by="threshold",
        reason=f"severity {sev} is below warn_on: {_name(warn_on)}",
    )


def _license(finding: Finding, policy: Policy) -> Decision | None:
    if policy.licenses is None:
        return None
    if finding.license is None and finding.category is not Category.LICENSE:
        return None
    spdx = finding.license.spdx if finding.license else None
    status, why = judge(spdx, policy.licenses)
    shown = spdx or (finding.license.raw if finding.license else finding.rule_id)
    action = {
        LicenseStatus.ALLOWED: Action.PASS,
        LicenseStatus.DENIED: Action.BLOCK,
        LicenseStatus.UNKNOWN: Action(policy.licenses.unknown),
    }[status]
    suffix = (
        f" (licenses.unknown: {policy.licenses.unknown})" if status is LicenseStatus.UNKNOWN else ""
    )
    return Decision(action=action, decided_by="license", reason=f"license {shown}: {why}{suffix}")


def _rule(finding: Finding, policy: Policy) -> Decision | None:
    for index, rule in enumerate(policy.rules):
        if finding_matches(finding, rule.match):
            label = rule_label(rule, index)
            name = f"rule {rule.id}" if rule.id else f"rules[{index}]"
            why = f"{name} matches" + (f": {rule.reason}" if rule.reason else "")
            return Decision(action=Action(rule.action), decided_by=f"rule:{label}", reason=why)
    return None


def decide(
    finding: Finding,
    policy: Policy,
    acceptances: list[AcceptanceState],
    vex: VexIndex | None = None,
) -> Decision:
    """The policy's decision on one finding (see the module docstring for the order)."""
    if finding.suppression is not None and policy.inline_suppressions == "honour":
        how = finding.suppression.kind.value
        just = finding.suppression.justification
        return Decision(
            action=Action.IGNORE,
            decided_by="suppression",
            reason=f"suppressed by the tool ({how})" + (f": {just}" if just else ""),
        )
    expired: list[AcceptanceState] = []
    for state in acceptances:
        if acceptance_matches(finding, state.acceptance):
            if not state.expired:
                return Decision(
                    action=Action.IGNORE,
                    decided_by=state.decided_by,
                    reason=state.accepted_reason(),
                )
            expired.append(state)
    statement = vex.deciding(finding) if vex is not None else None
    if statement is not None:
        return Decision(
            action=Action.IGNORE,
            decided_by=statement.label,
            reason=statement.reason(),
            vex=statement.decision(),
        )
    decision = _rule(finding, policy) or _license(finding, policy) or _threshold(finding, policy)
    if expired:
        ends = ", ".join(f"{s.label} on {s.acceptance.expires}" for s in expired)
        decision = decision.model_copy(
            update={
                "reason": f"{decision.reason}; acceptance expired on "
                f"{expired[0].acceptance.expires} ({ends})"
            }
        )
    if decision.action is Action.BLOCK and finding.baseline == "existing":
        decision = Decision(
            action=Action.WARN,
            decided_by="baseline",
            reason=f"already in the baseline, so it cannot block (would block: {decision.reason})",
        )
    if (
        decision.action is Action.BLOCK
        and finding.changed is False
        and policy.pull_request.block == "changed"
    ):
        decision = Decision(
            action=Action.WARN,
            decided_by="diff",
            reason=f"not changed by this pull request, so it cannot block "
            f"(pull_request.block: changed; would block: "
            f"{decision.reason})",
        )
    return decision


def required_scanners(
    policy: Policy, installed: Iterable[str], extra: Iterable[str]
) -> tuple[set[str], set[str]]:
    """(required, named): every required scanner, and those required by name (in the policy's
    list or with ``--scanner``), as opposed to through ``required: installed``."""
    named = {n.lower() for n in extra}
    if policy.scanners.required != INSTALLED:
        named |= {n.lower() for n in policy.scanners.required}
    return policy.scanners.required_names(list(installed)) | named, named


def scanner_problems(
    runs: list[ScannerRun], required: Iterable[str], named: Iterable[str] | None = None
) -> list[str]:
    """One line per scanner that did not give a usable result.

    A scan with no run at all examined nothing: a problem. A required scanner that did not run
    (and no input came from it) or that was skipped is a problem; so is any run that failed,
    timed out, or examined nothing (incomplete), required or not. A scanner skipped because the
    project has nothing for it is a problem only when it was required by name (``named``;
    default: every required scanner)."""
    required = {r.lower() for r in required}
    named_set = required if named is None else {n.lower() for n in named}
    by_tool: dict[str, list[ScannerRun]] = {}
    for run in runs:
        by_tool.setdefault(run.tool.lower(), []).append(run)
    problems = [
        f"required scanner {tool} did not run and no input came from it"
        for tool in sorted(required - set(by_tool))
    ]
    if not runs and not problems:
        problems.append(
            "no scanner ran and no input was given: nothing was examined "
            "(`secgate doctor` lists the scanners and how to install them)"
        )
    for tool in sorted(by_tool):
        who = f"required scanner {tool}" if tool in required else f"scanner {tool}"
        for run in by_tool[tool]:
            detail = (run.error or (run.notes[0] if run.notes else "")).strip()
            detail = f": {detail.splitlines()[0][:300]}" if detail else ""
            if run.status is RunStatus.SKIPPED:
                missing = run.error is not None
                if tool in required and (missing or tool in named_set):
                    problems.append(f"{who} was skipped{detail}")
            elif run.status is RunStatus.FAILED:
                problems.append(f"{who} failed{detail}")
            elif run.status is RunStatus.TIMED_OUT:
                problems.append(f"{who} timed out{detail}")
            elif run.incomplete:
                problems.append(f"{who} examined nothing (incomplete){detail}")
    return problems


def evaluate(
    findings: list[Finding],
    runs: list[ScannerRun],
    policy: Policy,
    *,
    today: date,
    required: Iterable[str] = (),
    installed: Iterable[str] = (),
    vex: VexIndex | None = None,
    advisories: Sequence[AdvisorySnapshot] = (),
) -> Evaluation:
    """Decide every finding (in place) and return the verdict with its notes.

    ``required``: scanners named with ``--scanner`` (required too); ``installed``: the scanners
    found on this machine, which ``scanners.required: installed`` stands for; ``vex``: the VEX
    statements given to the scan; ``advisories``: the advisory snapshots it consulted."""
    acceptances = accept.states(policy, today)
    used: set[int] = set()
    for finding in findings:
        if acceptances:
            used.update(s.index for s in acceptances if acceptance_matches(finding, s.acceptance))
        finding.decision = decide(finding, policy, acceptances, vex)
    notes, policy_warnings = accept.notes(acceptances, used, policy.accept_warn_days)
    if vex is not None:
        notes.extend(vex.notes)
    counts = _counts(findings)
    if vex is not None:
        counts["vex"] = sum(
            1
            for f in findings
            if f.decision is not None and f.decision.decided_by.startswith("vex:")
        )
    all_required, named = required_scanners(policy, installed, required)
    problems = scanner_problems(runs, all_required, named)
    stale = staleness.judge(
        list(advisories), policy.advisories.max_age_days, policy.advisories.on_stale, today
    )
    reasons: list[str] = []
    blocking, warning = counts[Action.BLOCK.value], counts[Action.WARN.value]
    if (problems and policy.scanners.on_error == "block") or stale.block:
        status = VerdictStatus.ERROR
    elif blocking:
        status = VerdictStatus.BLOCK
    elif warning or problems or policy_warnings or stale.stale:
        status = VerdictStatus.WARN
    else:
        status = VerdictStatus.PASS
    reasons.extend(problems)
    reasons.extend(stale.stale)
    if blocking:
        new = sum(
            1
            for f in findings
            if f.decision is not None and f.decision.action is Action.BLOCK and f.baseline == "new"
        )
        reasons.append(f"{blocking} finding(s) block" + (f" ({new} new)" if new else ""))
    if warning:
        unchanged = counts.get("diff", 0)
        reasons.append(
            f"{warning} finding(s) warn"
            + (
                f" ({unchanged} would block but the pull request does not change them)"
                if unchanged
                else ""
            )
        )
    if policy_warnings:
        reasons.append(f"{len(policy_warnings)} warning(s) about accepted risks (see notes)")
    return Evaluation(Verdict(status=status, reasons=reasons, counts=counts), notes)


def _counts(findings: list[Finding]) -> dict[str, int]:
    counts = {action.value: 0 for action in Action}
    counts.update(total=len(findings), suppressed=0, accepted=0, new=0, existing=0)
    if any(f.changed is not None for f in findings):
        counts.update(changed=0, unchanged=0, diff=0)
    for finding in findings:
        decision = finding.decision
        if decision is not None:
            counts[decision.action] += 1  # a str enumeration: adds to the count of its value
            if decision.decided_by == "suppression":
                counts["suppressed"] += 1
            elif decision.decided_by.startswith("accept:"):
                counts["accepted"] += 1
        if finding.baseline is not None:
            counts[finding.baseline] += 1
        if finding.changed is not None:
            counts["changed" if finding.changed else "unchanged"] += 1
            if decision is not None and decision.decided_by == "diff":
                counts["diff"] += 1
    if counts["new"] or counts["existing"]:
        for action in Action:
            for state in ("new", "existing"):
                counts[f"{action.value}_{state}"] = sum(
                    1
                    for f in findings
                    if f.baseline == state
                    and f.decision is not None
                    and f.decision.action is action
                )
    return counts
