"""``secgate github ...``: the pull-request comment, the code-scanning upload, and the action's
outputs. Thin glue over ``secgate.github``; the token is never echoed."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from secgate.errors import InputError, UsageError

if TYPE_CHECKING:
    from secgate.github.client import GitHubClient

# secgate.github.client and secgate.github.publish (and so requests) are imported by the commands
# that use them: every other secgate command starts faster without them.

F = TypeVar("F", bound=Callable[..., Any])


def _connection_options(func: F) -> F:
    func = click.option(
        "--repo", metavar="OWNER/NAME", help="The repository [default: $GITHUB_REPOSITORY]."
    )(func)
    func = click.option(
        "--token",
        metavar="TOKEN",
        help="GitHub token [default: $GITHUB_TOKEN, which is preferred: a "
        "command line is visible to other processes].",
    )(func)
    return func


def _client(token: str | None) -> GitHubClient:
    from secgate.github.client import GitHubClient

    return GitHubClient.from_env(token)


def _repository(repo: str | None) -> tuple[str, str]:
    value = repo or os.environ.get("GITHUB_REPOSITORY", "")
    if not value:
        raise UsageError("no repository: set GITHUB_REPOSITORY or pass --repo OWNER/NAME")
    from secgate.github.publish import split_repository

    return split_repository(value)


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value) if value else None


def _say(message: str) -> None:
    click.echo(f"secgate: {message}", err=True)


def _warn(message: str) -> None:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        click.echo(f"::warning title=secgate::{_command_escape(message)}")
    click.echo(f"secgate: warning: {message}", err=True)


def _command_escape(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF) as the runner expects."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


_pull_request_option = click.option(
    "--pr",
    "number",
    type=click.IntRange(min=1),
    help="Pull request number [default: from the event at $GITHUB_EVENT_PATH].",
)


def _event_pull_request(event: dict[str, Any], doing: str) -> int:
    """The number of the pull request ``event`` is about, or a usage error naming ``doing``."""
    from secgate.github.publish import pull_request_number

    number = pull_request_number(event)
    if number is None:
        raise UsageError(
            f"no pull request to {doing}: the event at GITHUB_EVENT_PATH is "
            "not a pull_request event (give --pr N)"
        )
    return number


@click.group("github")
def github() -> None:
    """Publish a result on GitHub: the pull-request comment, the code-scanning upload."""


@github.command()
@click.option(
    "--markdown",
    "markdown_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The Markdown to post (secgate scan --markdown).",
)
@_pull_request_option
@click.option(
    "--author",
    metavar="LOGIN",
    help="Edit only a marked comment by this login [default: any bot's].",
)
@_connection_options
def comment(
    markdown_path: Path, number: int | None, author: str | None, token: str | None, repo: str | None
) -> None:
    """Post the report as the pull request's secgate comment, editing the earlier one.

    The comment is found by its hidden marker line. With a read-only token (403, as on a fork's
    pull request) the report goes to $GITHUB_STEP_SUMMARY instead and the command still passes.
    """
    from secgate.github.publish import publish_comment, read_event

    try:
        markdown = markdown_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(f"cannot read the Markdown: {reason}", path=markdown_path) from None
    if number is None:
        number = _event_pull_request(read_event(os.environ), "comment on")
    owner, name = _repository(repo)
    with _client(token) as client:
        outcome = publish_comment(
            client,
            owner,
            name,
            number,
            markdown,
            author=author,
            step_summary=_env_path("GITHUB_STEP_SUMMARY"),
        )
    for warning in outcome.warnings:
        _warn(warning)
    if outcome.action in ("created", "updated"):
        _say(
            f"{outcome.action} the comment on pull request #{number}"
            + (f": {outcome.url}" if outcome.url else "")
        )


@github.command()
@click.option(
    "--from",
    "report_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The JSON report of a pull-request-mode scan (secgate scan --base --json).",
)
@_pull_request_option
@click.option(
    "--commit",
    "commit_id",
    metavar="SHA",
    help="The pull request's head commit the comments are made on [default: the "
    "event's pull_request.head.sha].",
)
@click.option(
    "--max-comments",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="At most this many inline comments; the rest are listed in the sticky comment.",
)
@click.option(
    "--author", metavar="LOGIN", help="Edit only comments by this login [default: any bot's]."
)
@_connection_options
def review(
    report_path: Path,
    number: int | None,
    commit_id: str | None,
    max_comments: int,
    author: str | None,
    token: str | None,
    repo: str | None,
) -> None:
    """Comment inline on the changed lines of the blocking findings the pull request brings.

    One review comment per finding, found again by the fingerprint in its hidden marker:
    edited in place on the next push, deleted (or marked resolved when someone replied) once
    the finding no longer blocks. With a read-only token (403, as on a fork's pull request)
    the findings go to $GITHUB_STEP_SUMMARY instead and the command still passes.
    """
    from secgate.github.publish import read_event
    from secgate.github.review import inline_findings, publish_review, read_report

    report = read_report(report_path)
    event = read_event(os.environ) if number is None or commit_id is None else {}
    if number is None:
        number = _event_pull_request(event, "review")
    if commit_id is None:
        head = (event.get("pull_request") or {}).get("head") or {}
        commit_id = head.get("sha") if isinstance(head.get("sha"), str) else None
        if commit_id is None:
            raise UsageError(
                "no head commit to comment on: give --commit SHA (the event at "
                "GITHUB_EVENT_PATH has no pull_request.head.sha)"
            )
    owner, name = _repository(repo)
    findings = inline_findings(report)
    with _client(token) as client:
        outcome = publish_review(
            client,
            owner,
            name,
            number,
            findings,
            commit_id=commit_id,
            max_comments=max_comments,
            author=author,
            step_summary=_env_path("GITHUB_STEP_SUMMARY"),
        )
    for warning in outcome.warnings:
        _warn(warning)
    if outcome.action == "posted":
        _say(
            f"review of pull request #{number}: {outcome.created} created, {outcome.updated} "
            f"updated, {outcome.unchanged} unchanged, {outcome.deleted} deleted, "
            f"{outcome.resolved} resolved, {len(outcome.overflow)} in the sticky comment"
        )


@github.command("upload-sarif")
@click.argument("sarif_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ref",
    envvar="GITHUB_REF",
    show_envvar=True,
    help="The full git ref analysed, e.g. refs/heads/main or refs/pull/42/merge.",
)
@click.option(
    "--sha", envvar="GITHUB_SHA", show_envvar=True, help="The commit analysed (40 hex digits)."
)
@click.option("--checkout-uri", help="Where the repository was checked out (file:// URI).")
@click.option("--tool-name", help="A name for the analysis tool GitHub shows.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=120.0,
    show_default=True,
    help="Seconds to wait for GitHub to finish processing (0: do not wait).",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.01),
    default=5.0,
    show_default=True,
    envvar="SECGATE_GITHUB_POLL_INTERVAL",
    show_envvar=True,
    help="Seconds between two status checks.",
)
@_connection_options
def upload_sarif_command(
    sarif_file: Path,
    ref: str | None,
    sha: str | None,
    checkout_uri: str | None,
    tool_name: str | None,
    wait: float,
    poll_interval: float,
    token: str | None,
    repo: str | None,
) -> None:
    """Upload a SARIF file to GitHub code scanning and report how its processing ended.

    The file is gzipped and base64-encoded; over 10 MB gzipped it is refused before any upload.
    Processing that failed is an error (exit 2); still pending after --wait is a warning.
    """
    from secgate.github.client import GitHubError
    from secgate.github.code_scanning import upload_sarif
    from secgate.github.publish import is_fork_pull_request, read_event

    if not ref or not sha:
        raise UsageError("upload-sarif needs --ref and --sha (or GITHUB_REF and GITHUB_SHA)")
    owner, name = _repository(repo)
    try:
        with _client(token) as client:
            outcome = upload_sarif(
                client,
                owner,
                name,
                sarif_file,
                ref=ref,
                sha=sha,
                checkout_uri=checkout_uri,
                tool_name=tool_name,
                wait=wait,
                poll_interval=poll_interval,
            )
    except GitHubError as exc:
        if exc.status == 403 and is_fork_pull_request(read_event(os.environ)):
            _warn(
                f"cannot upload {sarif_file} to code scanning from a fork's pull request: "
                f"{exc.message}"
            )
            return
        raise
    if outcome.status == "failed":
        detail = "; ".join(outcome.errors) or "no reason given"
        raise GitHubError(
            f"{sarif_file}: GitHub could not process the upload {outcome.sarif_id}: {detail}"
        )
    if outcome.status != "complete":
        _warn(
            f"{sarif_file}: uploaded as {outcome.sarif_id}, processing still "
            f"{outcome.status} after {wait:g} s"
        )
        return
    _say(f"uploaded {sarif_file} to code scanning ({outcome.sarif_id}): processing complete")


@github.command("action-outputs")
@click.option(
    "--report-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The --output-dir of the scan.",
)
@click.option("--exit-code", required=True, type=int, help="The scan's exit code.")
def action_outputs(report_dir: Path, exit_code: int) -> None:
    """Set the action's step outputs ($GITHUB_OUTPUT) and write its job summary
    ($GITHUB_STEP_SUMMARY) from a scan's report directory; without them, print the outputs."""
    from secgate.github.action_outputs import action_report, append_text, write_outputs

    report = action_report(report_dir, exit_code)
    output_file = _env_path("GITHUB_OUTPUT")
    if output_file is not None:
        write_outputs(output_file, report.outputs)
    else:
        for key, value in sorted(report.outputs.items()):
            sys.stdout.write(f"{key}={value}\n")
    summary_file = _env_path("GITHUB_STEP_SUMMARY")
    if summary_file is not None:
        append_text(summary_file, report.summary)
