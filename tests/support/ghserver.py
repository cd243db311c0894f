"""A small GitHub REST API on 127.0.0.1 for the tests: a real HTTP server (http.server in a
thread) that checks every request the way GitHub documents it and keeps what was posted.

It knows the endpoints secgate uses — list/create/edit issue comments, upload a SARIF and read
its processing status — and any answer can be scripted ahead (5xx, 403, 404, rate limits) with
``plan``. Every check that fails is recorded in ``violations``; tests assert it stays empty.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import itertools
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.sarif_validation import validate_sarif

TOKEN = "ghs_Sup3rS3cretT0kenValue0123456789abcd"
REPO = "octo-org/octo-app"
BOT = {"login": "github-actions[bot]", "type": "Bot"}
_COMMENTS = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$")
_COMMENT = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$")
_SARIFS = re.compile(r"^/repos/([^/]+)/([^/]+)/code-scanning/sarifs$")
_SARIF = re.compile(r"^/repos/([^/]+)/([^/]+)/code-scanning/sarifs/([^/]+)$")


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    raw_body: bytes


@dataclass
class Planned:
    """A scripted answer for the next request matching ``method`` and ``path`` (a regex)."""

    method: str
    path: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


class FakeGitHub:
    """The state and the rules of the fake API; ``url`` is its base (GITHUB_API_URL)."""

    def __init__(self, token: str = TOKEN, repo: str = REPO, page_size: int = 2) -> None:
        self.token = token
        self.repo = repo
        self.page_size = page_size
        self.url = ""
        self.requests: list[Seen] = []
        self.violations: list[str] = []
        self.comments: dict[int, dict[str, Any]] = {}
        self.uploads: list[dict[str, Any]] = []
        """Each accepted upload: its body fields and the decoded SARIF document (``doc``)."""
        self.processing: list[str] = ["pending", "complete"]
        """The processing_status answers, in order (the last one repeats)."""
        self.processing_errors: list[str] = []
        self.planned: list[Planned] = []
        self._ids = itertools.count(1001)
        self._polls: dict[str, int] = {}
        self._lock = threading.Lock()

    # --- set-up helpers used by tests ---
    def add_comment(self, body: str, user: dict[str, str] | None = None, number: int = 7) -> int:
        comment_id = next(self._ids)
        self.comments[comment_id] = {
            "id": comment_id,
            "body": body,
            "user": dict(user or BOT),
            "number": number,
            "html_url": f"https://github.example/{self.repo}/pull/{number}#c{comment_id}",
        }
        return comment_id

    def plan(
        self,
        method: str,
        path: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next ``method`` request whose path matches ``path`` with this."""
        self.planned.append(Planned(method, path, status, headers or {}, body))

    def of(self, method: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method]

    # --- request handling ---
    def handle(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.requests.append(seen)
            self._check_headers(seen)
            for planned in self.planned:
                if planned.method == seen.method and re.search(planned.path, seen.path):
                    self.planned.remove(planned)
                    return planned.status, planned.headers, planned.body
            return self._route(seen)

    def _violation(self, text: str) -> tuple[int, dict[str, str], Any]:
        self.violations.append(text)
        return 400, {}, {"message": f"test server: {text}"}

    def _check_headers(self, seen: Seen) -> None:
        expected = {
            "authorization": f"Bearer {self.token}",
            "accept": "application/vnd.github+json",
            "x-github-api-version": "2022-11-28",
        }
        for name, value in expected.items():
            if seen.headers.get(name) != value:
                shown = "<wrong token>" if name == "authorization" else seen.headers.get(name)
                self.violations.append(f"{seen.method} {seen.path}: header {name} is {shown}")
        if seen.method in ("POST", "PATCH") and not seen.headers.get("content-type", "").startswith(
            "application/json"
        ):
            self.violations.append(f"{seen.method} {seen.path}: body is not sent as JSON")

    def _route(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        owner_repo = None
        for pattern in (_COMMENTS, _COMMENT, _SARIFS, _SARIF):
            match = pattern.match(seen.path)
            if match:
                owner_repo = f"{match.group(1)}/{match.group(2)}"
                break
        if match is None or owner_repo != self.repo:
            return (
                404,
                {},
                {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
            )
        if pattern is _COMMENTS and seen.method == "GET":
            return self._list_comments(seen, int(match.group(3)))
        if pattern is _COMMENTS and seen.method == "POST":
            body = self._json_body(seen, {"body"})
            if isinstance(body, tuple):
                return body
            comment_id = self.add_comment(body["body"], BOT, int(match.group(3)))
            return 201, {}, self.comments[comment_id]
        if pattern is _COMMENT and seen.method == "PATCH":
            comment = self.comments.get(int(match.group(3)))
            if comment is None:
                return 404, {}, {"message": "Not Found"}
            body = self._json_body(seen, {"body"})
            if isinstance(body, tuple):
                return body
            comment["body"] = body["body"]
            return 200, {}, comment
        if pattern is _SARIFS and seen.method == "POST":
            return self._upload(seen)
        if pattern is _SARIF and seen.method == "GET":
            return self._status(match.group(3))
        return self._violation(f"{seen.method} {seen.path}: not an endpoint secgate should call")

    def _json_body(
        self, seen: Seen, keys: set[str]
    ) -> dict[str, Any] | tuple[int, dict[str, str], Any]:
        if not isinstance(seen.body, dict) or not keys <= set(seen.body):
            return self._violation(f"{seen.method} {seen.path}: body lacks {sorted(keys)}")
        return seen.body

    def _list_comments(self, seen: Seen, number: int) -> tuple[int, dict[str, str], Any]:
        mine = [c for c in self.comments.values() if c["number"] == number]
        page = int(seen.query.get("page", ["1"])[0])
        start = (page - 1) * self.page_size
        headers = {}
        if start + self.page_size < len(mine):
            headers["Link"] = (
                f"<{self.url}{seen.path}?per_page=100&page={page + 1}>; "
                f'rel="next", <{self.url}{seen.path}?page=1>; rel="first"'
            )
        return 200, headers, mine[start : start + self.page_size]

    def _upload(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        body = self._json_body(seen, {"commit_sha", "ref", "sarif"})
        if isinstance(body, tuple):
            return body
        if not re.fullmatch(r"[0-9a-f]{40}", str(body["commit_sha"])):
            return self._violation(f"commit_sha {body['commit_sha']!r} is not 40 hex digits")
        if not str(body["ref"]).startswith("refs/"):
            return self._violation(f"ref {body['ref']!r} is not a full ref")
        try:
            packed = base64.b64decode(body["sarif"], validate=True)
            doc = json.loads(gzip.decompress(packed))
            validate_sarif(doc)
        except (binascii.Error, OSError, ValueError) as exc:
            return self._violation(f"sarif is not gzip+base64 JSON: {exc}")
        except Exception as exc:  # the schema's ValidationError
            return self._violation(f"sarif does not validate: {str(exc)[:200]}")
        sarif_id = f"6f{next(self._ids)}-0000-4000-8000-00000000abcd"
        self.uploads.append(
            {
                **{k: v for k, v in body.items() if k != "sarif"},
                "id": sarif_id,
                "gzip_bytes": len(packed),
                "doc": doc,
            }
        )
        return (
            202,
            {},
            {
                "id": sarif_id,
                "url": f"{self.url}/repos/{self.repo}/code-scanning/sarifs/{sarif_id}",
            },
        )

    def _status(self, sarif_id: str) -> tuple[int, dict[str, str], Any]:
        if sarif_id not in {u["id"] for u in self.uploads}:
            return 404, {}, {"message": "Not Found"}
        poll = self._polls.get(sarif_id, 0)
        self._polls[sarif_id] = poll + 1
        status = self.processing[min(poll, len(self.processing) - 1)]
        answer: dict[str, Any] = {
            "processing_status": status,
            "analyses_url": f"{self.url}/repos/{self.repo}/code-scanning/analyses?sarif_id={sarif_id}",
        }
        if status == "failed":
            answer["errors"] = list(self.processing_errors)
        return 200, {}, answer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        seen = Seen(
            self.command,
            parts.path,
            parse_qs(parts.query),
            {k.lower(): v for k, v in self.headers.items()},
            body,
            raw,
        )
        status, headers, payload = self.server.api.handle(seen)
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``requests`` instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeGitHub


@contextlib.contextmanager
def serve(api: FakeGitHub | None = None) -> Iterator[FakeGitHub]:
    """Run the fake API on 127.0.0.1 (a free port) for the ``with`` block."""
    api = api or FakeGitHub()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.api = api
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
