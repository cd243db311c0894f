"""Writing report files: never over an input, and atomically.

``check_outputs`` refuses, before anything runs, a report path that names a file the command
reads (an ``--input``, the policy, the baseline, ``report --from``) or that two reports share:
exit 2 naming both. ``write_atomically`` writes to a temporary file beside the target and renames
it into place, so a full disk or a crash leaves the old file whole (or no file), never a
truncated report.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from secgate.errors import UsageError


def check_outputs(outputs: Mapping[str, Path], inputs: Iterable[Path | None]) -> None:
    """A ``UsageError`` naming both files when an output would overwrite an input or another
    output (``-``, standard output, is never a file)."""
    files = [(name, path) for name, path in sorted(outputs.items()) if str(path) != "-"]
    read = [path for path in inputs if path is not None and str(path) != "-"]
    for name, path in files:
        for source in read:
            if _same_file(path, source):
                raise UsageError(
                    f"{path}: the {name} report would overwrite the input file "
                    f"{source}; write it somewhere else"
                )
    for index, (name, path) in enumerate(files):
        for other_name, other in files[index + 1 :]:
            if _same_file(path, other):
                raise UsageError(
                    f"{path}: the {name} and {other_name} reports would be written to the same file"
                )


def _same_file(one: Path, other: Path) -> bool:
    try:
        if one.exists() and other.exists():
            return os.path.samefile(one, other)
    except (OSError, ValueError):
        return False
    try:
        return one.resolve() == other.resolve()
    except (OSError, RuntimeError, ValueError):
        return os.path.abspath(one) == os.path.abspath(other)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory renamed into
    place; ``OSError`` when it cannot be written (the old file, if any, is left as it was).
    A target that exists and is not a regular file (``/dev/stdout``, a FIFO a reader waits
    on) is written directly: renaming over it would replace the device itself."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(path, "wb") as out:
            out.write(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), _file_mode(path))
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _file_mode(path: Path) -> int:
    """The mode a new file gets from the umask, or the mode of the file being replaced."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask
