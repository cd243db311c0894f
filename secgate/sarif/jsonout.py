"""JSON text for SARIF documents, written by orjson with the bytes the ``json`` module gives.

secgate's SARIF has always been ``json.dumps(doc, ensure_ascii=False)``, indented by two spaces
or compact (``separators=(",", ":")``), plus a newline. orjson writes the same text for the
same data, several times faster, with a few exceptions, measured on orjson 3.13 against
Python 3.11: a float below 1e-4 in magnitude (``json`` writes ``5e-05``, orjson ``0.00005``),
NaN and infinities (``json`` writes ``NaN``, orjson ``null``), integers beyond 64 bits and
strings holding lone surrogates (orjson refuses both), and dictionary keys that are not ``str``
(``json`` converts them). ``is_plain`` recognises data without any of these, and ``dumps`` uses
orjson only for such data, so the output never depends on which library wrote it.
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


def is_plain(value: Any, trusted: tuple[object, ...] = (), *, allow_none: bool = True) -> bool:
    """True when orjson writes ``value`` as ``json.dumps`` does (see the module docstring).

    Containers in ``trusted`` (compared by identity) are taken as checked already; so are
    ``orjson.Fragment`` values, which hold JSON text their maker checked. Integers are not
    bounded here: orjson refuses those beyond 64 bits, and ``dumps`` falls back then. With
    ``allow_none`` false, a None anywhere makes the value not plain."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in _SCALARS:
            continue
        if item is None:
            if allow_none:
                continue
            return False
        if kind is float:
            if not safe_float(item):
                return False
        elif kind is dict:
            if any(item is t for t in trusted):
                continue
            for key, sub in item.items():
                if type(key) is not str:
                    return False
                stack.append(sub)
        elif kind is list:
            if any(item is t for t in trusted):
                continue
            stack.extend(item)
        elif kind is not orjson.Fragment:
            return False
    return True


def dumps(doc: Any, *, indent: bool) -> bytes:
    """``doc`` as UTF-8 JSON text ending in a newline, byte for byte what
    ``json.dumps(doc, ensure_ascii=False)`` gives with ``indent=2`` (or, compact, with
    ``separators=(",", ":")``), encoded."""
    data = _orjson_dumps(doc, indent)
    return data if data is not None else stdlib_dumps(doc, indent=indent).encode("utf-8")


def dumps_text(doc: Any, *, indent: bool) -> str:
    """The text ``dumps`` encodes, as a string."""
    data = _orjson_dumps(doc, indent)
    return data.decode("utf-8") if data is not None else stdlib_dumps(doc, indent=indent)


def stdlib_dumps(doc: Any, *, indent: bool) -> str:
    """The same text by the ``json`` module: the reference, and the way for data orjson would
    write differently."""
    if indent:
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _orjson_dumps(doc: Any, indent: bool) -> bytes | None:
    """orjson's text for plain ``doc`` (None when it is not plain or orjson refuses it)."""
    if not is_plain(doc):
        return None
    try:
        return orjson.dumps(doc, option=_OPTIONS[indent])
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, a lone surrogate
        return None
