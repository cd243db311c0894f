"""The sticky pull-request comment on GitHub, and the event and repository it is for (the
code-scanning upload is ``secgate.github.code_scanning``, the action's outputs
``secgate.github.action_outputs``).

Everything here takes its inputs as arguments (a client, paths, an environment mapping) so it can
be driven by ``secgate github ...`` and by tests alike; nothing runs at import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secgate.errors import InputError, UsageError
from secgate.github.action_outputs import append_text
from secgate.github.client import GitHubClient, GitHubError, GitHubUnavailable, json_field
from secgate.reports.pr_comment import COMMENT_MARKER, MAX_CHARS

MARKER = COMMENT_MARKER
"""The hidden line that marks secgate's own pull-request comment (the Markdown report writes it;
see docs/github.md)."""
_PR_EVENTS = ("pull_request", "pull_request_target")


# --- where we are: repository and pull request ------------------------------------------------


def split_repository(value: str) -> tuple[str, str]:
    """``owner/name`` -> (owner, name), or a UsageError."""
    owner, _, name = value.strip().partition("/")
    if not owner or not name or "/" in name:
        raise UsageError(
            f"repository {value!r} is not OWNER/NAME (set GITHUB_REPOSITORY or pass --repo)"
        )
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
    if len(body) > MAX_CHARS:
        note = "\n\n… (cut by secgate at GitHub's comment size; the job summary has the rest)\n"
        body = body[: MAX_CHARS - len(note)] + note
    return body


def has_marker(comment: Mapping[str, Any]) -> bool:
    text = comment.get("body")
    return isinstance(text, str) and MARKER in (line.strip() for line in text.splitlines())


def find_comment(
    client: GitHubClient, owner: str, repo: str, number: int, author: str | None = None
) -> dict[str, Any] | None:
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


def publish_comment(
    client: GitHubClient,
    owner: str,
    repo: str,
    number: int,
    markdown: str,
    *,
    author: str | None = None,
    step_summary: Path | None = None,
) -> CommentOutcome:
    """Edit secgate's comment on the pull request, else create it. A 403 (a fork's read-only
    token) is no failure: the Markdown goes to the job summary and a warning says so."""
    body = comment_body(markdown)
    try:
        earlier = find_comment(client, owner, repo, number, author)
        if earlier is not None:
            data = client.patch(
                f"/repos/{owner}/{repo}/issues/comments/{earlier['id']}", {"body": body}
            )
            return CommentOutcome("updated", json_field(data, "html_url"), earlier.get("id"))
        data = client.post(f"/repos/{owner}/{repo}/issues/{number}/comments", {"body": body})
        return CommentOutcome("created", json_field(data, "html_url"), json_field(data, "id"))
    except GitHubUnavailable:
        raise  # rate limited past the wait cap: a 403 too, but not a read-only token
    except GitHubError as exc:
        if exc.status != 403:
            raise
        warning = (
            f"cannot comment on pull request #{number}: {exc.message} (a read-only "
            "token, as a fork's pull request gets)"
        )
    if step_summary is None:
        return CommentOutcome(
            "skipped",
            warnings=[f"{warning}; GITHUB_STEP_SUMMARY is not set, so the report is not published"],
        )
    append_text(step_summary, markdown)
    return CommentOutcome("summary", warnings=[f"{warning}; the report is in the job summary"])
