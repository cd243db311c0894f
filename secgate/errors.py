"""The error family of secgate and the exit codes every command ends with.

Every failure that a user can cause or meet is a ``SecgateError``; the CLI catches the root once
and prints its message in one or two lines (a traceback only with ``--debug``).
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """The exit code of every secgate command."""

    PASS = 0
    """The gate passed (warnings allowed)."""
    BLOCKED = 1
    """The policy blocked."""
    USAGE = 2
    """Bad arguments, an invalid policy, or an unreadable or malformed input file."""
    SCANNER_ERROR = 3
    """A required scanner was missing, crashed, timed out or could examine nothing."""


class SecgateError(Exception):
    """Root of every error secgate reports to its user."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        super().__init__(self.render())

    def render(self) -> str:
        """The message as shown to the user: the file first when there is one."""
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message


class UsageError(SecgateError):
    """The command line asks for something that cannot be done."""


class InputError(SecgateError):
    """An input file is missing, unreadable, malformed, or not from a tool secgate knows."""


class PolicyError(SecgateError):
    """The policy file is missing or invalid."""


class ScannerError(SecgateError):
    """A scanner could not be run or its run could not be used."""

    exit_code = ExitCode.SCANNER_ERROR
