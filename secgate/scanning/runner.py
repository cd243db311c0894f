"""Running scanners: in parallel, each adapter's tool run (``secgate.scanning.processes``) and
its output parsed. Every run leaves a ``ScannerRun``, whatever happened to it.

Each run gets a private directory (0700, see ``secgate.interrupt``) for its output files and as
the tool's ``TMPDIR``, so that whatever raw output a scanner writes stays there and goes with
it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secgate import interrupt
from secgate.adapters.interface import Adapter, ParseResult, RunContext
from secgate.adapters.secret_findings import strip_ansi
from secgate.errors import InputError, SecgateError
from secgate.files import scanned_tree
from secgate.model import RunStatus, ScannerRun
from secgate.scanning.processes import ProcessResult, execute
from secgate.scanning.tool_versions import read_version

DEFAULT_TIMEOUT = 600.0


def default_jobs() -> int:
    """Scanners run at once by default: one more than the cores, because one of them is often
    waiting on its network or disk rather than computing (pip-audit asking an index, say)."""
    return (os.cpu_count() or 1) + 1


_ERROR_TAIL = 2000
WORK_DIR_PLACEHOLDER = "$WORK"
"""Stands for the run's private temporary directory in recorded commands."""


def start_time() -> str:
    """Now, as ``ScannerRun.started_at`` holds it: UTC to the second (``2026-12-01T10:00:00Z``)."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Outcome:
    """One scanner's run record and what it found."""

    run: ScannerRun
    parsed: ParseResult = field(default_factory=ParseResult)
    cache_key: str | None = None
    """The result cache's key for a fresh run worth storing (see
    ``secgate.scanning.result_cache``)."""


ProgressCallback = Callable[[str, str, float, int], None]
"""Called as ``(tool, state, elapsed_seconds, finding_count)``; state is ``running``, a
``RunStatus`` value, or ``cached`` for a result reused from the cache
(``secgate.scanning.result_cache``)."""


@dataclass
class RunOptions:
    target: Path
    timeout: float = DEFAULT_TIMEOUT
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-scanner settings from the policy."""
    unsafe: tuple[str, ...] = ()
    """Entries of the target no tool may read (``RunContext.unsafe``)."""
    history_since: str | None = None
    """Pull-request mode: history scanners read only the commits after this one
    (``RunContext.history_since``)."""


def run_all(
    adapters: Sequence[Adapter], options: RunOptions, progress: ProgressCallback | None = None
) -> list[Outcome]:
    """Run every adapter's tool against ``options.target``, at most ``options.jobs`` at once,
    started in ``start_order``. Outcomes come back in the order of ``adapters``."""
    notify = progress or (lambda *_: None)
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = {
            i: pool.submit(run_one, adapters[i], options, notify) for i in start_order(adapters)
        }
        return [futures[i].result() for i in range(len(adapters))]


def start_order(adapters: Sequence[Adapter]) -> list[int]:
    """The positions in ``adapters`` in the order their tools start: those that usually finish
    last first (``Adapter.starts_first``), the rest as given. A scan's wall time is at least
    its slowest tool's; started late, behind the quick ones, that tool would add their time to
    its own."""
    return sorted(range(len(adapters)), key=lambda i: not adapters[i].starts_first)


def run_one(
    adapter: Adapter, options: RunOptions, progress: ProgressCallback | None = None
) -> Outcome:
    """Run one adapter's tool and parse its output; never raises for the tool's failures."""
    notify = progress or (lambda *_: None)
    started = time.monotonic()
    started_at = start_time()

    def finish(run: ScannerRun, parsed: ParseResult | None = None) -> Outcome:
        if (
            run.version is None
            and executable is not None
            and adapter.version_in_output
            and run.status is not RunStatus.SKIPPED
        ):
            run.version = read_version(adapter, executable)  # the report did not say
        run.duration = round(time.monotonic() - started, 3)
        run.started_at = started_at
        parsed = parsed or ParseResult()
        run.finding_count = len(parsed.findings)
        notify(adapter.name, run.status.value, run.duration, run.finding_count)
        return Outcome(run=run, parsed=parsed)

    executable = adapter.find_executable()
    if executable is None:
        return finish(
            ScannerRun(tool=adapter.name, status=RunStatus.SKIPPED, error=adapter.missing_reason())
        )
    skip_reason = adapter.skip_reason_with(options.target, options.settings.get(adapter.name, {}))
    if skip_reason:
        return finish(
            ScannerRun(tool=adapter.name, status=RunStatus.SKIPPED, error=None, notes=[skip_reason])
        )
    if interrupt.stopping():
        return finish(
            ScannerRun(
                tool=adapter.name, status=RunStatus.FAILED, error="not started: secgate is stopping"
            )
        )
    notify(adapter.name, "running", 0.0, 0)
    # a tool whose report names its version is not started twice (once for --version)
    version = None if adapter.version_in_output else read_version(adapter, executable)
    with interrupt.private_dir(f"secgate-{adapter.name}-") as work_dir:
        tmp = str(work_dir)
        ctx = RunContext(
            target=options.target,
            work_dir=work_dir,
            executable=executable,
            config=options.settings.get(adapter.name, {}),
            unsafe=options.unsafe,
            history_since=options.history_since,
        )
        cannot = adapter.preflight(ctx, version)
        if cannot:
            return finish(
                ScannerRun(
                    tool=adapter.name, version=version, status=RunStatus.SKIPPED, error=cannot
                )
            )
        refused = unsafe_config(adapter, options.target)
        try:
            if refused:
                raise SecgateError(refused)
            invocation = adapter.invocation(ctx)
        except SecgateError as exc:  # the tool cannot be run safely here: fail closed
            return finish(
                ScannerRun(
                    tool=adapter.name, version=version, status=RunStatus.FAILED, error=exc.message
                )
            )
        # the private work directory's random name would make reports differ from run to run
        command = [arg.replace(tmp, WORK_DIR_PLACEHOLDER) for arg in invocation.argv]
        run = ScannerRun(tool=adapter.name, version=version, command=command, status=RunStatus.OK)
        process = execute(invocation, timeout=options.timeout, work_dir=work_dir)
        run.exit_code = process.exit_code
        ended = _process_problem(adapter, process, options.timeout)
        if ended is not None:
            run.status, run.error = ended
            return finish(run)
        report = (
            invocation.output.read_bytes()
            if invocation.output and invocation.output.exists()
            else process.stdout
        )
        try:
            parsed = adapter.parse(report)
        except InputError as exc:
            run.status = RunStatus.FAILED
            run.error = f"unreadable output ({exc.message}): " + tail(process.stderr)
            return finish(run)
        problem = adapter.output_problem(process.exit_code, parsed)
        if problem:
            run.status = RunStatus.FAILED
            run.error = f"{problem}: " + tail(process.stderr)
            return finish(run, ParseResult(secret_values=parsed.secret_values))
        run.version = version or parsed.tool_version
        run.notes = list(parsed.notes)
        run.incomplete = parsed.incomplete
        for finding in parsed.findings:
            if not finding.tool_version:
                finding.tool_version = run.version
        return finish(run, parsed)


def _process_problem(
    adapter: Adapter, process: ProcessResult, timeout: float
) -> tuple[RunStatus, str] | None:
    """Why a finished process left no report to read (the run's status and error), else None."""
    if process.timed_out:
        return RunStatus.TIMED_OUT, f"timed out after {timeout:g} s; its process group was killed"
    if process.start_error:
        return RunStatus.FAILED, process.start_error
    if interrupt.stopping():
        return RunStatus.FAILED, "stopped: secgate was interrupted"
    if process.exit_code not in adapter.ok_exit_codes:
        explained = adapter.explain_failure(process.exit_code, tail(process.stderr))
        return RunStatus.FAILED, (
            f"{explained} (exit code {process.exit_code})"
            if explained
            else f"exited with code {process.exit_code}: " + tail(process.stderr)
        )
    return None


def unsafe_config(adapter: Adapter, target: Path) -> str | None:
    """Why ``adapter``'s tool must not run on ``target``: one of the configuration files it
    reads by itself (``Adapter.config_files``) is a FIFO, a device or a symlink leaving the
    target, which it would hang on or read outside the tree; else None."""
    for name in adapter.config_files:
        problem = scanned_tree.problem(target, name)
        if problem:
            return (
                f"refusing to run {adapter.name}: {name} in the scanned directory is a "
                f"{problem}, and {adapter.name} reads that file by itself"
            )
    return None


def tail(data: bytes) -> str:
    """The last part of a tool's error output, as one readable string."""
    text = strip_ansi(data.decode("utf-8", "replace")).strip()
    if not text:
        return "(no error output)"
    return text[-_ERROR_TAIL:]
