"""Scans through the command line with the result cache on: reuse, invalidation of exactly the
changed scanner (plus the secret scanners that must run with any fresh run), corrupt entries,
two concurrent scans, and no raw secret on disk. Real Bandit, Gitleaks and pip-audit."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from secgate.scanning.result_cache import ResultCache
from tests.support.cache_target import SCANNERS, make_target, raw_secrets
from tests.support.commands import require_tool, run_secgate

SCAN_ARGS = [arg for name in SCANNERS for arg in ("--scanner", name)]


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    for tool in SCANNERS:
        require_tool(tool)


def scan(target: Path, *extra: str, cache_dir: Path | None = None) -> dict[str, Any]:
    """Scan with the cache on, in ``cache_dir`` (default: ``cache`` beside the target)."""
    env = {"SECGATE_NO_CACHE": "0", "SECGATE_CACHE_DIR": str(cache_dir or target.parent / "cache")}
    done = run_secgate("scan", target, *SCAN_ARGS, "--json", "-", "--quiet", *extra, env=env)
    assert done.returncode in (0, 1, 3), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def origins(report: dict[str, Any]) -> dict[str, str]:
    return {run["tool"]: run["origin"] for run in report["runs"]}


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs between a fresh and a reused run."""
    copy = json.loads(json.dumps(report))
    for run in copy["runs"]:
        for name in ("origin", "duration", "started_at"):
            run.pop(name, None)
    return copy


@pytest.fixture(scope="module")
def warmed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """A project scanned twice: cold, then warm with nothing changed."""
    target = make_target(tmp_path_factory.mktemp("warm") / "project")
    cold = scan(target)
    warm = scan(target)
    return target, cold, warm


def test_unchanged_tree_reuses_every_result(
    warmed: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    _, cold, warm = warmed
    assert origins(cold) == dict.fromkeys(SCANNERS, "run")
    assert origins(warm) == dict.fromkeys(SCANNERS, "cache")
    assert comparable(warm) == comparable(cold)
    assert cold["findings"], "the project has findings to reuse"


def test_no_raw_secret_on_disk(warmed: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    target, cold, _ = warmed
    secrets = [f for f in cold["findings"] if f["category"] == "secret"]
    assert secrets, "Gitleaks found the made-up credentials"
    stored = b""
    for path in sorted((target.parent / "cache").rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            stored += data
            if path.suffix == ".entry":
                stored += zlib.decompress(data.partition(b"\n")[2])
    assert b"gitleaks" in stored  # the entries were read back in full
    for raw in raw_secrets():
        assert raw.encode() not in stored
    preview = json.dumps(secrets[0]["secret"]["preview"])[1:-1]  # as JSON spells it
    assert preview.encode() in stored  # a cached secret finding is stored masked


def test_change_reruns_only_what_depends_on_it(tmp_path: Path) -> None:
    target = make_target(tmp_path / "project")
    scan(target)
    (target / "requirements.txt").write_text("requests==2.20.0\n", encoding="utf-8")
    report = scan(target)
    # pip-audit's input changed; Gitleaks reads every file (and runs with any fresh run, so
    # that its raw values scrub the fresh outputs); Bandit's Python files did not change
    assert origins(report) == {"pip-audit": "run", "gitleaks": "run", "bandit": "cache"}
    with (target / "README.md").open("a", encoding="utf-8") as out:
        out.write("more\n")
    assert origins(scan(target)) == {"pip-audit": "cache", "gitleaks": "run", "bandit": "cache"}
    report = scan(target, "--no-cache")
    assert origins(report) == dict.fromkeys(SCANNERS, "run")


def test_corrupt_entry_is_rebuilt(tmp_path: Path) -> None:
    target = make_target(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    cold = scan(target, cache_dir=cache_dir)
    cache = ResultCache(cache_dir)
    entries = cache.entries()
    assert len(entries) == len(SCANNERS)
    by_tool = {}
    for path in entries:
        body = json.loads(zlib.decompress(path.read_bytes().partition(b"\n")[2]))
        by_tool[body["tool"]] = path
    # a truncated entry, and one whose body was altered after it was written
    data = by_tool["pip-audit"].read_bytes()
    by_tool["pip-audit"].write_bytes(data[: len(data) // 2])
    header, _, payload = by_tool["bandit"].read_bytes().partition(b"\n")
    by_tool["bandit"].write_bytes(header + b"\n" + payload[:-1] + bytes([payload[-1] ^ 1]))
    report = scan(target, cache_dir=cache_dir)
    assert origins(report) == dict.fromkeys(SCANNERS, "run")
    assert comparable(report) == comparable(cold)
    again = scan(target, cache_dir=cache_dir)
    assert origins(again) == dict.fromkeys(SCANNERS, "cache")


CONCURRENT = """
import subprocess, sys
args = sys.argv[1:]
procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
         for _ in range(2)]
outs = [p.communicate() for p in procs]
for p, (out, err) in zip(procs, outs):
    sys.stdout.buffer.write(str(p.returncode).encode() + b"\\n")
"""


def test_two_concurrent_scans(tmp_path: Path) -> None:
    target = make_target(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    secgate = [
        sys.executable,
        "-m",
        "secgate",
        "scan",
        str(target),
        *SCAN_ARGS,
        "--quiet",
        "--json",
        str(tmp_path / "ignored.json"),
    ]
    import os

    env = {**os.environ, "SECGATE_NO_CACHE": "0", "SECGATE_CACHE_DIR": str(cache_dir)}
    done = subprocess.run(
        [sys.executable, "-c", CONCURRENT, *secgate],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    codes = done.stdout.split()
    assert len(codes) == 2 and codes[0] == codes[1] and codes[0] in ("0", "1", "3")
    cache = ResultCache(cache_dir)
    assert len(cache.entries()) == len(SCANNERS)
    assert not list((cache_dir / "entries").glob(".tmp-*"))  # no half-written file left
    for path in cache.entries():
        outcome, _ = cache.load(
            path.name.removesuffix(".entry"),
            json.loads(zlib.decompress(path.read_bytes().partition(b"\n")[2]))["tool"],
        )
        assert outcome is not None, f"{path.name} does not read back"
    assert origins(scan(target, cache_dir=cache_dir)) == dict.fromkeys(SCANNERS, "cache")


def test_a_warm_rescan_starts_no_tool_for_its_version(tmp_path: Path) -> None:
    """Versions are remembered per program file, also of a tool that does not apply here
    (truffleHog v2 outside a git repository needs its version to decide that)."""
    real = require_tool("trufflehog")
    log = tmp_path / "starts.log"
    wrapper = tmp_path / "trufflehog-wrapper"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    target = tmp_path / "plain-directory"
    target.mkdir()
    (target / "app.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n")
    env = {
        "SECGATE_NO_CACHE": "0",
        "SECGATE_CACHE_DIR": str(tmp_path / "cache"),
        "SECGATE_TRUFFLEHOG_BIN": str(wrapper),
    }

    def starts_of_one_scan() -> list[str]:
        before = log.read_text().splitlines() if log.exists() else []
        done = run_secgate(
            "scan",
            target,
            "--scanner",
            "bandit",
            "--scanner",
            "trufflehog",
            "--json",
            "-",
            "--quiet",
            env=env,
        )
        # truffleHog v2 does not apply outside git: a required scanner skipped, exit 3
        assert done.returncode == 3, done.stderr
        report = json.loads(done.stdout)
        assert {r["tool"]: r["status"] for r in report["runs"]}["trufflehog"] == "skipped"
        return (log.read_text().splitlines() if log.exists() else [])[len(before) :]

    assert starts_of_one_scan() == ["--version"]  # cold: asked once
    assert starts_of_one_scan() == []  # warm: remembered
