"""What the result cache's keys are made of: the digests of the files, history, requirement files
and environments a scanner reads in one target (``secgate.scanning.result_cache`` says what a key
holds), each computed once per scan."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from secgate.adapters.interface import CacheInputs
from secgate.files import requirements as requirement_files
from secgate.files import scanned_tree
from secgate.files.project import UNHASHED_DIRS, environment_dirs
from secgate.scanning.runner import WORK_DIR_PLACEHOLDER

_GIT_TIMEOUT = 60.0


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_digest(value: Any) -> str:
    return digest(json.dumps(value, sort_keys=True, default=str).encode())


class TreeInputs:
    """The digests of what scanners read in one target, each computed once per scan."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self._file_digests: dict[Path, str] = {}
        self.lock = threading.Lock()
        """Held while computing digests: adapters are planned in parallel."""
        self._source_digests: dict[frozenset[str] | None, str] = {}

    def file_digest(self, path: Path) -> str:
        """The content hash of one file; ``missing`` when it cannot be read, ``skipped`` when
        it is no regular file (a FIFO, a device) or a symlink leaving the target, which are
        never opened (``secgate.files.scanned_tree``)."""
        if path not in self._file_digests:
            # a path named inside the tree must stay inside it; one outside (a rules file
            # secgate ships, a database the policy names) must still be a regular file
            root = self.target if path.is_relative_to(self.target) else Path(path.anchor or "/")
            fd = scanned_tree.open_regular(root, path)
            if fd is None:
                value = "missing" if not os.path.lexists(path) else "skipped"
            else:
                try:
                    with os.fdopen(fd, "rb") as handle:
                        value = hashlib.file_digest(handle, "sha256").hexdigest()
                except OSError:
                    value = "missing"
            self._file_digests[path] = value
        return self._file_digests[path]

    @cached_property
    def files(self) -> list[str]:
        """The project's files, relative POSIX paths, sorted."""
        listed = self._git_files()
        return sorted(listed if listed is not None else self._walk())

    def _git_files(self) -> list[str] | None:
        try:
            done = subprocess.run(
                [
                    "git",
                    "-C",
                    str(self.target),
                    "ls-files",
                    "-z",
                    "--cached",
                    "--others",
                    "--exclude-standard",
                ],
                capture_output=True,
                check=False,
                timeout=_GIT_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0:
            return None
        names = done.stdout.decode("utf-8", "surrogateescape").split("\0")
        return list(dict.fromkeys(n for n in names if n))

    def _walk(self) -> Iterator[str]:
        for root, dirs, files in os.walk(self.target):
            here = Path(root)
            dirs[:] = sorted(
                d
                for d in dirs
                if d not in UNHASHED_DIRS and not (here / d / "pyvenv.cfg").is_file()
            )
            rel = here.relative_to(self.target)
            for name in files:
                yield (rel / name).as_posix()

    def sources(self, suffixes: frozenset[str] | None) -> str:
        """The digest of the project's files (only those ending in ``suffixes`` when given)."""
        if suffixes not in self._source_digests:
            lines = [
                f"{name}\0{self.file_digest(self.target / name)}\n"
                for name in self.files
                if suffixes is None or name.endswith(tuple(suffixes))
            ]
            self._source_digests[suffixes] = digest(
                "".join(lines).encode("utf-8", "surrogateescape")
            )
        return self._source_digests[suffixes]

    @cached_property
    def git_head(self) -> str:
        """The digest of HEAD's commit and every ref; ``no-git`` outside a repository."""
        parts = []
        for argv in (
            ["rev-parse", "--verify", "--quiet", "HEAD"],
            ["for-each-ref", "--format=%(objectname) %(refname)"],
        ):
            try:
                done = subprocess.run(
                    ["git", "-C", str(self.target), *argv],
                    capture_output=True,
                    check=False,
                    timeout=_GIT_TIMEOUT,
                    stdin=subprocess.DEVNULL,
                )
            except (OSError, subprocess.TimeoutExpired):
                return "no-git"
            parts.append(f"{done.returncode}:{done.stdout.decode('utf-8', 'replace')}")
        return digest("\n".join(parts).encode())

    @cached_property
    def requirements(self) -> str:
        found = requirement_files.read(self.target)
        return json_digest([[name, self.file_digest(self.target / name)] for name in found.files])

    @cached_property
    def environment(self) -> str:
        listings = {
            env: _site_packages_listing(self.target / env) for env in environment_dirs(self.target)
        }
        return json_digest(listings)

    def digest(self, inputs: CacheInputs) -> dict[str, str]:
        """The digest of each input ``inputs`` names."""
        values: dict[str, str] = {}
        for kind in sorted(inputs.kinds):
            if kind == "tracked-sources":
                values[kind] = self.sources(inputs.suffixes)
            elif kind == "git-head":
                values[kind] = self.git_head
            elif kind == "requirements":
                values[kind] = self.requirements
            elif kind == "environment":
                values[kind] = self.environment
        values["files"] = json_digest(
            [[name, self.file_digest(self.target / name)] for name in inputs.files]
        )
        return values


def _listing(directory: Path) -> list[list[Any]]:
    """Names, sizes and modification times of a directory's entries, sorted."""
    rows: list[list[Any]] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    stat = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                rows.append([entry.name, stat.st_size, stat.st_mtime_ns])
    except OSError:
        return [["unreadable"]]
    return sorted(rows)


def _site_packages_listing(environment: Path) -> dict[str, list[list[Any]]]:
    sites = sorted(
        [*environment.glob("lib/python*/site-packages"), *environment.glob("Lib/site-packages")]
    )
    return {site.relative_to(environment).as_posix(): _listing(site) for site in sites}


def relative(path: Path, target: Path) -> str:
    try:
        return path.resolve().relative_to(target.resolve()).as_posix()
    except ValueError:
        return str(path)


def named_files(
    args: Sequence[str], cwd: Path, target: Path, work_dir: Path, inputs: TreeInputs
) -> dict[str, Any]:
    """The files and directories named on a command line: a file by its content, a directory
    by its listing (the scanned directory and the private work directory excepted)."""
    named: dict[str, Any] = {}
    resolved_target = target.resolve()
    for arg in args:
        text = arg.split("=", 1)[1] if arg.startswith("-") and "=" in arg else arg
        if not text or text.startswith("-") or "://" in text:
            continue
        path = Path(text) if Path(text).is_absolute() else cwd / text
        try:
            if not path.exists():
                continue
            real = path.resolve()
        except (OSError, RuntimeError):
            continue
        if real == resolved_target or real.is_relative_to(work_dir.resolve()):
            continue
        key = text.replace(str(work_dir), WORK_DIR_PLACEHOLDER)
        named[key] = inputs.file_digest(real) if real.is_file() else _listing(real)
    return named
