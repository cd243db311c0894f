"""The files of an import: OSV records from a directory, a zip archive or one file; a catalog
file that may be gzip-compressed. Each is read with errors that name the file.

- a directory: every ``*.json``, ``*.yaml`` and ``*.yml`` file under it (hidden directories
  skipped), one OSV record each, in path order (the PyPA database's ``vulns/`` is such a tree;
  a directory holding a ``vulns/`` directory, such as a checkout of that database, is read from
  there);
- a ``.zip`` archive: its ``*.json``/``*.yaml`` members (OSV publishes ``all.zip`` per
  ecosystem, one ``<id>.json`` per record);
- a single ``.json``/``.yaml`` file: one record, or a JSON list of records.

YAML is read safely and without implicit numbers or dates: ``2.10`` stays the text ``2.10``
(as a float it would be ``2.1``), which is what a version is.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from secgate.errors import InputError
from secgate.files.reading import decode_json

RECORD_SUFFIXES = (".json", ".yaml", ".yml")
_GZIP_MAGIC = b"\x1f\x8b"
_MAX_UNCOMPRESSED = 2 * 1024**3
"""Bytes a compressed input may expand to: a bound against a decompression bomb."""

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """A safe YAML loader (libyaml's when PyYAML has it) that reads numbers and dates as text;
    only ``null`` and booleans keep their types."""


_TextLoader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class RecordFile:
    """One file holding OSV data, and where it came from (for messages)."""

    label: str
    """The file as a user finds it: a path, or ``archive.zip!member.json``."""
    data: bytes


def load_document(file: RecordFile) -> Any:
    """The JSON or YAML document of a record file; ``InputError`` naming the file."""
    try:
        if file.label.lower().endswith(".json"):
            return decode_json(file.data)
        return _load_yaml(file.data)
    except InputError as exc:
        raise InputError(exc.message, path=file.label) from None


def _load_yaml(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (binary data at byte {exc.start})") from None
    loader = _TextLoader(text)  # a SafeLoader: plain types only
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"malformed YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    finally:
        loader.dispose()


def record_files(path: Path) -> Iterator[RecordFile]:
    """Every record file of an OSV import source (see the module docstring)."""
    if path.is_dir():
        records = path / "vulns" if (path / "vulns").is_dir() else path
        for found in _walk(records):
            yield RecordFile(str(found), _read(found))
    elif path.suffix.lower() == ".zip":
        yield from _zip_members(path)
    elif path.is_file() and path.name.lower().endswith(RECORD_SUFFIXES):
        yield RecordFile(str(path), _read(path))
    elif path.exists():
        raise InputError(
            "not OSV data: give a directory of records, an OSV .zip archive, or "
            "a .json/.yaml record",
            path=path,
        )
    else:
        raise InputError("no such file or directory", path=path)


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(
            Path(directory) / name
            for name in sorted(filenames)
            if name.lower().endswith(RECORD_SUFFIXES) and not name.startswith(".")
        )
    return found


def _zip_members(path: Path) -> Iterator[RecordFile]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"not a readable zip archive ({exc})", path=path) from None
    with archive:
        infos = sorted(
            (
                i
                for i in archive.infolist()
                if not i.is_dir() and i.filename.lower().endswith(RECORD_SUFFIXES)
            ),
            key=lambda i: i.filename,
        )
        total = 0
        for info in infos:
            total += info.file_size
            if total > _MAX_UNCOMPRESSED:
                raise InputError(f"expands to more than {_MAX_UNCOMPRESSED >> 30} GiB", path=path)
            label = f"{path}!{info.filename}"
            try:
                yield RecordFile(label, archive.read(info))
            except (OSError, zipfile.BadZipFile, ValueError) as exc:
                raise InputError(f"cannot read this member: {exc}", path=label) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None


def read_maybe_gzip(path: Path) -> bytes:
    """A catalog file's bytes, decompressed when it is gzip (by its content, not its name)."""
    data = _read(path)
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
            out = handle.read(_MAX_UNCOMPRESSED + 1)
    except (OSError, EOFError) as exc:
        raise InputError(f"not a readable gzip file ({exc})", path=path) from None
    if len(out) > _MAX_UNCOMPRESSED:
        raise InputError(f"expands to more than {_MAX_UNCOMPRESSED >> 30} GiB", path=path)
    return out


def digest_files(files: list[RecordFile], root: Path) -> str:
    """A content hash over record files: each file's name (relative to ``root``) and bytes."""
    digest = hashlib.sha256()
    for file in files:
        name = file.label
        if not name.startswith(f"{root}!"):
            try:
                name = Path(name).relative_to(root).as_posix() if root.is_dir() else Path(name).name
            except ValueError:
                pass
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(file.data).digest())
    return digest.hexdigest()


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
