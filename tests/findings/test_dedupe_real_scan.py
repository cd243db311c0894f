"""Dedupe in a real scan of the example app by four real scanners."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.commands import require_tool, run_secgate
from tests.support.dedupe_scans import git_copy

TOOLS = ("bandit", "semgrep", "gitleaks", "trufflehog")


def test_four_scanners_one_finding_per_problem(tmp_path: Path) -> None:
    for tool in TOOLS:
        require_tool(tool)
    target = git_copy(tmp_path / "app")
    report = tmp_path / "report.json"
    args = [arg for tool in TOOLS for arg in ("-s", tool)]
    proc = run_secgate("scan", target, *args, "-p", "builtin:report-only", "-q", "--json", report)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(report.read_text(encoding="utf-8"))
    raw = sum(run["finding_count"] for run in doc["runs"])
    findings = doc["findings"]
    note = next(n for n in doc["notes"] if "duplicate report(s) merged" in n)
    match = re.match(r"(\d+) duplicate report\(s\) merged into (\d+)", note)
    assert match is not None
    removed, merged = int(match.group(1)), int(match.group(2))
    multi = [f for f in findings if len(f["sources"]) > 1]
    assert len(multi) == merged
    assert raw - len(findings) == removed == sum(len(f["sources"]) - 1 for f in multi)
    groups = {
        (f["location"]["path"], f["location"]["start_line"]): sorted(
            {s["tool"] for s in f["sources"]}
        )
        for f in multi
    }
    assert groups[("app/commands.py", 9)] == ["bandit", "semgrep"]
    assert groups[("config/settings.py", 14)] == ["bandit", "gitleaks", "semgrep"]
    assert groups[("config/settings.py", 10)] == ["gitleaks", "trufflehog"]
    assert groups[("config/deploy_key.pem", 1)] == ["gitleaks", "trufflehog"]
