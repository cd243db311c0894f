"""GitHub's ``primaryLocationLineHash``: the per-line hash that GitHub code scanning uses to follow
an alert across commits, computed here the way GitHub's SARIF upload action computes it.

The algorithm (described from github/codeql-action's ``fingerprints.ts``; written anew here):

- The file is read as UTF-8 text and consumed one UTF-16 code unit at a time (as JavaScript's
  ``charCodeAt`` sees it). Spaces and tabs are skipped entirely; ``\\r\\n``, ``\\r`` and ``\\n``
  all count as one ``\\n``.
- A polynomial rolling hash with base 37 runs over a window of the last 100 kept code units, in
  wrapping 64-bit arithmetic: ``h = 37 * h + new - 37**100 * dropped``.
- The hash of a line is the value of the window when it holds the 100 kept code units that start
  at that line's first kept unit (so it covers the line and whatever follows it). To give the
  last lines 100 units, the end of the file is marked by the code unit 65535 followed by as many
  zeros as needed.
- The value is written as unsigned lower-case hexadecimal without leading zeros, followed by
  ``:N`` where ``N`` counts how often that same value has occurred so far in the file (identical
  stretches of code get ``:1``, ``:2``...). Here ``N`` counts the earlier lines whose 100 units
  are the same: equal units give equal values, and two different windows of 100 units that
  wrapped to one 64-bit value would be the only difference.

Every line of the file gets a hash, blank lines included; the line after a final newline too.
"""

from __future__ import annotations

import sys
from array import array
from operator import mul
from pathlib import Path

_BLOCK = 100
_BASE = 37
_MASK = (1 << 64) - 1
_END_OF_FILE = 0xFFFF
_WEIGHTS = tuple(pow(_BASE, _BLOCK - 1 - k, 1 << 64) for k in range(_BLOCK))
"""The weight of each of a window's 100 units: ``37**(99-k)`` modulo 2**64."""
_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
"""UTF-16 in the byte order ``array("H")`` reads."""


def _kept_text(text: str) -> str:
    """The text as the hash sees it: line ends as ``\\n``, no spaces or tabs. A ``\\r\\n`` pair
    is one line end only when nothing stands between the two (as in GitHub's loop, where a
    skipped space ends the pair)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")


class LineHashes:
    """The hashes of one text's lines, each computed when asked for.

    A line's value needs only its own window of 100 units (a sum of 100 products), and its
    ``:N`` only which earlier lines have the same window, which comparing their units tells;
    so asking for line 40 of a file costs one window's arithmetic, not the whole file's."""

    __slots__ = ("_counts", "_starts", "_units", "_windows")

    def __init__(self, text: str) -> None:
        kept = _kept_text(text)
        units = kept.encode(_UTF16, "surrogatepass")
        if len(units) == 2 * len(kept):
            starts = [0]
            find = kept.find
            at = find("\n")
            while at != -1:
                starts.append(at + 1)
                at = find("\n", at + 1)
        else:  # characters beyond the BMP are two units: count in units
            codes = array("H", units)
            starts = [0, *(i + 1 for i, unit in enumerate(codes) if unit == 0x0A)]
        # the end of the file is marked by 65535, then zeros give the last lines 100 units
        self._units = units + b"\xff\xff" + bytes(2 * (_BLOCK - 1))
        self._starts = starts
        self._windows: dict[bytes, int] = {}
        """Each window met so far (its units as bytes) and how often."""
        self._counts: list[int] = []
        """``:N`` of the first lines, in order."""

    def __len__(self) -> int:
        """How many lines the text has (the line after a final newline counts)."""
        return len(self._starts)

    def get(self, line: int) -> str | None:
        """The hash of 1-based line ``line``; None when the text has no such line."""
        if not 1 <= line <= len(self._starts):
            return None
        counts, windows, units, starts = self._counts, self._windows, self._units, self._starts
        start = 2 * starts[line - 1]
        window = units[start : start + 2 * _BLOCK]
        if len(counts) < line and units.find(window, 0, start + 2 * _BLOCK) == start:
            # these units occur nowhere before the line (the usual case): its ``:N`` is 1,
            # found without comparing the windows of every earlier line
            return f"{_value(window)}:1"
        while len(counts) < line:
            at = 2 * starts[len(counts)]
            earlier = units[at : at + 2 * _BLOCK]
            count = windows[earlier] = windows.get(earlier, 0) + 1
            counts.append(count)
        return f"{_value(window)}:{counts[line - 1]}"

    def as_dict(self) -> dict[int, str]:
        """Every line's hash, by 1-based line number."""
        return {line: self.get(line) or "" for line in range(1, len(self) + 1)}


def _value(window: bytes) -> str:
    """The rolling hash's value over one window of 100 units, in hexadecimal."""
    return f"{sum(map(mul, array('H', window), _WEIGHTS)) & _MASK:x}"


def line_hashes(text: str) -> dict[int, str]:
    """Every line's hash of ``text``, by 1-based line number."""
    return LineHashes(text).as_dict()


def file_line_hashes(path: Path) -> dict[int, str] | None:
    """Every line's hash of the file at ``path``; None when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return line_hashes(raw.decode("utf-8", errors="replace"))
