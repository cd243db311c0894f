"""Pushing the run's log lines to Grafana Loki.

Loki's push API (``POST <url>/loki/api/v1/push``, JSON): ``{"streams": [{"stream": {labels},
"values": [["<Unix time in ns, as a string>", "<line>"], ...]}]}``; Loki answers 204. All lines
of one run form one stream labelled ``job="secgate"``, ``repository``, ``branch`` and
``verdict`` (so LogQL finds ``{job="secgate", verdict="block"}``); each line is the record's
JSON (``| json`` in LogQL reads its fields). The lines are pushed once the verdict is known, in
batches of at most ``BATCH_LINES``, their timestamps strictly increasing.

``SECGATE_LOKI_TENANT`` sets the ``X-Scope-OrgID`` header of a multi-tenant Loki; basic
authentication goes in the URL's user-info part, which is never shown.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence

from secgate.model import ScanResult
from secgate.outbound.context import RunContext
from secgate.outbound.http import Delivery, Sender, shown_url
from secgate.outbound.logs import LogRecord

PUSH_PATH = "/loki/api/v1/push"
TENANT_ENV = "SECGATE_LOKI_TENANT"
BATCH_LINES = 1000


def push_url(url: str) -> str:
    """The push endpoint of a Loki base URL (a URL already ending in it is kept)."""
    base = url.rstrip("/")
    return base if base.endswith(PUSH_PATH) else base + PUSH_PATH


def labels(result: ScanResult, context: RunContext) -> dict[str, str]:
    """The stream labels of a run's lines."""
    return {
        "job": "secgate",
        "repository": context.repository,
        "branch": context.branch,
        "verdict": result.verdict.status.value,
    }


def values(records: Sequence[LogRecord]) -> list[list[str]]:
    """``[timestamp in ns, line]`` pairs, the timestamps strictly increasing."""
    pairs: list[list[str]] = []
    last = 0
    for record in records:
        ns = max(int(record.time * 1_000_000_000), last + 1)
        last = ns
        pairs.append([str(ns), record.as_json()])
    return pairs


def push(
    records: Sequence[LogRecord],
    url: str,
    stream_labels: Mapping[str, str],
    sender: Sender,
    environ: Mapping[str, str] | None = None,
) -> Delivery:
    """Push ``records`` as one stream; the first failed batch ends the push."""
    env = os.environ if environ is None else environ
    headers = {"Content-Type": "application/json"}
    tenant = env.get(TENANT_ENV, "").strip()
    if tenant:
        headers["X-Scope-OrgID"] = tenant
    pairs = values(records)
    delivery = Delivery("Loki push", shown_url(url), True)
    for start in range(0, max(len(pairs), 1), BATCH_LINES):
        body = {
            "streams": [
                {"stream": dict(stream_labels), "values": pairs[start : start + BATCH_LINES]}
            ]
        }
        delivery = sender.send(
            "POST",
            push_url(url),
            json.dumps(body).encode("utf-8"),
            what="Loki push",
            shown=shown_url(url),
            headers=headers,
        )
        if not delivery.ok:
            return delivery
    return delivery
