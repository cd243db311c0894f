"""Slack's incoming-webhook format: ``text`` (the plain fallback shown in notifications) and
Block Kit ``blocks`` (a header, sections in ``mrkdwn``, a context line).

Slack reads ``&``, ``<`` and ``>`` as markup in every text (``<!channel>`` pings a channel,
``<url|label>`` is a link), so each is written as ``&amp;``, ``&lt;``, ``&gt;`` in everything
taken from a scan. Backticks in text shown as code become ``'``. Slack's limits are kept: a
header's text at most 150 characters, a section's at most 3,000, at most 50 blocks.
"""

from __future__ import annotations

from typing import Any, ClassVar

from secgate.model import VerdictStatus
from secgate.notify.interface import Digest, MessageFormat
from secgate.reports.common import VERDICT_ICONS, truncate

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")


def escape(text: str) -> str:
    """``text`` with Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """``text`` as inline code (escaped, without backticks of its own)."""
    return f"`{escape(text.replace('`', chr(39)))}`"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}


class SlackFormat(MessageFormat):
    name: ClassVar[str] = "slack"

    def owns(self, host: str, path: str) -> bool:
        return host in HOSTS and path.startswith("/services/")

    def render(self, digest: Digest) -> dict[str, Any]:
        icon = VERDICT_ICONS[digest.status]
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                        "text": truncate(f"{icon} {digest.title}",
                                                         HEADER_LIMIT)}},
            _section(f"*{escape(digest.repository)}* on {code(digest.branch)}: "
                     f"{escape(digest.tally)}"),
        ]
        if digest.blocking:
            lines = [f"• *{d.severity.upper()}* {code(f'{d.tool}:{d.rule_id}')} "
                     f"{escape(d.where)} — {escape(d.message)}" for d in digest.blocking]
            more = digest.blocking_total - len(digest.blocking)
            if more:
                lines.append(f"… and {more} more blocking finding(s)")
            blocks.append(_section("*Blocking findings*\n" + "\n".join(lines)))
        if digest.reasons and digest.status is not VerdictStatus.PASS:
            blocks.append(_section("*Why*\n" + "\n".join(f"• {escape(r)}"
                                                         for r in digest.reasons)))
        context = [f"policy {code(digest.policy)}", f"secgate {escape(digest.secgate_version)}"]
        if digest.commit:
            context.insert(0, f"commit {code(digest.commit[:12])}")
        if digest.run_url:
            context.insert(0, f"<{escape(digest.run_url)}|the run in GitHub Actions>")
        blocks.append({"type": "context",
                       "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]})
        fallback = f"{icon} {digest.title}: {digest.tally}"
        return {"text": escape(fallback), "blocks": blocks}
