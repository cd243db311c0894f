"""Inline review comments on a pull request (``secgate github review --from REPORT.json``): one
comment on the changed line of each blocking finding the pull request brings, where the
reviewer reads the code.

The input is the JSON report of a pull-request-mode scan (``secgate scan --base``): its blocking
findings marked ``changed`` with a line become comments, in report order. Each comment's body
starts with a hidden marker holding the finding's fingerprint (``<!-- secgate-finding: FP -->``),
by which the next run finds it again:

- a finding still blocking at the same path and line: its comment is edited in place (only when
  the text changed);
- a finding that moved (or whose comment GitHub marked outdated, ``line: null``): the old comment
  is deleted and a new one made on the new line;
- a comment whose finding no longer blocks: deleted, or — when someone replied to it — edited to
  say it is resolved (its marker then says so, and later runs leave it alone);
- at most ``max_comments`` comments; the rest, and any line GitHub refuses as not part of the
  diff (422), are listed in the sticky pull-request comment (between ``OVERFLOW_START`` and
  ``OVERFLOW_END``), or in the job summary when there is no sticky comment.

With a read-only token (a fork's pull request: 403) nothing is posted: the comments go to the job
summary instead, and the command still passes, as ``secgate github comment`` does.

Review comments take the head commit of the pull request (``commit_id``, from the event's
``pull_request.head.sha``), a repository-relative ``path`` (the report's ``pull_request.prefix``
joined to the finding's path), the ``line`` and ``side: RIGHT`` (the new version of the file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secgate.errors import InputError, UsageError
from secgate.files.reading import check_size
from secgate.github.action_outputs import append_text
from secgate.github.client import GitHubClient, GitHubError, GitHubUnavailable
from secgate.github.publish import find_comment
from secgate.reports import markdown_text

FINDING_MARKER = "<!-- secgate-finding: {fingerprint} -->"
RESOLVED_MARKER = "<!-- secgate-finding-resolved: {fingerprint} -->"
OVERFLOW_START = "<!-- secgate-review -->"
OVERFLOW_END = "<!-- /secgate-review -->"
DEFAULT_MAX_COMMENTS = 10
MAX_BODY_CHARS = 60_000
_MARKER = re.compile(r"^<!-- secgate-finding: (\S+) -->$", re.M)
_FINGERPRINT = re.compile(r"[A-Za-z0-9_.:/+=-]{1,200}")
_SHA = re.compile(r"[0-9a-fA-F]{40}")
_SAFE_URL = re.compile(r"https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~%/?#=&+-]*)?")
REPORT_SCHEMA = "secgate/report/v1"


@dataclass(frozen=True)
class InlineFinding:
    """One blocking finding to comment on: where, and what the comment says."""

    fingerprint: str
    path: str
    """Relative to the repository's top, POSIX."""
    line: int
    body: str
    title: str
    """One line for the lists (sticky comment, job summary)."""


@dataclass
class ReviewOutcome:
    """What ``publish_review`` did."""

    action: str
    """``posted`` or ``summary`` (the read-only fallback) or ``skipped``."""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    resolved: int = 0
    overflow: list[tuple[InlineFinding, str]] = field(default_factory=list)
    """Findings not commented inline, each with why."""
    warnings: list[str] = field(default_factory=list)


# --- the report -------------------------------------------------------------------------------


def read_report(path: Path) -> dict[str, Any]:
    """The JSON report of a pull-request-mode scan; ``InputError`` names what is wrong."""
    try:
        size = path.stat().st_size
        check_size(size, str(path), InputError)
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the report: {exc.strerror}", path=path) from None
    except (UnicodeDecodeError, ValueError):
        raise InputError("not a secgate JSON report (not JSON)", path=path) from None
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise InputError(
            f"not a secgate JSON report (schema is not {REPORT_SCHEMA}; write it "
            "with secgate scan --json)",
            path=path,
        )
    if not isinstance(data.get("pull_request"), dict):
        raise InputError(
            "the report is not from a pull-request-mode scan (secgate scan "
            "--base REF): it cannot tell which findings the pull request changes",
            path=path,
        )
    if not isinstance(data.get("findings"), list):
        raise InputError("the report has no 'findings' list", path=path)
    return data


def inline_findings(report: Mapping[str, Any]) -> list[InlineFinding]:
    """The report's blocking findings the pull request changes that have a line, in report
    order, one per fingerprint."""
    prefix = str((report.get("pull_request") or {}).get("prefix") or "")
    chosen: dict[str, InlineFinding] = {}
    for finding in report.get("findings") or []:
        if not isinstance(finding, dict) or finding.get("changed") is not True:
            continue
        decision = finding.get("decision") or {}
        location = finding.get("location") or {}
        fingerprint = finding.get("fingerprint")
        line = location.get("start_line") if isinstance(location, dict) else None
        if not (isinstance(decision, dict) and decision.get("action") == "block"):
            continue
        if not (isinstance(fingerprint, str) and _FINGERPRINT.fullmatch(fingerprint)):
            continue
        if not isinstance(line, int) or line < 1 or not isinstance(location.get("path"), str):
            continue
        if fingerprint in chosen:
            continue
        chosen[fingerprint] = InlineFinding(
            fingerprint=fingerprint,
            path=f"{prefix}{location['path']}",
            line=line,
            body=comment_body(finding, fingerprint),
            title=_title(finding, prefix),
        )
    return list(chosen.values())


def comment_body(finding: Mapping[str, Any], fingerprint: str) -> str:
    """The inline comment for one finding (its texts escaped as every Markdown report's)."""
    decision = finding.get("decision") or {}
    tools = ", ".join(
        str(s.get("tool")) for s in finding.get("sources") or [] if isinstance(s, dict)
    ) or str(finding.get("tool", ""))
    rule = markdown_text.code(str(finding.get("rule_id", "")), 120)
    lines = [
        FINDING_MARKER.format(fingerprint=fingerprint),
        f"**🚫 secgate blocks this change:** {rule} "
        f"({markdown_text.text(str(finding.get('severity', '')), 20)}, "
        f"{markdown_text.text(tools, 120)})",
        "",
        markdown_text.text(str(finding.get("message", "")), 1000),
    ]
    fixed = finding.get("lowest_fixed_version")
    if isinstance(fixed, str) and fixed:
        lines += ["", f"Fixed in {markdown_text.code(fixed, 60)}."]
    help_uri = finding.get("help_uri")
    if isinstance(help_uri, str) and _SAFE_URL.fullmatch(help_uri):
        lines += ["", f"More: <{help_uri}>"]
    lines += [
        "",
        f"Why it blocks: {markdown_text.text(str(decision.get('reason', '')), 400)}",
        "",
        f"<sub>secgate fingerprint {markdown_text.code(fingerprint, 200)}: to "
        "accept this risk on record, add it to the policy's <code>accept:</code> "
        "with a reason and an expiry date.</sub>",
    ]
    return "\n".join(lines)[:MAX_BODY_CHARS]


def _title(finding: Mapping[str, Any], prefix: str) -> str:
    location = finding.get("location") or {}
    where = markdown_text.code(f"{prefix}{location.get('path')}:{location.get('start_line')}", 200)
    rule = markdown_text.code(str(finding.get("rule_id", "")), 120)
    return f"{where} {rule}: {markdown_text.text(str(finding.get('message', '')), 200)}"


# --- the review comments ----------------------------------------------------------------------


def publish_review(
    client: GitHubClient,
    owner: str,
    repo: str,
    number: int,
    findings: list[InlineFinding],
    *,
    commit_id: str,
    max_comments: int = DEFAULT_MAX_COMMENTS,
    author: str | None = None,
    step_summary: Path | None = None,
) -> ReviewOutcome:
    """Bring the pull request's secgate review comments in line with ``findings`` (see the
    module docstring)."""
    if not _SHA.fullmatch(commit_id):
        raise UsageError(
            f"--commit {commit_id!r}: give the pull request's head commit as 40 hex digits"
        )
    outcome = ReviewOutcome("posted")
    try:
        _sync(
            client, owner, repo, number, findings, commit_id.lower(), max_comments, author, outcome
        )
        _write_overflow(client, owner, repo, number, outcome, author, step_summary)
    except GitHubUnavailable:
        raise  # rate limited past the wait cap: a 403 too, but not a read-only token
    except GitHubError as exc:
        if exc.status != 403:
            raise
        return _fallback(number, findings, exc.message, step_summary)
    return outcome


def _sync(
    client: GitHubClient,
    owner: str,
    repo: str,
    number: int,
    findings: list[InlineFinding],
    commit_id: str,
    max_comments: int,
    author: str | None,
    outcome: ReviewOutcome,
) -> None:
    base = f"/repos/{owner}/{repo}/pulls"
    listed = [c for c in client.paginate(f"{base}/{number}/comments") if isinstance(c, dict)]
    replied = {c.get("in_reply_to_id") for c in listed if c.get("in_reply_to_id")}
    mine: dict[str, list[dict[str, Any]]] = {}
    for comment in listed:
        fingerprint = _fingerprint_of(comment)
        if fingerprint is not None and _written_by(comment, author):
            mine.setdefault(fingerprint, []).append(comment)
    inline = findings[: max(0, max_comments)]
    outcome.overflow.extend(
        (f, f"more than {max_comments} inline comment(s)") for f in findings[len(inline) :]
    )
    wanted = {f.fingerprint for f in inline}
    for fingerprint, comments in sorted(mine.items()):
        # a finding no longer commented inline, and any duplicate of a kept comment
        stale = comments if fingerprint not in wanted else comments[1:]
        for comment in stale:
            _retire(
                client, base, comment, fingerprint, commit_id, comment["id"] in replied, outcome
            )
    for finding in inline:
        kept = mine.get(finding.fingerprint)
        earlier = kept[0] if kept else None
        if (
            earlier is not None
            and earlier.get("path") == finding.path
            and earlier.get("line") == finding.line
            and earlier.get("side", "RIGHT") == "RIGHT"
        ):
            if earlier.get("body") != finding.body:
                client.patch(f"{base}/comments/{earlier['id']}", {"body": finding.body})
                outcome.updated += 1
            else:
                outcome.unchanged += 1
            continue
        if earlier is not None:  # moved, or outdated by a push: it cannot be moved, only remade
            _retire(
                client,
                base,
                earlier,
                finding.fingerprint,
                commit_id,
                earlier["id"] in replied,
                outcome,
            )
        try:
            client.post(
                f"{base}/{number}/comments",
                {
                    "body": finding.body,
                    "commit_id": commit_id,
                    "path": finding.path,
                    "line": finding.line,
                    "side": "RIGHT",
                },
            )
        except GitHubError as exc:
            if exc.status != 422:
                raise
            outcome.overflow.append((finding, f"GitHub refused the line: {exc.message}"))
            continue
        outcome.created += 1


def _retire(
    client: GitHubClient,
    base: str,
    comment: Mapping[str, Any],
    fingerprint: str,
    commit_id: str,
    has_replies: bool,
    outcome: ReviewOutcome,
) -> None:
    """Delete a comment whose finding is gone; one with replies is kept, marked resolved."""
    if has_replies:
        body = (
            f"{RESOLVED_MARKER.format(fingerprint=fingerprint)}\n"
            f"✅ **Resolved**: secgate no longer blocks this at commit "
            f"{markdown_text.code(commit_id[:12], 20)}.\n\n<details><summary>The earlier "
            f"comment</summary>\n\n{_without_marker(str(comment.get('body', '')))}\n\n"
            "</details>"
        )
        client.patch(f"{base}/comments/{comment['id']}", {"body": body[:MAX_BODY_CHARS]})
        outcome.resolved += 1
    else:
        client.delete(f"{base}/comments/{comment['id']}")
        outcome.deleted += 1


def _without_marker(body: str) -> str:
    return _MARKER.sub("", body).strip()


def _fingerprint_of(comment: Mapping[str, Any]) -> str | None:
    body = comment.get("body")
    if not isinstance(body, str):
        return None
    found = _MARKER.search(body)
    return found.group(1) if found else None


def _written_by(comment: Mapping[str, Any], author: str | None) -> bool:
    user = comment.get("user") or {}
    if author is not None:
        return str(user.get("login", "")).lower() == author.lower()
    return user.get("type") == "Bot"


# --- what is not inline: the sticky comment, the job summary -----------------------------------


def overflow_section(overflow: Iterable[tuple[InlineFinding, str]]) -> str:
    """The sticky comment's part listing blocking findings without an inline comment."""
    items = list(overflow)
    if not items:
        return ""
    lines = [OVERFLOW_START, f"### Blocking findings not commented inline ({len(items)})", ""]
    lines += [f"- {finding.title} ({markdown_text.text(why, 200)})" for finding, why in items[:200]]
    if len(items) > 200:
        lines.append(f"- … and {len(items) - 200} more")
    lines.append(OVERFLOW_END)
    return "\n".join(lines)


def with_overflow(body: str, section: str) -> str:
    """The sticky comment's body with its overflow part replaced by ``section``."""
    start, end = body.find(OVERFLOW_START), body.find(OVERFLOW_END)
    if start != -1 and end > start:
        body = body[:start].rstrip("\n") + "\n" + body[end + len(OVERFLOW_END) :].lstrip("\n")
    body = body.rstrip("\n")
    return f"{body}\n\n{section}\n" if section else f"{body}\n"


def _write_overflow(
    client: GitHubClient,
    owner: str,
    repo: str,
    number: int,
    outcome: ReviewOutcome,
    author: str | None,
    step_summary: Path | None,
) -> None:
    section = overflow_section(outcome.overflow)
    sticky = find_comment(client, owner, repo, number, author)
    if sticky is not None:
        body = with_overflow(str(sticky.get("body") or ""), section)
        if body != sticky.get("body"):
            client.patch(f"/repos/{owner}/{repo}/issues/comments/{sticky['id']}", {"body": body})
        return
    if not section:
        return
    if step_summary is None:
        outcome.warnings.append(
            f"{len(outcome.overflow)} blocking finding(s) are not "
            "commented inline and there is no secgate comment or job "
            "summary to list them in"
        )
        return
    append_text(step_summary, section)
    outcome.warnings.append(
        f"{len(outcome.overflow)} blocking finding(s) not commented inline "
        "are listed in the job summary (no secgate comment on the pull "
        "request)"
    )


def _fallback(
    number: int, findings: list[InlineFinding], why: str, step_summary: Path | None
) -> ReviewOutcome:
    warning = (
        f"cannot write review comments on pull request #{number}: {why} (a read-only "
        "token, as a fork's pull request gets)"
    )
    if step_summary is None:
        return ReviewOutcome(
            "skipped",
            warnings=[f"{warning}; GITHUB_STEP_SUMMARY is not set, so the review is not published"],
        )
    lines = [f"### secgate review: blocking findings on changed lines ({len(findings)})", ""]
    lines += [f"- {f.title}" for f in findings[:200]] or ["- none"]
    append_text(step_summary, "\n".join(lines))
    return ReviewOutcome("summary", warnings=[f"{warning}; the review is in the job summary"])
