"""Small helpers shared by adapters: reading JSON input with errors a user can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from secgate.errors import InputError

_BOM = b"\xef\xbb\xbf"


def read_input(path: Path, what: str = "a scanner output file") -> bytes:
    """The bytes of an input file; ``InputError`` naming it when it is missing, unreadable or
    empty."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not {what}", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    if not data.strip():
        raise InputError("the file is empty", path=path)
    return data


def load_json(data: bytes) -> Any:
    """Decode one JSON document, or raise ``InputError`` saying what is wrong and where."""
    if not data.strip():
        raise InputError("the file is empty")
    try:  # orjson reads valid UTF-8 JSON several times faster than the json module
        return orjson.loads(data[3:] if data.startswith(_BOM) else data)
    except orjson.JSONDecodeError:
        pass  # the json module accepts a little more (NaN, huge integers) and says where
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (binary data at byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        what = "truncated JSON" if exc.pos >= len(text.rstrip()) else "malformed JSON"
        raise InputError(f"{what}: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def load_json_lines(data: bytes) -> list[Any]:
    """Decode a JSON-lines document (one JSON value per non-blank line)."""
    if not data.strip():
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (binary data at byte {exc.start})") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(_loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON line {number}: {exc.msg}") from None
    return rows


def _loads(text: str) -> Any:
    """One JSON value: orjson first, the json module for what orjson refuses (NaN...)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
