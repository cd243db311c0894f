"""A webhook receiver on 127.0.0.1 for the tests: a real HTTP server (http.server in a thread)
that checks each message the way its service documents it and keeps what it received.

Paths choose what the receiver plays:
- ``/slack/...``: a Slack incoming webhook. The body is JSON with a non-empty ``text`` and
  Block Kit ``blocks`` (at most 50; ``header`` with ``plain_text`` of at most 150 characters,
  ``section`` with ``mrkdwn`` of at most 3,000, ``context`` with at most 10 elements); in any
  mrkdwn text, ``<`` only opens a link (``<https://...|label>``), so no ``<!channel>`` or
  ``<@user>`` can come from a scan. Answers 200 ``ok``, as Slack does.
- ``/teams/...``: a Teams webhook. The body is a ``message`` with one attachment of content
  type ``application/vnd.microsoft.card.adaptive``, ``contentUrl`` null, and an Adaptive Card
  (``type``, ``version``, ``body`` of ``TextBlock``/``FactSet`` elements, ``Action.OpenUrl``
  actions with http(s) URLs). Answers 200 ``1``, as a Teams Incoming Webhook does.
- ``/json/...``: any other webhook; the body must validate against secgate's
  ``schemas/notify-v1.json``. Answers 202.
- ``/dead/...``: answers 503 every time; ``/gone/...``: 404 every time.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from importlib.resources import files
from typing import Any

import jsonschema

from tests.support.servers import serving

NOTIFY_SCHEMA = json.loads(files("secgate.schemas").joinpath("notify-v1.json").read_text())
_SLACK_LINK = re.compile(r"<https?://[^<>|\s]+\|[^<>]*>")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any


@dataclass
class Receiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def at(self, prefix: str) -> list[Received]:
        return [r for r in self.received if r.path.startswith(prefix)]

    def check(self, path: str, headers: dict[str, str], body: Any) -> list[str]:
        problems = []
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            problems.append(f"{path}: Content-Type {headers.get('content-type')!r}")
        if path.startswith("/slack/"):
            problems += [f"{path}: {p}" for p in slack_problems(body)]
        elif path.startswith("/teams/"):
            problems += [f"{path}: {p}" for p in teams_problems(body)]
        elif path.startswith("/json/"):
            problems += [
                f"{path}: {e.message}"
                for e in jsonschema.Draft202012Validator(NOTIFY_SCHEMA).iter_errors(body)
            ]
        return problems


def _mrkdwn_problems(text: str) -> list[str]:
    rest = _SLACK_LINK.sub("", text)
    return [f"unescaped '<' or '>' in mrkdwn: {text[:200]!r}"] if "<" in rest or ">" in rest else []


def _slack_block_problems(block: Any) -> list[str]:
    """What is wrong with one Slack block, as Block Kit documents it."""
    found: list[str] = []
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "header":
        text = block.get("text", {})
        if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= 150:
            found.append(f"bad header {text!r}")
    elif kind == "section":
        text = block.get("text", {})
        if (
            text.get("type") not in ("mrkdwn", "plain_text")
            or not 0 < len(text.get("text", "")) <= 3000
        ):
            found.append(f"bad section text {str(text)[:200]!r}")
        elif text["type"] == "mrkdwn":
            found += _mrkdwn_problems(text["text"])
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 0 < len(elements) <= 10:
            found.append("bad context elements")
        else:
            for element in elements:
                if element.get("type") not in ("mrkdwn", "plain_text", "image"):
                    found.append(f"bad context element {element!r}")
                elif element["type"] == "mrkdwn":
                    found += _mrkdwn_problems(element.get("text", ""))
    elif kind != "divider":
        found.append(f"a block of type {kind!r}")
    return found


def slack_problems(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["the body is not an object"]
    problems = []
    if not isinstance(body.get("text"), str) or not body["text"].strip():
        problems.append("no fallback 'text'")
    else:
        problems += _mrkdwn_problems(body["text"])
    blocks = body.get("blocks")
    if not isinstance(blocks, list) or not 0 < len(blocks) <= 50:
        return [*problems, "'blocks' is not a list of 1 to 50 blocks"]
    for block in blocks:
        problems += _slack_block_problems(block)
    return problems


def teams_problems(body: Any) -> list[str]:
    if not isinstance(body, dict) or body.get("type") != "message":
        return ["not a 'message'"]
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return ["not exactly one attachment"]
    attachment = attachments[0]
    problems = []
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        problems.append(f"contentType {attachment.get('contentType')!r}")
    if "contentUrl" not in attachment or attachment["contentUrl"] is not None:
        problems.append("contentUrl is not null")
    card = attachment.get("content")
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return [*problems, "the content is not an AdaptiveCard"]
    if not re.fullmatch(r"1\.[0-9]", str(card.get("version", ""))):
        problems.append(f"card version {card.get('version')!r}")
    elements = card.get("body")
    if not isinstance(elements, list) or not elements:
        problems.append("an empty card body")
        elements = []
    for element in elements:
        if element.get("type") == "TextBlock":
            if not isinstance(element.get("text"), str) or not element["text"]:
                problems.append("a TextBlock without text")
        elif element.get("type") == "FactSet":
            facts = element.get("facts")
            if not isinstance(facts, list) or not all(
                isinstance(f.get("title"), str) and isinstance(f.get("value"), str) for f in facts
            ):
                problems.append("a FactSet whose facts are not title/value strings")
        else:
            problems.append(f"an element of type {element.get('type')!r}")
    problems.extend(
        f"bad action {action!r}"
        for action in card.get("actions", [])
        if action.get("type") != "Action.OpenUrl"
        or not str(action.get("url", "")).startswith(("https://", "http://"))
    )
    return problems


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _answer(self, status: int, text: str = "") -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body: Any = json.loads(raw)
            except ValueError:
                body = None
            with state.lock:
                state.received.append(Received(self.path, headers, raw, body))
                if body is None:
                    state.violations.append(f"{self.path}: the body is not JSON")
                else:
                    state.violations.extend(state.check(self.path, headers, body))
            if self.path.startswith("/dead/"):
                self._answer(503, "service unavailable")
            elif self.path.startswith("/gone/"):
                self._answer(404, "no_service")
            elif self.path.startswith("/slack/"):
                self._answer(200, "ok")
            elif self.path.startswith("/teams/"):
                self._answer(200, "1")
            else:
                self._answer(202)

    with serving(Handler) as state.url:
        yield state
