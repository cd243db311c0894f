"""The content of a message, format by format, from hand-built results full of hostile text:
which URL gets which format, escaping, Slack's limits, events, targets, and the context a
message is labelled with."""

from __future__ import annotations

import base64
import json

import pytest

from secgate.errors import UsageError
from secgate.model import (
    Action,
    Category,
    Decision,
    Finding,
    Level,
    Location,
    ScanResult,
    Severity,
    Verdict,
    VerdictStatus,
)
from secgate.outbound.context import RunContext, actions_run_url, repository_of_remote
from secgate.outbound.notify import digest, slack, teams
from secgate.outbound.notify.formats import FORMATS, detect
from secgate.outbound.notify.send import body_for, due
from secgate.outbound.notify.targets import (
    Event,
    merge,
    parse_events,
    parse_spec,
    policy_targets,
    scan_events,
)
from secgate.outbound.pushgateway import group_path
from secgate.policy.loader import parse
from tests.support.webhooks import NOTIFY_SCHEMA, slack_problems, teams_problems

HOSTILE = "<!channel> <@U123> [click](javascript:alert(1)) **bold** `tick` & \x1b[31m\x00 ok"
CONTEXT = RunContext(
    repository="octo-org/octo-app",
    branch="feat/<x>",
    commit="a" * 40,
    run_url="https://github.com/octo-org/octo-app/actions/runs/1",
)


def _finding(index: int, message: str = HOSTILE) -> Finding:
    return Finding(
        tool="semgrep",
        rule_id=f"rule-{index}<b>",
        category=Category.SAST,
        severity=Severity.HIGH,
        score=8.0,
        level=Level.ERROR,
        message=message * 20,
        location=Location(path=f"src/{index}|<script>.py", start_line=index + 1),
        decision=Decision(action=Action.BLOCK, decided_by="threshold", reason="severity high"),
    )


def _result(
    blocking: int = 3, status: VerdictStatus = VerdictStatus.BLOCK, fixed: int = 0
) -> ScanResult:
    findings = [_finding(i) for i in range(blocking)]
    return ScanResult(
        findings=findings,
        verdict=Verdict(
            status=status,
            reasons=[f"{blocking} finding(s) block", HOSTILE],
            counts={"block": blocking, "warn": 0, "total": blocking},
        ),
        policy="builtin:default",
        secgate_version="0.1.0",
        fixed=[_finding(99) for _ in range(fixed)],
    )


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("https://hooks.slack.com/services/T0/B0/XXXX", "slack"),
        ("https://hooks.slack-gov.com/services/T0/B0/XXXX", "slack"),
        ("https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456", "teams"),
        ("https://outlook.office.com/webhook/abc", "teams"),
        (
            "https://prod-01.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke",
            "teams",
        ),
        ("https://hooks.slack.com/other", "json"),
        ("https://example.com/services/T0/B0/X", "json"),
        ("http://127.0.0.1:8080/hook", "json"),
    ],
)
def test_the_url_chooses_the_format(url: str, fmt: str) -> None:
    assert detect(url) == fmt


def test_slack_escapes_every_text_and_keeps_its_limits() -> None:
    body = FORMATS["slack"].render(digest.build(_result(blocking=25), CONTEXT, ("block",)))
    assert slack_problems(body) == []
    text = json.dumps(body)
    assert "<!channel>" not in text and "<@U123>" not in text and "\\u001b" not in text
    assert "&lt;!channel&gt;" in text
    sections = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert all(len(s) <= slack.SECTION_LIMIT for s in sections)
    listed = next(s for s in sections if s.startswith("*Blocking findings*"))
    shown = listed.count("\n• ")
    assert 0 < shown <= digest.TOP_BLOCKING
    assert listed.endswith(f"… and {25 - shown} more blocking finding(s)")
    assert "`semgrep:rule-0&lt;b&gt;`" in sections[1]


def test_teams_escapes_markdown() -> None:
    body = FORMATS["teams"].render(digest.build(_result(), CONTEXT, ("block",)))
    assert teams_problems(body) == []
    lines = [
        b["text"] for b in body["attachments"][0]["content"]["body"] if b["type"] == "TextBlock"
    ]
    finding = next(line for line in lines if line.startswith("**HIGH**"))
    assert "\\[click\\]\\(javascript:alert\\(1\\)\\)" in finding
    assert "\\*\\*bold\\*\\*" in finding and "\\`tick\\`" in finding
    assert teams.escape("a_b") == "a\\_b"


def test_secgate_json_validates_and_keeps_text_plain() -> None:
    import jsonschema

    result = _result(blocking=12)
    body = FORMATS["json"].render(digest.build(result, CONTEXT, ("block",)))
    jsonschema.Draft202012Validator(NOTIFY_SCHEMA).validate(body)
    assert body["blocking_total"] == 12 and len(body["blocking"]) == digest.TOP_BLOCKING
    first = body["blocking"][0]
    assert first["message"].startswith("<!channel>") and "\x1b" not in first["message"]
    assert len(first["message"]) <= 300


def test_events_and_fixed() -> None:
    assert scan_events(_result()) == {Event.BLOCK}
    assert scan_events(_result(0, VerdictStatus.PASS, fixed=2)) == {Event.PASS, Event.FIXED}
    fixed_only = parse_spec("json=https://example.com/h", "--notify", parse_events("fixed"))
    passing = _result(0, VerdictStatus.PASS, fixed=1)
    assert due([fixed_only], passing) == [fixed_only]
    assert due([fixed_only], _result()) == []
    sent = json.loads(body_for(fixed_only, passing, CONTEXT))
    assert sent["events"] == ["fixed"]


def test_targets_merge_by_url() -> None:
    a = parse_spec("https://example.com/h", "--notify", parse_events("block"))
    b = parse_spec("json=https://example.com/h", "SECGATE_NOTIFY_URL", parse_events("pass"))
    (merged,) = merge([a, b])
    assert merged.events == {Event.BLOCK, Event.PASS} and merged.format == "json"
    assert "example.com/h" not in repr(merged)
    with pytest.raises(UsageError):
        parse_spec("slack=not-a-url", "--notify", parse_events("block"))


def test_a_webhook_url_written_into_the_policy_warns() -> None:
    policy = parse(
        "version: 1\nnotify:\n  - url: https://hooks.slack.com/services/T/B/X\n"
        "    on: [block, fixed]\n",
        "p.yml",
    )
    targets, warnings = policy_targets(policy, {})
    assert [t.events for t in targets] == [{Event.BLOCK, Event.FIXED}]
    assert len(warnings) == 1 and "credential" in warnings[0] and "T/B/X" not in warnings[0]


@pytest.mark.parametrize(
    ("url", "repository"),
    [
        ("https://x-access-token:ghs_secret@github.com/octo-org/octo-app.git", "octo-org/octo-app"),
        ("git@github.com:octo-org/octo-app.git", "octo-org/octo-app"),
        ("ssh://git@gitlab.example:2222/group/sub/app", "sub/app"),
        ("/srv/git/app", "git/app"),
        ("app", None),
    ],
)
def test_the_repository_of_a_remote_has_no_credentials(url: str, repository: str | None) -> None:
    assert repository_of_remote(url) == repository


def test_the_context_from_github_actions() -> None:
    env = {
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_HEAD_REF": "feature",
        "GITHUB_REF_NAME": "1/merge",
        "GITHUB_SHA": "b" * 40,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "77",
    }
    context = RunContext.detect(None, env)
    assert context == RunContext(
        "o/r", "feature", "b" * 40, "https://github.com/o/r/actions/runs/77"
    )
    assert actions_run_url({"GITHUB_RUN_ID": "77"}) is None
    override = RunContext.detect(None, {**env, "SECGATE_BRANCH": "main"})
    assert override.branch == "main"


def test_the_pushgateway_group_encodes_slashes() -> None:
    path = group_path(RunContext(repository="o/r", branch="feat/x"))
    head, repo, branch = path.split("@base64/")
    assert head == "/metrics/job/secgate/repository"
    assert base64.urlsafe_b64decode(repo.split("/")[0]) == b"o/r"
    assert base64.urlsafe_b64decode(branch) == b"feat/x"
    assert group_path(RunContext(repository="", branch="b")).count("/=/") == 1
