"""The message formats by name, and which one a webhook URL gets.

``auto`` picks by the URL: Slack's hooks (``hooks.slack.com/services/...``) get Slack's
format, Teams' Incoming Webhooks (``*.webhook.office.com/webhookb2/...``) and Workflows
(``*.logic.azure.com``, ``*.api.powerplatform.com`` with ``/workflows/``) get Teams', anything
else secgate's JSON. A target can name its format instead (``--notify slack=URL``,
``format: teams`` in the policy), for a proxy or relay in front of the real service.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from secgate.outbound.notify.generic import JsonFormat
from secgate.outbound.notify.interface import MessageFormat
from secgate.outbound.notify.slack import SlackFormat
from secgate.outbound.notify.teams import TeamsFormat

FORMATS: dict[str, MessageFormat] = {
    "slack": SlackFormat(),
    "teams": TeamsFormat(),
    "json": JsonFormat(),
}
"""Every message format by name; ``json`` comes last: it owns every URL."""


def detect(url: str) -> str:
    """The name of the format a URL gets under ``auto``."""
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path
    return next(name for name, fmt in FORMATS.items() if fmt.owns(host, path))


def choose(name: str, url: str) -> MessageFormat:
    """The format named (``auto``: from the URL)."""
    return FORMATS[detect(url) if name == "auto" else name]
