"""JSON text of secgate's reports (SARIF, JSON report, HTML page data), written by orjson.

Indented by two spaces or compact, non-ASCII characters as they are, ending in a newline. orjson
writes floats in their shortest form and NaN or infinities as ``null``; what it refuses (integers
beyond 64 bits, strings holding lone surrogates, dictionary keys that are not ``str``) is written
by the ``json`` module with the same layout. The same data always gives the same bytes.

``is_plain`` tells whether a value holds anything orjson and the ``json`` module write
differently or refuse, for callers that must know (SARIF tool properties, see
``secgate.sarif.results``).
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


def dumps(doc: Any, *, indent: bool, sort_keys: bool = False) -> bytes:
    """``doc`` as UTF-8 JSON text ending in a newline (see the module docstring); keys sorted
    by code point with ``sort_keys``."""
    data = _orjson_dumps(doc, indent, sort_keys)
    if data is None:
        return stdlib_dumps(doc, indent=indent, sort_keys=sort_keys).encode("utf-8")
    return data


def dumps_text(doc: Any, *, indent: bool, sort_keys: bool = False) -> str:
    """The text ``dumps`` encodes, as a string."""
    data = _orjson_dumps(doc, indent, sort_keys)
    if data is None:
        return stdlib_dumps(doc, indent=indent, sort_keys=sort_keys)
    return data.decode("utf-8")


def stdlib_dumps(doc: Any, *, indent: bool, sort_keys: bool = False) -> str:
    """The same layout by the ``json`` module, for data orjson refuses."""
    if indent:
        return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=sort_keys) + "\n"
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys) + "\n"


def _orjson_dumps(doc: Any, indent: bool, sort_keys: bool) -> bytes | None:
    """orjson's text of ``doc``, or None when orjson refuses it. Sorted, orjson orders keys by
    their UTF-8 bytes, which is the code point order ``json`` uses."""
    option = _OPTIONS[indent] | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        return orjson.dumps(doc, option=option)
    except (orjson.JSONEncodeError, TypeError):  # a big integer, a lone surrogate, a key
        return None
