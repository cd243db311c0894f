"""The command line's contract: version, exit codes reached by real cases, errors without
tracebacks that name the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.commands import run_secgate
from tests.support.paths import FIXTURES
from tests.support.sarif_validation import validate_sarif

BANDIT_SARIF = FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.sarif"


def test_version() -> None:
    done = run_secgate("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("secgate ")


def test_real_bandit_sarif_blocks_with_exit_1_and_writes_valid_sarif(tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    done = run_secgate(
        "scan",
        "--input",
        BANDIT_SARIF,
        "--sarif",
        out,
        "--json",
        tmp_path / "out.json",
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    assert "BLOCKED" in done.stderr
    validate_sarif(out)
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["verdict"]["status"] == "block"


def test_pass_with_exit_0(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sarif"
    empty.write_text(
        json.dumps(
            {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "bandit"}}, "results": []}]}
        )
    )
    done = run_secgate("scan", "--input", f"sarif={empty}", "--sarif", tmp_path / "o.sarif")
    assert done.returncode == 0, done.stderr
    assert "PASS" in done.stderr


def test_same_inputs_give_identical_reports(tmp_path: Path) -> None:
    outs = []
    for name in ("a", "b"):
        run_secgate("scan", "--input", BANDIT_SARIF, "--output-dir", tmp_path / name, "-q")
        outs.append(
            (
                (tmp_path / name / "report.sarif").read_bytes(),
                (tmp_path / name / "report.json").read_bytes(),
            )
        )
    assert outs[0] == outs[1]


def test_required_scanner_missing_is_exit_3(tmp_path: Path) -> None:
    empty_path = tmp_path / "nothing"
    empty_path.mkdir()
    done = run_secgate(
        "scan",
        str(empty_path),
        "--scanner",
        "bandit",
        "-q",
        env={"SECGATE_BANDIT_BIN": str(tmp_path / "no-such-bandit")},
    )
    assert done.returncode == 3, done.stderr


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.json", None, "no such file"),
        ("empty.json", b"", "empty"),
        ("truncated.sarif", BANDIT_SARIF.read_bytes()[:300], "truncated"),
        ("not-json.sarif", b"this is not json at all\n", "sarif"),
        ("binary.bin", bytes(range(256)) * 4, "binary"),
        ("unknown.json", b'{"hello": "world"}', "no adapter recognises"),
    ],
)
def test_bad_input_file_is_exit_2_naming_the_file(
    tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    spec = f"sarif={path}" if name == "not-json.sarif" else str(path)
    done = run_secgate("scan", "--input", spec)
    assert done.returncode == 2
    assert str(path) in done.stderr
    assert expected in done.stderr.lower()
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2


@pytest.mark.parametrize("broken_first", ["gitleaks", "bandit"])
def test_of_several_bad_inputs_the_first_given_is_reported(
    tmp_path: Path, broken_first: str
) -> None:
    # a secret scanner's file is read on a thread of its own: the error reported must still
    # be that of the first file on the command line
    files = {tool: tmp_path / f"{tool}.json" for tool in ("gitleaks", "bandit")}
    for path in files.values():
        path.write_bytes(b"[{")
    order = [broken_first, *(t for t in files if t != broken_first)]
    args = [arg for tool in order for arg in ("--input", f"{tool}={files[tool]}")]
    done = run_secgate("scan", *args)
    assert done.returncode == 2
    assert str(files[broken_first]) in done.stderr
    assert str(files[order[1]]) not in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_arguments_are_exit_2() -> None:
    done = run_secgate("scan", "--jobs", "zero")
    assert done.returncode == 2
    done = run_secgate("scan")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_debug_shows_a_traceback(tmp_path: Path) -> None:
    done = run_secgate("--debug", "scan", "--input", tmp_path / "missing.json")
    assert done.returncode == 2
    assert "Traceback" in done.stderr


def test_doctor_lists_every_scanner() -> None:
    done = run_secgate("doctor")
    assert done.returncode == 0
    for name in ("bandit", "semgrep", "gitleaks", "trufflehog", "pip-audit", "safety", "trivy"):
        if name in done.stdout:
            continue
        pytest.fail(f"doctor does not mention {name}: {done.stdout}")
