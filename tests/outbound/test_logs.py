"""Logs: ``--log-format json`` writes one JSON object per line, its errors included, with no raw
secret; ``--loki`` pushes the run's lines, labelled with repository, branch and verdict, and
Loki's query API returns them.

Debian has no Grafana Loki (see ``servers.py``): the push is checked by a stand-in that
implements Loki's documented push and query_range endpoints, and the same test runs against
the real Loki where its binary is installed."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from secgate.outbound.logs import LogRecord, RunLog
from tests.support.commands import run_secgate
from tests.support.scan_inputs import (
    BLOCKED_INPUTS,
    CONTEXT_ENV,
    PASSING_INPUTS,
    assert_no_raw_secret,
)
from tests.support.servers import closed_port_url, loki_stand_in, query_loki, real_loki


def _json_lines(stderr: str) -> list[dict[str, Any]]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines
    return [json.loads(line) for line in lines]  # every line is JSON


def test_json_logs_are_one_object_per_line(tmp_path: Path) -> None:
    done = run_secgate(
        "scan",
        *BLOCKED_INPUTS,
        "--log-format",
        "json",
        "--json",
        tmp_path / "r.json",
        env=CONTEXT_ENV,
    )
    assert done.returncode == 1
    records = _json_lines(done.stderr)
    for record in records:
        assert list(record)[:4] == ["time", "level", "event", "message"]
        assert record["time"].endswith("Z") and record["level"] in ("info", "warning", "error")
    events = [r["event"] for r in records]
    assert events[:2] == ["scanner.result", "scanner.result"] and events[-1] == "verdict"
    report = json.loads((tmp_path / "r.json").read_text())
    verdict = records[-1]
    assert (verdict["verdict"], verdict["exit_code"], verdict["counts"]) == (
        "block",
        1,
        report["verdict"]["counts"],
    )
    blocking = [r for r in records if r["event"] == "finding.blocking"]
    assert len(blocking) == report["verdict"]["counts"]["block"]
    assert {r["rule_id"] for r in blocking} >= {"aws-access-token", "github-pat", "B602"}
    assert_no_raw_secret(done.stderr, "the JSON log")


def test_quiet_json_logs_keep_warnings_and_the_verdict() -> None:
    done = run_secgate("scan", *BLOCKED_INPUTS, "--log-format", "json", "--quiet")
    levels = {r["level"] for r in _json_lines(done.stderr)}
    assert levels == {"warning", "error"}


def test_errors_are_json_lines_too(tmp_path: Path) -> None:
    done = run_secgate("scan", tmp_path / "missing", "--log-format", "json")
    assert done.returncode == 2
    (record,) = _json_lines(done.stderr)
    assert record["level"] == "error" and "not a directory to scan" in record["message"]
    done = run_secgate("scan", "--log-format=json", "--jobs", "zero")
    assert done.returncode == 2
    (record,) = _json_lines(done.stderr)
    assert record["event"] == "error" and "--jobs" in record["message"]
    done = run_secgate("scan", *PASSING_INPUTS, env={"SECGATE_LOG_FORMAT": "json"})
    assert done.returncode == 0
    assert _json_lines(done.stderr)[-1]["event"] == "verdict"


def test_progress_events_are_logged() -> None:
    log = RunLog(None, log_format="json", clock=iter([1.0, 2.0, 3.0]).__next__)
    with log.progress(progress_display := _Recorder()) as progress:
        progress("bandit", "running", 0.0, 0)
        progress("bandit", "failed", 1.25, 0)
    assert progress_display.events == []  # in JSON format the log is the display
    assert [(r.event, r.level, r.fields.get("status")) for r in log.records] == [
        ("scanner.started", "info", None),
        ("scanner.finished", "warning", "failed"),
    ]
    assert json.loads(log.records[1].as_json())["time"] == "1970-01-01T00:00:02.000Z"


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def __call__(self, tool: str, state: str, elapsed: float, findings: int) -> None:
        self.events.append((tool, state))

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_record_keeps_its_standard_keys() -> None:
    record = LogRecord(0.0, "info", "note", "hello", {"message": "overwrite?", "tool": "x"})
    assert json.loads(record.as_json()) == {
        "time": "1970-01-01T00:00:00.000Z",
        "level": "info",
        "event": "note",
        "message": "hello",
        "tool": "x",
    }


# --- Loki --------------------------------------------------------------------------------


@contextlib.contextmanager
def _stand_in(tmp_path: Path) -> Iterator[str]:
    with loki_stand_in() as loki:
        yield loki.url
        assert loki.violations == []
        assert loki.pushes >= 1


@contextlib.contextmanager
def _real(tmp_path: Path) -> Iterator[str]:
    with real_loki(tmp_path) as server:
        yield server.url


@pytest.mark.parametrize("loki", [_stand_in, _real], ids=["loki-api-stand-in", "grafana-loki"])
def test_loki_receives_and_returns_the_run_lines(
    loki: Callable[[Path], contextlib.AbstractContextManager[str]], tmp_path: Path
) -> None:
    with loki(tmp_path) as url:
        done = run_secgate(
            "scan", *BLOCKED_INPUTS, "--loki", url, "--log-format", "json", env=CONTEXT_ENV
        )
        assert done.returncode == 1, done.stderr
        shown = _json_lines(done.stderr)
        assert shown[-1]["event"] == "delivery.sent" and shown[-1]["what"] == "Loki push"
        streams = query_loki(url, '{job="secgate", repository="octo-org/octo-app"}')
        (stream,) = streams
        assert stream["stream"] == {
            "job": "secgate",
            "repository": "octo-org/octo-app",
            "branch": "feature/notify",
            "verdict": "block",
        }
        lines = [json.loads(line) for _, line in stream["values"]]
        # every line of the run up to the push, in order; the push's own line comes after
        assert lines == shown[:-1]
        assert lines[-1]["event"] == "verdict" and lines[-1]["verdict"] == "block"
        stamps = [int(ts) for ts, _ in stream["values"]]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        assert query_loki(url, '{job="secgate", verdict="pass"}') == []
        assert_no_raw_secret(json.dumps(streams), "Loki")


def test_a_dead_loki_only_warns() -> None:
    done = run_secgate("scan", *PASSING_INPUTS, "--loki", closed_port_url(), timeout=120)
    assert done.returncode == 0
    assert "secgate: warning: Loki push to http://127.0.0.1:" in done.stderr
