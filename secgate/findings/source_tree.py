"""The scanned tree's files as findings need them: a line's text (for fingerprints) and GitHub's
line hash (``primaryLocationLineHash``), each file read once."""

from __future__ import annotations

from pathlib import Path

from secgate.files import scanned_tree
from secgate.findings.line_hash import line_hashes

MAX_LINE_HASHED_BYTES = 8 * 1024 * 1024
"""Larger files get no ``primaryLocationLineHash`` from secgate (hashing costs about a second
per megabyte); GitHub's upload action computes the missing ones itself."""


class SourceTree:
    """Reads files under the scanned root, once each; never outside it, and only regular files
    (``secgate.files.scanned_tree``: a symlink to ``/dev/zero`` or a FIFO reads as missing)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root.resolve() if root is not None else None
        self._lines: dict[str, list[str] | None] = {}
        self._hashes: dict[str, dict[int, str] | None] = {}

    def _file(self, path: str) -> Path | None:
        if self.root is None or not path or path.startswith("/"):
            return None
        return scanned_tree.regular_file(self.root, path)

    def _text(self, file: Path | None) -> str | None:
        if file is None or self.root is None:
            return None
        return scanned_tree.read_text(self.root, file)

    def line(self, path: str, number: int) -> str | None:
        """Line ``number`` (1-based) of ``path``, or None when it cannot be read."""
        if path not in self._lines:
            text = self._text(self._file(path))
            self._lines[path] = text.splitlines() if text is not None else None
        lines = self._lines[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def line_hash(self, path: str, number: int) -> str | None:
        """GitHub's ``primaryLocationLineHash`` of line ``number`` of ``path``."""
        if path not in self._hashes:
            file = self._file(path)
            try:
                small = file is not None and file.stat().st_size <= MAX_LINE_HASHED_BYTES
            except OSError:
                small = False
            text = self._text(file) if small else None
            self._hashes[path] = line_hashes(text) if text is not None else None
        hashes = self._hashes[path]
        return hashes.get(number) if hashes else None
