"""A policy text that passed the schema once is not checked against it again: the result cache
remembers it (sealed with the cache's key), a warm re-scan then never loads jsonschema, and a
remembered check never lets a bad policy through."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from secgate.errors import PolicyError
from secgate.policy import loader
from secgate.policy.loader import SCHEMA_CHECK, schema_digest
from secgate.scanning.result_cache import ResultCache
from tests.support.policy_checks import CountingChecks

VALID = "version: 1\nfail_on: high\n"
BAD_SEVERITY = "version: 1\nfail_on: hihg\n"


def test_a_passed_check_is_remembered_by_the_texts_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    schema_checks: list[str] = []
    check_schema = loader._check_schema
    monkeypatch.setattr(
        loader,
        "_check_schema",
        lambda data, root, source: schema_checks.append(source) or check_schema(data, root, source),
    )
    checks = CountingChecks()
    first = loader.parse(VALID, "policy.yml", checks)
    assert checks.passed_digests == {schema_digest(VALID)}
    second = loader.parse(VALID, "policy.yml", checks)
    assert second == first
    assert checks.asked == 2
    assert schema_checks == ["policy.yml"]  # the second parse skipped the schema
    loader.parse(VALID, "policy.yml")  # without a memo, always checked
    assert schema_checks == ["policy.yml"] * 2


def test_a_policy_that_fails_the_schema_is_never_remembered() -> None:
    checks = CountingChecks()
    for _ in range(2):  # refused each time, the same way
        with pytest.raises(PolicyError, match="fail_on"):
            loader.parse(BAD_SEVERITY, "policy.yml", checks)
    assert checks.passed_digests == set()


def test_the_digest_covers_the_text_the_schema_and_the_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    digest = schema_digest(VALID)
    schema_text = loader._schema_text()
    assert digest == schema_digest(VALID)
    assert digest != schema_digest(VALID + "\n")
    assert digest != schema_digest(BAD_SEVERITY)
    with monkeypatch.context() as patch:
        patch.setattr(loader, "_schema_text", lambda: schema_text + " ")
        assert schema_digest(VALID) != digest
    with monkeypatch.context() as patch:
        patch.setattr(loader, "__version__", "0.0.0-other")
        assert schema_digest(VALID) != digest


def test_a_remembered_check_does_not_skip_the_models_own_validation() -> None:
    """Even a digest remembered for a bad text (a forged memo) lets no bad value through: the
    model refuses it, still as a PolicyError naming the file."""
    checks = CountingChecks()
    checks.passed_digests.add(schema_digest(BAD_SEVERITY))
    with pytest.raises(PolicyError) as caught:
        loader.parse(BAD_SEVERITY, "policy.yml", checks)
    assert "policy.yml" in caught.value.render()


def test_the_cache_keeps_checks_sealed_with_its_key(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    digest = schema_digest(VALID)
    assert not cache.passed(SCHEMA_CHECK, digest)
    loader.parse(VALID, "policy.yml", cache)
    assert cache.passed(SCHEMA_CHECK, digest)
    stored = next((tmp_path / "cache" / "checks").iterdir())
    assert stored.stat().st_mode & 0o077 == 0
    # another cache (another key) does not take this one's file for its own
    other = ResultCache(tmp_path / "other")
    (tmp_path / "other" / "checks").mkdir()
    (tmp_path / "other" / "checks" / stored.name).write_bytes(stored.read_bytes())
    assert not other.passed(SCHEMA_CHECK, digest)
    # nor a file written by hand
    stored.write_bytes(b"passed")
    assert not cache.passed(SCHEMA_CHECK, digest)


def test_a_warm_rescan_does_not_load_jsonschema(tmp_path: Path) -> None:
    """What the memo is for: the second of two scans of the same tree with the same policy
    imports neither jsonschema nor (writing no SARIF) attrs."""
    target = tmp_path / "project"
    target.mkdir()
    (target / "app.py").write_text("print('hello')\n", encoding="utf-8")
    probe = (
        "import sys\n"
        "from secgate.cli.main import main\n"
        "try:\n"
        "    main(['scan', sys.argv[1], '--scanner', 'bandit', '--quiet', '--json', sys.argv[2]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('jsonschema', 'attr') if m in sys.modules))\n"
    )
    env = {"SECGATE_CACHE_DIR": str(tmp_path / "cache"), "SECGATE_NO_CACHE": "0"}
    loaded = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", probe, str(target), str(tmp_path / "report.json")],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=300,
            check=True,
        )
        loaded.append(done.stdout.strip().splitlines()[-1])
    assert "jsonschema" in loaded[0]  # the first scan checks the policy against the schema
    assert loaded[1] == "[]"
