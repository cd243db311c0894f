"""The run's log: one record per thing that happened, for people and for machines.

Every scan keeps its log lines as ``LogRecord`` values in a ``RunLog``: each scanner starting
and finishing, each scanner's result, the blocking findings, the notes and reasons, and the
verdict last; then what was sent out after it (a notification, a push) when that failed.

``--log-format text`` (the default) leaves standard error as it always was (the progress display
and the summary) and prints only warnings from here; ``--log-format json`` replaces all of that
with one JSON object per line on standard error: ``time`` (UTC, ISO 8601), ``level`` (``info``,
``warning``, ``error``), ``event``, ``message``, then the event's own fields. ``--quiet`` keeps
only warnings and errors. Loki receives every record as its JSON line, whatever the format.

The records are made from the finished, redacted result: no raw secret is in any of them, and
every text is on one line without control characters.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, TextIO

from secgate.model import Action, Finding, RunStatus, ScannerRun, ScanResult, VerdictStatus
from secgate.reports.presentation import one_line
from secgate.scanning.progress import Progress

Level = Literal["info", "warning", "error"]
JSON_FORMAT = "json"
TEXT_FORMAT = "text"
LOG_FORMATS = (TEXT_FORMAT, JSON_FORMAT)
SHOWN_BLOCKING = 50
"""Blocking findings logged one by one; a record says how many more there were."""
_STANDARD_KEYS = ("time", "level", "event", "message")
_VERDICT_LEVEL: dict[VerdictStatus, Level] = {
    VerdictStatus.PASS: "info",
    VerdictStatus.WARN: "warning",
    VerdictStatus.BLOCK: "error",
    VerdictStatus.ERROR: "error",
}


@dataclass(frozen=True)
class LogRecord:
    """One log line: when, how bad, what happened, in words and in fields."""

    time: float
    """Unix time in seconds."""
    level: Level
    event: str
    message: str
    fields: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> str:
        """The record as one line of JSON (the standard keys first, then the fields)."""
        doc: dict[str, Any] = {
            "time": iso_time(self.time),
            "level": self.level,
            "event": self.event,
            "message": self.message,
        }
        doc.update((k, v) for k, v in self.fields.items() if k not in _STANDARD_KEYS)
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def iso_time(seconds: float) -> str:
    """``2026-12-01T21:34:50.123Z``."""
    text = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


class RunLog:
    """The records of one run, shown on ``stream`` as they come (see the module docstring)."""

    def __init__(
        self,
        stream: TextIO | None,
        *,
        log_format: str = TEXT_FORMAT,
        quiet: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stream = stream
        self.json_lines = log_format == JSON_FORMAT
        self._quiet = quiet
        self._clock = clock
        self._lock = threading.Lock()
        self.records: list[LogRecord] = []

    def add(self, level: Level, event: str, message: str, **fields: Any) -> LogRecord:
        """Record one line (and show it, as the format says)."""
        record = LogRecord(self._clock(), level, event, one_line(message, 1000), fields)
        with self._lock:
            self.records.append(record)
            self._show(record)
        return record

    def _show(self, record: LogRecord) -> None:
        if self._stream is None or (record.level == "info" and self._quiet):
            return
        if self.json_lines:
            print(record.as_json(), file=self._stream, flush=True)
        elif record.level != "info" and record.event not in _SHOWN_ELSEWHERE:
            print(f"secgate: {record.level}: {record.message}", file=self._stream, flush=True)

    def progress(self, inner: Progress) -> LoggedProgress:
        """A progress display that also logs each scanner's start and end; in JSON format the
        log is the display, and ``inner`` is left out."""
        return LoggedProgress(self, None if self.json_lines else inner)

    def result(self, result: ScanResult) -> None:
        """Log what the scan found and decided, the verdict last."""
        for run in result.runs:
            self._run(run)
        blocking = [
            f
            for f in result.findings
            if f.decision is not None and f.decision.action is Action.BLOCK
        ]
        for finding in blocking[:SHOWN_BLOCKING]:
            self.add(
                "warning", "finding.blocking", _finding_line(finding), **finding_fields(finding)
            )
        if len(blocking) > SHOWN_BLOCKING:
            self.add(
                "warning",
                "finding.blocking.more",
                f"{len(blocking) - SHOWN_BLOCKING} more blocking finding(s)",
                count=len(blocking) - SHOWN_BLOCKING,
            )
        for note in result.notes:
            self.add("info", "note", note)
        for reason in result.verdict.reasons:
            self.add("info", "reason", reason)
        verdict = result.verdict
        self.add(
            _VERDICT_LEVEL[verdict.status],
            "verdict",
            f"verdict {verdict.status.value}: {len(result.findings)} finding(s), "
            f"{verdict.counts.get('block', 0)} blocking, "
            f"{verdict.counts.get('warn', 0)} warning",
            verdict=verdict.status.value,
            exit_code=verdict.exit_code,
            counts=dict(sorted(verdict.counts.items())),
            policy=result.policy,
            target=result.target,
            secgate_version=result.secgate_version,
        )

    def _run(self, run: ScannerRun) -> None:
        state = "incomplete" if run.status is RunStatus.OK and run.incomplete else run.status.value
        level: Level = "info" if state in ("ok", "skipped") else "warning"
        detail = run.error or (run.notes[0] if run.notes and state != "ok" else "")
        self.add(
            level,
            "scanner.result",
            f"{run.tool} {state}, {run.finding_count} finding(s)"
            + (f": {detail}" if detail else ""),
            tool=run.tool,
            status=state,
            origin=run.origin,
            version=run.version,
            duration=round(run.duration, 3),
            findings=run.finding_count,
            input_file=run.input_file,
            error=one_line(run.error) or None,
        )


_SHOWN_ELSEWHERE = frozenset(
    {
        "scanner.started",
        "scanner.finished",
        "scanner.result",
        "finding.blocking",
        "finding.blocking.more",
        "verdict",
    }
)
"""Events the text format's progress display and summary already show (printed again as
warnings they would repeat them)."""


def finding_fields(finding: Finding) -> dict[str, Any]:
    """The fields a finding is logged and sent with (no snippet: only what locates it)."""
    location = finding.location
    package = finding.package
    return {
        "severity": finding.severity.value,
        "category": finding.category.value,
        "tool": finding.tool,
        "rule_id": one_line(finding.rule_id, 200),
        "path": one_line(location.path, 500) if location else None,
        "line": location.start_line if location else None,
        "package": one_line(package.name, 200) if package else None,
        "version": one_line(package.version, 100) if package and package.version else None,
        "vulnerability": finding.vulnerability.canonical_id if finding.vulnerability else None,
        "fingerprint": finding.fingerprint,
        "reason": one_line(finding.decision.reason, 300) if finding.decision else None,
    }


def _finding_line(finding: Finding) -> str:
    return (
        f"blocking: {finding.severity.value} {finding.tool}:{one_line(finding.rule_id, 200)} "
        f"at {where(finding)}: {one_line(finding.message, 300)}"
    )


def where(finding: Finding) -> str:
    """``path:line`` of a finding, or ``package==version``, or ``-``."""
    if finding.package is not None:
        return f"{one_line(finding.package.name, 200)}=={one_line(finding.package.version) or '?'}"
    if finding.location is not None:
        line = f":{finding.location.start_line}" if finding.location.start_line else ""
        return f"{one_line(finding.location.path, 500)}{line}"
    return "-"


class LoggedProgress(Progress):
    """Logs each scanner's start and end, and passes every event on to a display."""

    def __init__(self, log: RunLog, inner: Progress | None) -> None:
        self._log = log
        self._inner = inner

    def __call__(self, tool: str, state: str, elapsed: float, findings: int) -> None:
        if self._inner is not None:
            self._inner(tool, state, elapsed, findings)
        if state == "running":
            self._log.add("info", "scanner.started", f"{tool} started", tool=tool)
        else:
            level: Level = "info" if state in ("ok", "skipped") else "warning"
            self._log.add(
                level,
                "scanner.finished",
                f"{tool} {state} in {elapsed:.1f}s, {findings} finding(s)",
                tool=tool,
                status=state,
                duration=round(elapsed, 3),
                findings=findings,
            )

    def __enter__(self) -> LoggedProgress:
        if self._inner is not None:
            self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._inner is not None:
            self._inner.__exit__(exc_type, exc, tb)
