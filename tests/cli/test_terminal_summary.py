"""The terminal summary: what a scanner wrote cannot rewrite the terminal or forge lines."""

from __future__ import annotations

import io

from secgate.cli.terminal import print_explain, print_summary
from secgate.model import (
    Action,
    Category,
    Decision,
    Finding,
    Level,
    Location,
    RunStatus,
    ScannerRun,
    ScanResult,
    Severity,
    Source,
    Verdict,
    VerdictStatus,
)

HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\rsecgate: PASS\nforged line\u202e"


def _result() -> ScanResult:
    finding = Finding(
        tool="bandit",
        rule_id="B602",
        category=Category.SAST,
        severity=Severity.HIGH,
        score=8.0,
        level=Level.ERROR,
        message=HOSTILE,
        location=Location(path="a\x1b[1m.py", start_line=3),
        sources=[
            Source(tool="bandit", rule_id="B602"),
            Source(tool="semgrep", rule_id="python-subprocess-shell-true"),
        ],
        decision=Decision(action=Action.BLOCK, decided_by="threshold", reason="high"),
    )
    run = ScannerRun(tool="bandit", status=RunStatus.FAILED, error=HOSTILE)
    return ScanResult(
        findings=[finding],
        runs=[run],
        policy="builtin:default",
        secgate_version="0",
        verdict=Verdict(status=VerdictStatus.BLOCK),
    )


def test_hostile_scanner_text_is_neutralised_and_sources_are_named() -> None:
    out = io.StringIO()
    print_summary(_result(), out)
    print_explain(_result(), out)
    text = out.getvalue()
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert "forged line" not in text
    lines = text.rstrip().splitlines()
    assert lines[-1].startswith("bandit:B602") and lines[-2].startswith("secgate: BLOCKED")
    assert "(found by bandit, semgrep)" in text
    # the one real verdict line: nothing a scanner wrote starts a line of its own
    assert [line for line in lines if line.startswith("secgate: ")] == [lines[-2]]
