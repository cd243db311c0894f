"""A small GitHub REST API on 127.0.0.1 for the tests: a real HTTP server (http.server in a
thread) that checks every request the way GitHub documents it and keeps what was posted.

It knows the endpoints secgate uses — list/create/edit issue comments, list/create/edit/delete
pull-request review comments (against the pull request's diff and commits set with
``open_pull_request``), upload a SARIF and read its processing status — and any answer can be scripted ahead (5xx, 403, 404, rate limits) with
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
_REVIEW_COMMENTS = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)/comments$")
_REVIEW_COMMENT = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/comments/(\d+)$")
_REVIEW_FIELDS = {
    "body",
    "commit_id",
    "path",
    "line",
    "side",
    "start_line",
    "start_side",
    "in_reply_to",
    "subject_type",
    "position",
}
"""The fields GitHub documents for "Create a review comment for a pull request"."""
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
        self.review_comments: dict[int, dict[str, Any]] = {}
        self.pull_diff: dict[str, set[int]] = {}
        """Path -> the lines of the pull request's diff (the new side) comments may take."""
        self.pull_commits: set[str] = set()
        """The commits of the pull request (``commit_id`` must be one of them)."""
        self.pull_number = 7
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

    def open_pull_request(
        self, diff: dict[str, set[int]], commits: set[str], number: int = 7
    ) -> None:
        """The pull request review comments are made on: its diff's lines and its commits."""
        self.pull_diff, self.pull_commits, self.pull_number = diff, commits, number

    def add_review_comment(
        self,
        body: str,
        path: str,
        line: int | None,
        commit_id: str,
        user: dict[str, str] | None = None,
        in_reply_to: int | None = None,
    ) -> int:
        comment_id = next(self._ids)
        self.review_comments[comment_id] = {
            "id": comment_id,
            "body": body,
            "path": path,
            "line": line,
            "original_line": line,
            "side": "RIGHT",
            "commit_id": commit_id,
            "original_commit_id": commit_id,
            "user": dict(user or BOT),
            "html_url": f"https://github.example/{self.repo}/pull/{self.pull_number}"
            f"#discussion_r{comment_id}",
        }
        if in_reply_to is not None:
            self.review_comments[comment_id]["in_reply_to_id"] = in_reply_to
        return comment_id

    def push(self, diff: dict[str, set[int]], commit: str) -> None:
        """A new commit on the pull request: comments on lines no longer in the diff become
        outdated (GitHub answers them with ``line: null``)."""
        self.pull_commits.add(commit)
        for comment in self.review_comments.values():
            if comment["line"] is not None and comment["line"] not in diff.get(
                comment["path"], set()
            ):
                comment["line"] = None
        self.pull_diff = diff

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
        for pattern in (_COMMENTS, _COMMENT, _REVIEW_COMMENTS, _REVIEW_COMMENT, _SARIFS, _SARIF):
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
        if pattern in (_COMMENTS, _COMMENT):
            return self._route_comments(seen, pattern, match)
        if pattern in (_REVIEW_COMMENTS, _REVIEW_COMMENT):
            return self._route_review_comments(seen, pattern, match)
        if pattern is _SARIFS and seen.method == "POST":
            return self._upload(seen)
        if pattern is _SARIF and seen.method == "GET":
            return self._status(match.group(3))
        return self._violation(f"{seen.method} {seen.path}: not an endpoint secgate should call")

    def _route_comments(
        self, seen: Seen, pattern: re.Pattern[str], match: re.Match[str]
    ) -> tuple[int, dict[str, str], Any]:
        """Issue comments: list and create on a pull request, edit one."""
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
        return self._violation(f"{seen.method} {seen.path}: not an endpoint secgate should call")

    def _route_review_comments(
        self, seen: Seen, pattern: re.Pattern[str], match: re.Match[str]
    ) -> tuple[int, dict[str, str], Any]:
        """Review comments: list and create on a pull request, update or delete one."""
        if pattern is _REVIEW_COMMENTS:
            if int(match.group(3)) != self.pull_number:
                return 404, {}, {"message": "Not Found"}
            if seen.method == "GET":
                return self._page(seen, list(self.review_comments.values()))
            if seen.method == "POST":
                return self._create_review_comment(seen)
        if pattern is _REVIEW_COMMENT and seen.method in ("PATCH", "DELETE"):
            comment = self.review_comments.get(int(match.group(3)))
            if comment is None:
                return 404, {}, {"message": "Not Found"}
            if seen.method == "DELETE":
                if seen.raw_body:
                    return self._violation(f"DELETE {seen.path}: sends a body")
                del self.review_comments[comment["id"]]
                return 204, {}, None
            return self._update_review_comment(seen, comment)
        return self._violation(f"{seen.method} {seen.path}: not an endpoint secgate should call")

    def _update_review_comment(
        self, seen: Seen, comment: dict[str, Any]
    ) -> tuple[int, dict[str, str], Any]:
        body = self._json_body(seen, {"body"})
        if isinstance(body, tuple):
            return body
        if set(body) != {"body"}:
            return self._violation(
                f"PATCH {seen.path}: only body can be updated, got {sorted(body)}"
            )
        comment["body"] = body["body"]
        return 200, {}, comment

    def _json_body(
        self, seen: Seen, keys: set[str]
    ) -> dict[str, Any] | tuple[int, dict[str, str], Any]:
        if not isinstance(seen.body, dict) or not keys <= set(seen.body):
            return self._violation(f"{seen.method} {seen.path}: body lacks {sorted(keys)}")
        return seen.body

    def _create_review_comment(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        body = self._json_body(seen, {"body", "commit_id", "path"})
        if isinstance(body, tuple):
            return body
        unknown = set(body) - _REVIEW_FIELDS
        if unknown:
            return self._violation(f"POST {seen.path}: unknown fields {sorted(unknown)}")
        if "position" in body:
            return self._violation(f"POST {seen.path}: position is deprecated; use line and side")
        line, side = body.get("line"), body.get("side")
        if not isinstance(line, int) or isinstance(line, bool) or line < 1:
            return self._violation(f"POST {seen.path}: line {line!r} is not a line number")
        if side not in ("LEFT", "RIGHT"):
            return self._violation(f"POST {seen.path}: side {side!r} is not LEFT or RIGHT")
        if not isinstance(body["body"], str) or not body["body"].strip():
            return self._violation(f"POST {seen.path}: empty body")
        path = body["path"]
        if not isinstance(path, str) or path.startswith(("/", "./")) or "\\" in path:
            return self._violation(f"POST {seen.path}: path {path!r} is not repository-relative")
        if not re.fullmatch(r"[0-9a-f]{40}", str(body["commit_id"])):
            return self._violation(f"commit_id {body['commit_id']!r} is not 40 hex digits")
        if body["commit_id"] not in self.pull_commits:
            return (
                422,
                {},
                {
                    "message": "Validation Failed",
                    "errors": [
                        {
                            "resource": "PullRequestReviewComment",
                            "code": "invalid",
                            "field": "commit_id",
                        }
                    ],
                },
            )
        if path not in self.pull_diff:
            return (
                422,
                {},
                {
                    "message": "Validation Failed",
                    "errors": ["pull_request_review_thread.path could not be resolved"],
                },
            )
        if side == "RIGHT" and line not in self.pull_diff[path]:
            return (
                422,
                {},
                {
                    "message": "Validation Failed",
                    "errors": ["pull_request_review_thread.line must be part of the diff"],
                },
            )
        comment_id = self.add_review_comment(body["body"], path, line, body["commit_id"])
        return 201, {}, self.review_comments[comment_id]

    def _list_comments(self, seen: Seen, number: int) -> tuple[int, dict[str, str], Any]:
        return self._page(seen, [c for c in self.comments.values() if c["number"] == number])

    def _page(self, seen: Seen, mine: list[dict[str, Any]]) -> tuple[int, dict[str, str], Any]:
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
