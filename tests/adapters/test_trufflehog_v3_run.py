"""Run mode of TruffleHog v3, where a v3 binary exists.

TruffleHog v3 cannot be installed on these machines (it is on neither PyPI, Debian nor npm, and
the Go module proxy is out of reach), so here this test skips and says so; its output format is
covered by the hand-built fixtures in tests/fixtures/trufflehog/3.x (see their README). Where a
v3 binary is on PATH (or in SECGATE_TRUFFLEHOG_BIN), it runs for real.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from secgate.adapters.trufflehog import major_version
from tests.support.commands import run_secgate


def _v3_binary() -> str:
    program = os.environ.get("SECGATE_TRUFFLEHOG_BIN") or shutil.which("trufflehog")
    if program is None or major_version(program) < 3:
        pytest.skip(
            "TruffleHog v3 is not installable here (not on PyPI, Debian or npm, and the "
            "Go proxy is unreachable); v3 output is covered by the hand-built fixtures "
            "in tests/fixtures/trufflehog/3.x"
        )
    return program


def test_v3_scans_the_example_history(example_app: Path, tmp_path: Path) -> None:
    program = _v3_binary()
    out = tmp_path / "out.json"
    done = run_secgate(
        "scan",
        example_app,
        "-s",
        "trufflehog",
        "-q",
        "--json",
        out,
        env={"SECGATE_TRUFFLEHOG_BIN": program},
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(out.read_text())
    assert report["runs"][0]["status"] == "ok"
    assert "git" in report["runs"][0]["command"]
