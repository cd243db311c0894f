"""A secret the tool masked (Trivy) is recognised from the scanned file, so that it merges with
the other secret scanners' reports of the same value — and its value still appears nowhere."""

from __future__ import annotations

import json
from pathlib import Path

from secgate.findings.secrets import make_secret, secret_hash
from secgate.findings.source_tree import SourceTree
from secgate.findings.unmask import unmask
from secgate.model import Category, Finding, Level, Location, Severity
from tests.support.commands import require_tool, run_secgate
from tests.support.paths import EXAMPLE_APP

VALUE = "AKIA" + "Q7RT" * 4  # made up, built at run time


def _masked(snippet: str, line: int = 2) -> Finding:
    return Finding(
        tool="trivy",
        rule_id="aws-access-key-id",
        category=Category.SECRET,
        severity=Severity.CRITICAL,
        score=9.5,
        level=Level.ERROR,
        message=f"AWS key: {snippet}",
        location=Location(path="conf.env", start_line=line, end_line=line, snippet=snippet),
        secret=make_secret("trivy-masked placeholder"),
        properties={"masked_by_tool": True},
    )


def test_a_masked_match_takes_the_hash_of_the_value_in_the_file(tmp_path: Path) -> None:
    (tmp_path / "conf.env").write_text(f"# keys\nAWS_ACCESS_KEY_ID={VALUE}\n")
    finding = _masked("AWS_ACCESS_KEY_ID=" + "*" * len(VALUE))
    unmask([finding], SourceTree(tmp_path))
    assert finding.secret is not None
    assert finding.secret.hash == secret_hash(VALUE)
    assert VALUE not in finding.model_dump_json()


def test_a_match_that_does_not_align_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "conf.env").write_text(f"# keys\nOTHER={VALUE}\n")
    finding = _masked("AWS_ACCESS_KEY_ID=" + "*" * len(VALUE))
    before = finding.secret
    unmask([finding], SourceTree(tmp_path))
    assert finding.secret == before


def test_real_trivy_gitleaks_and_trufflehog_report_one_key_once(
    example_app: Path, tmp_path: Path
) -> None:
    for tool in ("gitleaks", "trivy", "trufflehog"):
        require_tool(tool)
    out = tmp_path / "out.json"
    done = run_secgate(
        "scan",
        example_app,
        "-s",
        "gitleaks",
        "-s",
        "trivy",
        "-s",
        "trufflehog",
        "-q",
        "--json",
        out,
    )
    assert done.returncode == 1, done.stderr
    findings = json.loads(out.read_text())["findings"]
    aws = [
        f
        for f in findings
        if f["location"]["path"] == "config/settings.py" and f["location"].get("start_line") == 10
    ]
    assert len(aws) == 1
    assert sorted(s["tool"] for s in aws[0]["sources"]) == ["gitleaks", "trivy", "trufflehog"]
    settings = (EXAMPLE_APP / "config" / "settings.py").read_text()
    raw = settings.splitlines()[9].split('"')[1]
    assert raw not in out.read_text() and raw not in done.stderr
