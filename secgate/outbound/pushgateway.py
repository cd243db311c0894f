"""Pushing a scan's metrics to a Prometheus Pushgateway.

The metrics replace the group of job ``secgate`` for the scan's repository and branch:
``PUT <url>/metrics/job/secgate/repository@base64/<r>/branch@base64/<b>``, the grouping-key
values in base64url (the Pushgateway's documented encoding for values that may hold ``/``), the
body in the text exposition format. A PUT replaces every metric of the group, so the group
always holds the last scan alone (a scanner that stopped running leaves no stale series).
"""

from __future__ import annotations

import base64

from secgate.outbound.context import RunContext
from secgate.outbound.http import Delivery, Sender, shown_url

JOB = "secgate"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def group_path(context: RunContext, job: str = JOB) -> str:
    """The grouping key of ``context`` as a URL path below the Pushgateway's base URL."""
    return (
        f"/metrics/job/{job}/repository@base64/{_encode(context.repository)}"
        f"/branch@base64/{_encode(context.branch)}"
    )


def _encode(value: str) -> str:
    """base64url, as the Pushgateway reads ``label@base64/<value>`` (``=`` for an empty one)."""
    return base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii") or "="


def push(text: str, url: str, context: RunContext, sender: Sender) -> Delivery:
    """PUT the metrics ``text`` into the scan's group at the Pushgateway ``url``."""
    target = url.rstrip("/") + group_path(context)
    return sender.send(
        "PUT",
        target,
        text.encode("utf-8"),
        what="Pushgateway push",
        shown=shown_url(url),
        headers={"Content-Type": CONTENT_TYPE},
    )
