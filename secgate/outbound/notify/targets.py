"""Where notifications go and on which events.

A target comes from ``--notify [FORMAT=]URL`` (repeatable; events from ``--notify-on``), from
``SECGATE_NOTIFY_URL`` (one or more ``[FORMAT=]URL`` separated by spaces; the same events), or
from the policy's ``notify:`` list (``url`` or ``url_env``, ``on``, ``format``). FORMAT is
``slack``, ``teams``, ``json`` or ``auto`` (from the URL's host; see
``secgate.outbound.notify.formats``). A URL named twice gets one message, on the union of its
events.

A scan's events are its verdict's status (``block``, ``error``, ``warn`` or ``pass``), and
``fixed`` when findings of the baseline are no longer found. A target is sent one message when
one of its events happened.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from secgate.errors import UsageError
from secgate.model import ScanResult
from secgate.outbound.http import check_url, shown_url
from secgate.outbound.notify.formats import detect
from secgate.policy.model import DEFAULT_NOTIFY_EVENTS, Policy

ENV_URL = "SECGATE_NOTIFY_URL"
AUTO = "auto"
FORMAT_NAMES = ("slack", "teams", "json")


class Event(str, Enum):
    """What a target can be notified of."""

    BLOCK = "block"
    ERROR = "error"
    WARN = "warn"
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FIXED = "fixed"


DEFAULT_EVENTS_TEXT = ",".join(DEFAULT_NOTIFY_EVENTS)
EVENT_NAMES = tuple(e.value for e in Event)


@dataclass(frozen=True)
class Target:
    """One webhook, the events it wants, and the message format it gets."""

    url: str = field(repr=False)
    events: frozenset[Event]
    format: str = AUTO
    origin: str = "--notify"
    """Where the target was configured (named in messages instead of the URL)."""

    @property
    def shown(self) -> str:
        """The URL without its path: webhook URLs carry their credential in it."""
        return shown_url(self.url, hide_path=True)

    def wants(self, events: Iterable[Event]) -> bool:
        return not self.events.isdisjoint(events)


def scan_events(result: ScanResult) -> frozenset[Event]:
    """The events of a finished scan."""
    events = {Event(result.verdict.status.value)}
    if result.fixed:
        events.add(Event.FIXED)
    return frozenset(events)


def parse_events(text: str, where: str = "--notify-on") -> frozenset[Event]:
    """``block,error`` as events; a name that is no event is a usage error."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in EVENT_NAMES]
    if unknown or not names:
        raise UsageError(
            f"{where}: {', '.join(unknown) or repr(text)} is not an event "
            f"(choose from {', '.join(EVENT_NAMES)})"
        )
    return frozenset(Event(name) for name in names)


def parse_spec(text: str, origin: str, events: frozenset[Event]) -> Target:
    """A target from ``[FORMAT=]URL``."""
    fmt, url = AUTO, text.strip()
    head, sep, rest = url.partition("=")
    if sep and head.lower() in (*FORMAT_NAMES, AUTO) and "://" in rest:
        fmt, url = head.lower(), rest.strip()
    problem = check_url(url, origin)
    if problem:
        raise UsageError(problem)
    return Target(url=url, events=events, format=fmt, origin=origin)


def command_line_targets(
    specs: Iterable[str], events: frozenset[Event], environ: Mapping[str, str] | None = None
) -> list[Target]:
    """The targets of ``--notify`` and of ``SECGATE_NOTIFY_URL``."""
    env = os.environ if environ is None else environ
    targets = [parse_spec(spec, "--notify", events) for spec in specs]
    targets += [parse_spec(spec, ENV_URL, events) for spec in env.get(ENV_URL, "").split()]
    return targets


def policy_targets(
    policy: Policy, environ: Mapping[str, str] | None = None
) -> tuple[list[Target], list[str]]:
    """The targets of the policy's ``notify:`` list, and a warning for each that cannot be
    used (its variable unset or not a URL) or that leaks a credential into the repository."""
    env = os.environ if environ is None else environ
    targets: list[Target] = []
    warnings: list[str] = []
    for index, entry in enumerate(policy.notify):
        where = f"{policy.source}: notify[{index}]"
        if entry.url_env is not None:
            url = env.get(entry.url_env, "").strip()
            if not url:
                warnings.append(f"{where}: {entry.url_env} is not set; no notification sent to it")
                continue
            where = f"{where} ({entry.url_env})"
        else:
            url = (entry.url or "").strip()
            if _carries_credential(url):
                warnings.append(
                    f"{where}: this webhook URL is a credential written into the "
                    "policy file; keep it in a CI secret and name it with url_env"
                )
        problem = check_url(url, where)
        if problem:
            warnings.append(f"{problem}; no notification sent to it")
            continue
        events = frozenset(Event(name) for name in entry.on)
        targets.append(Target(url=url, events=events, format=entry.format, origin=where))
    return targets, warnings


def merge(targets: Iterable[Target]) -> list[Target]:
    """One target per URL, in first-seen order, with the union of the events; the first
    explicit format wins."""
    merged: dict[str, Target] = {}
    for target in targets:
        kept = merged.get(target.url)
        if kept is None:
            merged[target.url] = target
            continue
        fmt = kept.format if kept.format != AUTO else target.format
        merged[target.url] = Target(
            url=kept.url, events=kept.events | target.events, format=fmt, origin=kept.origin
        )
    return list(merged.values())


def _carries_credential(url: str) -> bool:
    """True for the URL of a Slack or Teams webhook (its path is the credential)."""
    return detect(url) != "json"
