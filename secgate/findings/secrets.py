"""Keeping secrets out of everything secgate writes.

An adapter that meets a secret's raw value turns it into a ``Secret`` (a salted hash and a masked
preview) at parse time and hands the raw value to the pipeline only in memory, through
``ParseResult.secret_values``; the pipeline then scrubs every text of every finding and run with
``Redactor`` before anything is written. The raw value is never logged, printed or serialized.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from secgate.model import Secret

DEFAULT_SALT = "secgate/secret-hash/v1"
"""Used when ``SECGATE_SECRET_SALT`` is unset. Set your own salt to make hashes unlinkable across
organisations; keep it stable, or baselines and fingerprints of secrets change."""

_ITERATIONS = 5_000
"""PBKDF2 rounds per secret. The hash appears in reports that may travel further than the code
(a SARIF upload, a PR comment), so guessing a weak password from it must cost far more than one
SHA-256: 5,000 rounds add about 12 bits of work per guess. Each doubling adds only one bit more
but doubles the cost of every distinct secret in every scan (about 1 ms each here; a history
scan can report thousands). Changing the count changes every secret's hash and fingerprint."""
_MIN_REDACTABLE = 6  # shorter strings would scrub ordinary words out of messages
LONG_VALUE = 256
"""Characters beyond which a value is hashed by its SHA-256 digest (so a megabyte-long value
costs what a short one does) and matched by plain search instead of the pattern's trie."""


def secret_hash(value: str) -> str:
    """Salted, slow hash of a secret's raw value (PBKDF2-SHA256), as hex."""
    return _slow_hash(value, os.environ.get("SECGATE_SECRET_SALT", DEFAULT_SALT))


def prehash(values: Iterable[str]) -> None:
    """Hash many raw values at once, one thread per core (the hash runs outside the GIL), so that
    the ``secret_hash`` calls parsing makes next find them remembered."""
    salt = os.environ.get("SECGATE_SECRET_SALT", DEFAULT_SALT)
    unique = list(dict.fromkeys(v for v in values if v))[:_REMEMBERED]
    workers = min(os.cpu_count() or 1, 8)
    if len(unique) < _PREHASH_MIN or workers < 2:
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(lambda value: _slow_hash(value, salt), unique):
            pass


_REMEMBERED = 16384
_SCRUBBED_REMEMBERED = 200_000
_REMEMBERED_TEXT = 4096  # longer texts are scrubbed again when met again: not kept twice
_PREHASH_MIN = 16


@functools.lru_cache(maxsize=_REMEMBERED)
def _slow_hash(value: str, salt: str) -> str:
    """Remembered per value, in memory only: a value met many times (one password reported by
    several rules and tools) is hashed once."""
    raw = value.encode("utf-8", "surrogatepass")
    if len(value) > LONG_VALUE:  # the work then no longer grows with the value's length
        raw = b"secgate/long-value/v1:" + hashlib.sha256(raw).digest()
    return hashlib.pbkdf2_hmac("sha256", raw, salt.encode(), _ITERATIONS).hex()


def mask(value: str) -> str:
    """A preview that shows at most four leading and two trailing characters, never the length."""
    value = value.strip()
    if len(value) < 12:
        return "*****"
    return f"{value[:4]}…{value[-2:]}"


def make_secret(value: str, *, kind: str | None = None, verified: bool | None = None) -> Secret:
    """The ``Secret`` secgate keeps for a raw value."""
    return Secret(hash=secret_hash(value), preview=mask(value), kind=kind, verified=verified)


def _redactable(value: str) -> bool:
    """Long enough to scrub without wrecking ordinary text: 8 characters, or 6 when the value
    is not a plain word (a password literal such as ``secret`` would otherwise mask every
    ``secret`` in every message)."""
    if len(value) >= 8:
        return True
    return len(value) >= _MIN_REDACTABLE and not value.isalpha()


def _pattern_of(values: list[str]) -> re.Pattern[str]:
    """One pattern matching any of ``values`` (the longest where several match at one place),
    with shared prefixes factored out as a trie: a plain alternation of thousands of values
    tries every one of them at every character of every text."""
    try:
        return re.compile(_trie_source(values))
    except (RecursionError, re.error):
        return re.compile(_alternation_source(values))


def _trie_source(values: list[str]) -> str:
    trie: dict[str, Any] = {}
    for value in values:
        node = trie
        for char in value:
            node = node.setdefault(char, {})
        node[""] = {}  # a value ends here
    return _trie_pattern(trie)


def _alternation_source(values: list[str]) -> str:
    return "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))


def _trie_pattern(node: dict[str, Any]) -> str:
    parts = []
    for char in sorted(k for k in node if k):
        child, literal = node[char], char
        while len(child) == 1 and "" not in child:  # a chain of single characters: one literal
            ((following, child),) = child.items()
            literal += following
        parts.append(re.escape(literal) + _trie_pattern(child))
    if "" in node:
        parts.append("")  # after every longer continuation: the longest value wins
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


class Redactor:
    """Replaces every known raw secret value in text with its masked preview."""

    def __init__(self, values: Iterable[str], *, every_length: bool = False) -> None:
        """``every_length``: mask every non-empty value, however short (a scanner's own report,
        whose values are known to be secrets where they appear); by default only values long
        enough not to wreck ordinary words elsewhere."""
        stripped = {v.strip() for v in values}
        usable = sorted(
            (v for v in stripped if v and (every_length or _redactable(v))), key=len, reverse=True
        )
        self._previews = {v: mask(v) for v in usable}
        self._long = [v for v in usable if len(v) > LONG_VALUE]
        """Values too long for the trie (a key block, a megabyte of junk): searched one by one,
        longest first, before the pattern runs."""
        short = usable[len(self._long) :]
        self._pattern = _pattern_of(short) if short else None
        self._shortest = len(usable[-1]) if usable else 0
        """A text shorter than this cannot hold a value (most field values are short)."""
        self._done: dict[str, str] = {}
        """Texts already scrubbed: rule texts and messages repeat across findings."""

    def __bool__(self) -> bool:
        return bool(self._previews)

    @property
    def shortest(self) -> int:
        """The length of the shortest value masked: a shorter text holds none."""
        return self._shortest

    def text(self, text: str) -> str:
        """``text`` with every value masked; ``text`` itself (the same object) when it holds
        none, so that callers can tell nothing changed with ``is``."""
        if not self._previews or len(text) < self._shortest:
            return text
        done = self._done.get(text, text)
        if done is text and text not in self._done:
            done = text
            for value in self._long:
                if len(done) >= len(value) and value in done:
                    done = done.replace(value, self._previews[value])
            if self._pattern is not None:
                done = self._pattern.sub(lambda m: self._previews[m.group(0)], done)
            if len(self._done) < _SCRUBBED_REMEMBERED and len(text) <= _REMEMBERED_TEXT:
                self._done[text] = done
        return text if done == text else done

    def holds(self, text: str) -> bool:
        """True when ``text`` holds a value that ``text`` (the method) would mask."""
        if not self._previews or len(text) < self._shortest:
            return False
        if any(value in text for value in self._long):
            return True
        return self._pattern is not None and self._pattern.search(text) is not None

    def value(self, value: Any, *, keys: bool = False) -> Any:
        """Scrub the strings inside a JSON-like value (its values, and with ``keys`` its keys
        too); the value itself when nothing in it changed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            items: list[Any] | None = None
            for index, item in enumerate(value):
                scrubbed = self.value(item, keys=keys)
                if scrubbed is not item:
                    items = items if items is not None else list(value)
                    items[index] = scrubbed
            return value if items is None else items
        if isinstance(value, dict):
            fields: dict[Any, Any] | None = None
            for index, (key, item) in enumerate(value.items()):
                new_key = self.text(key) if keys and isinstance(key, str) else key
                scrubbed = self.value(item, keys=keys)
                if fields is None and (scrubbed is not item or new_key is not key):
                    fields = dict(itertools.islice(value.items(), index))
                if fields is not None:
                    fields[new_key] = scrubbed
            return value if fields is None else fields
        return value
