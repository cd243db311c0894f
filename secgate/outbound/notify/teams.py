"""Microsoft Teams' format: a message whose one attachment is an Adaptive Card (version 1.4),
which both a channel's Incoming Webhook and a Workflows (Power Automate) webhook post.

``{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
"contentUrl": null, "content": {"type": "AdaptiveCard", ...}}]}``: a bold title, a fact set
(repository, branch, counts), the blocking findings as text blocks, and an ``Action.OpenUrl`` to
the run. Adaptive Card text blocks read a subset of Markdown, so the characters that make
emphasis, links, code or lists are escaped with a backslash in everything taken from a scan.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from secgate.model import VerdictStatus
from secgate.outbound.notify.interface import Digest, MessageFormat
from secgate.reports.presentation import VERDICT_ICONS

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
_MARKDOWN = re.compile(r"([\\`*_\[\]()<>#~|])")
_COLOR = {
    VerdictStatus.PASS: "Good",
    VerdictStatus.WARN: "Warning",
    VerdictStatus.BLOCK: "Attention",
    VerdictStatus.ERROR: "Attention",
}


def escape(text: str) -> str:
    """``text`` with the Markdown characters of emphasis, links, code, headings and tables
    escaped (a text block here never starts with text from a scan, so list markers are inert)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


class TeamsFormat(MessageFormat):
    name: ClassVar[str] = "teams"

    def owns(self, host: str, path: str) -> bool:
        if host.endswith(".webhook.office.com") or host in (
            "outlook.office.com",
            "outlook.office365.com",
        ):
            return path.startswith(("/webhookb2/", "/webhook/"))
        workflow_host = host.endswith((".logic.azure.com", ".api.powerplatform.com"))
        return workflow_host and "/workflows/" in path

    def render(self, digest: Digest) -> dict[str, Any]:
        facts = [
            {"title": "Repository", "value": escape(digest.repository)},
            {"title": "Branch", "value": escape(digest.branch)},
            {"title": "Blocking", "value": str(digest.counts.get("block", 0))},
            {"title": "Warning", "value": str(digest.counts.get("warn", 0))},
            {"title": "Findings", "value": str(digest.finding_total)},
            {"title": "Policy", "value": escape(digest.policy)},
        ]
        if digest.commit:
            facts.insert(2, {"title": "Commit", "value": escape(digest.commit[:12])})
        body: list[dict[str, Any]] = [
            _text(
                escape(f"{VERDICT_ICONS[digest.status]} {digest.title}"),
                size="Medium",
                weight="Bolder",
                color=_COLOR[digest.status],
            ),
            {"type": "FactSet", "facts": facts},
        ]
        if digest.blocking:
            body.append(_text("Blocking findings", weight="Bolder", spacing="Medium"))
            body.extend(
                _text(
                    f"**{d.severity.upper()}** {escape(f'{d.tool}:{d.rule_id}')} "
                    f"{escape(d.where)} — {escape(d.message)}",
                    spacing="Small",
                )
                for d in digest.blocking
            )
            more = digest.blocking_total - len(digest.blocking)
            if more:
                body.append(_text(f"… and {more} more blocking finding(s)", isSubtle=True))
        if digest.reasons and digest.status is not VerdictStatus.PASS:
            body.append(_text("Why", weight="Bolder", spacing="Medium"))
            body.extend(_text(f"• {escape(reason)}", spacing="Small") for reason in digest.reasons)
        body.append(_text(escape(f"secgate {digest.secgate_version}"), isSubtle=True, size="Small"))
        card: dict[str, Any] = {
            "$schema": CARD_SCHEMA,
            "type": "AdaptiveCard",
            "version": CARD_VERSION,
            "body": body,
            "msteams": {"width": "Full"},
        }
        if digest.run_url:
            card["actions"] = [
                {"type": "Action.OpenUrl", "title": "Open the run", "url": digest.run_url}
            ]
        return {
            "type": "message",
            "attachments": [
                {"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}
            ],
        }
