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

import functools
from array import array
from itertools import accumulate
from operator import mul
from pathlib import Path

_BLOCK = 100
_BASE = 37
_MASK = (1 << 64) - 1
_END_OF_FILE = 0xFFFF
_CHUNK = 1 << 15
"""Code units summed at a time (a large file is never held as one list of numbers)."""
_INVERSE = pow(_BASE, -1, 1 << 64)
"""37 is odd, so it has an inverse modulo 2**64."""


def _kept_text(text: str) -> str:
    """The text as the hash sees it: line ends as ``\\n``, no spaces or tabs. A ``\\r\\n`` pair
    is one line end only when nothing stands between the two (as in GitHub's loop, where a
    skipped space ends the pair)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")


@functools.cache
def _inverse_powers() -> tuple[int, ...]:
    """``37**-j`` modulo 2**64 for ``j`` below ``_CHUNK``."""
    powers = [1]
    for _ in range(_CHUNK - 1):
        powers.append(powers[-1] * _INVERSE & _MASK)
    return tuple(powers)


def line_hashes(text: str, last_line: int | None = None) -> dict[int, str]:
    """Every line's hash, by 1-based line number; only up to ``last_line`` when given (a line's
    hash depends on the text after it, its ``:N`` on the lines before it: none is skipped).

    The rolling hash of the 100 units ``s[p:p+100]`` is ``sum(s[j] * 37**(p+99-j))``, which is
    ``37**(p+99) * (C[p+100] - C[p])`` with ``C[i] = sum(s[j] * 37**-j for j < i)`` (all modulo
    2**64). The sums ``C`` are built by ``accumulate`` over ``map(mul, ...)``, a chunk at a time,
    keeping only their values at line starts and 100 units after them."""
    kept = _kept_text(text)
    starts = [0]
    find = kept.find
    at = find("\n")
    while at != -1:
        starts.append(at + 1)
        at = find("\n", at + 1)
    units = array("H", kept.encode("utf-16-le", "surrogatepass"))
    if len(units) != len(kept):  # characters beyond the BMP are two units: count in units
        starts = [0, *(i + 1 for i, unit in enumerate(units) if unit == 0x0A)]
    if last_line is not None:
        del starts[max(last_line, 1) :]
    units.append(_END_OF_FILE)
    units.extend(array("H", bytes(2 * (_BLOCK - 1))))  # the last lines get 100 units too
    wanted = sorted({*starts, *(p + _BLOCK for p in starts)})
    sums = _prefix_sums(units, wanted)
    seen: dict[int, int] = {}
    out: dict[int, str] = {}
    for line, start in enumerate(starts, start=1):
        window = (
            pow(_BASE, start + _BLOCK - 1, 1 << 64) * (sums[start + _BLOCK] - sums[start]) & _MASK
        )
        count = seen[window] = seen.get(window, 0) + 1
        out[line] = f"{window:x}:{count}"
    return out


def _prefix_sums(units: array[int], wanted: list[int]) -> dict[int, int]:
    """``C[p]`` (see ``line_hashes``) for each position of ``wanted`` (sorted)."""
    inverse_powers = _inverse_powers()
    chunk_scale = pow(_INVERSE, _CHUNK, 1 << 64)
    found: dict[int, int] = {}
    base, scale, next_wanted = 0, 1, 0  # C[offset] and 37**-offset
    for offset in range(0, len(units), _CHUNK):
        if next_wanted == len(wanted):
            break  # the rest of the file is after every window asked for
        partial = list(
            accumulate(map(mul, units[offset : offset + _CHUNK], inverse_powers), initial=0)
        )
        end = offset + len(partial)  # partial[k] * scale + base is C[offset + k]
        while next_wanted < len(wanted) and wanted[next_wanted] < end:
            position = wanted[next_wanted]
            found[position] = (base + scale * partial[position - offset]) & _MASK
            next_wanted += 1
        base = (base + scale * partial[-1]) & _MASK
        scale = scale * chunk_scale & _MASK
    return found


def file_line_hashes(path: Path) -> dict[int, str] | None:
    """Every line's hash of the file at ``path``; None when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return line_hashes(raw.decode("utf-8", errors="replace"))
