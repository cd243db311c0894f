"""Running scanner processes: in parallel, never through a shell, each with a timeout that kills
its whole process group. Every run leaves a ``ScannerRun``, whatever happened to it.

Each run gets a private directory (0700, see ``secgate.interrupt``) for its output files and as
the tool's ``TMPDIR``, so that whatever raw output a scanner writes stays there and goes with
it; the tool runs with umask 077 and in its own process group, registered so that SIGTERM and
SIGINT stop it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secgate import interrupt
from secgate.adapters.interface import Adapter, Invocation, ParseResult, RunContext
from secgate.adapters.tool_versions import installed_version
from secgate.errors import InputError, SecgateError
from secgate.files import scanned_tree
from secgate.model import RunStatus, ScannerRun

DEFAULT_TIMEOUT = 600.0


def default_jobs() -> int:
    """Scanners run at once by default: one more than the cores, because one of them is often
    waiting on its network or disk rather than computing (pip-audit asking an index, say);
    measured on 2 cores with five scanners, 3 at once finished ~0.2 s sooner than 2."""
    return (os.cpu_count() or 1) + 1
_KILL_GRACE = 3.0
_ERROR_TAIL = 2000
_VERSION_TIMEOUT = 60.0
WORK_DIR_PLACEHOLDER = "$WORK"
"""Stands for the run's private temporary directory in recorded commands."""
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


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


def run_all(adapters: Sequence[Adapter], options: RunOptions,
            progress: ProgressCallback | None = None) -> list[Outcome]:
    """Run every adapter's tool against ``options.target``, at most ``options.jobs`` at once.
    Outcomes come back in the order of ``adapters``."""
    notify = progress or (lambda *_: None)
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = [pool.submit(run_one, adapter, options, notify) for adapter in adapters]
        return [future.result() for future in futures]


def run_one(adapter: Adapter, options: RunOptions,
            progress: ProgressCallback | None = None) -> Outcome:
    """Run one adapter's tool and parse its output; never raises for the tool's failures."""
    notify = progress or (lambda *_: None)
    started = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def finish(run: ScannerRun, parsed: ParseResult | None = None) -> Outcome:
        if run.version is None and executable is not None and adapter.version_in_output \
                and run.status is not RunStatus.SKIPPED:
            run.version = read_version(adapter, executable)  # the report did not say
        run.duration = round(time.monotonic() - started, 3)
        run.started_at = started_at
        parsed = parsed or ParseResult()
        run.finding_count = len(parsed.findings)
        notify(adapter.name, run.status.value, run.duration, run.finding_count)
        return Outcome(run=run, parsed=parsed)

    executable = adapter.find_executable()
    if executable is None:
        return finish(ScannerRun(tool=adapter.name, status=RunStatus.SKIPPED,
                                 error=adapter.missing_reason()))
    skip_reason = adapter.applicable_with(options.target, options.settings.get(adapter.name, {}))
    if skip_reason:
        return finish(ScannerRun(tool=adapter.name, status=RunStatus.SKIPPED, error=None,
                                 notes=[skip_reason]))
    if interrupt.stopping():
        return finish(ScannerRun(tool=adapter.name, status=RunStatus.FAILED,
                                 error="not started: secgate is stopping"))
    notify(adapter.name, "running", 0.0, 0)
    # a tool whose report names its version is not started twice (once for --version)
    version = None if adapter.version_in_output else read_version(adapter, executable)
    with interrupt.private_dir(f"secgate-{adapter.name}-") as work_dir:
        tmp = str(work_dir)
        ctx = RunContext(target=options.target, work_dir=work_dir, executable=executable,
                         config=options.settings.get(adapter.name, {}), unsafe=options.unsafe,
                         history_since=options.history_since)
        cannot = adapter.preflight(ctx, version)
        if cannot:
            return finish(ScannerRun(tool=adapter.name, version=version,
                                     status=RunStatus.SKIPPED, error=cannot))
        refused = unsafe_config(adapter, options.target)
        try:
            if refused:
                raise SecgateError(refused)
            invocation = adapter.invocation(ctx)
        except SecgateError as exc:  # the tool cannot be run safely here: fail closed
            return finish(ScannerRun(tool=adapter.name, version=version,
                                     status=RunStatus.FAILED, error=exc.message))
        # the private work directory's random name would make reports differ from run to run
        command = [arg.replace(tmp, WORK_DIR_PLACEHOLDER) for arg in invocation.argv]
        run = ScannerRun(tool=adapter.name, version=version, command=command,
                         status=RunStatus.OK)
        process = execute(invocation, timeout=options.timeout, work_dir=work_dir)
        run.exit_code = process.exit_code
        if process.timed_out:
            run.status = RunStatus.TIMED_OUT
            run.error = f"timed out after {options.timeout:g} s; its process group was killed"
            return finish(run)
        if process.start_error:
            run.status = RunStatus.FAILED
            run.error = process.start_error
            return finish(run)
        if interrupt.stopping():
            run.status = RunStatus.FAILED
            run.error = "stopped: secgate was interrupted"
            return finish(run)
        if process.exit_code not in adapter.ok_exit_codes:
            run.status = RunStatus.FAILED
            explained = adapter.explain_failure(process.exit_code, tail(process.stderr))
            run.error = f"{explained} (exit code {process.exit_code})" if explained else \
                f"exited with code {process.exit_code}: " + tail(process.stderr)
            return finish(run)
        report = invocation.output.read_bytes() if invocation.output and \
            invocation.output.exists() else process.stdout
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


def unsafe_config(adapter: Adapter, target: Path) -> str | None:
    """Why ``adapter``'s tool must not run on ``target``: one of the configuration files it
    reads by itself (``Adapter.config_files``) is a FIFO, a device or a symlink leaving the
    target, which it would hang on or read outside the tree; else None."""
    for name in adapter.config_files:
        problem = scanned_tree.problem(target, name)
        if problem:
            return (f"refusing to run {adapter.name}: {name} in the scanned directory is a "
                    f"{problem}, and {adapter.name} reads that file by itself")
    return None


@dataclass
class ProcessResult:
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    start_error: str | None = None


def execute(invocation: Invocation, *, timeout: float, work_dir: Path) -> ProcessResult:
    """Run ``invocation`` in its own session (process group); on timeout kill the whole group.
    Output goes through files (0600, in the private ``work_dir``), so a chatty tool cannot fill
    a pipe and stall; the tool's temporary files go to ``work_dir/tmp``."""
    scratch = work_dir / "tmp"
    scratch.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "TMPDIR": str(scratch), "TMP": str(scratch), "TEMP": str(scratch),
           **invocation.env}
    out_path, err_path = work_dir / "stdout", work_dir / "stderr"
    with os.fdopen(interrupt.create_private_file(out_path), "wb") as out, \
            os.fdopen(interrupt.create_private_file(err_path), "wb") as err:
        if interrupt.stopping():
            return ProcessResult(None, b"", b"", start_error="not started: secgate is stopping")
        try:
            process = subprocess.Popen(  # never a shell: argv is passed as a list
                invocation.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                cwd=invocation.cwd, env=env, start_new_session=True, umask=0o077)
        except OSError as exc:
            return ProcessResult(None, b"", b"", start_error=f"could not start: {exc.strerror}")
        timed_out = False
        with interrupt.track(process):
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                kill_group(process)
            finally:
                # the leader may have exited while children it started still run
                kill_group(process, quiet=True)
    return ProcessResult(process.returncode, out_path.read_bytes(), err_path.read_bytes(),
                         timed_out=timed_out)


def kill_group(process: subprocess.Popen[bytes], *, quiet: bool = False) -> None:
    """SIGTERM the process group, then SIGKILL what is left after a grace period."""
    try:
        pgid = os.getpgid(process.pid) if process.poll() is None else process.pid
    except ProcessLookupError:
        pgid = process.pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        if sig == signal.SIGTERM:
            deadline = time.monotonic() + (0.2 if quiet else _KILL_GRACE)
            while time.monotonic() < deadline and _group_alive(pgid, process):
                time.sleep(0.05)
            if not _group_alive(pgid, process):
                break
    if process.poll() is None:
        process.wait(timeout=5)


def _group_alive(pgid: int, leader: subprocess.Popen[bytes]) -> bool:
    """True while a process of the group still runs. Zombies do not count: the leader is reaped
    here, and its orphaned children are reaped by init, which may take a moment."""
    leader.poll()
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    members = _group_states(pgid)
    return members is None or any(state != "Z" for state in members)


def _group_states(pgid: int) -> list[str] | None:
    """The states of the group's processes from /proc, or None where there is no /proc."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    states = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[2] == str(pgid):
            states.append(fields[0])
    return states


_versions: dict[tuple[Any, ...], str | None] = {}


def _version_memo(adapter: Adapter, executable: str) -> tuple[Any, ...] | None:
    try:
        stat = os.stat(executable)
    except OSError:
        return None
    return adapter.name, executable, stat.st_size, stat.st_mtime_ns


def read_version(adapter: Adapter, executable: str) -> str | None:
    """The tool's version: from its installed metadata for a Python tool laid out as pip
    installs it (``Adapter.distribution``), else from ``<tool> --version``; None when it cannot
    tell. Remembered for the process per program file (path, size, modification time)."""
    memo = _version_memo(adapter, executable)
    if memo is not None and memo in _versions:
        return _versions[memo]
    version = _read_version(adapter, executable)
    if memo is not None:
        _versions[memo] = version
    return version


def remember_version(adapter: Adapter, executable: str, version: str | None) -> None:
    """Tell ``read_version`` the version of a program file known from elsewhere (the result
    cache keeps versions across runs)."""
    memo = _version_memo(adapter, executable)
    if memo is not None:
        _versions[memo] = version


def _read_version(adapter: Adapter, executable: str) -> str | None:
    if adapter.distribution:
        installed = installed_version(executable, adapter.distribution)
        if installed:
            return installed
    code, out, err = interrupt.run([executable, *adapter.version_args], timeout=_VERSION_TIMEOUT,
                                   env={**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0"})
    if code is None:
        return None
    text = out.decode("utf-8", "replace") + err.decode("utf-8", "replace")
    return adapter.parse_version(text)


def tail(data: bytes) -> str:
    """The last part of a tool's error output, as one readable string."""
    text = _ANSI_RE.sub("", data.decode("utf-8", "replace")).strip()
    if not text:
        return "(no error output)"
    return text[-_ERROR_TAIL:]
