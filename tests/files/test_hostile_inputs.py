"""Hostile inputs, one by one: each ends with exit 2 naming the file in one or two lines (or a
normal verdict), bounded in time (a timeout against hangs) and memory (the command runs in a
child process whose address space is capped at 1 GiB: unbounded growth ends in a MemoryError,
which would fail the test as an internal error)."""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.paths import FIXTURES

MEMORY_CAP = 1 << 30
TIMEOUT = 120.0
BANDIT = FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.json"
BANDIT_SARIF = FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.sarif"


def _capped(extra: Callable[[], None] | None = None) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
        if extra is not None:
            extra()

    return limit


def secgate(
    *args: str | os.PathLike[str], cwd: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line in a child process, memory-capped, with a timeout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, "-m", "secgate", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_capped(preexec),
        stdin=subprocess.DEVNULL,
        check=False,
    )


def refused(proc: subprocess.CompletedProcess[str], *names: str | os.PathLike[str]) -> str:
    """Assert exit 2 with one or two lines naming every one of ``names``; the message."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert 1 <= len(lines) <= 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    for name in names:
        assert str(name) in proc.stderr, (name, proc.stderr)
    return proc.stderr


@pytest.fixture
def sarif_report(tmp_path: Path) -> Path:
    """A SARIF report secgate wrote (for ``report --from`` and ``--baseline``)."""
    out = tmp_path / "report.sarif"
    proc = secgate("scan", "-q", "--input", BANDIT, "--sarif", out, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    return out


def _each_input_option(
    path: Path, sarif: Path, tmp_path: Path
) -> dict[str, subprocess.CompletedProcess[str]]:
    return {
        "--input": secgate("scan", "-q", "--input", path, cwd=tmp_path),
        "--baseline": secgate("scan", "-q", "--input", BANDIT, "--baseline", path, cwd=tmp_path),
        "--policy": secgate("scan", "-q", "--input", BANDIT, "--policy", path, cwd=tmp_path),
        "report --from": secgate(
            "report", "--from", path, "--json", tmp_path / "r.json", cwd=tmp_path
        ),
        "policy validate": secgate("policy", "validate", path, cwd=tmp_path),
    }


# --- not a regular file -----------------------------------------------------------------------
def test_a_device_is_refused_at_once_by_every_input_option(
    tmp_path: Path, sarif_report: Path
) -> None:
    for option, proc in _each_input_option(Path("/dev/zero"), sarif_report, tmp_path).items():
        assert "character device" in refused(proc, "/dev/zero"), option


def test_a_fifo_is_refused_without_blocking(tmp_path: Path, sarif_report: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for option, proc in _each_input_option(fifo, sarif_report, tmp_path).items():
        assert "FIFO" in refused(proc, fifo), option


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b"[" + b" " * (2 << 20) + b"]")
    env_cap = "1"  # MiB
    proc = subprocess.run(
        [sys.executable, "-m", "secgate", "scan", "-q", "--input", big],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "SECGATE_MAX_INPUT_MB": env_cap},
        check=False,
    )
    assert "SECGATE_MAX_INPUT_MB" in refused(proc, big)


# --- malformed JSON ---------------------------------------------------------------------------
@pytest.mark.parametrize("named", [True, False])
def test_nesting_100000_deep_is_refused(tmp_path: Path, named: bool) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"results": ' + "[" * 100_000 + "]" * 100_000 + ', "errors": []}')
    proc = secgate("scan", "-q", "--input", f"semgrep={deep}" if named else deep, cwd=tmp_path)
    message = refused(proc, deep)
    assert "nested deeper" in message or "no adapter recognises" in message


def test_nesting_100000_deep_in_a_policy_is_refused(tmp_path: Path) -> None:
    policy = tmp_path / "deep.yml"
    policy.write_text("rules: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "nested" in refused(secgate("policy", "validate", policy, cwd=tmp_path), policy)


def test_a_5000_digit_integer_is_refused_with_its_place(tmp_path: Path) -> None:
    doc = json.loads(BANDIT.read_text())
    doc["results"][0]["line_number"] = "@@"
    source = tmp_path / "bandit.json"
    source.write_text(json.dumps(doc).replace('"@@"', "9" * 5000))
    message = refused(secgate("scan", "-q", "--input", f"bandit={source}", cwd=tmp_path), source)
    assert "5,000 digits" in message and "line 1 column" in message


def test_an_integer_beyond_64_bits_where_a_line_is_is_refused(tmp_path: Path) -> None:
    doc = json.loads(BANDIT_SARIF.read_text())
    region = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    region["startLine"] = 10**30
    source = tmp_path / "bandit.sarif"
    source.write_text(json.dumps(doc))
    message = refused(secgate("scan", "-q", "--input", source, cwd=tmp_path), source)
    assert "runs[0].results[0].locations[0].physicalLocation.region.startLine" in message


def test_a_wrong_type_is_refused_with_a_pointer_to_the_field(tmp_path: Path) -> None:
    doc = json.loads(BANDIT_SARIF.read_text())
    doc["runs"][0]["results"][3]["locations"][0] = "not a location"
    source = tmp_path / "bandit.sarif"
    source.write_text(json.dumps(doc))
    message = refused(secgate("scan", "-q", "--input", source, cwd=tmp_path), source)
    assert "runs[0].results[3].locations[0]: expected an object, found a string" in message


def _sarif_with_uri(tmp_path: Path, uri: str) -> Path:
    doc = json.loads(BANDIT_SARIF.read_text())
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    location["artifactLocation"]["uri"] = uri
    source = tmp_path / "bandit.sarif"
    source.write_text(json.dumps(doc))
    return source


@pytest.mark.parametrize("uri", ["app/a\x00b.py", "file:///tmp/a%00b.py"])
def test_a_uri_with_a_nul_byte_is_refused(tmp_path: Path, uri: str) -> None:
    source = _sarif_with_uri(tmp_path, uri)
    message = refused(secgate("scan", "-q", "--input", source, cwd=tmp_path), source)
    assert "artifactLocation.uri: a path holds a control character" in message


def test_a_uri_of_6000_characters_is_refused(tmp_path: Path) -> None:
    source = _sarif_with_uri(tmp_path, "app/" + "a" * 6000 + ".py")
    message = refused(secgate("scan", "-q", "--input", source, cwd=tmp_path), source)
    assert "a path of 6,007 characters" in message


def test_a_pydantic_error_is_one_line_without_the_value(tmp_path: Path, sarif_report: Path) -> None:
    doc = json.loads(sarif_report.read_text())
    own = doc["runs"][0]["results"][0]["properties"]["secgate"]
    own["severity"] = "SECRET-LOOKING-VALUE-123456"
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(doc))
    message = refused(
        secgate("report", "--from", broken, "--json", tmp_path / "o.json", cwd=tmp_path), broken
    )
    assert "properties.secgate.severity" in message
    assert "SECRET-LOOKING-VALUE" not in message and "input_value" not in message


# --- globs -------------------------------------------------------------------------------------
HOSTILE_GLOB = "**/" + "a*" * 40 + "b"
LONG_PATH = "/".join(["a" * 200] * 10)


def _sarif_at(tmp_path: Path, path: str) -> Path:
    return _sarif_with_uri(tmp_path, path)


def test_a_glob_full_of_stars_matches_in_linear_time(tmp_path: Path) -> None:
    source = _sarif_at(tmp_path, LONG_PATH)
    policy = tmp_path / "policy.yml"
    policy.write_text(
        f"rules:\n  - match: {{path: '{HOSTILE_GLOB}'}}\n    action: ignore\n"
        f"accept:\n  - path: '{'**/' * 50}x'\n    reason: r\n"
    )
    (tmp_path / ".secgateignore").write_text("**/" + "*a" * 60 + "\n")
    proc = secgate(
        "scan",
        tmp_path,
        "-q",
        "--no-cache",
        "--input",
        source,
        "--policy",
        policy,
        "--exclude",
        "**/" + "**/a*" * 30 + "c",
        "--json",
        tmp_path / "out.json",
        cwd=tmp_path,
    )
    assert proc.returncode in (0, 1), proc.stderr


def test_a_backwards_range_is_refused_where_the_glob_is_written(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("rules:\n  - match: {path: 'src/[z-a].py'}\n    action: block\n")
    message = refused(secgate("policy", "validate", policy, cwd=tmp_path), policy)
    assert f"{policy}:2: rules[0].match.path" in message
    proc = secgate("scan", "-q", "--input", BANDIT, "--exclude", "[z-a]", cwd=tmp_path)
    assert "--exclude" in refused(proc, "[z-a]")
    target = tmp_path / "tree"
    target.mkdir()
    (target / ".secgateignore").write_text("# vendored\nvendor/**\n[z-a]\n")
    proc = secgate("scan", target, "-q", "--input", BANDIT, cwd=tmp_path)
    assert "line 3" in refused(proc, target / ".secgateignore")


# --- policies that validated but broke later ----------------------------------------------------
ALIAS_BOMB = """scanners:
  settings:
    bandit:
      a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
      b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
      d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
      e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
      f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
      g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
      h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
"""


@pytest.mark.parametrize("command", [["policy", "validate"], ["policy", "show"], ["scan"]])
def test_a_yaml_alias_bomb_is_refused(tmp_path: Path, command: list[str]) -> None:
    policy = tmp_path / "bomb.yml"
    policy.write_text(ALIAS_BOMB)
    args = (
        [*command, policy]
        if command[0] == "policy"
        else ["scan", "-q", "--input", BANDIT, "--policy", policy]
    )
    assert "aliases expand" in refused(secgate(*args, cwd=tmp_path), policy)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1e999"])
def test_a_timeout_that_is_no_number_is_refused(tmp_path: Path, value: str) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(f"scanners:\n  timeout: {value}\n")
    message = refused(secgate("policy", "validate", policy, cwd=tmp_path), policy)
    assert "scanners.timeout" in message


def test_a_command_line_timeout_that_is_no_number_is_refused(tmp_path: Path) -> None:
    proc = secgate("scan", "-q", "--input", BANDIT, "--timeout", "nan", cwd=tmp_path)
    assert "--timeout" in refused(proc)


# --- outputs ---------------------------------------------------------------------------------
def test_an_output_never_overwrites_an_input(tmp_path: Path, sarif_report: Path) -> None:
    source = tmp_path / "bandit.json"
    source.write_bytes(BANDIT.read_bytes())
    before = source.read_bytes(), sarif_report.read_bytes()
    cases = [
        ["scan", "-q", "--input", source, "--json", source],
        ["scan", "-q", "--input", f"bandit={source}", "--html", tmp_path / "." / "bandit.json"],
        ["scan", "-q", "--input", BANDIT, "--baseline", sarif_report, "--sarif", sarif_report],
        ["report", "--from", sarif_report, "--sarif", sarif_report],
        ["baseline", "create", "-q", "--input", source, "-o", source],
    ]
    for args in cases:
        overwritten = args[-1]
        read = source if overwritten != sarif_report else sarif_report
        refused(secgate(*args, cwd=tmp_path), overwritten, read)
    assert (source.read_bytes(), sarif_report.read_bytes()) == before


def test_a_full_disk_leaves_the_old_report_whole(tmp_path: Path, sarif_report: Path) -> None:
    """``RLIMIT_FSIZE`` makes every write beyond 4 KiB fail as a full disk would (EFBIG);
    the report is written to a temporary file first, so the old one is untouched."""
    out = tmp_path / "out"
    out.mkdir()
    old = out / "report.sarif"
    old.write_text("the report of yesterday\n")

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = secgate(
        "report", "--from", sarif_report, "--sarif", old, cwd=tmp_path, preexec=small_disk
    )
    assert "cannot write the sarif report" in refused(proc, old)
    assert old.read_text() == "the report of yesterday\n"
    assert sorted(p.name for p in out.iterdir()) == ["report.sarif"]


def test_a_report_keeps_the_mode_a_new_file_gets(tmp_path: Path, sarif_report: Path) -> None:
    out = tmp_path / "new.json"
    assert secgate("report", "--from", sarif_report, "--json", out, cwd=tmp_path).returncode == 1
    assert stat.S_IMODE(out.stat().st_mode) & 0o044 == 0o044  # readable as reports always were


# --- a megabyte-long secret ---------------------------------------------------------------------
def test_a_one_megabyte_secret_costs_what_a_short_one_does(tmp_path: Path) -> None:
    value = "".join(chr(ord("a") + (i * 7919) % 26) for i in range(1 << 20))
    report = [
        {
            "RuleID": "generic-api-key",
            "Description": "x",
            "File": "app/config.py",
            "StartLine": 3,
            "EndLine": 3,
            "StartColumn": 1,
            "EndColumn": 9,
            "Secret": value,
            "Match": f"key = '{value}'",
            "Commit": "",
            "Tags": [],
            "Fingerprint": "app/config.py:generic-api-key:3",
        }
    ]
    source = tmp_path / "gitleaks.json"
    source.write_text(json.dumps(report))
    outputs = {name: tmp_path / name for name in ("o.json", "o.sarif", "o.html", "o.md")}
    proc = secgate(
        "scan",
        "-q",
        "--input",
        f"gitleaks={source}",
        "--json",
        outputs["o.json"],
        "--sarif",
        outputs["o.sarif"],
        "--html",
        outputs["o.html"],
        "--markdown",
        outputs["o.md"],
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    for path in outputs.values():
        assert value[1000:1012] not in path.read_text(encoding="utf-8"), path
