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
from secgate.outbound.notify.interface import Digest, MessageFormat
from secgate.reports.presentation import VERDICT_ICONS, truncate

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


def _fit(title: str, lines: list[str], total: int) -> str:
    """``title`` and as many whole ``lines`` as fit in one section, then how many of the
    ``total`` were left out."""
    room = SECTION_LIMIT - len(title) - 60  # the closing "… and N more" line
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) + 1 > room:
            break
        kept.append(line)
    text = "\n".join([title, *kept])
    if total > len(kept):
        text += f"\n… and {total - len(kept)} more blocking finding(s)"
    return text


class SlackFormat(MessageFormat):
    name: ClassVar[str] = "slack"

    def owns(self, host: str, path: str) -> bool:
        return host in HOSTS and path.startswith("/services/")

    def render(self, digest: Digest) -> dict[str, Any]:
        icon = VERDICT_ICONS[digest.status]
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "emoji": True,
                    "text": truncate(f"{icon} {digest.title}", HEADER_LIMIT),
                },
            },
            _section(
                f"*{escape(digest.repository)}* on {code(digest.branch)}: {escape(digest.tally)}"
            ),
        ]
        if digest.blocking:
            lines = [
                f"• *{d.severity.upper()}* {code(f'{d.tool}:{d.rule_id}')} "
                f"{escape(d.where)} — {escape(d.message)}"
                for d in digest.blocking
            ]
            blocks.append(_section(_fit("*Blocking findings*", lines, digest.blocking_total)))
        if digest.reasons and digest.status is not VerdictStatus.PASS:
            blocks.append(_section("*Why*\n" + "\n".join(f"• {escape(r)}" for r in digest.reasons)))
        context = [f"policy {code(digest.policy)}", f"secgate {escape(digest.secgate_version)}"]
        if digest.commit:
            context.insert(0, f"commit {code(digest.commit[:12])}")
        if digest.run_url:
            context.insert(0, f"<{escape(digest.run_url)}|the run in GitHub Actions>")
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
        )
        fallback = f"{icon} {digest.title}: {digest.tally}"
        return {"text": escape(fallback), "blocks": blocks}
