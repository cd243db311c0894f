"""The one reading layer for the files a user names on the command line: ``--input``,
``--baseline``, ``--policy`` and ``report --from``.

Every such file is untrusted. Reading one:

- refuses anything but a regular file before reading a byte: a FIFO would block forever and a
  device such as ``/dev/zero`` never ends. The path is checked with ``stat`` (which does not
  open it), then opened without blocking and checked again on the open descriptor, so that a
  file swapped in between is caught too;
- refuses a file larger than ``SECGATE_MAX_INPUT_MB`` (default 512 MiB) with a message saying
  so, and never reads more than that;
- decodes JSON within bounds: nesting at most ``MAX_DEPTH`` levels, integers within 64 bits
  (orjson reads larger ones as floats; the json module, used for what orjson refuses, refuses
  them), no lone surrogates; ``NaN`` and ``Infinity`` (which JSON has no room for, but Python
  tools write) read as null.

The gate's own files found in the scanned directory (``.secgate.yml``, ``.secgateignore``, the
policy's baseline and VEX documents) are read here too, with ``root`` set to that directory: such
a file must also be, once every symlink is followed, a regular file inside ``root``
(``secgate.files.scanned_tree``), and the resolved file is opened without following a symlink again.
The same files read from a commit (``secgate scan --base``, ``secgate.pull_request.base_ref``) keep
the size limit (``check_size``) and are decoded by ``decode_text`` and ``decode_json`` like a file
on disk, then parsed by the same functions.

``reading(path)`` marks the input being read: an error no adapter foresaw that escapes while it
is read carries the path to the command line's one catch-all, which then names the file and ends
with exit 2 (a malformed input), not as an internal error.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from secgate.errors import InputError, SecgateError
from secgate.files import scanned_tree

MAX_INPUT_ENV = "SECGATE_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 512
MAX_DEPTH = 1024
"""Deepest nesting of arrays and objects read from a JSON input (orjson's own limit; Python's
JSON reader, used for what orjson refuses, stops a little earlier). Real scanner reports nest
about a dozen levels; where secgate keeps a tool's free-form value, ``secgate.files.fields`` bounds
it much lower."""
INT_LIMIT = 2**64
"""Integers are read when ``-2**63 <= n < 2**64`` (what JSON writers and orjson handle)."""

TREE_FILES_ONLY = "secgate reads only regular files in the scanned directory"
_BOM = b"\xef\xbb\xbf"
_INPUT_ATTRIBUTE = "secgate_input"
_LONG_INT = re.compile(r"-?\d{20,}")
_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def max_input_bytes() -> int:
    """The size limit of one input file, from ``SECGATE_MAX_INPUT_MB``."""
    text = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_INPUT_MB << 20
    try:
        megabytes = float(text)
    except ValueError:
        raise InputError(f"{MAX_INPUT_ENV}={text!r} is not a number of MiB") from None
    if not megabytes > 0 or megabytes == float("inf"):
        raise InputError(f"{MAX_INPUT_ENV}={text!r} is not a positive number of MiB")
    return int(megabytes * (1 << 20))


def read_bytes(
    path: Path,
    what: str = "a scanner output file",
    error: type[SecgateError] = InputError,
    *,
    allow_empty: bool = False,
    root: Path | None = None,
) -> bytes:
    """The bytes of the input file ``path``; ``error`` naming it when it is missing, not a
    regular file, unreadable, too large or (unless ``allow_empty``) empty. With ``root`` (the
    scanned directory) a ``path`` under it must stay a regular file inside it once symlinks
    are followed."""
    limit = max_input_bytes()
    opened_path, flags = path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if root is not None and scanned_tree.lexically_inside(root, path):
        problem = scanned_tree.problem(root, path)
        if problem:
            raise error(f"is a {problem}: {TREE_FILES_ONLY}", path=path)
        opened_path = Path(os.path.realpath(path))
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        info = os.stat(opened_path)
    except FileNotFoundError:
        raise error("no such file", path=path) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=path) from None
    except ValueError:  # an embedded NUL byte
        raise error("not a valid file name", path=path) from None
    _check_kind(info.st_mode, path, what, error)
    try:
        fd = os.open(opened_path, flags)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=path) from None
    try:
        opened = os.fstat(fd)
        _check_kind(opened.st_mode, path, what, error)
        check_size(opened.st_size, path, error)
        chunks: list[bytes] = []
        size = 0
        while True:  # a regular file that grows while read (or /proc) is still bounded
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise error(_too_large(size, limit), path=path)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=path) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if not allow_empty and not data.strip():
        raise error("the file is empty", path=path)
    return data


def _check_kind(mode: int, path: Path, what: str, error: type[SecgateError]) -> None:
    if stat.S_ISREG(mode):
        return
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    raise error(f"is {kind}, not {what} (only regular files are read)", path=path)


def check_size(size: int, path: Path | str, error: type[SecgateError] = InputError) -> None:
    """``error`` naming ``path`` when ``size`` bytes is more than one input may hold."""
    limit = max_input_bytes()
    if size > limit:
        raise error(_too_large(size, limit), path=path)


def _too_large(size: int, limit: int) -> str:
    return (
        f"larger than {limit / (1 << 20):g} MiB ({size:,} bytes or more); raise "
        f"{MAX_INPUT_ENV} to read it"
    )


def read_text(
    path: Path, what: str, error: type[SecgateError] = InputError, *, root: Path | None = None
) -> str:
    """The UTF-8 text of the input file ``path`` (empty allowed); ``error`` naming it
    (``root``: as for ``read_bytes``)."""
    return decode_text(read_bytes(path, what, error, allow_empty=True, root=root), path, error)


def decode_text(data: bytes, path: Path | str, error: type[SecgateError] = InputError) -> str:
    """``data`` (a file's bytes, from the disk or a commit) as UTF-8 text; ``error`` naming
    ``path`` when it is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (binary data at byte {exc.start})", path=path) from None


# --- JSON --------------------------------------------------------------------------------
def decode_json(data: bytes) -> Any:
    """One JSON document, within the bounds above; ``InputError`` (without a path) saying what
    is wrong and where."""
    if not data.strip():
        raise InputError("the file is empty")
    body = data[3:] if data.startswith(_BOM) else data
    try:  # orjson reads valid UTF-8 JSON several times faster than the json module
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise InputError(_too_deep()) from None
    else:
        return doc
    # the json module reads a little more (NaN, integers beyond 64 bits) and says where
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (binary data at byte {exc.start})") from None
    return _slow_loads(text, "")


def decode_json_lines(data: bytes) -> list[Any]:
    """A JSON-lines document (one JSON value per non-blank line), within the same bounds."""
    if not data.strip():
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (binary data at byte {exc.start})") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(orjson.loads(line))
            continue
        except orjson.JSONDecodeError as exc:
            if "depth limit" in str(exc):
                raise InputError(f"line {number}: {_too_deep()}") from None
        rows.append(_slow_loads(line, f"line {number}: "))
    return rows


def _slow_loads(text: str, where: str) -> Any:
    try:
        doc = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        if where:
            raise InputError(f"malformed JSON {where.rstrip(': ')}: {exc.msg}") from None
        kind = "truncated JSON" if exc.pos >= len(text.rstrip()) else "malformed JSON"
        raise InputError(f"{kind}: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InputError(where + _too_deep()) from None
    except _IntOutOfRange as exc:
        raise InputError(where + _int_message(text, exc.digits)) from None
    _check_depth(doc, where)
    return doc


class _IntOutOfRange(Exception):
    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def _bounded_int(text: str) -> int:
    if len(text) > 20:
        raise _IntOutOfRange(len(text.lstrip("-")))
    value = int(text)
    if not -(2**63) <= value < INT_LIMIT:
        raise _IntOutOfRange(len(text.lstrip("-")))
    return value


def _no_constant(name: str) -> None:
    """``NaN``, ``Infinity``, ``-Infinity``: not JSON numbers; read as null."""
    return None


def _int_message(text: str, digits: int) -> str:
    match = _LONG_INT.search(text)
    where = ""
    if match is not None:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        where = f" at line {line} column {column}"
    return f"an integer of {digits:,} digits{where}: secgate reads integers of 64 bits at most"


def _too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels of arrays and objects"


def _check_depth(doc: Any, where: str) -> None:
    """Refuse nesting beyond ``MAX_DEPTH`` and strings holding lone surrogates (which no
    report could write back as UTF-8), walking without recursion."""
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is str:
            _check_text(value, where)
            continue
        if kind is not list and kind is not dict:
            continue
        if depth >= MAX_DEPTH:
            raise InputError(where + _too_deep())
        if kind is dict:
            for key, item in value.items():
                _check_text(key, where)
                if type(item) in (list, dict, str):
                    stack.append((item, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in value if type(item) in (list, dict, str))


def _check_text(text: str, where: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            where + "a string holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text"
        ) from None


# --- which input is being read -----------------------------------------------------------
@contextmanager
def reading(path: Path | str) -> Iterator[None]:
    """Mark ``path`` as the input being read: an unforeseen error escaping meanwhile carries
    it (the command line's catch-all then names the file)."""
    try:
        yield
    except SecgateError:
        raise
    except Exception as exc:
        if getattr(exc, _INPUT_ATTRIBUTE, None) is None:
            try:
                setattr(exc, _INPUT_ATTRIBUTE, str(path))
            except AttributeError:  # an exception type that takes no attributes
                raise InputError(f"cannot be read: {type(exc).__name__}", path=path) from exc
        raise


def input_of(exc: BaseException) -> str | None:
    """The input file that was being read when ``exc`` escaped, if any."""
    value = getattr(exc, _INPUT_ATTRIBUTE, None)
    return value if isinstance(value, str) else None
