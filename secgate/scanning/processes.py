"""Running one tool's process: never through a shell, with umask 077, in its own process group
(registered so that SIGTERM and SIGINT stop it), its output through private files, and a timeout
that kills the whole group."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from secgate import interrupt
from secgate.adapters.interface import Invocation

_KILL_GRACE = 3.0


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
    env = {
        **os.environ,
        "TMPDIR": str(scratch),
        "TMP": str(scratch),
        "TEMP": str(scratch),
        **invocation.env,
    }
    out_path, err_path = work_dir / "stdout", work_dir / "stderr"
    with (
        os.fdopen(interrupt.create_private_file(out_path), "wb") as out,
        os.fdopen(interrupt.create_private_file(err_path), "wb") as err,
    ):
        if interrupt.stopping():
            return ProcessResult(None, b"", b"", start_error="not started: secgate is stopping")
        try:
            process = subprocess.Popen(  # never a shell: argv is passed as a list
                invocation.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=invocation.cwd,
                env=env,
                start_new_session=True,
                umask=0o077,
            )
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
    return ProcessResult(
        process.returncode, out_path.read_bytes(), err_path.read_bytes(), timed_out=timed_out
    )


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
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and fields[2] == str(pgid):
            states.append(fields[0])
    return states
