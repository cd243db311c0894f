"""JSON text written by orjson with the bytes the ``json`` module gives (SARIF, JSON report).

secgate's SARIF is ``json.dumps(doc, ensure_ascii=False)``, indented by two spaces or compact
(``separators=(",", ":")``), plus a newline. orjson writes the same text for the same data, faster,
with a few exceptions (orjson 3.13, Python 3.11): a float below 1e-4 in magnitude (``json`` writes
``5e-05``, orjson ``0.00005``), NaN and infinities (``json`` writes ``NaN``, orjson ``null``),
integers beyond 64 bits and strings holding lone surrogates (orjson refuses both), and dictionary
keys that are not ``str`` (``json`` converts them). ``is_plain`` recognises data without any of
these, and ``dumps`` uses orjson only for such data, so the output never depends on which library
wrote it.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

_SCALARS = frozenset({str, int, bool})
_OPTIONS = {True: orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE, False: orjson.OPT_APPEND_NEWLINE}


def safe_float(value: float) -> bool:
    """True when orjson writes ``value`` exactly as ``repr`` (and so ``json``) does."""
    return value == 0.0 or 1e-4 <= abs(value) < math.inf


def is_plain(  # noqa: C901 - one loop kept whole: it runs for every value written
    value: Any, trusted: tuple[object, ...] = (), *, allow_none: bool = True
) -> bool:
    """True when orjson writes ``value`` as ``json.dumps`` does (see the module docstring).

    Containers in ``trusted`` (compared by identity) are taken as checked already; so are
    ``orjson.Fragment`` values, which hold JSON text their maker checked. Integers are not
    bounded here: orjson refuses those beyond 64 bits, and ``dumps`` falls back then. With
    ``allow_none`` false, a None anywhere makes the value not plain."""
    stack = [value]
    push = stack.append
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            if trusted and any(item is t for t in trusted):
                continue
            for key, sub in item.items():
                if type(key) is not str:
                    return False
                sub_kind = type(sub)
                if sub_kind is not str and sub_kind is not int and sub_kind is not bool:
                    push(sub)  # the scalars that are always plain are most values: not pushed
        elif kind is list:
            if trusted and any(item is t for t in trusted):
                continue
            for sub in item:
                sub_kind = type(sub)
                if sub_kind is not str and sub_kind is not int and sub_kind is not bool:
                    push(sub)
        elif kind is float:
            if not safe_float(item):
                return False
        elif item is None:
            if not allow_none:
                return False
        elif kind not in _SCALARS and kind is not orjson.Fragment:
            return False
    return True


def dumps(doc: Any, *, indent: bool, sort_keys: bool = False, plain: bool | None = None) -> bytes:
    """``doc`` as UTF-8 JSON text ending in a newline, byte for byte what
    ``json.dumps(doc, ensure_ascii=False, sort_keys=sort_keys)`` gives with ``indent=2`` (or,
    compact, with ``separators=(",", ":")``), encoded. ``plain`` is what ``is_plain(doc)`` gives,
    when the caller knows it."""
    data = _orjson_dumps(doc, indent, sort_keys, plain)
    if data is None:
        return stdlib_dumps(doc, indent=indent, sort_keys=sort_keys).encode("utf-8")
    return data


def dumps_text(
    doc: Any, *, indent: bool, sort_keys: bool = False, plain: bool | None = None
) -> str:
    """The text ``dumps`` encodes, as a string."""
    data = _orjson_dumps(doc, indent, sort_keys, plain)
    if data is None:
        return stdlib_dumps(doc, indent=indent, sort_keys=sort_keys)
    return data.decode("utf-8")


def stdlib_dumps(doc: Any, *, indent: bool, sort_keys: bool = False) -> str:
    """The same text by the ``json`` module: the reference, and the way for data orjson would
    write differently."""
    if indent:
        return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=sort_keys) + "\n"
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys) + "\n"


def _orjson_dumps(doc: Any, indent: bool, sort_keys: bool, plain: bool | None) -> bytes | None:
    """orjson's text for plain ``doc`` (None when it is not plain or orjson refuses it). Sorted,
    orjson orders keys by their UTF-8 bytes, which is the code point order ``json`` uses."""
    if not (is_plain(doc) if plain is None else plain):
        return None
    option = _OPTIONS[indent] | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        return orjson.dumps(doc, option=option)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, a lone surrogate
        return None
