"""Sending one message per scan to each target that wants one of the scan's events."""

from __future__ import annotations

import json
from collections.abc import Iterable

from secgate.model import ScanResult
from secgate.outbound.context import RunContext
from secgate.outbound.http import Delivery, Sender
from secgate.outbound.notify import digest as digests
from secgate.outbound.notify.formats import choose
from secgate.outbound.notify.targets import Target, scan_events


def due(targets: Iterable[Target], result: ScanResult) -> list[Target]:
    """The targets that get a message for ``result``."""
    events = scan_events(result)
    return [target for target in targets if target.wants(events)]


def body_for(target: Target, result: ScanResult, context: RunContext) -> bytes:
    """The request body ``target`` gets for ``result``."""
    events = tuple(sorted(e.value for e in scan_events(result) & target.events))
    message = choose(target.format, target.url).render(digests.build(result, context, events))
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def notify_all(
    targets: Iterable[Target], result: ScanResult, context: RunContext, sender: Sender
) -> list[Delivery]:
    """POST one message to each target that is due; a delivery per target, in order."""
    return [
        sender.send(
            "POST",
            target.url,
            body_for(target, result, context),
            what=f"notification ({target.origin})",
            shown=target.shown,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        for target in due(targets, result)
    ]
