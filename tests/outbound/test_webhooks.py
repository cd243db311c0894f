"""Webhooks: one message per scan, in Slack's, Teams' or secgate's JSON format as each is
documented, never a raw secret, and a dead webhook only warns (bounded retries, same verdict).

Every scan runs the real command line in a child process against a receiver on 127.0.0.1
(``webhooks.py``) that checks each message."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.commands import run_secgate
from tests.support.scan_inputs import (
    BLOCKED_INPUTS,
    CONTEXT_ENV,
    PASSING_INPUTS,
    RUN_URL,
    assert_no_raw_secret,
)
from tests.support.servers import closed_port_url
from tests.support.webhooks import Receiver, receiver


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as server:
        yield server
        assert server.violations == []


def _top_blocking(report: dict[str, object]) -> list[tuple[str, str | None, int | None]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [
        (
            f["rule_id"],
            (f.get("location") or {}).get("path"),
            (f.get("location") or {}).get("start_line"),
        )
        for f in findings
        if f["decision"]["action"] == "block"
    ][:10]


def test_a_blocked_scan_sends_one_message_to_each_webhook_in_its_format(
    hooks: Receiver, tmp_path: Path
) -> None:
    slack = f"{hooks.url}/slack/services/T0001/B0001/slack-credential-part"
    teams = f"{hooks.url}/teams/webhookb2/teams-credential-part"
    generic = f"{hooks.url}/json/hook/json-credential-part"
    done = run_secgate(
        "scan",
        *BLOCKED_INPUTS,
        "--json",
        tmp_path / "report.json",
        "--notify",
        f"slack={slack}",
        "--notify",
        f"teams={teams}",
        "--notify",
        f"json={generic}",
        "--notify",
        f"json={generic}",
        env={**CONTEXT_ENV, "SECGATE_NOTIFY_URL": f"json={generic}"},
    )
    assert done.returncode == 1, done.stderr
    # one message per webhook, though the JSON one was named three times
    assert [len(hooks.at(p)) for p in ("/slack/", "/teams/", "/json/")] == [1, 1, 1]
    assert len(hooks.received) == 3
    for message in hooks.received:
        assert_no_raw_secret(message.raw.decode(), f"the message to {message.path}")
        assert message.headers["user-agent"].startswith("secgate/")
    report = json.loads((tmp_path / "report.json").read_text())
    blocking = report["verdict"]["counts"]["block"]

    sent = hooks.at("/json/")[0].body
    assert sent["schema"] == "secgate/notify/v1" and sent["events"] == ["block"]
    assert sent["verdict"]["status"] == "block" and sent["verdict"]["exit_code"] == 1
    assert sent["counts"] == report["verdict"]["counts"]
    assert (sent["repository"], sent["branch"], sent["run_url"]) == (
        "octo-org/octo-app",
        "feature/notify",
        RUN_URL,
    )
    assert sent["blocking_total"] == blocking
    assert [(b["rule_id"], b["path"], b["line"]) for b in sent["blocking"]] == _top_blocking(report)
    secrets = [b for b in sent["blocking"] if b["category"] == "secret"]
    assert secrets and all("…" in b["message"] for b in secrets)  # masked previews only

    slack_body = hooks.at("/slack/")[0].body
    text = json.dumps(slack_body)
    assert f"{blocking} blocking" in slack_body["text"]
    assert "BLOCKED" in slack_body["blocks"][0]["text"]["text"]
    assert f"<{RUN_URL}|" in text and "aws-access-token" in text

    card = hooks.at("/teams/")[0].body["attachments"][0]["content"]
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert (facts["Repository"], facts["Branch"]) == ("octo-org/octo-app", "feature/notify")
    assert facts["Blocking"] == str(blocking)
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open the run", "url": RUN_URL}]
    # the webhook URLs are credentials: they appear nowhere in what secgate printed
    for part in ("slack-credential-part", "teams-credential-part", "json-credential-part"):
        assert part not in done.stderr + done.stdout


def test_events_choose_which_scans_notify(hooks: Receiver) -> None:
    url = f"{hooks.url}/json/events"
    passing = run_secgate("scan", *PASSING_INPUTS, "--notify", f"json={url}")
    assert passing.returncode == 0, passing.stderr
    assert hooks.received == []  # default events: block and error
    passing = run_secgate(
        "scan", *PASSING_INPUTS, "--notify", f"json={url}", "--notify-on", "pass,warn"
    )
    assert passing.returncode == 0, passing.stderr
    assert len(hooks.received) == 1 and hooks.received[0].body["events"] == ["pass"]
    assert hooks.received[0].body["blocking"] == []


def test_the_policy_names_webhooks_and_takes_urls_from_the_environment(
    hooks: Receiver, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "version: 1\nnotify:\n"
        "  - url_env: TEAM_WEBHOOK\n    on: block\n    format: slack\n"
        "  - url_env: UNSET_WEBHOOK\n"
        f"  - url: {hooks.url}/json/on-pass\n    on: [pass]\n",
        encoding="utf-8",
    )
    env = {"TEAM_WEBHOOK": f"{hooks.url}/slack/services/T/B/from-env"}
    done = run_secgate("scan", *BLOCKED_INPUTS, "--policy", policy, env=env)
    assert done.returncode == 1, done.stderr
    assert [r.path for r in hooks.received] == ["/slack/services/T/B/from-env"]
    assert re.search(r"secgate: warning: .*notify\[1\]: UNSET_WEBHOOK is not set", done.stderr)
    assert "from-env" not in done.stderr


def test_a_dead_webhook_only_warns_after_bounded_retries(hooks: Receiver) -> None:
    dead = f"{hooks.url}/dead/services/hook-credential"
    without = run_secgate("scan", *BLOCKED_INPUTS)
    done = run_secgate(
        "scan",
        *BLOCKED_INPUTS,
        "--notify",
        f"json={dead}",
        "--notify",
        f"json={closed_port_url()}/json/refused",
        timeout=120,
    )
    assert done.returncode == without.returncode == 1
    assert len(hooks.at("/dead/")) == 3  # three attempts, then it gives up
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 2, done.stderr
    assert "503 service unavailable; gave up after 3 attempts" in warnings[0]
    assert f"{hooks.url}/…" in warnings[0] and "hook-credential" not in done.stderr
    assert "cannot reach it (ConnectionError); gave up after 3 attempts" in warnings[1]
    # the verdict and the summary are those of the same scan without webhooks
    assert (
        without.stderr.splitlines()[-1]
        == [
            line
            for line in done.stderr.splitlines()
            if line.startswith("secgate: ") and "warning" not in line
        ][-1]
    )


def test_a_rejected_message_is_not_retried(hooks: Receiver) -> None:
    done = run_secgate(
        "scan", *PASSING_INPUTS, "--notify", f"json={hooks.url}/gone/x", "--notify-on", "pass"
    )
    assert done.returncode == 0
    assert len(hooks.at("/gone/")) == 1
    assert "failed: 404 no_service" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--notify", "ftp://example.invalid/hook"), "--notify: 'ftp://example.invalid/…' is not"),
        (("--notify-on", "blok"), "--notify-on: blok is not an event"),
        (("--pushgateway", "localhost:9091"), "--pushgateway:"),
        (("--loki", "http://:3100"), "--loki:"),
    ],
)
def test_malformed_urls_and_events_are_usage_errors(args: tuple[str, ...], message: str) -> None:
    done = run_secgate("scan", *PASSING_INPUTS, *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
