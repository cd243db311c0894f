"""Uploading a SARIF file to GitHub code scanning and following its processing."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secgate.errors import InputError, UsageError
from secgate.github.client import GitHubClient, GitHubError, json_field
from secgate.reports.sarif_report import MAX_GZIP_BYTES


@dataclass
class UploadOutcome:
    """The upload's id and the processing status GitHub reported last."""

    sarif_id: str
    status: str
    errors: list[str] = field(default_factory=list)
    analyses_url: str | None = None


def encode_sarif(path: Path) -> str:
    """The SARIF file gzip-compressed then base64-encoded, after checking that it is JSON with
    ``runs`` and within GitHub's 10 MB gzip limit."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the SARIF file: {exc.strerror}", path=path) from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise InputError("not a SARIF file (not JSON)", path=path) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise InputError("not a SARIF file (no 'runs' list)", path=path)
    packed = gzip.compress(raw, mtime=0)
    if len(packed) > MAX_GZIP_BYTES:
        raise InputError(
            f"too large for GitHub code scanning: {len(packed):,} bytes gzipped, "
            f"the limit is {MAX_GZIP_BYTES:,}",
            path=path,
        )
    return base64.b64encode(packed).decode("ascii")


def check_ref(ref: str, sha: str) -> None:
    """GitHub wants a full ref (``refs/heads/...``, ``refs/pull/N/merge``...) and a 40-hex sha."""
    if not ref.startswith("refs/"):
        raise UsageError(
            f"--ref {ref!r}: give the full ref, e.g. refs/heads/main or refs/pull/42/merge"
        )
    if len(sha) != 40 or any(c not in "0123456789abcdef" for c in sha.lower()):
        raise UsageError(f"--sha {sha!r}: give the full 40-character commit sha")


def upload_sarif(
    client: GitHubClient,
    owner: str,
    repo: str,
    path: Path,
    *,
    ref: str,
    sha: str,
    checkout_uri: str | None = None,
    tool_name: str | None = None,
    wait: float = 120.0,
    poll_interval: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> UploadOutcome:
    """Upload a SARIF file to code scanning, then poll its processing until it is complete or
    failed, or ``wait`` seconds passed (then the status is the last one seen, e.g. pending).
    The status is read where the upload's answer says (its ``url``), which must be on the API's
    own host (``GitHubClient.url``)."""
    check_ref(ref, sha)
    body: dict[str, Any] = {"commit_sha": sha.lower(), "ref": ref, "sarif": encode_sarif(path)}
    if checkout_uri:
        body["checkout_uri"] = checkout_uri
    if tool_name:
        body["tool_name"] = tool_name
    data = client.post(f"/repos/{owner}/{repo}/code-scanning/sarifs", body)
    sarif_id = json_field(data, "id")
    if not sarif_id:
        raise GitHubError("GitHub accepted the SARIF upload but gave no id to follow")
    outcome = UploadOutcome(str(sarif_id), "pending")
    given = json_field(data, "url")
    status_url = str(given) if given else f"/repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}"
    client.url(status_url, via="the 'url' field of the upload's answer")  # before any wait
    deadline = clock() + wait
    while True:
        try:
            status = client.request(
                "GET", status_url, via="the 'url' field of the upload's answer"
            ).data
        except GitHubError as exc:
            if exc.status != 404:  # just uploaded: GitHub may not know the id for a moment
                raise
            status = {"processing_status": "pending"}
        outcome.status = str(json_field(status, "processing_status") or "pending")
        outcome.analyses_url = json_field(status, "analyses_url")
        outcome.errors = [str(e) for e in (json_field(status, "errors") or [])]
        if outcome.status in ("complete", "failed") or clock() + poll_interval > deadline:
            return outcome
        sleep(poll_interval)
