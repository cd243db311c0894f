"""A cache nobody else can write: it lives outside the scanned tree, its entries carry an HMAC
under a random per-machine key (0600), a crafted entry committed by a pull request is never
used, an entry tampered with on disk is rebuilt, and a scan writes nothing into the tree.

Real git repositories (a base commit and a pull-request branch) and real Bandit, Gitleaks and
pip-audit runs."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from secgate.scanning.cache_store import KEY_FILE, default_directory
from tests.support.cache_target import git, make_target
from tests.support.commands import require_tool, run_secgate

SCANNERS = ("bandit", "gitleaks")
"""Bandit's finding is what a forged entry would hide; Gitleaks, a secret scanner, decides
whether cached results may be reused at all (they are, as the tree is unchanged)."""
SCAN_ARGS = [arg for name in SCANNERS for arg in ("--scanner", name)]


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    for tool in SCANNERS:
        require_tool(tool)


def scan(target: Path, env: dict[str, str], *extra: str) -> tuple[int, dict[str, Any]]:
    done = run_secgate(
        "scan",
        target,
        *SCAN_ARGS,
        "--json",
        "-",
        "--quiet",
        *extra,
        env={"SECGATE_NO_CACHE": "0", **env},
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, report


def origins(report: dict[str, Any]) -> dict[str, str]:
    return {run["tool"]: run["origin"] for run in report["runs"]}


def bandit_rules(report: dict[str, Any]) -> set[str]:
    return {f["rule_id"] for f in report["findings"] if "bandit" in f["tool"]}


def entry_body(path: Path) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(zlib.decompress(path.read_bytes().partition(b"\n")[2]))
    return body


def entries_by_tool(cache_dir: Path) -> dict[str, Path]:
    return {entry_body(p)["tool"]: p for p in sorted((cache_dir / "entries").glob("*.entry"))}


def forge_empty(entry: Path, header: bytes) -> bytes:
    """The entry with its findings removed, under ``header`` (the caller's idea of a valid
    envelope)."""
    body = entry_body(entry)
    body["findings"] = []
    body["run"]["finding_count"] = 0
    payload = zlib.compress(json.dumps(body).encode())
    return header.replace(b"{sha256}", hashlib.sha256(payload).hexdigest().encode()) + payload


def tree_listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` but git's own data, with its size and modification time."""
    listing = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative == ".git" or relative.startswith(".git/"):
            continue
        info = path.lstat()
        listing[relative] = (info.st_size, info.st_mtime_ns)
    return listing


def test_a_crafted_entry_committed_by_a_pull_request_is_never_used(tmp_path: Path) -> None:
    """The attack: in a fork, run the same scan with a cache of one's own to learn the entry
    name (the key is reproducible), forge it to hold no finding, and commit it where secgate
    used to keep its cache (``.secgate/cache``) together with the forger's key."""
    repo = make_target(tmp_path / "repo")  # base commit on main: app/run.py has B602
    # the attacker's own scan, on their machine
    attacker_cache = tmp_path / "attacker-cache"
    _, attacker_report = scan(repo, {"SECGATE_CACHE_DIR": str(attacker_cache)})
    assert "B602" in bandit_rules(attacker_report)
    forged_entry = entries_by_tool(attacker_cache)["bandit"]
    git(repo, "checkout", "-q", "-b", "pr")
    planted = repo / ".secgate" / "cache"
    shutil.copytree(attacker_cache, planted)
    # one entry forged with the attacker's own key is what the copied tree holds; also plant
    # the format secgate used to accept (an unkeyed SHA-256 of the body)
    from secgate.scanning.cache_store import TrustedDirectory

    attacker = TrustedDirectory.open(attacker_cache)
    name = forged_entry.name.removesuffix(".entry")
    body = entry_body(forged_entry)
    body["findings"], body["run"]["finding_count"] = [], 0
    (planted / "entries" / forged_entry.name).write_bytes(
        attacker.seal("entry", name, zlib.compress(json.dumps(body).encode()))
    )
    (planted / "entries" / f"{name}.v1.entry").write_bytes(
        forge_empty(forged_entry, b"secgate-cache 1 {sha256}\n")
    )
    (planted / ".gitignore").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "speed up CI")
    # the victim: default cache location, and then one configured inside the checkout
    victim_home = tmp_path / "victim-xdg"
    code, report = scan(repo, {"XDG_CACHE_HOME": str(victim_home)})
    assert code == 1
    assert origins(report)["bandit"] == "run"
    assert "B602" in bandit_rules(report)
    victim_entries = victim_home / "secgate" / "entries"
    assert (victim_entries / forged_entry.name).is_file()  # the forged name was the right key
    code, report = scan(repo, {"SECGATE_CACHE_DIR": str(planted)})
    assert code == 1
    assert origins(report) == dict.fromkeys(SCANNERS, "run")
    assert "B602" in bandit_rules(report)
    assert any(
        n.startswith("result cache off: the cache directory ")
        and "is inside the scanned directory" in n
        for n in report["notes"]
    )
    status = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--ignored"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert status.stdout == ""  # the planted files were neither used nor touched


@pytest.mark.parametrize("tamper", ["unkeyed-hash", "flipped-byte", "swapped-name"])
def test_an_entry_tampered_with_on_disk_is_rebuilt(tmp_path: Path, tamper: str) -> None:
    target = make_target(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    env = {"SECGATE_CACHE_DIR": str(cache_dir)}
    _, cold = scan(target, env)
    entries = entries_by_tool(cache_dir)
    bandit = entries["bandit"]
    if tamper == "unkeyed-hash":  # whoever can write the file but has no key
        bandit.write_bytes(forge_empty(bandit, b"secgate-cache 2 {sha256}\n"))
    elif tamper == "flipped-byte":
        data = bytearray(bandit.read_bytes())
        data[-1] ^= 1
        bandit.write_bytes(bytes(data))
    else:  # a valid entry of another tool moved under Bandit's name
        bandit.write_bytes(entries["gitleaks"].read_bytes())
    code, report = scan(target, env)
    assert code == 1
    assert origins(report)["bandit"] == "run"
    assert bandit_rules(report) == bandit_rules(cold) != set()
    _, again = scan(target, env)
    assert origins(again) == dict.fromkeys(SCANNERS, "cache")  # rebuilt and trusted again


def test_key_and_directory_are_this_users_alone(tmp_path: Path) -> None:
    target = make_target(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    env = {"SECGATE_CACHE_DIR": str(cache_dir)}
    scan(target, env)
    key = cache_dir / KEY_FILE
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    for path in (cache_dir / "entries").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first_key = key.read_bytes()
    assert len(bytes.fromhex(first_key.decode().strip())) == 32
    # a key others could read is no secret: replaced, and every entry made with it rebuilt
    key.chmod(0o644)
    _, report = scan(target, env)
    assert origins(report) == dict.fromkeys(SCANNERS, "run")
    assert key.read_bytes() != first_key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # a directory others may write is not used at all
    cache_dir.chmod(0o777)
    _, report = scan(target, env)
    assert origins(report) == dict.fromkeys(SCANNERS, "run")
    assert any("writable by other users" in note for note in report["notes"])


def test_default_location_is_outside_the_tree() -> None:
    assert default_directory({"XDG_CACHE_HOME": "/x/cache", "HOME": "/h"}) == Path(
        "/x/cache/secgate"
    )
    assert default_directory(
        {"GITHUB_ACTIONS": "true", "RUNNER_TEMP": "/runner/_temp", "XDG_CACHE_HOME": "/x"}
    ) == Path("/runner/_temp/secgate-cache")
    assert default_directory(
        {"SECGATE_CACHE_DIR": "/chosen", "GITHUB_ACTIONS": "true", "RUNNER_TEMP": "/t"}
    ) == Path("/chosen")
    assert (
        default_directory({"XDG_CACHE_HOME": "relative", "HOME": "/h"})
        == Path.home() / ".cache" / "secgate"
    )


def test_a_scan_writes_nothing_into_the_tree_it_judges(tmp_path: Path) -> None:
    """Default cache location (in Actions: $RUNNER_TEMP), real scanners, every report asked
    for outside the tree: the tree is byte for byte as it was; only --output-dir writes in it."""
    target = make_target(tmp_path / "project")
    before = tree_listing(target)
    runner_temp = tmp_path / "runner-temp"
    env = {
        "GITHUB_ACTIONS": "true",
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    for _ in range(2):
        scan(target, env, "--sarif", str(tmp_path / "r.sarif"), "--html", str(tmp_path / "r.html"))
    assert tree_listing(target) == before
    assert (runner_temp / "secgate-cache" / "entries").is_dir()
    status = subprocess.run(
        ["git", "-C", str(target), "status", "--porcelain", "--ignored", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert status.stdout == ""
    scan(target, env, "--output-dir", str(target / "secgate-report"))
    assert set(tree_listing(target)) - set(before) == {
        "secgate-report",
        *(f"secgate-report/{p.name}" for p in (target / "secgate-report").iterdir()),
    }
    assert os.listdir(target / "secgate-report")
