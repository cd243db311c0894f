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
  stretches of code get ``:1``, ``:2``...).

Every line of the file gets a hash, blank lines included; the line after a final newline too.
"""

from __future__ import annotations

from pathlib import Path

_BLOCK = 100
_BASE = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_BASE, _BLOCK, 1 << 64)
_TAB, _SPACE, _LF, _CR = 9, 32, 10, 13
_END_OF_FILE = 0xFFFF


class _RollingHash:
    """The state of one pass over a file."""

    def __init__(self) -> None:
        self.window = [0] * _BLOCK
        self.line_at = [-1] * _BLOCK  # the line that starts at each window slot, else -1
        self.value = 0
        self.index = 0
        self.line = 0
        self.at_line_start = True
        self.after_cr = False
        self.seen: dict[str, int] = {}
        self.hashes: dict[int, str] = {}

    def _emit(self) -> None:
        text = format(self.value, "x")
        count = self.seen.get(text, 0) + 1
        self.seen[text] = count
        self.hashes[self.line_at[self.index]] = f"{text}:{count}"
        self.line_at[self.index] = -1

    def _push(self, unit: int) -> None:
        dropped = self.window[self.index]
        self.window[self.index] = unit
        self.value = (self.value * _BASE + unit - _FIRST_MOD * dropped) & _MASK
        self.index = (self.index + 1) % _BLOCK

    def feed(self, unit: int) -> None:
        if unit in (_SPACE, _TAB) or (self.after_cr and unit == _LF):
            self.after_cr = False
            return
        self.after_cr = unit == _CR
        if self.after_cr:
            unit = _LF
        if self.line_at[self.index] != -1:
            self._emit()
        if self.at_line_start:
            self.at_line_start = False
            self.line += 1
            self.line_at[self.index] = self.line
        if unit == _LF:
            self.at_line_start = True
        self._push(unit)

    def finish(self) -> dict[int, str]:
        self.feed(_END_OF_FILE)
        for _ in range(_BLOCK):
            if self.line_at[self.index] != -1:
                self._emit()
            self._push(0)
        return self.hashes


def line_hashes(text: str) -> dict[int, str]:
    """Every line's hash, by 1-based line number."""
    state = _RollingHash()
    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        state.feed(data[i] | (data[i + 1] << 8))
    return state.finish()


def file_line_hashes(path: Path) -> dict[int, str] | None:
    """Every line's hash of the file at ``path``; None when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return line_hashes(raw.decode("utf-8", errors="replace"))
