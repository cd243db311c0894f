"""Small helpers shared by adapters: reading JSON input with errors a user can act on (through
``secgate.reading``, the one reading layer for input files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secgate.reading import decode_json, decode_json_lines, read_bytes


def read_input(path: Path, what: str = "a scanner output file") -> bytes:
    """The bytes of an input file; ``InputError`` naming it when it is missing, not a regular
    file, unreadable, too large or empty (see ``secgate.reading``)."""
    return read_bytes(path, what)


def load_json(data: bytes) -> Any:
    """Decode one JSON document, or raise ``InputError`` saying what is wrong and where."""
    return decode_json(data)


def load_json_lines(data: bytes) -> list[Any]:
    """Decode a JSON-lines document (one JSON value per non-blank line)."""
    return decode_json_lines(data)
