"""Writing several reports at once: each core renders its share of them in a forked process.

Rendering one report is pure Python over every finding, and a large scan's reports (JSON,
HTML, JUnit, the PR comment and the job summary) are seconds each; they depend on nothing but
the finished result, so on a machine with several cores they are shared out among forked
children of the process that holds the result, which read it where it already is (the fork
copies nothing up front: pages are shared until written). Each child writes its own files, as
the parent would, and ends with ``os._exit``: nothing the parent registered (temporary
directories, buffered output) is run or flushed twice. The parent renders its own share, then
waits for every child; a report a child could not write raises the same ``UsageError`` in the
parent as it would have there, and any other failure an ``InternalReportError``.

Forking is used only where it is safe and pays: on Linux, with no other thread running (a fork
copies only the calling thread, and a lock another thread held would stay held), and for
results of ``FORK_MIN_FINDINGS`` findings or more; everywhere else the jobs run one after
another in this process, with the same output.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from secgate.errors import UsageError

FORK_MIN_FINDINGS = 5_000
"""Smaller results are rendered in well under a second: forking would cost more than it
saves, and small outputs stay in one process, simple to debug."""


class InternalReportError(RuntimeError):
    """A report failed in a forked child for another reason than a file it could not write."""


@dataclass(frozen=True)
class Job:
    """One report to render and write (``run``), and its rough cost relative to the others
    (``weight``: what balances the children's shares)."""

    name: str
    run: Callable[[], None]
    weight: int = 1


def workers_for(findings: int, jobs: int) -> int:
    """How many processes (this one included) share ``jobs`` reports of ``findings``."""
    if jobs < 2 or findings < FORK_MIN_FINDINGS or not _can_fork():
        return 1
    return max(1, min(jobs, len(os.sched_getaffinity(0))))


def _can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def shares(jobs: Sequence[Job], workers: int) -> list[list[Job]]:
    """``jobs`` dealt to ``workers`` processes, heaviest first to the least loaded (each
    share then keeps the given order); the first share is this process's."""
    loads = [0] * workers
    dealt: list[list[Job]] = [[] for _ in range(workers)]
    for job in sorted(jobs, key=lambda j: -j.weight):
        lightest = loads.index(min(loads))
        dealt[lightest].append(job)
        loads[lightest] += job.weight
    order = {job.name: i for i, job in enumerate(jobs)}
    return [sorted(share, key=lambda j: order[j.name]) for share in dealt if share]


def run(jobs: Sequence[Job], workers: int) -> None:
    """Run every job, shared among ``workers`` processes (1: here, in order)."""
    if workers < 2:
        for job in jobs:
            job.run()
        return
    own, *others = shares(jobs, workers)
    sys.stdout.flush()
    sys.stderr.flush()
    children = [_start(share) for share in others]
    failure: BaseException | None = None
    try:
        for job in own:
            job.run()
    except BaseException as exc:  # re-raised once every child has ended
        failure = exc
    outcomes = [_wait(child) for child in children]
    if failure is not None:
        raise failure
    for kind, message in outcomes:
        if kind == "usage":
            raise UsageError(message)
        if kind == "internal":
            raise InternalReportError(message)


@dataclass(frozen=True)
class _Child:
    pid: int
    reader: int
    """The read end of the pipe the child reports its outcome on."""


def _start(share: list[Job]) -> _Child:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render, write, report, and end without running anything else
        os.close(reader)
        outcome = ("ok", "")
        current = share[0].name
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends it at once
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            for job in share:
                current = job.name
                job.run()
        except UsageError as exc:
            outcome = ("usage", str(exc))
        except BaseException as exc:  # reported to the parent, which raises it
            outcome = ("internal", f"the {current} report failed: {type(exc).__name__}: {exc}")
        try:
            with os.fdopen(writer, "wb") as out:
                out.write(json.dumps(outcome).encode("utf-8", "replace"))
        finally:
            os._exit(0)
    os.close(writer)
    return _Child(pid, reader)


def _wait(child: _Child) -> tuple[str, str]:
    """The child's outcome once it has ended: ``("ok" | "usage" | "internal", message)``."""
    chunks = []
    with os.fdopen(child.reader, "rb") as pipe:
        while chunk := pipe.read(65536):
            chunks.append(chunk)
    _, status = os.waitpid(child.pid, 0)
    try:
        kind, message = json.loads(b"".join(chunks))
    except ValueError:
        signal_number = -os.waitstatus_to_exitcode(status)
        ended = f"signal {signal_number}" if signal_number > 0 else "no outcome"
        return "internal", f"a report process ended without writing its reports ({ended})"
    return str(kind), str(message)
