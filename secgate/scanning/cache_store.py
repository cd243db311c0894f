"""Where the result cache lives and how its files are authenticated: a cache nobody else can
write.

**Location.** ``$SECGATE_CACHE_DIR`` when set; else, inside GitHub Actions, ``$RUNNER_TEMP/
secgate-cache`` (emptied with each job unless the workflow persists it, see docs/github.md);
else the user's cache directory, ``$XDG_CACHE_HOME/secgate`` (``~/.cache/secgate``). Never the
scanned tree: a directory inside the tree being judged (which the change under review can
write) is refused, and the cache is off for that scan, with a note saying so. So is a directory
that someone else owns or may write (group- or world-writable), or that is a symlink.

**Key.** ``<cache>/key``: 32 random bytes (hex), created with mode 0600 the first time a cache
directory is used, so it is per machine (per cache directory) and not derivable from anything
in a repository. A key file that is not a regular file owned by this user with no group or
other permission is replaced by a new key (every entry made with the old one is then rebuilt).

**Envelope.** Every file the cache stores (results and remembered tool versions) is
``secgate-cache <FORMAT> <MAC>\\n`` followed by the payload, where MAC is HMAC-SHA256 under the
key of the file's kind and name and the payload. A file whose MAC does not verify — written by
anyone without the key, copied from another cache, renamed, or damaged — is treated as absent
(results: deleted and the scanner runs again). Files are written 0600 through a temporary file
renamed into place; directories are created 0700.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

FORMAT = 2
"""Bumped whenever the envelope or what an entry holds changes: older files then never verify
(format 1 entries carried an unkeyed SHA-256, which anyone could recompute)."""
DIR_ENV = "SECGATE_CACHE_DIR"
ACTIONS_DIR_NAME = "secgate-cache"
USER_DIR_NAME = "secgate"
KEY_FILE = "key"
_HEADER = b"secgate-cache"
_KEY_BYTES = 32


class CacheUnavailable(Exception):
    """The configured cache directory cannot be trusted or used; the message says why."""


def default_directory(environ: dict[str, str] | None = None) -> Path:
    """The cache directory this environment asks for (see the module docstring), not yet
    checked."""
    env = dict(os.environ) if environ is None else environ
    configured = env.get(DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    runner_temp = env.get("RUNNER_TEMP", "").strip()
    if env.get("GITHUB_ACTIONS") == "true" and runner_temp:
        return Path(runner_temp) / ACTIONS_DIR_NAME
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / USER_DIR_NAME


def _is_inside(path: Path, tree: Path) -> bool:
    return path == tree or tree in path.parents


@dataclass(frozen=True)
class TrustedDirectory:
    """A cache directory checked to be this user's alone, and its key."""

    path: Path
    key: bytes

    @classmethod
    def open(cls, directory: Path, scanned: Path | None = None) -> TrustedDirectory:
        """Check (creating it 0700 when missing) ``directory`` and read or create its key;
        ``CacheUnavailable`` says why it cannot be used (inside ``scanned``, a symlink, owned
        by someone else, writable by others)."""
        resolved = Path(os.path.realpath(directory))
        if scanned is not None:
            tree = Path(os.path.realpath(scanned))
            if _is_inside(resolved, tree):
                raise CacheUnavailable(
                    f"the cache directory {directory} is inside the scanned directory, which "
                    "the change under review can write"
                )
        if os.path.islink(directory):
            raise CacheUnavailable(f"the cache directory {directory} is a symlink")
        try:
            resolved.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = os.lstat(resolved)
        except OSError as exc:
            raise CacheUnavailable(
                f"cannot create the cache directory {directory}: {exc.strerror}"
            ) from None
        if not stat.S_ISDIR(info.st_mode):
            raise CacheUnavailable(f"the cache directory {directory} is not a directory")
        if info.st_uid != os.getuid():
            raise CacheUnavailable(f"the cache directory {directory} belongs to another user")
        if info.st_mode & 0o022:
            raise CacheUnavailable(
                f"the cache directory {directory} is writable by other "
                "users (chmod 700 it, or remove it)"
            )
        return cls(resolved, _read_or_create_key(resolved / KEY_FILE))

    def seal(self, kind: str, name: str, payload: bytes) -> bytes:
        """The file content that stores ``payload`` as ``kind``/``name``."""
        return _HEADER + f" {FORMAT} {self._mac(kind, name, payload)}\n".encode() + payload

    def unseal(self, kind: str, name: str, data: bytes) -> bytes | None:
        """The payload of a stored file, or None when it does not verify."""
        header, newline, payload = data.partition(b"\n")
        parts = header.split(b" ")
        if (
            not newline
            or len(parts) != 3
            or parts[0] != _HEADER
            or parts[1] != str(FORMAT).encode()
        ):
            return None
        expected = self._mac(kind, name, payload).encode()
        return payload if hmac.compare_digest(parts[2], expected) else None

    def _mac(self, kind: str, name: str, payload: bytes) -> str:
        mac = hmac.new(self.key, digestmod=hashlib.sha256)
        mac.update(f"{kind}\0{name}\0".encode())
        mac.update(payload)
        return mac.hexdigest()


def _read_or_create_key(path: Path) -> bytes:
    """The key in ``path``; a new one when there is none, or the file is not this user's
    alone."""
    existing = _read_key(path)
    if existing is not None:
        return existing
    fresh = secrets.token_hex(_KEY_BYTES).encode()
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # created 0600
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(fresh + b"\n")
        try:
            os.link(temp, path)  # atomic, and never over a key another scan just made
        except FileExistsError:
            winner = _read_key(path)
            if winner is not None:
                return winner
            os.replace(temp, path)  # the one there is not trustworthy: replace it
            return bytes.fromhex(fresh.decode())
    except OSError as exc:
        raise CacheUnavailable(f"cannot write the cache key {path}: {exc.strerror}") from None
    finally:
        try:
            os.unlink(temp)
        except OSError:
            pass
    return bytes.fromhex(fresh.decode())


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.getuid()
            or info.st_mode & 0o077
            or info.st_size > 256
        ):
            return None
        text = os.read(fd, 256).strip()
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    return key if len(key) == _KEY_BYTES else None
