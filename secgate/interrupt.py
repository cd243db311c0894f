"""Interrupted runs leave nothing behind: SIGTERM and SIGINT stop every scanner, remove secgate's
temporary directories, and end the command with exit code 3.

Scanners write raw secret values into their output files, so those files live only in private
directories (``private_dir``: created 0700 by ``tempfile.mkdtemp``; secgate's own files in them
are created 0600 and scanners run with umask 077). Every scanner process is started in its own
session (its own process group) and registered here while it runs (``track``).

When a signal arrives (``handle_signals``, installed by the CLI around each command):

1. ``stopping()`` becomes true: no further scanner starts;
2. every registered process group gets SIGTERM, and SIGKILL ``KILL_GRACE`` seconds later if it
   is still there (a thread of its own does that, so that a scanner ignoring SIGTERM cannot hold
   the command);
3. ``Interrupted`` (a ``KeyboardInterrupt``) is raised in the main thread: the scan unwinds, its
   worker threads see their processes end, and each private directory is removed as its
   ``with`` block closes; ``remove_private_dirs`` then removes any still left;
4. the CLI prints one line and exits with 3. A second signal during the clean-up only hurries
   step 2 along (SIGKILL at once); it does not interrupt the clean-up itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

KILL_GRACE = 3.0
"""Seconds a scanner may take to end after SIGTERM before it gets SIGKILL."""
SIGNALS = (signal.SIGTERM, signal.SIGINT)

_lock = threading.RLock()
"""Re-entrant: the signal handler takes it in the main thread, which may hold it already."""
_processes: set[subprocess.Popen[bytes]] = set()
_dirs: set[Path] = set()
_stop = threading.Event()


class Interrupted(KeyboardInterrupt):
    """The command was stopped by a signal."""

    def __init__(self, signum: int) -> None:
        self.signal_name = signal.Signals(signum).name
        super().__init__(self.signal_name)


def stopping() -> bool:
    """True once a stop was requested: start nothing more."""
    return _stop.is_set()


@contextlib.contextmanager
def track(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """Register ``process`` (started with ``start_new_session=True``) for the block's length.
    A stop requested in between kills it at once."""
    with _lock:
        _processes.add(process)
    if _stop.is_set():
        _signal_group(process, signal.SIGKILL)
    try:
        yield
    finally:
        with _lock:
            _processes.discard(process)


def run(
    argv: list[str], *, timeout: float, env: dict[str, str] | None = None
) -> tuple[int | None, bytes, bytes]:
    """Run a short helper command of a scanner (``--version``) in its own tracked process
    group: (exit code, stdout, stderr); exit code None when it could not start, was stopped or
    timed out."""
    if _stop.is_set():
        return None, b"", b""
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError:
        return None, b"", b""
    with track(process):
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.communicate()
            return None, b"", b""
    if _stop.is_set():
        return None, out, err
    return process.returncode, out, err


@contextlib.contextmanager
def private_dir(prefix: str) -> Iterator[Path]:
    """A new directory only this user can enter (0700), removed with everything in it when the
    block ends, or by ``remove_private_dirs`` after an interruption."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    with _lock:
        _dirs.add(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        with _lock:
            _dirs.discard(path)


def create_private_file(path: Path) -> int:
    """Create ``path`` for writing, readable and writable by this user only (0600); the file
    descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)


def remove_private_dirs() -> None:
    """Remove every private directory still registered."""
    with _lock:
        left = list(_dirs)
        _dirs.clear()
    for path in left:
        shutil.rmtree(path, ignore_errors=True)


def stop_all(*, force: bool = False) -> None:
    """Request a stop and signal every registered process group: SIGTERM now and SIGKILL after
    ``KILL_GRACE`` (``force``: SIGKILL now)."""
    _stop.set()
    with _lock:
        running = list(_processes)
    for process in running:
        _signal_group(process, signal.SIGKILL if force else signal.SIGTERM)
    if not force and running:
        threading.Thread(
            target=_kill_later, args=(running,), daemon=True, name="secgate-kill"
        ).start()


def _kill_later(processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + KILL_GRACE
    while time.monotonic() < deadline and any(p.poll() is None for p in processes):
        time.sleep(0.05)
    for process in processes:
        _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal the process group the process leads (its pid: it started its own session)."""
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@contextlib.contextmanager
def handle_signals() -> Iterator[None]:
    """Install the SIGTERM/SIGINT handlers for the block (main thread only; elsewhere, and
    where signals cannot be handled, the block runs unchanged)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}
    raised = False
    _stop.clear()  # a new command: an earlier one's stop is over

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        if raised:
            stop_all(force=True)
            return
        raised = True
        stop_all()
        raise Interrupted(signum)

    for sig in SIGNALS:
        previous[sig] = signal.signal(sig, on_signal)
    try:
        yield
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler)
        if raised:
            remove_private_dirs()
