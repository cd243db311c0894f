"""Every invalid policy in ``invalid/`` is refused with exit 2 and the place in the file.

Each file's first line says what must be printed after its path:
``# expect: :LINE: where.in.file: message``."""

from __future__ import annotations

from pathlib import Path

import pytest

from secgate.errors import ExitCode, PolicyError
from secgate.policy import loader
from tests.support.commands import run_secgate
from tests.support.paths import FIXTURES

INVALID = Path(__file__).resolve().parent / "invalid"
FILES = sorted(INVALID.glob("*.yml"))


def _expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), path
    return first[len("# expect: ") :]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_parse_names_the_place(path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        loader.parse(path.read_text(encoding="utf-8"), str(path))
    assert caught.value.render().startswith(f"{path}{_expected(path)}")
    assert caught.value.exit_code is ExitCode.USAGE


def test_validate_command_reports_every_file() -> None:
    proc = run_secgate("policy", "validate", *FILES, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == len(FILES), proc.stderr
    for path in FILES:
        assert f"secgate: error: {path}{_expected(path)}" in proc.stderr


def test_scan_with_an_invalid_policy_exits_2_before_scanning() -> None:
    bad = INVALID / "bad-severity.yml"
    proc = run_secgate(
        "scan",
        "--quiet",
        "--policy",
        bad,
        "--input",
        FIXTURES / "bandit/1.9.4/vulnerable-app.json",
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"secgate: error: {bad}{_expected(bad)}"


def test_missing_policy_file_and_unknown_builtin(tmp_path: Path) -> None:
    proc = run_secgate("policy", "validate", tmp_path / "nope.yml", "builtin:nope", timeout=60)
    assert proc.returncode == 2
    assert f"{tmp_path / 'nope.yml'}: no such policy file" in proc.stderr
    assert "no shipped policy called 'nope' (shipped: default, report-only, strict)" in proc.stderr
