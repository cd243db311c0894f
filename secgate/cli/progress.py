"""How a scan shows its progress: a live table on a terminal, plain lines grouped in
``::group::`` blocks in GitHub Actions, plain lines anywhere else (a log, a pipe, another CI), or
nothing (``--quiet``). All of it goes to standard error."""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from secgate.scanning.progress import Progress

if TYPE_CHECKING:  # rich loads only for the live display (a terminal), not on every run
    from rich.table import Table

_STATE_STYLE = {
    "running": "cyan",
    "ok": "green",
    "skipped": "yellow",
    "failed": "red",
    "timed_out": "red",
}


class QuietProgress(Progress):
    pass


class PlainProgress(Progress):
    """One plain line when a scanner starts and one when it ends (logs, pipes, other CIs)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._lock = threading.Lock()

    def __call__(self, tool: str, state: str, elapsed: float, findings: int) -> None:
        with self._lock:
            if state == "running":
                print(f"secgate: {tool} started", file=self._stream, flush=True)
                return
            print(
                f"secgate: {tool} {state} in {elapsed:.1f}s, {findings} finding(s)",
                file=self._stream,
                flush=True,
            )


class ActionsProgress(PlainProgress):
    """One ``::group::`` block per scanner as it finishes (GitHub Actions folds them)."""

    def __call__(self, tool: str, state: str, elapsed: float, findings: int) -> None:
        with self._lock:
            if state == "running":
                print(f"secgate: {tool} started", file=self._stream, flush=True)
                return
            print(
                f"::group::secgate: {tool} {state} in {elapsed:.1f}s, {findings} finding(s)",
                file=self._stream,
            )
            print(f"{tool}: {state}, {findings} finding(s), {elapsed:.1f}s", file=self._stream)
            print("::endgroup::", file=self._stream, flush=True)


class LiveProgress(Progress):
    """A table redrawn in place: each scanner's state, elapsed time and finding count."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self._console = Console(file=stream or sys.stderr)
        self._rows: dict[str, tuple[str, float, int, float]] = {}
        self._lock = threading.Lock()
        self._live = Live(
            self._table(),
            console=self._console,
            refresh_per_second=4,
            transient=False,
            get_renderable=self._table,
        )

    def _table(self) -> Table:
        from rich.table import Table

        table = Table(title="secgate scan", expand=False)
        for column in ("scanner", "state", "elapsed", "findings"):
            table.add_column(column)
        now = time.monotonic()
        with self._lock:
            rows = sorted(self._rows.items())
        for tool, (state, elapsed, findings, since) in rows:
            shown = now - since if state == "running" else elapsed
            style = _STATE_STYLE.get(state, "")
            table.add_row(
                tool,
                f"[{style}]{state}[/]",
                f"{shown:.1f}s",
                "" if state == "running" else str(findings),
            )
        return table

    def __call__(self, tool: str, state: str, elapsed: float, findings: int) -> None:
        with self._lock:
            self._rows[tool] = (state, elapsed, findings, time.monotonic())

    def __enter__(self) -> Progress:
        self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._live.stop()


def choose(quiet: bool) -> Progress:
    """The display that suits where secgate runs."""
    if quiet:
        return QuietProgress()
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return ActionsProgress()
    if sys.stderr.isatty():
        return LiveProgress()
    return PlainProgress()
