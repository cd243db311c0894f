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

TWO_TOOLS = {"gitleaks", "trivy"}
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


def test_a_cached_finding_is_read_back_but_not_hashed_again(tmp_path: Path) -> None:
    """A finding from the result cache was unmasked before it was stored: its value is still
    recovered for the scrubber, its secret (already the value's) is kept as it is."""
    (tmp_path / "conf.env").write_text(f"# keys\nAWS_ACCESS_KEY_ID={VALUE}\n")
    fresh = _masked("AWS_ACCESS_KEY_ID=" + "*" * len(VALUE))
    assert unmask([fresh], SourceTree(tmp_path)) == {VALUE}
    cached = fresh.model_copy()
    kept = cached.secret
    assert unmask([cached], SourceTree(tmp_path), unmasked={id(cached)}) == {VALUE}
    assert cached.secret is kept
    assert cached.secret == fresh.secret


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


def test_a_warm_rescan_keeps_the_unmasked_secret(example_app: Path, tmp_path: Path) -> None:
    """Reused from the result cache, Trivy's masked key keeps the hash of its real value (it is
    not hashed again) and still merges with Gitleaks' report of it: the warm report is the cold
    one. (TruffleHog is left out: a history scan is not reused, and any secret scanner run fresh
    makes the others run fresh too.)"""
    for tool in ("gitleaks", "trivy"):
        require_tool(tool)
    env = {"SECGATE_NO_CACHE": "0", "SECGATE_CACHE_DIR": str(tmp_path / "cache")}
    reports = []
    for name in ("cold", "warm"):
        out = tmp_path / f"{name}.json"
        done = run_secgate(
            "scan", example_app, *("-s", "gitleaks", "-s", "trivy"),
            "-q", "--json", out, env=env,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        reports.append(json.loads(out.read_text()))
    cold, warm = reports
    assert {r["origin"] for r in warm["runs"]} == {"cache"}
    assert warm["findings"] == cold["findings"]
    merged = [f for f in warm["findings"] if {s["tool"] for s in f["sources"]} >= TWO_TOOLS]
    assert merged, "Trivy's masked key merged with Gitleaks' report of it"
