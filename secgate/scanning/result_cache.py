"""The scanner result cache: a second ``secgate scan`` of an unchanged tree reuses each scanner's
last result instead of running it again.

**Key.** A result is reused only when everything it depends on is unchanged: the format of this
cache and secgate's version; the hash of ``SECGATE_SECRET_SALT`` (stored secret hashes depend on
it); the scanner, the program found for it and its version; its command line (the private work
directory replaced by a fixed placeholder, so nothing random enters the key), working directory
and added environment; its policy settings (``scanners.settings.<tool>``); the content of every
file named on its command line (a directory named there counts by its listing: names, sizes and
modification times); and the inputs its adapter names (``Adapter.cache_inputs``):

- ``tracked-sources``: the content of the project's files, listed by ``git ls-files --cached
  --others --exclude-standard`` (tracked files and untracked ones not ignored), or by a walk of
  the tree outside git (skipping VCS data, environments, ``node_modules`` and caches); a file
  that is no regular file inside the tree counts as ``skipped`` and is never opened
  (``secgate.files.scanned_tree``). An adapter may narrow this to some file endings (Bandit reads
  ``.py`` files only) and name the configuration files the tool finds by itself;
- ``git-head``: the commit HEAD points to and every ref (history scanners);
- ``requirements``: the content of the requirement files (``secgate.files.requirements``);
- ``environment``: the listing of the target's Python environments' ``site-packages``.

The timeout is not part of the key: only runs that ended ``ok`` are stored. Results of
dependency scanners (advisory databases change without any local change) are reused for at most
``ADVISORY_MAX_AGE`` seconds, and incomplete runs (a scanner that examined nothing, say pip-audit
without network) for at most ``INCOMPLETE_MAX_AGE``: they keep failing the gate as they did, and
are retried soon. Tool versions are read once per program file (its
path, size and modification time; from a Python tool's installed metadata when it can, see
``secgate.scanning.tool_versions``) and remembered in the cache too, also for a tool that then turns
out not to apply: a warm re-scan starts no tool.

**What is stored, and secrets.** The run record and the findings of a fresh run, as they are
after the pipeline's redaction (``secgate.findings.normalize.redact``): a secret finding is stored
with its salted hash and masked preview, exactly as reports show it, and
``ParseResult.secret_values`` (the raw values) is never stored: raw secret values never reach the
disk. Scrubbing the texts of one tool with the raw values another tool found needs those values in
memory, so whenever any scanner runs fresh, every scanner that can meet raw secrets (a secret
scanner, or one whose stored result held secrets) runs fresh too; the keys of secret scanners cover
the files and the git history, so an unchanged tree reuses every result and nothing is left to
scrub.

**Storage.** Outside the scanned tree, in a directory only this user can write, and every file
authenticated with that directory's random key (``secgate.scanning.cache_store``: where it lives,
the key, the HMAC envelope); a cache directory inside the tree is refused. One file per key under
``<cache>/entries/``: the envelope, then the body, zlib-compressed JSON. Beside them, under
``<cache>/checks/``, one small sealed file per check that passed and need not run again (a
policy text that passed the policy schema: ``secgate.policy.loader``); these are a few dozen
bytes each, one per policy text ever checked, and are not evicted. Entries are written to a
temporary file and renamed into place (two concurrent scans never see half an entry); an entry that
does not verify (forged, copied, damaged) or read back is deleted and the scanner runs again. The
cache is bounded (``SECGATE_CACHE_MAX_MB``, default 256): past it, the least recently used entries
go first (a hit refreshes the entry's modification time). ``--no-cache`` (or ``SECGATE_NO_CACHE=1``)
bypasses it. Reused runs say so: ``ScannerRun.origin == "cache"``, their duration is the lookup
time.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from secgate import __version__, interrupt
from secgate.adapters.interface import Adapter, ParseResult, RunContext
from secgate.errors import SecgateError, UsageError
from secgate.findings.secrets import DEFAULT_SALT
from secgate.model import Category, Finding, RunStatus, ScannerRun
from secgate.scanning.cache_keys import TreeInputs, digest, json_digest, named_files, relative
from secgate.scanning.cache_store import (
    FORMAT,
    CacheUnavailable,
    TrustedDirectory,
    default_directory,
)
from secgate.scanning.runner import (
    WORK_DIR_PLACEHOLDER,
    Outcome,
    ProgressCallback,
    RunOptions,
    start_time,
    unsafe_config,
)
from secgate.scanning.runner import run_all as run_fresh
from secgate.scanning.tool_versions import read_version, remember_version

MAX_MB_ENV = "SECGATE_CACHE_MAX_MB"
NO_CACHE_ENV = "SECGATE_NO_CACHE"
DEFAULT_MAX_MB = 256
ADVISORY_MAX_AGE = 24 * 3600.0
"""Seconds a dependency scanner's result is reused: advisories are published every day."""
INCOMPLETE_MAX_AGE = 3600.0
"""Seconds an incomplete run's result is reused before the scanner is tried again."""
ENTRY_SUFFIX = ".entry"
_LOCK_TIMEOUT = 10.0


def enabled_by_default() -> bool:
    """False when ``SECGATE_NO_CACHE`` is set to anything but ``0``."""
    return os.environ.get(NO_CACHE_ENV, "") in ("", "0")


@dataclass
class Plan:
    """One adapter's place in a scan: reused from the cache, or to run."""

    adapter: Adapter
    key: str | None = None
    """The cache key; None when the result cannot be cached."""
    hit: Outcome | None = None
    runs_process: bool = False
    """True when running it starts the tool (not a skip decided before running)."""
    had_secrets: bool = False
    """True when the stored result held secrets (so a fresh run may meet raw values)."""


class ResultCache:
    """The entries of one cache directory (checked and keyed: ``secgate.scanning.cache_store``)."""

    def __init__(
        self, directory: Path, max_bytes: int | None = None, *, scanned: Path | None = None
    ) -> None:
        """Raises ``CacheUnavailable`` when ``directory`` cannot be trusted (inside
        ``scanned``, writable by others...)."""
        self.trusted = TrustedDirectory.open(directory, scanned)
        self.directory = self.trusted.path
        self.max_bytes = max_bytes if max_bytes is not None else configured_max_bytes()

    @classmethod
    def for_scan(cls, target: Path) -> tuple[ResultCache | None, str | None]:
        """The cache a scan of ``target`` uses (``cache_store.default_directory``), or None and
        the note that says why the scan runs without one."""
        directory = default_directory()
        try:
            return cls(directory, scanned=target), None
        except CacheUnavailable as exc:
            return None, f"result cache off: {exc}"

    # --- keys -----------------------------------------------------------------------------
    def plan(self, adapter: Adapter, options: RunOptions, inputs: TreeInputs) -> Plan:
        """Decide whether ``adapter``'s result can come from the cache, the way ``run_one``
        would start it (the same checks, the same command line)."""
        plan = Plan(adapter=adapter)
        executable = adapter.find_executable()
        config = options.settings.get(adapter.name, {})
        if executable is None:
            return plan
        # first: the applicability check may need it (TruffleHog's major version), and read
        # here it is remembered across runs, even for a tool that then does not apply
        version = self.version(adapter, executable)
        if adapter.skip_reason_with(options.target, config):
            return plan  # skipped before running: nothing to cache
        try:
            with interrupt.private_dir(f"secgate-{adapter.name}-key-") as work_dir:
                tmp = str(work_dir)
                ctx = RunContext(
                    target=options.target,
                    work_dir=work_dir,
                    executable=executable,
                    config=config,
                    unsafe=options.unsafe,
                    history_since=options.history_since,
                )
                if adapter.preflight(ctx, version):
                    return plan
                plan.runs_process = True
                if unsafe_config(adapter, options.target):
                    return plan  # the run refuses it and says why
                wanted = adapter.cache_inputs(ctx)
                if wanted is None:
                    return plan
                invocation = adapter.invocation(ctx)
                argv = [arg.replace(tmp, WORK_DIR_PLACEHOLDER) for arg in invocation.argv]
                env = {k: v.replace(tmp, WORK_DIR_PLACEHOLDER) for k, v in invocation.env.items()}
                cwd = invocation.cwd or options.target
                with inputs.lock:
                    named = named_files(invocation.argv[1:], cwd, options.target, Path(tmp), inputs)
                    digests = inputs.digest(wanted)
        except SecgateError:
            return plan  # the run itself reports the problem
        salt = os.environ.get("SECGATE_SECRET_SALT", DEFAULT_SALT)
        material = {
            "format": FORMAT,
            "secgate": __version__,
            "salt": digest(salt.encode()),
            "tool": adapter.name,
            "executable": executable,
            "version": version,
            "argv": argv,
            "env": env,
            "cwd": relative(cwd, options.target),
            "settings": config,
            "named": named,
            "inputs": digests,
        }
        plan.key = json_digest(material)
        plan.hit, plan.had_secrets = self.load(plan.key, adapter.name)
        return plan

    def version(self, adapter: Adapter, executable: str) -> str | None:
        """The tool's version, read once per program file and remembered here."""
        try:
            stat = os.stat(executable)
        except OSError:
            return read_version(adapter, executable)
        memo = (
            self.directory
            / "versions"
            / json_digest(
                [
                    adapter.name,
                    os.path.realpath(executable),
                    stat.st_size,
                    stat.st_mtime_ns,
                    list(adapter.version_args),
                ]
            )
        )
        try:
            payload = self.trusted.unseal("version", memo.name, memo.read_bytes())
            stored = json.loads(payload) if payload is not None else None
            if isinstance(stored, dict) and (
                stored.get("version") is None or isinstance(stored.get("version"), str)
            ):
                value: str | None = stored.get("version")
                remember_version(adapter, executable, value)
                return value
        except (OSError, ValueError):
            pass
        version = read_version(adapter, executable)
        if not interrupt.stopping():  # a version read cut short is no version to remember
            self._write(
                memo,
                self.trusted.seal("version", memo.name, json.dumps({"version": version}).encode()),
            )
        return version

    # --- checks that passed -----------------------------------------------------------------
    def passed(self, kind: str, digest: str) -> bool:
        """True when a check of ``kind`` (``secgate.policy.loader.SCHEMA_CHECK``) passed before
        on what ``digest`` stands for: a file under ``<cache>/checks/`` sealed with this
        cache's key."""
        memo = self._check_path(kind, digest)
        try:
            data = memo.read_bytes()
        except OSError:
            return False
        return self.trusted.unseal("check", memo.name, data) == b"passed"

    def remember(self, kind: str, digest: str) -> None:
        """Remember that a check of ``kind`` passed on ``digest`` (see ``passed``)."""
        memo = self._check_path(kind, digest)
        self._write(memo, self.trusted.seal("check", memo.name, b"passed"))

    def _check_path(self, kind: str, digest: str) -> Path:
        return self.directory / "checks" / f"{kind}-{digest}"

    # --- entries --------------------------------------------------------------------------
    def path(self, key: str) -> Path:
        return self.directory / "entries" / f"{key}{ENTRY_SUFFIX}"

    def load(self, key: str, tool: str) -> tuple[Outcome | None, bool]:
        """The stored outcome for ``key`` (and whether it held secrets), or ``(None, False)``
        when there is none; an entry that is corrupt, foreign or expired is deleted."""
        started = time.monotonic()
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None, False
        body = _body(self.trusted.unseal("entry", key, data))
        try:
            if body is None or body.get("key") != key or body.get("tool") != tool:
                raise ValueError("not this entry")
            max_age = body.get("max_age")
            if max_age is not None and time.time() - float(body["stored_at"]) > max_age:
                raise ValueError("expired")
            run = ScannerRun.model_validate(body["run"])
            findings = [Finding.model_validate(f) for f in body["findings"]]
            had_secrets = bool(body.get("had_secrets"))
        except (ValueError, TypeError, KeyError, ValidationError):
            _remove(path)
            return None, False
        try:
            os.utime(path)  # least recently used goes first
        except OSError:
            pass
        run.origin = "cache"
        run.finding_count = len(findings)
        run.started_at = start_time()
        run.duration = round(time.monotonic() - started, 3)
        parsed = ParseResult(findings=findings, tool_version=run.version, notes=list(run.notes))
        return Outcome(run=run, parsed=parsed), had_secrets

    def store(self, key: str, outcome: Outcome, *, max_age: float | None = None) -> None:
        """Store a fresh, redacted outcome under ``key``; a cache that cannot be written is
        left alone (the scan does not depend on it)."""
        run = outcome.run
        body = {
            "key": key,
            "tool": run.tool,
            "stored_at": time.time(),
            "max_age": max_age,
            "had_secrets": bool(outcome.parsed.secret_values)
            or any(f.secret is not None for f in outcome.parsed.findings),
            "duration": run.duration,
            "run": run.model_dump(mode="json", exclude={"origin", "duration", "started_at"}),
            "findings": [
                f.model_dump(mode="json", exclude_defaults=True) for f in outcome.parsed.findings
            ],
        }
        payload = zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 1)
        self._write(self.path(key), self.trusted.seal("entry", key, payload))

    def _write(self, path: Path, data: bytes) -> None:
        """Write ``data`` to ``path`` atomically: a temporary file (0600) renamed into place."""
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# secgate's result cache\n*\n", encoding="utf-8")
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temp, path)
            except BaseException:
                _remove(Path(temp))
                raise
        except OSError:
            return

    def entries(self) -> list[Path]:
        try:
            return sorted((self.directory / "entries").glob(f"*{ENTRY_SUFFIX}"))
        except OSError:
            return []

    def evict(self) -> None:
        """Delete the least recently used entries until the cache fits its size."""
        rows = []
        for path in self.entries():
            try:
                stat = path.stat()
            except OSError:
                continue
            rows.append((stat.st_mtime_ns, stat.st_size, path))
        total = sum(size for _, size, _ in rows)
        if total <= self.max_bytes:
            return
        from filelock import FileLock  # imported only when the cache has grown too big
        from filelock import Timeout as LockTimeout

        try:
            with FileLock(str(self.directory / ".lock"), timeout=_LOCK_TIMEOUT):
                for _, size, path in sorted(rows):
                    if total <= self.max_bytes:
                        break
                    _remove(path)
                    total -= size
        except (LockTimeout, OSError):
            return


def _body(payload: bytes | None) -> dict[str, Any] | None:
    """The decoded body of a verified entry's payload."""
    if payload is None:
        return None
    try:
        body = json.loads(zlib.decompress(payload))
    except (zlib.error, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def configured_max_bytes() -> int:
    """The size bound from ``SECGATE_CACHE_MAX_MB`` (default 256 MB)."""
    text = os.environ.get(MAX_MB_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise UsageError(f"${MAX_MB_ENV}: {text!r} is not a size in MB (a number, 0 or more)")
    return int(value * 1024 * 1024)


def meets_secrets(plan: Plan) -> bool:
    """True when a fresh run of the plan's scanner may meet raw secret values."""
    return Category.SECRET in plan.adapter.categories or plan.had_secrets


def run_all(
    adapters: Sequence[Adapter],
    options: RunOptions,
    cache: ResultCache,
    progress: ProgressCallback | None = None,
) -> list[Outcome]:
    """``secgate.scanning.runner.run_all`` with reuse: each adapter's stored outcome when its key
    matches, a fresh run otherwise (every scanner that meets secrets runs fresh as soon as any
    scanner does; see the module's docstring). Fresh outcomes carry their ``cache_key`` for
    ``store_fresh``. Outcomes come back in the order of ``adapters``."""
    notify = progress or (lambda *_: None)
    inputs = TreeInputs(options.target)
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        # planning reads each tool's version once (a process each): in parallel too
        plans = list(pool.map(lambda adapter: cache.plan(adapter, options, inputs), adapters))
    if any(plan.hit is None and plan.runs_process for plan in plans):
        for plan in plans:
            if plan.hit is not None and meets_secrets(plan):
                plan.hit = None
    for plan in plans:
        if plan.hit is not None:
            run = plan.hit.run
            notify(run.tool, "cached", run.duration, run.finding_count)
    fresh = iter(run_fresh([p.adapter for p in plans if p.hit is None], options, progress))
    outcomes = []
    for plan in plans:
        if plan.hit is not None:
            outcomes.append(plan.hit)
            continue
        outcome = next(fresh)
        outcome.cache_key = plan.key
        outcomes.append(outcome)
    return outcomes


def store_fresh(cache: ResultCache, outcomes: Sequence[Outcome]) -> None:
    """Store every fresh outcome that ran to the end. Call after redaction: what is stored is
    what reports may show."""
    stored = False
    for outcome in outcomes:
        run = outcome.run
        if outcome.cache_key is None or run.origin != "run" or run.status is not RunStatus.OK:
            continue
        ages = [
            ADVISORY_MAX_AGE if Category.DEPENDENCY in _categories(run.tool) else None,
            INCOMPLETE_MAX_AGE if run.incomplete else None,
        ]
        known = [age for age in ages if age is not None]
        cache.store(outcome.cache_key, outcome, max_age=min(known) if known else None)
        stored = True
    if stored:
        cache.evict()


def _categories(tool: str) -> frozenset[Category]:
    from secgate.adapters.registry import ADAPTERS

    cls = ADAPTERS.get(tool)
    return cls.categories if cls is not None else frozenset()
