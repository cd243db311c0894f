"""The scanned tree's files as findings need them: a line's text (for fingerprints) and GitHub's
line hash (``primaryLocationLineHash``), each file read once."""

from __future__ import annotations

from pathlib import Path

from secgate.files import scanned_tree
from secgate.findings.line_hash import LineHashes

MAX_LINE_HASHED_BYTES = 8 * 1024 * 1024
"""Larger files get no ``primaryLocationLineHash`` from secgate (their text is held twice while
their findings are hashed); GitHub's upload action computes the missing ones itself."""


class SourceTree:
    """Reads files under the scanned root, once each; never outside it, and only regular files
    (``secgate.files.scanned_tree``: a symlink to ``/dev/zero`` or a FIFO reads as missing).

    Findings name many files, most of them in a few directories and, for an ingested report,
    often absent here. So a path is looked up in its directory's listing, read once per
    directory: an absent file costs no system call, and a regular file listed in a directory
    inside the root needs no ``realpath``; only symlinks are resolved one by one."""

    def __init__(self, root: Path | None) -> None:
        self.root = root.resolve() if root is not None else None
        self._real_root = str(self.root) if self.root is not None else ""
        self._listings: dict[str, scanned_tree.Listing | None] = {}
        self._texts: dict[str, tuple[str, int] | None] = {}
        self._lines: dict[str, list[str] | None] = {}
        self._hashes: dict[str, LineHashes | None] = {}

    def _file(self, path: str) -> str | None:
        """The resolved regular file ``path`` names inside the root, or None."""
        if self.root is None or not path or path.startswith("/"):
            return None
        directory, _, name = path.rpartition("/")
        if directory not in self._listings:
            self._listings[directory] = scanned_tree.listing(self.root, directory, self._real_root)
        listing = self._listings[directory]
        if listing is None:
            return None
        return listing.regular_file(name, self._real_root)

    def _read(self, path: str) -> tuple[str, int] | None:
        """The text of ``path`` and its size in bytes, read once; None when unreadable."""
        if path not in self._texts:
            file = self._file(path)
            self._texts[path] = scanned_tree.read_resolved(file) if file is not None else None
        return self._texts[path]

    def line(self, path: str, number: int) -> str | None:
        """Line ``number`` (1-based) of ``path``, or None when it cannot be read."""
        if path not in self._lines:
            read = self._read(path)
            self._lines[path] = read[0].splitlines() if read is not None else None
        lines = self._lines[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def line_hash(self, path: str, number: int) -> str | None:
        """GitHub's ``primaryLocationLineHash`` of line ``number`` of ``path``."""
        if path not in self._hashes:
            read = self._read(path)
            hashable = read is not None and read[1] <= MAX_LINE_HASHED_BYTES
            self._hashes[path] = LineHashes(read[0]) if read is not None and hashable else None
        hashes = self._hashes[path]
        return hashes.get(number) if hashes is not None else None
