"""detect-secrets: baselines (scan, labelled by audit) and audit reports from real captures, and
a real run of the detect-secrets that scripts/setup installs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from secgate.adapters.detect_secrets import HASHED_PREVIEW, DetectSecretsAdapter
from secgate.adapters.interface import RunContext
from secgate.errors import InputError
from secgate.findings.dedupe import dedupe
from secgate.findings.fingerprint import SourceTree
from secgate.findings.secrets import make_secret
from secgate.model import SuppressionKind
from tests.support.commands import run_secgate
from tests.support.dedupe_scans import git_copy
from tests.support.example_app import AWS_ID, AWS_SECRET, GITHUB_PAT
from tests.support.paths import EXAMPLE_APP, FIXTURES, TOOLS_BIN

V15 = FIXTURES / "detect-secrets" / "1.5.0"
SCAN_PLACES = [
    ("app/auth.py", 5, "secret-keyword"),
    ("config/deploy_key.pem", 1, "private-key"),
    ("config/settings.py", 10, "aws-access-key"),
    ("config/settings.py", 11, "aws-access-key"),
    ("config/settings.py", 11, "base64-high-entropy-string"),
    ("config/settings.py", 14, "base64-high-entropy-string"),
    ("config/settings.py", 14, "github-token"),
    ("config/settings.py", 16, "base64-high-entropy-string"),
    ("config/settings.py", 16, "secret-keyword"),
]


def parse(path: Path) -> list[tuple[str | None, int | None, str]]:
    findings = DetectSecretsAdapter().parse(path.read_bytes()).findings
    return sorted(
        (f.path, f.location.start_line if f.location else None, f.rule_id) for f in findings
    )


def test_baseline_one_finding_per_entry_and_no_value() -> None:
    parsed = DetectSecretsAdapter().parse((V15 / "scan.json").read_bytes())
    assert parse(V15 / "scan.json") == SCAN_PLACES
    assert parsed.tool_version == "1.5.0"
    assert all(f.secret and f.secret.preview == HASHED_PREVIEW for f in parsed.findings)
    assert parsed.secret_values == set()
    dumped = json.dumps([f.model_dump(mode="json") for f in parsed.findings])
    digests = {
        e["hashed_secret"]
        for entries in json.loads((V15 / "scan.json").read_text())["results"].values()
        for e in entries
    }
    assert not any(d in dumped for d in digests)  # the unsalted SHA-1 is never written


def test_one_secret_of_two_plugins_merges() -> None:
    findings = DetectSecretsAdapter().parse((V15 / "scan.json").read_bytes()).findings
    merged = dedupe(findings, SourceTree(None)).findings
    assert len(merged) == 7
    line_11 = next(f for f in merged if f.location and f.location.start_line == 11)
    assert [(s.tool, s.rule_id) for s in line_11.sources] == [
        ("detect-secrets", "aws-access-key"),
        ("detect-secrets", "base64-high-entropy-string"),
    ]


def test_scan_variants() -> None:
    assert parse(V15 / "scan-all-files.json") == SCAN_PLACES
    assert parse(V15 / "scan-all-files-path.json") == [
        (f"vulnerable-app/{p}", line, rule) for p, line, rule in SCAN_PLACES
    ]
    assert parse(V15 / "clean.json") == [] and parse(V15 / "scan-path.json") == []


def test_audit_labels_become_suppressions() -> None:
    findings = DetectSecretsAdapter().parse((V15 / "audited.json").read_bytes()).findings
    suppressed = [
        (f.path, f.location.start_line if f.location else None, f.rule_id)
        for f in findings
        if f.suppression
    ]
    assert suppressed == [
        ("config/settings.py", 16, "base64-high-entropy-string"),
        ("config/settings.py", 16, "secret-keyword"),
    ]
    assert all(
        f.suppression and f.suppression.kind is SuppressionKind.EXTERNAL
        for f in findings
        if f.properties.get("is_secret") is False
    )


def test_audit_report_hashes_the_raw_value_and_keeps_none() -> None:
    parsed = DetectSecretsAdapter().parse((V15 / "audit-report.json").read_bytes())
    assert len(parsed.findings) == 7
    token = next(
        f
        for f in parsed.findings
        if f.location and f.location.start_line == 14 and f.rule_id == "base64-high-entropy-string"
    )
    assert token.secret == make_secret(GITHUB_PAT, kind="base64-high-entropy-string")
    assert {AWS_ID, AWS_SECRET, GITHUB_PAT} <= parsed.secret_values
    dumped = json.dumps([f.model_dump(mode="json") for f in parsed.findings])
    for value in (AWS_ID, AWS_SECRET, GITHUB_PAT):
        assert value not in dumped
    only_false = (
        DetectSecretsAdapter().parse((V15 / "audited-report-only-false.json").read_bytes()).findings
    )
    assert [f.suppression is not None for f in only_false] == [True]
    assert only_false[0].properties["types"] == ["Base64 High Entropy String", "Secret Keyword"]


@pytest.mark.parametrize(
    "doc",
    [
        {"results": {"a": [{"type": "x"}]}, "plugins_used": [], "filters_used": []},
        {"results": [{"category": "UNVERIFIED", "filename": "a", "types": []}]},
        {"results": 3},
    ],
)
def test_malformed_is_an_input_error(doc: object) -> None:
    with pytest.raises(InputError):
        DetectSecretsAdapter().parse(json.dumps(doc).encode())


def test_outside_git_it_scans_every_file(tmp_path: Path) -> None:
    """Without --all-files, detect-secrets outside a repository examines nothing and exits 0
    (scan-path.json): secgate's command line says --all-files there."""
    ctx = RunContext(target=tmp_path, work_dir=tmp_path, executable="detect-secrets")
    assert "--all-files" in DetectSecretsAdapter().invocation(ctx).argv
    (tmp_path / ".git").mkdir()
    assert "--all-files" not in DetectSecretsAdapter().invocation(ctx).argv


@pytest.mark.parametrize("git", [True, False], ids=["git", "plain-directory"])
def test_real_run(tmp_path: Path, git: bool) -> None:
    executable = shutil.which("detect-secrets", path=str(TOOLS_BIN))
    assert executable, "scripts/setup installs detect-secrets into .tools/bin"
    target = tmp_path / "app"
    if git:
        git_copy(target)
    else:
        shutil.copytree(EXAMPLE_APP, target)
    out = tmp_path / "out"
    done = run_secgate(
        "scan",
        target,
        "--scanner",
        "detect-secrets",
        "--no-cache",
        "--output-dir",
        out,
        env={"SECGATE_DETECT_SECRETS_BIN": executable},
    )
    assert done.returncode == 1, done.stderr
    report = json.loads((out / "report.json").read_text())
    run = next(r for r in report["runs"] if r["tool"] == "detect-secrets")
    assert run["status"] == "ok" and run["version"] == "1.5.0"
    places = {(f["location"]["path"], f["location"]["start_line"]) for f in report["findings"]}
    # the captures' target had .env only in history; the example app has it as a file
    assert {(p, line) for p, line, _ in SCAN_PLACES} | {(".env", 2)} == places
