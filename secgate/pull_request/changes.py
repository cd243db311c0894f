"""What a pull request changes in the gate itself: its policy, its ``.secgateignore``, its
baseline and the scanners' own configuration files, compared with the base commit's
(``secgate scan --base``). A pure comparison, no I/O.

Each change is a ``GateChange`` that says whether it *weakens* the gate, i.e. may let through
what the base's configuration would stop:

- thresholds: ``fail_on`` or ``warn_on`` raised (``none`` is above critical);
- rules: one added with ``warn`` or ``ignore``, one turned to a weaker action (block > warn >
  ignore), one whose ``match`` changed, a blocking one removed, the rules reordered (the first
  match wins);
- acceptances: one added, extended (a later ``expires``, or none), or covering something else;
- ``.secgateignore``: a new pattern;
- the baseline: findings added to it (they can no longer block), or the policy pointing at
  another baseline file;
- scanners: one no longer required, ``required: installed`` dropped, ``on_error: warn``,
  changed ``scanners.settings``; a scanner's own configuration file (``.bandit``,
  ``.gitleaks.toml``, ``.semgrepignore``...) added, changed or removed;
- licenses: the section removed, allowed ids added, denied ids removed, ``unknown`` weakened;
- ``inline_suppressions: report`` turned to ``honour``; ``accept_warn_days`` lowered;
  ``gate_changes`` turned from ``block`` to ``warn``; ``pull_request.block`` turned from
  ``all`` to ``changed``;
- VEX: a document added to the policy's ``vex:``; in the documents it names, a statement added
  that decides findings (``not_affected`` with a justification, ``fixed``: it works like an
  acceptance), or one removed that said ``affected``/``under_investigation`` (it may have ended
  an older ``not_affected``);
- advisory data: ``advisories.max_age_days`` raised or removed, ``on_stale`` turned from
  ``block`` to ``warn``.

``notify:`` targets changed are listed but weaken nothing (a message changes no verdict); they
are named by host (with a short digest of the URL) or ``url_env``, never by their URL, which
may hold a credential.

Changes the other way (stricter thresholds, acceptances removed...) are listed too, as not
weakening, so a reviewer sees every change to the gate. Order: the policy's settings in the
order of the file format, then ``.secgateignore``, the baseline, the VEX documents, the
scanners' files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from secgate.model import GateChange, Severity
from secgate.policy.model import Acceptance, NotifyTarget, Policy, Rule, Threshold

IGNORE_FILE = ".secgateignore"
BASELINE_SHOWN = 5
"""Findings named in the summary of a baseline change; the rest are counted."""
_ACTION_RANK = {"ignore": 0, "warn": 1, "block": 2}
_ACCEPT_MATCHERS = ("vulnerability", "rule", "tool", "fingerprint", "path", "package")


@dataclass(frozen=True)
class VexStatement:
    """One VEX statement as the comparison sees it."""

    clears: bool
    """True when it decides its findings (``secgate.advisories.vex.Statement.clears``)."""
    text: str
    """``CVE-... not affected for pkg:pypi/...@1.0``."""
    document: str
    """The document, as the policy's ``vex:`` names it."""


@dataclass
class GateView:
    """One side's gate configuration: the base commit's, or the pull request's working tree."""

    policy: Policy | None
    """None when the side's policy file is not a valid policy (``policy_error`` says why)."""
    policy_file: str
    """The policy's file relative to the scanned directory, or ``builtin:default``."""
    policy_error: str | None = None
    ignore: list[str] = field(default_factory=list)
    ignore_error: str | None = None
    """Why the side's ``.secgateignore`` cannot be used (the pull request's: compared only)."""
    baseline_file: str | None = None
    baseline: dict[str, str] | None = None
    """Fingerprint -> a short description of each baseline finding; None without a baseline."""
    baseline_error: str | None = None
    vex: dict[str, VexStatement] = field(default_factory=dict)
    """The statements of the VEX documents the side's policy names, by what they say."""
    vex_error: str | None = None
    scanner_files: dict[str, bytes | None] = field(default_factory=dict)
    """Each scanner configuration file's content (None: absent), by path."""
    scanner_readers: dict[str, list[str]] = field(default_factory=dict)
    """Which scanners read each configuration file."""


def compare(base: GateView, head: GateView) -> list[GateChange]:
    """Every change from ``base`` to ``head``, in the order the module docstring gives."""
    changes: list[GateChange] = []
    file = head.policy_file if head.policy_file != "builtin:default" else base.policy_file
    if head.policy_file != base.policy_file:
        changes.append(
            GateChange(
                file=file,
                setting="policy",
                weakens=True,
                summary=f"the policy file is now {head.policy_file} (was {base.policy_file})",
            )
        )
    if head.policy is None:
        changes.append(
            GateChange(
                file=file,
                setting="policy",
                weakens=False,
                summary=f"not a valid policy: {head.policy_error}",
            )
        )
    elif base.policy is not None:
        changes.extend(_policy_changes(file, base.policy, head.policy))
    if head.ignore_error:
        changes.append(
            GateChange(
                file=IGNORE_FILE,
                setting="ignore",
                weakens=False,
                summary=f"not usable: {head.ignore_error}",
            )
        )
    else:
        changes.extend(_ignore_changes(base.ignore, head.ignore))
    changes.extend(_baseline_changes(base, head))
    changes.extend(_vex_changes(file, base, head))
    changes.extend(_scanner_file_changes(base, head))
    return changes


# --- the policy -------------------------------------------------------------------------------


def _rank(threshold: Threshold) -> int:
    """Higher blocks less: ``none`` is above critical."""
    return Severity(threshold).rank if threshold != "none" else max(s.rank for s in Severity) + 1


def _name(threshold: Threshold) -> str:
    return threshold.value if isinstance(threshold, Severity) else str(threshold)


def _policy_changes(file: str, base: Policy, head: Policy) -> list[GateChange]:
    changes: list[GateChange] = []

    def add(setting: str, summary: str, weakens: bool) -> None:
        changes.append(GateChange(file=file, setting=setting, summary=summary, weakens=weakens))

    for key, meaning in (("fail_on", "blocks"), ("warn_on", "warns")):
        old, new = getattr(base, key), getattr(head, key)
        if old != new:
            raised = _rank(new) > _rank(old)
            what = "raised" if raised else "lowered"
            add(
                key,
                f"{key} {what} from {_name(old)} to {_name(new)}: the gate {meaning} on "
                f"{'less' if raised else 'more'}",
                raised,
            )
    changes.extend(_scanner_policy_changes(file, base, head))
    changes.extend(_rule_changes(file, base.rules, head.rules))
    changes.extend(_license_changes(file, base, head))
    changes.extend(_acceptance_changes(file, base.accept, head.accept))
    if head.accept_warn_days != base.accept_warn_days:
        lowered = head.accept_warn_days < base.accept_warn_days
        add(
            "accept_warn_days",
            f"accept_warn_days {'lowered' if lowered else 'raised'} from "
            f"{base.accept_warn_days} to {head.accept_warn_days}",
            lowered,
        )
    if head.gate_changes != base.gate_changes:
        add(
            "gate_changes",
            f"gate_changes turned from {base.gate_changes} to {head.gate_changes}",
            head.gate_changes == "warn",
        )
    if head.pull_request.block != base.pull_request.block:
        add(
            "pull_request.block",
            f"pull_request.block turned from {base.pull_request.block} "
            f"to {head.pull_request.block}",
            head.pull_request.block == "changed",
        )
    if head.inline_suppressions != base.inline_suppressions:
        add(
            "inline_suppressions",
            f"inline_suppressions turned from "
            f"{base.inline_suppressions} to {head.inline_suppressions}",
            head.inline_suppressions == "honour",
        )
    if head.baseline != base.baseline:
        add(
            "baseline",
            f"the policy's baseline is now {head.baseline or 'none'} (was "
            f"{base.baseline or 'none'})",
            True,
        )
    changes.extend(_vex_list_changes(file, base.vex, head.vex))
    changes.extend(_advisories_changes(file, base, head))
    if _notify_text(base.notify) != _notify_text(head.notify):
        add(
            "notify",
            f"notify changed from {_notify_text(base.notify)} to {_notify_text(head.notify)}",
            False,
        )
    if head.dedupe != base.dedupe:
        add("dedupe", f"dedupe changed from {_dump(base.dedupe)} to {_dump(head.dedupe)}", False)
    return changes


def _vex_list_changes(file: str, base: list[str], head: list[str]) -> list[GateChange]:
    added = [name for name in dict.fromkeys(head) if name not in base]
    removed = [name for name in dict.fromkeys(base) if name not in head]
    changes = [
        GateChange(
            file=file,
            setting="vex",
            weakens=True,
            summary=f"VEX document {name} added to vex: its not_affected and "
            "fixed statements decide findings like acceptances",
        )
        for name in added
    ]
    if removed:
        changes.append(
            GateChange(
                file=file,
                setting="vex",
                weakens=False,
                summary=f"VEX documents removed from vex: {', '.join(removed)}",
            )
        )
    return changes


def _advisories_changes(file: str, base: Policy, head: Policy) -> list[GateChange]:
    changes: list[GateChange] = []
    old, new = base.advisories, head.advisories
    if old.max_age_days != new.max_age_days:
        weaker = new.max_age_days is None or (
            old.max_age_days is not None and new.max_age_days > old.max_age_days
        )
        changes.append(
            GateChange(
                file=file,
                setting="advisories.max_age_days",
                weakens=weaker,
                summary=f"advisories.max_age_days changed from {_days(old.max_age_days)} to "
                f"{_days(new.max_age_days)}: older advisory data "
                f"{'passes' if weaker else 'is judged stale'}",
            )
        )
    if old.on_stale != new.on_stale:
        changes.append(
            GateChange(
                file=file,
                setting="advisories.on_stale",
                weakens=new.on_stale == "warn",
                summary=f"advisories.on_stale turned from {old.on_stale} to {new.on_stale}",
            )
        )
    return changes


def _days(value: int | None) -> str:
    return "none" if value is None else str(value)


def _notify_text(targets: list[NotifyTarget]) -> str:
    """The targets by host or ``url_env`` and events: a webhook URL can be a credential."""
    if not targets:
        return "none"
    shown = []
    for target in targets:
        if target.url_env:
            where = f"${target.url_env}"
        else:  # the host, and a short digest that tells two URLs apart
            url = target.url or ""
            digest = hashlib.sha256(url.encode()).hexdigest()[:8]
            where = f"{urlsplit(url).hostname or '?'} (URL #{digest})"
        shown.append(f"{where} on {'/'.join(target.on)}")
    return "[" + ", ".join(shown) + "]"


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(", ", ": "))


def _scanner_policy_changes(file: str, base: Policy, head: Policy) -> list[GateChange]:
    changes: list[GateChange] = []
    old, new = base.scanners, head.scanners
    if old.required != new.required:
        if old.required == "installed":
            changes.append(
                GateChange(
                    file=file,
                    setting="scanners.required",
                    weakens=True,
                    summary=f"scanners.required no longer 'installed' (every scanner on the "
                    f"machine): now {_names(new.required)}",
                )
            )
        elif new.required == "installed":
            changes.append(
                GateChange(
                    file=file,
                    setting="scanners.required",
                    weakens=False,
                    summary="scanners.required is now 'installed'",
                )
            )
        else:
            dropped = sorted({n.lower() for n in old.required} - {n.lower() for n in new.required})
            added = sorted({n.lower() for n in new.required} - {n.lower() for n in old.required})
            changes.extend(
                GateChange(
                    file=file,
                    setting="scanners.required",
                    weakens=True,
                    summary=f"scanner {name} is no longer required",
                )
                for name in dropped
            )
            if added:
                changes.append(
                    GateChange(
                        file=file,
                        setting="scanners.required",
                        weakens=False,
                        summary=f"now required: {', '.join(added)}",
                    )
                )
    if old.on_error != new.on_error:
        changes.append(
            GateChange(
                file=file,
                setting="scanners.on_error",
                weakens=new.on_error == "warn",
                summary=f"scanners.on_error turned from {old.on_error} to {new.on_error}",
            )
        )
    if old.timeout != new.timeout:
        changes.append(
            GateChange(
                file=file,
                setting="scanners.timeout",
                weakens=False,
                summary=f"scanners.timeout changed from {old.timeout} to {new.timeout}",
            )
        )
    changes.extend(
        GateChange(
            file=file,
            setting=f"scanners.settings.{tool}",
            weakens=True,
            summary=f"scanners.settings.{tool} changed from {_dump(old.settings.get(tool))} to "
            f"{_dump(new.settings.get(tool))}: it can change what {tool} examines",
        )
        for tool in sorted(set(old.settings) | set(new.settings))
        if old.settings.get(tool) != new.settings.get(tool)
    )
    return changes


def _names(required: list[str] | str) -> str:
    if isinstance(required, str):
        return required
    return ", ".join(required) if required else "none"


def _rule_label(rule: Rule, index: int) -> str:
    return f"rule {rule.id}" if rule.id else f"rules[{index}]"


def _rule_key(rule: Rule) -> str:
    return f"id:{rule.id}" if rule.id else f"match:{_dump(rule.match.model_dump(mode='json'))}"


def _match_text(rule: Rule) -> str:
    return _dump(rule.match.model_dump(mode="json", exclude_none=True))


def _rule_changes(file: str, base: list[Rule], head: list[Rule]) -> list[GateChange]:
    changes: list[GateChange] = []
    old = {_rule_key(r): (i, r) for i, r in enumerate(base)}
    new = {_rule_key(r): (i, r) for i, r in enumerate(head)}
    for key, (index, rule) in new.items():
        label = _rule_label(rule, index)
        setting = f"rule:{rule.id}" if rule.id else f"rules[{index}]"
        if key not in old:
            weaker = rule.action != "block"
            changes.append(
                GateChange(
                    file=file,
                    setting=setting,
                    weakens=weaker,
                    summary=f"{label} added: {rule.action} for {_match_text(rule)}",
                )
            )
            continue
        _, before = old[key]
        if before.action != rule.action:
            weaker = _ACTION_RANK[rule.action] < _ACTION_RANK[before.action]
            changes.append(
                GateChange(
                    file=file,
                    setting=setting,
                    weakens=weaker,
                    summary=f"{label} turned from {before.action} to {rule.action}",
                )
            )
        if before.match != rule.match:
            changes.append(
                GateChange(
                    file=file,
                    setting=setting,
                    weakens=True,
                    summary=f"{label} now matches {_match_text(rule)} (was {_match_text(before)})",
                )
            )
    for key, (index, rule) in old.items():
        if key not in new:
            changes.append(
                GateChange(
                    file=file,
                    setting=f"rule:{rule.id}" if rule.id else f"rules[{index}]",
                    weakens=rule.action == "block",
                    summary=f"{_rule_label(rule, index)} ({rule.action}) removed",
                )
            )
    common_old = [k for k in old if k in new]
    common_new = [k for k in new if k in old]
    if common_old != common_new:
        changes.append(
            GateChange(
                file=file,
                setting="rules",
                weakens=True,
                summary="rules reordered (the first matching rule decides)",
            )
        )
    return changes


def _license_changes(file: str, base: Policy, head: Policy) -> list[GateChange]:
    old, new = base.licenses, head.licenses
    if old == new:
        return []
    if new is None:
        return [
            GateChange(
                file=file,
                setting="licenses",
                weakens=True,
                summary="licenses removed: licenses are no longer judged",
            )
        ]
    if old is None:
        return [GateChange(file=file, setting="licenses", weakens=False, summary="licenses added")]
    changes: list[GateChange] = []
    for key, weaker_when in (("allow", "added"), ("deny", "removed")):
        before, after = set(getattr(old, key)), set(getattr(new, key))
        for verb, items in (("added", after - before), ("removed", before - after)):
            if items:
                changes.append(
                    GateChange(
                        file=file,
                        setting=f"licenses.{key}",
                        weakens=verb == weaker_when,
                        summary=f"licenses.{key}: {', '.join(sorted(items))} {verb}",
                    )
                )
    if old.unknown != new.unknown:
        changes.append(
            GateChange(
                file=file,
                setting="licenses.unknown",
                weakens=_ACTION_RANK[new.unknown] < _ACTION_RANK[old.unknown],
                summary=f"licenses.unknown turned from {old.unknown} to {new.unknown}",
            )
        )
    return changes


def _accept_key(acceptance: Acceptance) -> str:
    if acceptance.id:
        return f"id:{acceptance.id}"
    return "match:" + _dump(_matchers(acceptance))


def _matchers(acceptance: Acceptance) -> dict[str, Any]:
    return {k: getattr(acceptance, k) for k in _ACCEPT_MATCHERS if getattr(acceptance, k)}


def _accept_label(acceptance: Acceptance, index: int) -> str:
    return f"acceptance {acceptance.id}" if acceptance.id else f"accept[{index}]"


def _until(acceptance: Acceptance) -> str:
    return f"until {acceptance.expires.isoformat()}" if acceptance.expires else "with no expiry"


def _acceptance_changes(
    file: str, base: list[Acceptance], head: list[Acceptance]
) -> list[GateChange]:
    changes: list[GateChange] = []
    old = {_accept_key(a): a for a in base}
    seen: set[str] = set()
    for index, acceptance in enumerate(head):
        key = _accept_key(acceptance)
        seen.add(key)
        label = _accept_label(acceptance, index)
        setting = f"accept:{acceptance.id}" if acceptance.id else f"accept[{index}]"
        before = old.get(key)
        if before is None:
            changes.append(
                GateChange(
                    file=file,
                    setting=setting,
                    weakens=True,
                    summary=f"{label} added: accepts {_dump(_matchers(acceptance))} "
                    f"{_until(acceptance)} ({acceptance.reason})",
                )
            )
            continue
        if _matchers(before) != _matchers(acceptance):
            changes.append(
                GateChange(
                    file=file,
                    setting=setting,
                    weakens=True,
                    summary=f"{label} now accepts {_dump(_matchers(acceptance))} "
                    f"(was {_dump(_matchers(before))})",
                )
            )
        if before.expires != acceptance.expires:
            extended = acceptance.expires is None or (
                before.expires is not None and acceptance.expires > before.expires
            )
            changes.append(
                GateChange(
                    file=file,
                    setting=setting,
                    weakens=extended,
                    summary=f"{label} {'extended' if extended else 'shortened'}: now "
                    f"{_until(acceptance)} (was {_until(before)})",
                )
            )
        if before.approved_by != acceptance.approved_by:
            changes.append(
                GateChange(
                    file=file,
                    setting=setting,
                    weakens=False,
                    summary=f"{label}: approved_by changed from {before.approved_by or 'nobody'} "
                    f"to {acceptance.approved_by or 'nobody'}",
                )
            )
    for key, acceptance in old.items():
        if key not in seen:
            changes.append(
                GateChange(
                    file=file,
                    setting=f"accept:{acceptance.id}" if acceptance.id else "accept",
                    weakens=False,
                    summary=f"{_accept_label(acceptance, base.index(acceptance))} removed",
                )
            )
    return changes


# --- .secgateignore, the baseline, the scanners' files ----------------------------------------


def _ignore_changes(base: list[str], head: list[str]) -> list[GateChange]:
    old, new = set(base), set(head)
    changes = [
        GateChange(
            file=IGNORE_FILE,
            setting="ignore",
            weakens=True,
            summary=f"new ignore pattern {pattern!r}: findings in matching paths are left out",
        )
        for pattern in dict.fromkeys(head)
        if pattern not in old
    ]
    removed = [p for p in dict.fromkeys(base) if p not in new]
    if removed:
        changes.append(
            GateChange(
                file=IGNORE_FILE,
                setting="ignore",
                weakens=False,
                summary=f"ignore patterns removed: {', '.join(removed)}",
            )
        )
    return changes


def _baseline_changes(base: GateView, head: GateView) -> list[GateChange]:
    file = head.baseline_file or base.baseline_file
    if file is None:
        return []
    if head.baseline_error:
        return [
            GateChange(
                file=file,
                setting="baseline",
                weakens=False,
                summary=f"the pull request's baseline is not usable: {head.baseline_error}",
            )
        ]
    old, new = base.baseline or {}, head.baseline or {}
    added = [fp for fp in new if fp not in old]
    removed = [fp for fp in old if fp not in new]
    changes: list[GateChange] = []
    if added:
        shown = "; ".join(new[fp] for fp in sorted(added, key=lambda fp: new[fp])[:BASELINE_SHOWN])
        more = f"; and {len(added) - BASELINE_SHOWN} more" if len(added) > BASELINE_SHOWN else ""
        changes.append(
            GateChange(
                file=file,
                setting="baseline",
                weakens=True,
                summary=f"{len(added)} finding(s) added to the baseline (they can no longer "
                f"block): {shown}{more}",
            )
        )
    if removed:
        changes.append(
            GateChange(
                file=file,
                setting="baseline",
                weakens=False,
                summary=f"{len(removed)} finding(s) removed from the baseline",
            )
        )
    return changes


def _vex_changes(policy_file: str, base: GateView, head: GateView) -> list[GateChange]:
    """What changes in the statements of the VEX documents each side's policy names."""
    if head.vex_error:
        return [
            GateChange(
                file=policy_file,
                setting="vex",
                weakens=False,
                summary=f"the pull request's VEX documents are not usable: {head.vex_error}",
            )
        ]
    changes: list[GateChange] = []
    for key, statement in head.vex.items():
        if key not in base.vex and statement.clears:
            changes.append(
                GateChange(
                    file=statement.document,
                    setting="vex",
                    weakens=True,
                    summary=f"VEX statement added: {statement.text}; it decides its findings "
                    "like an acceptance",
                )
            )
    for key, statement in base.vex.items():
        if key not in head.vex:
            changes.append(
                GateChange(
                    file=statement.document,
                    setting="vex",
                    weakens=not statement.clears,
                    summary=f"VEX statement removed: {statement.text}"
                    + (
                        ""
                        if statement.clears
                        else "; it may have ended an older not_affected statement"
                    ),
                )
            )
    return changes


def _scanner_file_changes(base: GateView, head: GateView) -> list[GateChange]:
    changes: list[GateChange] = []
    for path in sorted(set(base.scanner_files) | set(head.scanner_files)):
        old, new = base.scanner_files.get(path), head.scanner_files.get(path)
        if old == new:
            continue
        verb = "added" if old is None else "removed" if new is None else "changed"
        names = head.scanner_readers.get(path) or base.scanner_readers.get(path) or ["a tool"]
        readers = " and ".join(names)
        report = "reports" if len(names) == 1 else "report"
        changes.append(
            GateChange(
                file=path,
                setting="scanner configuration",
                weakens=True,
                summary=f"{verb} (read by {readers}): it can change what {readers} {report}",
            )
        )
    return changes
