"""The README keeps up with the command line: every command and every scan option appears."""

from __future__ import annotations

import re

from tests.support.commands import run_secgate
from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _names(help_text: str, section: str) -> list[str]:
    block = help_text.split(f"{section}:", 1)[1]
    return re.findall(r"^\s{2}(\S+)", block, re.MULTILINE)


def test_every_command_is_documented() -> None:
    commands = _names(run_secgate("--help").stdout, "Commands")
    assert commands
    for command in commands:
        assert f"secgate {command}" in README, f"README never shows 'secgate {command}'"


def test_every_scan_option_is_documented() -> None:
    options = re.findall(r"(--[a-z][a-z-]+)", run_secgate("scan", "--help").stdout)
    missing = sorted({o for o in options if o not in README} - {"--help"})
    assert not missing, f"scan options missing from the README: {missing}"


def test_the_quick_start_is_the_ci_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test" in ci and "bash scripts/test" in README
    assert "bash scripts/demo" in README
