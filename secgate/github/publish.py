"""Publishing a result on GitHub: the sticky pull-request comment, the code-scanning SARIF
upload, and the step outputs and job summary of the action.

Everything here takes its inputs as arguments (a client, paths, an environment mapping) so it can
be driven by ``secgate github ...`` and by tests alike; nothing runs at import.
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secgate.errors import InputError, UsageError
from secgate.github.client import GitHubClient, GitHubError, GitHubUnavailable
from secgate.reports.pr_comment import COMMENT_MARKER

MARKER = COMMENT_MARKER
"""The hidden line that marks secgate's own pull-request comment (the Markdown report writes it;
see docs/github.md)."""
MAX_COMMENT_CHARS = 65_000
"""GitHub refuses comment bodies above 65,536 characters; stay a little below."""
MAX_SARIF_GZIP_BYTES = 10_000_000
"""GitHub code scanning refuses a SARIF upload whose gzip size passes 10 MB."""
_PR_EVENTS = ("pull_request", "pull_request_target")


# --- where we are: repository and pull request ------------------------------------------------

def split_repository(value: str) -> tuple[str, str]:
    """``owner/name`` -> (owner, name), or a UsageError."""
    owner, _, name = value.strip().partition("/")
    if not owner or not name or "/" in name:
        raise UsageError(f"repository {value!r} is not OWNER/NAME (set GITHUB_REPOSITORY "
                         "or pass --repo)")
    return owner, name


def read_event(env: Mapping[str, str]) -> dict[str, Any]:
    """The webhook event the workflow runs for (``GITHUB_EVENT_PATH``), or {} when unset."""
    path = env.get("GITHUB_EVENT_PATH", "").strip()
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the event file: {exc.strerror}", path=path) from None
    except ValueError:
        raise InputError("the event file is not JSON", path=path) from None
    if not isinstance(data, dict):
        raise InputError("the event file is not a JSON object", path=path)
    return data


def pull_request_number(event: Mapping[str, Any]) -> int | None:
    """The pull request's number in a ``pull_request`` event, else None."""
    pull = event.get("pull_request")
    if isinstance(pull, dict) and isinstance(pull.get("number"), int):
        return int(pull["number"])
    return None


def is_fork_pull_request(event: Mapping[str, Any]) -> bool:
    """Whether the event is a pull request from another repository (whose token is read-only)."""
    pull = event.get("pull_request")
    if not isinstance(pull, dict):
        return False
    head = (pull.get("head") or {}).get("repo") or {}
    base = (pull.get("base") or {}).get("repo") or {}
    if head.get("fork") is True:
        return True
    return bool(head.get("full_name") and head.get("full_name") != base.get("full_name"))


# --- the sticky comment -----------------------------------------------------------------------

@dataclass
class CommentOutcome:
    """What ``publish_comment`` did: created, updated, or fell back to the job summary."""

    action: str
    url: str | None = None
    comment_id: int | None = None
    warnings: list[str] = field(default_factory=list)


def comment_body(markdown: str) -> str:
    """The comment text: the Markdown with the marker line (added first when missing), cut to
    GitHub's size limit."""
    lines = markdown.splitlines()
    body = markdown if MARKER in (line.strip() for line in lines) else f"{MARKER}\n{markdown}"
    if len(body) > MAX_COMMENT_CHARS:
        note = "\n\n… (cut by secgate at GitHub's comment size; the job summary has the rest)\n"
        body = body[:MAX_COMMENT_CHARS - len(note)] + note
    return body


def has_marker(comment: Mapping[str, Any]) -> bool:
    text = comment.get("body")
    return isinstance(text, str) and MARKER in (line.strip() for line in text.splitlines())


def find_comment(client: GitHubClient, owner: str, repo: str, number: int,
                 author: str | None = None) -> dict[str, Any] | None:
    """secgate's earlier comment on the pull request: the first with the marker line written by
    ``author`` (a login), or by a bot when no author is given."""
    for comment in client.paginate(f"/repos/{owner}/{repo}/issues/{number}/comments"):
        if not isinstance(comment, dict) or not has_marker(comment):
            continue
        user = comment.get("user") or {}
        if author is not None:
            if str(user.get("login", "")).lower() == author.lower():
                return comment
        elif user.get("type") == "Bot":
            return comment
    return None


def publish_comment(client: GitHubClient, owner: str, repo: str, number: int, markdown: str,
                    *, author: str | None = None,
                    step_summary: Path | None = None) -> CommentOutcome:
    """Edit secgate's comment on the pull request, else create it. A 403 (a fork's read-only
    token) is no failure: the Markdown goes to the job summary and a warning says so."""
    body = comment_body(markdown)
    try:
        earlier = find_comment(client, owner, repo, number, author)
        if earlier is not None:
            data = client.patch(f"/repos/{owner}/{repo}/issues/comments/{earlier['id']}",
                                {"body": body})
            return CommentOutcome("updated", _field(data, "html_url"), earlier.get("id"))
        data = client.post(f"/repos/{owner}/{repo}/issues/{number}/comments", {"body": body})
        return CommentOutcome("created", _field(data, "html_url"), _field(data, "id"))
    except GitHubUnavailable:
        raise  # rate limited past the wait cap: a 403 too, but not a read-only token
    except GitHubError as exc:
        if exc.status != 403:
            raise
        warning = (f"cannot comment on pull request #{number}: {exc.message} (a read-only "
                   "token, as a fork's pull request gets)")
    if step_summary is None:
        return CommentOutcome("skipped", warnings=[
            f"{warning}; GITHUB_STEP_SUMMARY is not set, so the report is not published"])
    append_text(step_summary, markdown)
    return CommentOutcome("summary", warnings=[f"{warning}; the report is in the job summary"])


def _field(data: Any, name: str) -> Any:
    return data.get(name) if isinstance(data, dict) else None


def append_text(path: Path, text: str) -> None:
    """Append ``text`` (and a final newline) to a file GitHub gave the job."""
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else f"{text}\n")
    except OSError as exc:
        raise UsageError(f"cannot append to the file: {exc.strerror}", path=path) from None


# --- the code-scanning upload -----------------------------------------------------------------

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
    if len(packed) > MAX_SARIF_GZIP_BYTES:
        raise InputError(f"too large for GitHub code scanning: {len(packed):,} bytes gzipped, "
                         f"the limit is {MAX_SARIF_GZIP_BYTES:,}", path=path)
    return base64.b64encode(packed).decode("ascii")


def check_ref(ref: str, sha: str) -> None:
    """GitHub wants a full ref (``refs/heads/...``, ``refs/pull/N/merge``...) and a 40-hex sha."""
    if not ref.startswith("refs/"):
        raise UsageError(f"--ref {ref!r}: give the full ref, e.g. refs/heads/main or "
                         "refs/pull/42/merge")
    if len(sha) != 40 or any(c not in "0123456789abcdef" for c in sha.lower()):
        raise UsageError(f"--sha {sha!r}: give the full 40-character commit sha")


def upload_sarif(client: GitHubClient, owner: str, repo: str, path: Path, *, ref: str,
                 sha: str, checkout_uri: str | None = None, tool_name: str | None = None,
                 wait: float = 120.0, poll_interval: float = 5.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> UploadOutcome:
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
    sarif_id = _field(data, "id")
    if not sarif_id:
        raise GitHubError("GitHub accepted the SARIF upload but gave no id to follow")
    outcome = UploadOutcome(str(sarif_id), "pending")
    given = _field(data, "url")
    status_url = str(given) if given else f"/repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}"
    client.url(status_url, via="the 'url' field of the upload's answer")  # before any wait
    deadline = clock() + wait
    while True:
        try:
            status = client.request("GET", status_url,
                                    via="the 'url' field of the upload's answer").data
        except GitHubError as exc:
            if exc.status != 404:  # just uploaded: GitHub may not know the id for a moment
                raise
            status = {"processing_status": "pending"}
        outcome.status = str(_field(status, "processing_status") or "pending")
        outcome.analyses_url = _field(status, "analyses_url")
        outcome.errors = [str(e) for e in (_field(status, "errors") or [])]
        if outcome.status in ("complete", "failed") or clock() + poll_interval > deadline:
            return outcome
        sleep(poll_interval)


# --- the action's outputs and job summary -----------------------------------------------------

@dataclass
class ActionReport:
    """What the action tells the workflow after the scan."""

    outputs: dict[str, str]
    summary: str


def action_report(report_dir: Path, exit_code: int) -> ActionReport:
    """The step outputs and the job-summary text for a scan that wrote ``report_dir``."""
    files = {name: report_dir / file for name, file in (
        ("sarif-file", "report.sarif"), ("json-file", "report.json"),
        ("html-file", "report.html"), ("markdown-file", "report.md"),
        ("summary-file", "summary.md"))}
    outputs = {name: str(path) if path.is_file() else "" for name, path in files.items()}
    outputs["exit-code"] = str(exit_code)
    report = _read_json_report(files["json-file"])
    if report is None:
        verdict, counts = "error", dict[str, int]()
        summary = (f"## secgate: ERROR\n\nsecgate ended with exit code {exit_code} before "
                   "writing its reports; the step's log says why.\n")
    else:
        verdict, counts = _verdict_and_counts(report)
        summary = (files["summary-file"].read_text(encoding="utf-8")
                   if files["summary-file"].is_file() else _short_summary(verdict, counts))
    outputs["verdict"] = verdict
    outputs["counts"] = json.dumps(counts, sort_keys=True, separators=(",", ":"))
    outputs["findings"] = str(counts.get("total", 0))
    if not outputs["markdown-file"]:
        # No comment Markdown from the scan (an older secgate, or an error before any report):
        # the summary stands in, so a stale comment never outlives a failed run.
        fallback = files["summary-file"]
        if not fallback.is_file():
            try:
                fallback.parent.mkdir(parents=True, exist_ok=True)
                fallback.write_text(summary, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write the summary: {exc.strerror}",
                                 path=fallback) from None
        outputs["summary-file"] = outputs["markdown-file"] = str(fallback)
    return ActionReport(outputs, summary)


def _read_json_report(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _verdict_and_counts(report: Mapping[str, Any]) -> tuple[str, dict[str, int]]:
    verdict = report.get("verdict") or {}
    findings = [f for f in report.get("findings") or [] if isinstance(f, dict)]
    counts: dict[str, int] = {"total": len(findings)}
    for severity in ("critical", "high", "medium", "low", "info"):
        counts[severity] = sum(1 for f in findings if f.get("severity") == severity)
    for name, value in (verdict.get("counts") or {}).items():
        if isinstance(value, int) and name not in counts:
            counts[str(name)] = value
    return str(verdict.get("status") or "error"), counts


_VERDICT_TITLES = {"pass": "PASS", "warn": "PASS with warnings", "block": "BLOCKED",
                   "error": "ERROR"}


def _short_summary(verdict: str, counts: Mapping[str, int]) -> str:
    """A few lines of verdict and counts, used when the scan wrote no summary.md."""
    title = _VERDICT_TITLES.get(verdict, verdict.upper())
    rows = "".join(f"| {name} | {counts[name]} |\n"
                   for name in ("critical", "high", "medium", "low", "info") if counts.get(name))
    table = f"\n| severity | findings |\n|---|---|\n{rows}" if rows else ""
    return f"## secgate: {title}\n\n{counts.get('total', 0)} finding(s).\n{table}"


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append step outputs to ``GITHUB_OUTPUT`` in the delimited form (safe for any value)."""
    lines = []
    for name, value in sorted(outputs.items()):
        delimiter = f"secgate_{secrets.token_hex(8)}"
        lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    append_text(path, "".join(lines))
