"""Files inside the scanned tree are data, never devices: the one way secgate itself reads them.

The tree secgate judges is written by whoever wrote the change under review, so any entry in it
may be hostile: a committed symlink ``x.py -> /dev/zero`` (reading never ends), a symlink to a
file outside the tree (``creds -> ~/.aws/credentials``: reading it would put its text in a
report), a FIFO (opening it blocks until someone writes), a socket or a device. Every read of a
file under the root — digesting it for the result cache, reading its lines for fingerprints and
GitHub's line hashes, aligning masked secrets, finding requirement and configuration files —
goes through ``regular_file``/``read_bytes`` here, which accept only an entry that, after every
symlink is followed, is a regular file inside the root:

1. the path is resolved (``os.path.realpath``) and must stay under the resolved root;
2. ``os.stat`` of the resolved path must say regular file (``S_ISREG``); nothing else is opened;
3. it is opened with ``O_NONBLOCK | O_NOFOLLOW | O_NOCTTY`` (an entry swapped for a FIFO or a
   symlink after the check neither blocks nor is followed) and ``fstat`` of the open file must
   again say regular file.

``unsafe_entries`` lists what a scan must skip, once per scan, for the note that names them and
for adapters whose tool would read such an entry itself (Bandit opens every ``.py`` file it
walks, FIFOs and device symlinks included).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from secgate.files.project import UNWALKED_DIRS

_OPEN_FLAGS = (
    os.O_RDONLY
    | os.O_NONBLOCK
    | os.O_NOCTTY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
NOTE_LIMIT = 10
"""Entries named in the scan's note; the rest are counted."""


@dataclass(frozen=True)
class Unsafe:
    """An entry under the root that secgate and its scanners must not read."""

    path: str
    """Relative to the root, POSIX separators."""
    reason: str
    """``symlink leaving the scanned directory``, ``FIFO``, ``character device``..."""

    def describe(self) -> str:
        return f"{self.path} ({self.reason})"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "not a regular file"


def _within(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def problem(root: Path, path: Path | str) -> str | None:
    """Why ``path`` (absolute, or relative to ``root``) cannot be read as a file of the tree:
    None for a regular file inside the root, and for an entry that does not exist."""
    real_root = os.path.realpath(root)
    candidate = Path(path) if Path(path).is_absolute() else Path(root) / path
    real = os.path.realpath(candidate)
    if not _within(real, real_root):
        if not lexically_inside(root, candidate):
            return "path outside the scanned directory"
        return "symlink leaving the scanned directory"
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return None
    kind = _kind(mode)
    if kind is None:
        return None
    return f"symlink to a {kind}" if os.path.islink(candidate) else kind


def lexically_inside(root: Path, path: Path | str) -> bool:
    """True when ``path`` names a place under ``root`` before any symlink is followed
    (``..`` resolved as text)."""
    candidate = Path(path) if Path(path).is_absolute() else Path(root) / path
    return _within(
        os.path.normpath(os.path.abspath(candidate)), os.path.normpath(os.path.abspath(root))
    )


def regular_file(root: Path, path: Path | str) -> Path | None:
    """The resolved path of ``path`` when it is a regular file inside ``root``, else None."""
    candidate = Path(path) if Path(path).is_absolute() else Path(root) / path
    real = os.path.realpath(candidate)
    if not _within(real, os.path.realpath(root)):
        return None
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):
            return None
    except OSError:
        return None
    return Path(real)


@dataclass(frozen=True)
class Listing:
    """One directory's entries, listed once, to look files up in without a system call each."""

    real: str
    """The directory, resolved."""
    entries: dict[str, bool]
    """Name -> True when the listing says regular file (no symlink, no FIFO...)."""
    inside: bool
    """True when the resolved directory lies inside the root."""

    def regular_file(self, name: str, real_root: str) -> str | None:
        """``regular_file`` of the entry ``name``, as text: an entry listed as a regular file
        in a directory inside the root is one; a symlink (or anything else) is resolved and
        checked as ``regular_file`` does; a name not listed is not there."""
        plain = self.entries.get(name)
        if plain is None:
            return None
        if plain and self.inside:
            return os.path.join(self.real, name)
        real = regular_file(Path(real_root), os.path.join(self.real, name))
        return None if real is None else str(real)


def listing(root: Path, directory: str, real_root: str | None = None) -> Listing | None:
    """The entries of ``directory`` (relative to ``root``, POSIX separators; ``""`` for the root
    itself), or None when it is not a readable directory. ``real_root``: ``root`` resolved, when
    the caller lists many directories of one root and has resolved it once."""
    real_root = real_root or os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, directory)) if directory else real_root
    try:
        with os.scandir(real) as found:
            entries = {entry.name: entry.is_file(follow_symlinks=False) for entry in found}
    except OSError:
        return None
    return Listing(real, entries, _within(real, real_root))


def read_resolved(real: Path | str) -> tuple[str, int] | None:
    """The text (UTF-8, invalid bytes replaced) and size in bytes of ``real``, a path
    ``regular_file`` or ``Listing.regular_file`` gave; None when it is no longer a regular file
    (opened as ``open_regular`` opens, never following a symlink swapped in meanwhile)."""
    data = _read_regular(real)
    return None if data is None else (data.decode("utf-8", "replace"), len(data))


def open_regular(root: Path, path: Path | str) -> int | None:
    """A read-only file descriptor of ``path`` when it is a regular file inside ``root``, else
    None. The caller closes it."""
    real = regular_file(root, path)
    return None if real is None else _open_regular_fd(real)


def _open_regular_fd(real: Path | str) -> int | None:
    """A blocking read-only descriptor of ``real`` when it is still a regular file (opened
    without following a symlink swapped in meanwhile), else None."""
    opened = _open_regular(real)
    return None if opened is None else opened[0]


def _open_regular(real: Path | str) -> tuple[int, int] | None:
    """``_open_regular_fd`` with the file's size as ``fstat`` saw it."""
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            os.close(fd)
            return None
        os.set_blocking(fd, True)
    except OSError:
        os.close(fd)
        return None
    return fd, status.st_size


def _read_regular(real: Path | str) -> bytes | None:
    """The content of ``real`` when it is still a regular file, read straight off its
    descriptor (a file read per finding's file: no buffered file object around it)."""
    opened = _open_regular(real)
    if opened is None:
        return None
    fd, size = opened
    try:
        data = os.read(fd, size + 1)
        if len(data) != size:  # the file changed since fstat (or is over 2 GiB): read to its end
            chunks = [data]
            while chunks[-1]:
                chunks.append(os.read(fd, 1 << 20))
            data = b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data


def read_bytes(root: Path, path: Path | str) -> bytes | None:
    """The content of ``path`` when it is a regular file inside ``root``, else None."""
    real = regular_file(root, path)
    return None if real is None else _read_regular(real)


def read_text(root: Path, path: Path | str) -> str | None:
    """``read_bytes`` decoded as UTF-8 (invalid bytes replaced)."""
    data = read_bytes(root, path)
    return None if data is None else data.decode("utf-8", "replace")


def unsafe_entries(root: Path) -> list[Unsafe]:
    """Every entry under ``root`` that must not be read: symlinks whose target leaves the root
    or is no regular file (a directory inside the root excepted: it is not followed), FIFOs,
    sockets and devices. Symlinked directories are not entered, nor the directories
    ``UNWALKED_DIRS`` names (``secgate.files.project``), nor Python environments (a directory
    holding ``pyvenv.cfg``, whose ``bin/python`` links out of the tree); secgate's own reads are
    guarded there all the same. Sorted by path."""
    real_root = os.path.realpath(root)
    found: list[Unsafe] = []
    pending = [(Path(root), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            with os.scandir(directory) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            relative = f"{prefix}{entry.name}"
            try:
                if entry.is_symlink():
                    reason = _symlink_problem(entry.path, real_root)
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name not in UNWALKED_DIRS and not os.path.isfile(
                        os.path.join(entry.path, "pyvenv.cfg")
                    ):
                        pending.append((Path(entry.path), f"{relative}/"))
                    continue
                elif entry.is_file(follow_symlinks=False):
                    continue  # known from the directory listing: no stat needed
                else:
                    reason = _kind(entry.stat(follow_symlinks=False).st_mode)
            except OSError:
                continue
            if reason is not None:
                found.append(Unsafe(relative, reason))
    return sorted(found, key=lambda u: u.path)


def _symlink_problem(path: str, real_root: str) -> str | None:
    real = os.path.realpath(path)
    if not _within(real, real_root):
        try:
            shown = os.readlink(path)
        except OSError:
            shown = real
        return f"symlink leaving the scanned directory, to {shown}"
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return None  # dangling: nothing to read
    if stat.S_ISDIR(mode):
        return None  # inside the root, and never followed as a directory
    kind = _kind(mode)
    return None if kind is None else f"symlink to a {kind}"


def note(unsafe: Iterable[Unsafe]) -> str | None:
    """The scan's note naming the skipped entries (the first ``NOTE_LIMIT``), or None."""
    items = list(unsafe)
    if not items:
        return None
    named = ", ".join(u.describe() for u in items[:NOTE_LIMIT])
    more = f" and {len(items) - NOTE_LIMIT} more" if len(items) > NOTE_LIMIT else ""
    return (
        f"{len(items)} entr{'y' if len(items) == 1 else 'ies'} in the scanned directory "
        "skipped (secgate and the scanners it runs read only regular files inside it): "
        f"{named}{more}"
    )
