"""secgate's own JSON message, for any other webhook (a chat bridge, an incident tool, a
script). Its shape is ``secgate/schemas/notify-v1.json`` (``schema: secgate/notify/v1``),
described field by field in ``docs/notify.md``. Texts are plain (cleaned, one line, bounded):
the receiver escapes for wherever it shows them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from secgate.outbound.notify.interface import Digest, MessageFormat

SCHEMA_ID = "secgate/notify/v1"


class JsonFormat(MessageFormat):
    name: ClassVar[str] = "json"

    def owns(self, host: str, path: str) -> bool:
        return True  # every URL no other format owns

    def render(self, digest: Digest) -> dict[str, Any]:
        return {
            "schema": SCHEMA_ID,
            "events": list(digest.events),
            "verdict": {
                "status": digest.status.value,
                "exit_code": digest.exit_code,
                "headline": digest.headline,
                "reasons": list(digest.reasons),
            },
            "counts": dict(digest.counts),
            "repository": digest.repository,
            "branch": digest.branch,
            "commit": digest.commit,
            "run_url": digest.run_url,
            "policy": digest.policy,
            "target": digest.target,
            "secgate_version": digest.secgate_version,
            "blocking": [line.fields for line in digest.blocking],
            "blocking_total": digest.blocking_total,
            "scanners": [
                {"tool": tool, "status": status, "findings": findings}
                for tool, status, findings in digest.scanners
            ],
        }
