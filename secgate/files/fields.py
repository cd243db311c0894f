"""Checked access to the fields of a decoded input document.

An adapter never uses a value it has not checked: each accessor returns the value with the type
it promises, or raises ``InputError`` with a pointer to the bad field and what was expected::

    runs[0].results[3].locations[0]: expected an object, found a string

A pointer is written as the policy's error places are: keys joined with dots, array indexes in
brackets. An accessor takes the pointer of the containing value (built once per object, not per
field) and adds the key only when it reports an error. Error messages say what was found, never
the value itself: an input may hold secrets, and an error is printed before any is known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from secgate.errors import InputError

MAX_LINE = 2**31 - 1
"""Largest line or column number read (tools write 32-bit counters)."""
MAX_PATH = 4096
"""Longest file path or URI read, in characters (Linux's PATH_MAX)."""
MAX_NAME = 255
"""Longest single path component, in bytes (every common file system's limit)."""
MAX_VALUE_DEPTH = 16
"""Deepest nesting of a tool's free-form value that secgate keeps (``properties``)."""
MAX_VALUE_ITEMS = 10_000
"""Most strings, numbers and containers in one such value."""


def kind(value: Any) -> str:
    """How a JSON value's type reads in an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def at(where: str, key: str | int) -> str:
    """The pointer of ``key`` inside the value at ``where``. A JSON-lines row's pointer is
    ``line N:`` (``line 3: SourceMetadata.Data``)."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    if not where:
        return key
    return f"{where} {key}" if where.endswith(":") else f"{where}.{key}"


def fail(where: str, message: str) -> InputError:
    """The error for the field at ``where`` (the document itself when ``where`` is empty)."""
    return InputError(f"{where or 'the document'}: {message}")


def wrong(where: str, expected: str, value: Any) -> InputError:
    return fail(where, f"expected {expected}, found {kind(value)}")


# --- containers ---------------------------------------------------------------------------
def obj(value: Any, where: str) -> dict[str, Any]:
    """``value`` when it is an object."""
    if type(value) is dict:
        return value
    raise wrong(where, "an object", value)


def array(value: Any, where: str) -> list[Any]:
    """``value`` when it is an array."""
    if type(value) is list:
        return value
    raise wrong(where, "an array", value)


def opt_obj(doc: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
    """``doc[key]`` when it is an object; None when it is missing or null."""
    value = doc.get(key)
    if value is None or type(value) is dict:
        return value
    raise wrong(at(where, key), "an object", value)


def obj_or_empty(doc: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    """``doc[key]`` when it is an object; ``{}`` when it is missing or null."""
    value = doc.get(key)
    if value is None:
        return {}
    if type(value) is dict:
        return value
    raise wrong(at(where, key), "an object", value)


def opt_array(doc: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """``doc[key]`` when it is an array; ``[]`` when it is missing or null."""
    value = doc.get(key)
    if value is None:
        return []
    if type(value) is list:
        return value
    raise wrong(at(where, key), "an array", value)


def objects(doc: Mapping[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    """The items of the array ``doc[key]`` (missing or null: none), each checked to be an
    object, with its pointer."""
    items = opt_array(doc, key, where)
    base = at(where, key)
    out = []
    for index, item in enumerate(items):
        if type(item) is not dict:
            raise wrong(f"{base}[{index}]", "an object", item)
        out.append((f"{base}[{index}]", item))
    return out


# --- scalars ------------------------------------------------------------------------------
def plain_digits(text: str, most: int) -> bool:
    """True when ``text`` is 1 to ``most`` ASCII digits: a number ``int`` reads in full.
    ``str.isdigit`` alone also takes ``²``, which ``int`` refuses, and ``int`` refuses more than
    4,300 digits."""
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


def opt_str(doc: Mapping[str, Any], key: str, where: str) -> str | None:
    """``doc[key]`` when it is a string; None when it is missing or null."""
    value = doc.get(key)
    if value is None or type(value) is str:
        return value
    raise wrong(at(where, key), "a string", value)


def text(doc: Mapping[str, Any], key: str, where: str) -> str | None:
    """``doc[key]`` when it is a non-empty string; None when it is missing, null or empty."""
    value = opt_str(doc, key, where)
    return value or None


def req_str(doc: Mapping[str, Any], key: str, where: str) -> str:
    """``doc[key]``, which must be a non-empty string."""
    value = doc.get(key)
    if type(value) is str and value:
        return value
    if value is None or value == "":
        raise fail(at(where, key), "missing")
    raise wrong(at(where, key), "a string", value)


def scalar_text(doc: Mapping[str, Any], key: str, where: str) -> str | None:
    """``doc[key]`` as text when it is a string or a number (a version written ``1.2``, an id
    written ``42``); None when it is missing, null or empty."""
    value = doc.get(key)
    if value is None or value == "":
        return None
    if type(value) is str:
        return value
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return str(value)
    raise wrong(at(where, key), "a string", value)


def opt_bool(doc: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = doc.get(key)
    if value is None or type(value) is bool:
        return value
    raise wrong(at(where, key), "true or false", value)


def opt_int(doc: Mapping[str, Any], key: str, where: str) -> int | None:
    """``doc[key]`` when it is a whole number within 64 bits; None when missing or null."""
    value = doc.get(key)
    if value is None:
        return None
    if type(value) is int and -(2**63) <= value < 2**63:
        return value
    raise wrong(at(where, key), "a whole number", value)


def line(doc: Mapping[str, Any], key: str, where: str) -> int | None:
    """A line or column number: a whole number from 0 to ``MAX_LINE``; None when missing,
    null or 0 (tools write 0 for "unknown")."""
    value = doc.get(key)
    if value is None:
        return None
    if type(value) is int and 0 <= value <= MAX_LINE:
        return value or None
    if type(value) is int:
        raise fail(at(where, key), f"a line or column number must be 0 to {MAX_LINE}")
    raise wrong(at(where, key), "a line or column number", value)


def opt_number(doc: Mapping[str, Any], key: str, where: str) -> float | None:
    """``doc[key]`` when it is a finite number (or a string holding one, as some tools write
    scores); None when it is missing or null."""
    value = doc.get(key)
    if value is None:
        return None
    if type(value) in (int, float) and math.isfinite(value):
        return float(value)
    if type(value) is str:
        try:
            number = float(value)
        except ValueError:
            raise wrong(at(where, key), "a number", value) from None
        if math.isfinite(number):
            return number
    raise wrong(at(where, key), "a finite number", value)


def path_text(value: str, where: str, key: str | int | None = None) -> str:
    """A file path or URI from a report: no NUL byte or other control character, at most
    ``MAX_PATH`` characters, each component at most ``MAX_NAME`` bytes. ``where`` points at the
    value, or with ``key`` at its container (the pointer is then built only for an error)."""
    problem = _path_problem(value)
    if problem is None:
        return value
    raise fail(where if key is None else at(where, key), problem)


def _path_problem(value: str) -> str | None:
    if len(value) > MAX_PATH:
        return f"a path of {len(value):,} characters (at most {MAX_PATH:,} are read)"
    if not value.isprintable() and any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "a path holds a control character (a NUL byte, a newline...)"
    if len(value) > MAX_NAME and any(
        len(part.encode("utf-8", "surrogatepass")) > MAX_NAME
        for part in value.replace("\\", "/").split("/")
    ):
        return f"a path component longer than {MAX_NAME} bytes"
    return None


def opt_path(doc: Mapping[str, Any], key: str, where: str) -> str | None:
    """``doc[key]`` as a checked path (``path_text``); None when missing, null or empty."""
    value = text(doc, key, where)
    return None if value is None else path_text(value, where, key)


def strings(doc: Mapping[str, Any], key: str, where: str) -> list[str]:
    """``doc[key]`` as a list of strings (missing or null: empty); other items are refused."""
    items = opt_array(doc, key, where)
    for index, item in enumerate(items):
        if type(item) is not str:
            raise wrong(f"{at(where, key)}[{index}]", "a string", item)
    return items


# --- free-form values ---------------------------------------------------------------------
def json_value(value: Any, where: str, *, max_depth: int = MAX_VALUE_DEPTH) -> Any:
    """``value`` when it is plain JSON that reports can write back: strings, whole numbers
    within 64 bits, finite numbers, true/false, null, and arrays and objects of those nested
    at most ``max_depth`` levels, ``MAX_VALUE_ITEMS`` items in all."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    count = 0
    while stack:
        item, place, depth = stack.pop()
        count += 1
        if count > MAX_VALUE_ITEMS:
            raise fail(where, f"a value of more than {MAX_VALUE_ITEMS:,} items")
        kind_ = type(item)
        if kind_ is str or kind_ is bool or item is None:
            continue
        if kind_ is int:
            if not -(2**63) <= item < 2**64:
                raise fail(place, "a number beyond 64 bits")
            continue
        if kind_ is float:
            if not math.isfinite(item):
                raise fail(place, "a number that is not finite")
            continue
        if kind_ is not dict and kind_ is not list:
            raise wrong(place, "a JSON value", item)
        if depth >= max_depth:
            raise fail(place, f"nested deeper than {max_depth} levels")
        if kind_ is dict:
            for key, sub in item.items():
                if type(key) is not str:
                    raise wrong(place, "an object with text keys", key)
                stack.append((sub, at(place, key), depth + 1))
        else:
            stack.extend((sub, f"{place}[{index}]", depth + 1) for index, sub in enumerate(item))
    return value
