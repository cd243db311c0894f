"""Real monitoring servers for the tests, each started on 127.0.0.1 with a port and a data
directory of its own, and stopped by its process id when the test ends.

- Prometheus Pushgateway and Prometheus: Debian's ``prometheus-pushgateway`` and ``prometheus``
  (``scripts/setup`` installs them); a test that needs one skips, saying why, when it is not
  installed.
- Grafana Loki is not packaged by Debian (Debian's ``loki`` package is an unrelated genetics
  program) and cannot be installed here. ``LokiStandIn`` is a real HTTP server that implements
  the two endpoints secgate needs as Loki documents them — ``POST /loki/api/v1/push`` (JSON)
  and ``GET /loki/api/v1/query_range`` with a stream selector — checking every push and
  recording each violation. ``real_loki`` starts Grafana Loki itself when its binary is on PATH
  (or in ``$SECGATE_TEST_LOKI_BIN``), so the same test runs against the real server where there
  is one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

READY_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port_url() -> str:
    """The URL of a port on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served by a threaded HTTP server on 127.0.0.1; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def require_program(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(
            f"{name} is not installed (Debian package {package}; scripts/setup "
            "installs it where apt-get can run as root)"
        )
    return found


@dataclass
class Process:
    """A server started by a test: its URL and its process."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _wait_ready(server: Process, path: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(f"the server exited: {server.log.read_text(errors='replace')}")
        try:
            if requests.get(server.url + path, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server.stop()
    raise AssertionError(
        f"{server.url} was not ready in {READY_TIMEOUT:.0f} s: "
        f"{server.log.read_text(errors='replace')[-2000:]}"
    )


@contextlib.contextmanager
def _started(argv: list[str], url: str, log: Path, ready_path: str) -> Iterator[Process]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    server = Process(url, proc, log)
    try:
        _wait_ready(server, ready_path)
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def pushgateway(workdir: Path) -> Iterator[Process]:
    """Debian's Prometheus Pushgateway on 127.0.0.1 (metrics kept in memory only)."""
    program = require_program("prometheus-pushgateway", "prometheus-pushgateway")
    port = free_port()
    with _started(
        [program, f"--web.listen-address=127.0.0.1:{port}"],
        f"http://127.0.0.1:{port}",
        workdir / "pushgateway.log",
        "/-/ready",
    ) as server:
        yield server


@contextlib.contextmanager
def prometheus(workdir: Path, scrape_target: str) -> Iterator[Process]:
    """Debian's Prometheus on 127.0.0.1 with a data directory of its own, scraping
    ``scrape_target`` (host:port, e.g. a Pushgateway) every second."""
    program = require_program("prometheus", "prometheus")
    port = free_port()
    config = workdir / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n"
        f"    static_configs:\n      - targets: ['{scrape_target}']\n",
        encoding="utf-8",
    )
    data = workdir / "prometheus-data"
    with _started(
        [
            program,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        f"http://127.0.0.1:{port}",
        workdir / "prometheus.log",
        "/-/ready",
    ) as server:
        yield server


def grafana_loki_binary() -> str | None:
    """Grafana Loki's binary, when one is installed (not Debian's unrelated ``loki``)."""
    candidate = os.environ.get("SECGATE_TEST_LOKI_BIN") or shutil.which("loki")
    if not candidate:
        return None
    try:
        done = subprocess.run(
            [candidate, "-version"],
            capture_output=True,
            text=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return candidate if re.search(r"^loki, version", done.stdout + done.stderr, re.M) else None


_LOKI_CONFIG = """\
auth_enabled: false
server:
  http_listen_address: 127.0.0.1
  http_listen_port: {http}
  grpc_listen_address: 127.0.0.1
  grpc_listen_port: {grpc}
common:
  path_prefix: {data}
  replication_factor: 1
  ring:
    instance_addr: 127.0.0.1
    kvstore:
      store: inmemory
  storage:
    filesystem:
      chunks_directory: {data}/chunks
      rules_directory: {data}/rules
schema_config:
  configs:
    - from: 2024-01-01
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
"""


@contextlib.contextmanager
def real_loki(workdir: Path) -> Iterator[Process]:
    """Grafana Loki on 127.0.0.1 with a data directory of its own; skips when not installed."""
    program = grafana_loki_binary()
    if program is None:
        pytest.skip(
            "Grafana Loki is not installed: Debian does not package it (its 'loki' "
            "package is an unrelated program) and no registry reachable here ships "
            "it; set SECGATE_TEST_LOKI_BIN to a Loki binary to run this test"
        )
    http, grpc = free_port(), free_port()
    data = workdir / "loki-data"
    config = workdir / "loki.yml"
    config.write_text(_LOKI_CONFIG.format(http=http, grpc=grpc, data=data), encoding="utf-8")
    with _started(
        [program, f"-config.file={config}"],
        f"http://127.0.0.1:{http}",
        workdir / "loki.log",
        "/ready",
    ) as server:
        yield server


# --- Loki stand-in ---------------------------------------------------------------------------

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_SELECTOR = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*')


@dataclass
class LokiStandIn:
    """Loki's push and query_range endpoints, as documented, over an in-memory store."""

    url: str = ""
    streams: dict[tuple[tuple[str, str], ...], list[tuple[int, str]]] = field(default_factory=dict)
    pushes: int = 0
    violations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, headers: dict[str, str], raw: bytes) -> int:
        """Check one push the way Loki's API documents it; 204 when it is right."""
        problems: list[str] = []
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            problems.append(f"Content-Type {headers.get('content-type')!r}")
        try:
            body = json.loads(raw)
        except ValueError:
            self.violations.append("a push body that is not JSON")
            return 400
        streams = body.get("streams") if isinstance(body, dict) else None
        if not isinstance(streams, list) or not streams:
            problems.append("no 'streams' list")
            streams = []
        for stream in streams:
            labels = stream.get("stream") if isinstance(stream, dict) else None
            values = stream.get("values") if isinstance(stream, dict) else None
            if (
                not isinstance(labels, dict)
                or not labels
                or not all(
                    isinstance(k, str) and _LABEL_NAME.match(k) and isinstance(v, str) and v
                    for k, v in labels.items()
                )
            ):
                problems.append(f"bad stream labels {labels!r}")
                continue
            if not isinstance(values, list) or not values:
                problems.append("a stream without values")
                continue
            key = tuple(sorted(labels.items()))
            for value in values:
                if not (
                    isinstance(value, list)
                    and len(value) == 2
                    and isinstance(value[0], str)
                    and value[0].isdigit()
                    and isinstance(value[1], str)
                ):
                    problems.append(f'a value that is not ["<ns>", "<line>"]: {value!r}')
                    continue
                with self.lock:
                    self.streams.setdefault(key, []).append((int(value[0]), value[1]))
        with self.lock:
            self.pushes += 1
            self.violations.extend(problems)
        return 400 if problems else 204

    def query_range(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        selector = query.get("query", [""])[0].strip()
        if not (selector.startswith("{") and selector.endswith("}")):
            return 400, {"status": "error", "error": "only stream selectors are supported"}
        wanted = dict(_SELECTOR.findall(selector[1:-1]))
        start = int(query.get("start", ["0"])[0])
        end = int(query.get("end", [str(2**63 - 1)])[0])
        limit = int(query.get("limit", ["100"])[0])
        backward = query.get("direction", ["backward"])[0] == "backward"
        result = []
        with self.lock:
            items = list(self.streams.items())
        for key, entries in items:
            labels = dict(key)
            if any(labels.get(k) != v for k, v in wanted.items()):
                continue
            chosen = sorted((e for e in entries if start <= e[0] < end), reverse=backward)
            result.append(
                {"stream": labels, "values": [[str(ts), line] for ts, line in chosen[:limit]]}
            )
        return 200, {"status": "success", "data": {"resultType": "streams", "result": result}}


@contextlib.contextmanager
def loki_stand_in() -> Iterator[LokiStandIn]:
    state = LokiStandIn()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _answer(self, status: int, body: Any = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if urlsplit(self.path).path != "/loki/api/v1/push":
                state.violations.append(f"POST to {self.path}")
                self._answer(404)
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._answer(state.push(headers, raw))

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/ready":
                self._answer(200, {"ready": True})
            elif parts.path == "/loki/api/v1/query_range":
                self._answer(*state.query_range(parse_qs(parts.query)))
            else:
                self._answer(404)

    with serving(Handler) as state.url:
        yield state


def query_loki(url: str, selector: str, limit: int = 5000) -> list[dict[str, Any]]:
    """The streams Loki's query API returns for ``selector`` over the last hour, oldest line
    first."""
    now = time.time_ns()
    answer = requests.get(
        f"{url}/loki/api/v1/query_range",
        timeout=10,
        params={
            "query": selector,
            "start": str(now - 3600 * 10**9),
            "end": str(now + 60 * 10**9),
            "limit": str(limit),
            "direction": "forward",
        },
    )
    answer.raise_for_status()
    doc = answer.json()
    assert doc["status"] == "success" and doc["data"]["resultType"] == "streams", doc
    streams: list[dict[str, Any]] = doc["data"]["result"]
    return streams
