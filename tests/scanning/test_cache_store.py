"""The cache's entries: read back equal, bounded in size (least recently used go first),
expired after their age, and deleted when they do not verify."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from secgate.errors import UsageError
from secgate.model import Category, Finding, Level, RunStatus, ScannerRun, Severity
from secgate.scanning.result_cache import ResultCache, configured_max_bytes
from secgate.scanning.runner import Outcome


def outcome(tool: str = "bandit", findings: int = 3) -> Outcome:
    made = [
        Finding(
            tool=tool,
            rule_id=f"R{i}",
            category=Category.SAST,
            severity=Severity.LOW,
            score=2.0,
            level=Level.NOTE,
            message=f"finding {i} " + "x" * 200,
        )
        for i in range(findings)
    ]
    outcome = Outcome(
        run=ScannerRun(
            tool=tool, version="1.0", status=RunStatus.OK, command=[tool, "-r", "."], duration=4.2
        )
    )
    outcome.parsed.findings = made
    return outcome


def test_entry_reads_back(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    original = outcome()
    cache.store("k1", original)
    hit, had_secrets = cache.load("k1", "bandit")
    assert hit is not None and not had_secrets
    assert hit.run.origin == "cache" and hit.run.command == original.run.command
    assert hit.run.duration != original.run.duration  # the lookup's time, not the scanner's
    assert hit.parsed.findings == original.parsed.findings
    assert cache.load("k1", "gitleaks") == (None, False)  # another tool's key never matches
    assert cache.load("missing", "bandit") == (None, False)


def test_garbage_entry_is_deleted(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    cache.store("k1", outcome())
    cache.path("k1").write_bytes(b"secgate-cache 1 0000\nnot zlib")
    assert cache.load("k1", "bandit") == (None, False)
    assert not cache.path("k1").exists()


def test_expired_entry(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    cache.store("k1", outcome("pip-audit"), max_age=0.0)
    time.sleep(0.01)
    assert cache.load("k1", "pip-audit") == (None, False)
    cache.store("k2", outcome("pip-audit"), max_age=3600.0)
    assert cache.load("k2", "pip-audit")[0] is not None


def test_least_recently_used_are_evicted(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, max_bytes=10**9)
    for number in range(5):
        cache.store(f"k{number}", outcome(findings=30))
        os.utime(cache.path(f"k{number}"), ns=(number * 10**9, number * 10**9))
    size = cache.path("k0").stat().st_size
    assert cache.load("k0", "bandit")[0] is not None  # a hit makes k0 the most recent
    cache.max_bytes = size * 3 + 200  # sizes differ by a byte or two
    cache.evict()
    left = {p.name.removesuffix(".entry") for p in cache.entries()}
    assert left == {"k0", "k3", "k4"}


def test_size_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECGATE_CACHE_MAX_MB", "1.5")
    assert configured_max_bytes() == 1572864
    monkeypatch.setenv("SECGATE_CACHE_MAX_MB", "lots")
    with pytest.raises(UsageError, match="SECGATE_CACHE_MAX_MB"):
        configured_max_bytes()


def test_secret_holding_result_is_flagged(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    held = outcome()
    held.parsed.secret_values = {"not-stored-anywhere-123"}
    cache.store("k1", held)
    assert cache.load("k1", "bandit")[1] is True
    assert b"not-stored-anywhere-123" not in cache.path("k1").read_bytes()
