"""The imported OSV data served as OSV's query API on loopback, so that a tool built for the
online service (pip-audit's ``--vulnerability-service osv --osv-url``) audits offline against
the same snapshot as secgate's own ``osv`` scanner.

The API is the subset of https://google.github.io/osv.dev/api/ that such tools call:

- ``POST /v1/query`` with ``{"package": {"name", "ecosystem"}, "version"}`` (or a package
  ``purl`` with its version) answers ``{"vulns": [record, ...]}`` with the full records that
  affect that version, as imported; ``{}`` when none does (OSV's answer for "no known
  vulnerabilities"). Withdrawn records are never served.
- ``POST /v1/querybatch`` with ``{"queries": [...]}`` answers ``{"results": [{"vulns": [{"id",
  "modified"}]}]}``, one result per query, in order.
- ``GET /v1/vulns/<id>`` answers one record, or 404.

Anything else is a 404 or 400 with an ``{"error": ...}`` body. The server binds 127.0.0.1 on a
port the system picks, serves each connection on a thread of its own (each request reads the
store through its own SQLite connection) and lives as long as the ``LocalOsvService`` context.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from packageurl import PackageURL

from secgate.advisories.store import AdvisoryStore

QUERY_PATH = "/v1/query"
_MAX_BODY = 1024 * 1024
_IDLE_SECONDS = 30
_PURL_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "golang": "Go",
    "maven": "Maven",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "nuget": "NuGet",
}


class _Server(ThreadingHTTPServer):
    """One thread per connection (a client that keeps its connection open blocks no other and
    no shutdown); each request reads the store through a connection of its own."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, store_file: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.store_file = store_file


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_SECONDS
    """Seconds a kept-alive connection may sit idle before the server closes it."""

    @contextmanager
    def _store(self) -> Iterator[AdvisoryStore]:
        with AdvisoryStore.open(self.server.store_file) as store:
            yield store

    def do_POST(self) -> None:
        body = self._body()
        if body is None:
            return
        if self.path == QUERY_PATH:
            with self._store() as store:
                vulns = self._vulns(store, body)
            if vulns is not None:
                self._send(HTTPStatus.OK, {"vulns": vulns} if vulns else {})
        elif self.path == "/v1/querybatch":
            queries = body.get("queries")
            if not isinstance(queries, list):
                self._error(HTTPStatus.BAD_REQUEST, "'queries' must be a list")
                return
            results = []
            with self._store() as store:
                for query in queries:
                    vulns = self._vulns(store, query if isinstance(query, dict) else {})
                    if vulns is None:
                        return
                    results.append(
                        {"vulns": [{"id": v["id"], "modified": v.get("modified")} for v in vulns]}
                        if vulns
                        else {}
                    )
            self._send(HTTPStatus.OK, {"results": results})
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: POST {self.path}")

    def do_GET(self) -> None:
        prefix = "/v1/vulns/"
        if not self.path.startswith(prefix):
            self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: GET {self.path}")
            return
        with self._store() as store:
            record = store.raw_record(self.path[len(prefix) :])
        if record is None:
            self._error(HTTPStatus.NOT_FOUND, "no such vulnerability")
        else:
            self._send(HTTPStatus.OK, record)

    def _body(self) -> dict[str, Any] | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY:
            self._error(HTTPStatus.BAD_REQUEST, "a JSON body of at most 1 MiB is required")
            return None
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST, "the body is not JSON")
            return None
        if not isinstance(body, dict):
            self._error(HTTPStatus.BAD_REQUEST, "the body is not a JSON object")
            return None
        return body

    def _vulns(self, store: AdvisoryStore, query: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The records affecting the queried version; None after answering an error."""
        package = query.get("package") if isinstance(query.get("package"), dict) else {}
        assert isinstance(package, dict)  # noqa: S101 - narrowed just above
        name, ecosystem, version = (
            package.get("name"),
            package.get("ecosystem"),
            query.get("version"),
        )
        if isinstance(package.get("purl"), str):
            try:
                purl = PackageURL.from_string(package["purl"])
            except ValueError:
                self._error(HTTPStatus.BAD_REQUEST, "not a package URL")
                return None
            name, version = purl.name, version or purl.version
            ecosystem = _PURL_ECOSYSTEMS.get(purl.type, purl.type)
        if not all(isinstance(v, str) and v for v in (name, ecosystem, version)):
            self._error(
                HTTPStatus.BAD_REQUEST, "a query needs a package name, ecosystem and version"
            )
            return None
        assert isinstance(name, str) and isinstance(ecosystem, str)  # noqa: S101
        assert isinstance(version, str)  # noqa: S101 - checked just above
        found = store.affecting(ecosystem, name, version)
        records = [store.raw_record(m.advisory.id) for m in found.matches]
        return [r for r in records if r is not None]

    def _send(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, {"error": message})

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tool being served reports what it needs."""


class LocalOsvService:
    """The store at ``store_file`` served on 127.0.0.1 while the context lasts."""

    def __init__(self, store_file: Path) -> None:
        self._server = _Server(store_file)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="secgate-osv-service", daemon=True
        )

    @property
    def query_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{QUERY_PATH}"

    def __enter__(self) -> LocalOsvService:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
