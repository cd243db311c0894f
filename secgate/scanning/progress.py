"""What the runner tells about a scan while it runs: the interface the command line's displays and
the run log implement (``secgate.cli.progress``, ``secgate.outbound.logs``)."""

from __future__ import annotations

from types import TracebackType


class Progress:
    """Receives ``(tool, state, elapsed, findings)`` events from the runner."""

    def __call__(self, tool: str, state: str, elapsed: float, findings: int) -> None:
        """Record one event."""

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None
