"""The real Gitleaks and truffleHog on the example app through the CLI: the findings they should
find, and no raw secret value in any output, standard output or standard error."""

from __future__ import annotations

import json
import random
import re
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from tests.support.commands import require_tool, run_secgate
from tests.support.paths import EXAMPLE_APP, FIXTURES
from tests.support.sarif_validation import validate_sarif

pytestmark = [pytest.mark.scanner("gitleaks"), pytest.mark.scanner("trufflehog")]


def raw_secrets() -> list[str]:
    """Every made-up credential of the example, read from its files."""
    values: list[str] = []
    settings = (EXAMPLE_APP / "config" / "settings.py").read_text()
    values += re.findall(r'^[A-Z_]*(?:KEY|TOKEN|SECRET)[A-Z_]* = "([^"]+)"$', settings, re.M)
    env = (EXAMPLE_APP / ".env").read_text()
    values += re.findall(r"^[A-Z_]+=(\S+)$", env, re.M)
    pem = (EXAMPLE_APP / "config" / "deploy_key.pem").read_text()
    values += [line for line in pem.splitlines() if line and not line.startswith("-----")]
    assert len(values) >= 8, values  # four in settings, two in .env, the key's body lines
    return sorted(set(values))


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example app as a git repository whose history holds its secrets."""
    require_tool("gitleaks")
    require_tool("trufflehog")
    target = tmp_path_factory.mktemp("secret-scan") / "vulnerable-app"
    shutil.copytree(EXAMPLE_APP, target)
    git = [
        "git",
        "-c",
        "user.name=secgate-test",
        "-c",
        "user.email=test@example.invalid",
        "-c",
        "commit.gpgsign=false",
        "-C",
        str(target),
    ]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "example"], check=True)
    return target


@pytest.fixture(scope="module")
def scans(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[subprocess.CompletedProcess[str]]]:
    """Two scans: every report file at once (--sarif beside --output-dir, which writes JSON and
    every other format there), and the JSON on stdout inside GitHub Actions."""
    out = tmp_path_factory.mktemp("secret-out")
    first = run_secgate(
        "scan",
        repo,
        "--scanner",
        "gitleaks",
        "--scanner",
        "trufflehog",
        "--sarif",
        out / "scan.sarif",
        "--output-dir",
        out / "all",
        "--explain",
        timeout=300,
    )
    second = run_secgate(
        "scan",
        repo,
        "--scanner",
        "gitleaks",
        "--scanner",
        "trufflehog",
        "--json",
        "-",
        "--explain",
        env={"GITHUB_ACTIONS": "true"},
        timeout=300,
    )
    return out, [first, second]


def test_scans_block_on_the_secrets_they_should_find(
    scans: tuple[Path, list[subprocess.CompletedProcess[str]]],
) -> None:
    out, done = scans
    for run in done:
        assert run.returncode == 1, run.stderr
        assert "Traceback" not in run.stderr
    report = json.loads((out / "all" / "report.json").read_text())
    assert {r["tool"]: r["status"] for r in report["runs"]} == {
        "gitleaks": "ok",
        "trufflehog": "ok",
    }
    # one tool's report of a secret merges with the other's (equal hashes): count by source
    found = {
        (source["tool"], source["rule_id"], f["location"]["path"], f["location"]["start_line"])
        for f in report["findings"]
        for source in f["sources"]
    }
    assert found == {
        ("gitleaks", "aws-access-token", ".env", 2),
        ("gitleaks", "aws-access-token", "config/settings.py", 10),
        ("gitleaks", "github-pat", "config/settings.py", 14),
        ("gitleaks", "private-key", "config/deploy_key.pem", 1),
        ("trufflehog", "aws-api-key", ".env", 2),
        ("trufflehog", "aws-api-key", "config/settings.py", 10),
        ("trufflehog", "rsa-private-key", "config/deploy_key.pem", 1),
    }
    assert all(
        f["category"] == "secret" and f["severity"] == "high" and f["decision"]["action"] == "block"
        for f in report["findings"]
    )
    assert len({f["fingerprint"] for f in report["findings"]}) == len(report["findings"])
    validate_sarif(out / "scan.sarif")
    # deterministic: the second scan's JSON is byte-identical to the first one's
    assert done[1].stdout == (out / "all" / "report.json").read_text()


def test_no_raw_secret_in_any_output(
    scans: tuple[Path, list[subprocess.CompletedProcess[str]]],
) -> None:
    out, done = scans
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"scan.sarif", "report.json"}
    texts = {str(p): p.read_text(encoding="utf-8") for p in files}
    for number, run in enumerate(done, start=1):
        texts[f"run {number} stdout"] = run.stdout
        texts[f"run {number} stderr"] = run.stderr
    for raw in raw_secrets():
        for where, text in texts.items():
            assert raw not in text, f"a raw secret value leaked into {where}"
    for preview in ("AKIA…NC", "ghp_…el"):
        for name in ("scan.sarif", "report.json"):
            assert any(preview in text for where, text in texts.items() if where.endswith(name))
        assert preview in done[0].stderr  # the summary names the blocking secrets, masked


def test_actions_scan_shows_grouped_progress(
    scans: tuple[Path, list[subprocess.CompletedProcess[str]]],
) -> None:
    _, done = scans
    assert "::group::secgate: gitleaks ok" in done[1].stderr
    assert "::group::secgate: trufflehog ok" in done[1].stderr
    assert "::group::" not in done[0].stderr
    assert "secgate: gitleaks ok in" in done[0].stderr


def test_ingested_reports_hold_no_raw_secret(tmp_path: Path) -> None:
    sarif = tmp_path / "in.sarif"
    done = run_secgate(
        "scan",
        "--input",
        FIXTURES / "gitleaks" / "8.30.1" / "git.json",
        "--input",
        FIXTURES / "gitleaks" / "8.30.1" / "dir.sarif",
        "--input",
        FIXTURES / "trufflehog" / "3.x" / "git.jsonl",
        "--input",
        FIXTURES / "trufflehog" / "2.2.1" / "git-regex.jsonl",
        "--sarif",
        sarif,
        "--json",
        "-",
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert {r["tool"] for r in report["runs"]} == {"gitleaks", "trufflehog"}
    assert any(f["severity"] == "critical" for f in report["findings"])  # v3 verified
    text = sarif.read_text() + done.stdout + done.stderr
    for raw in raw_secrets():
        assert raw not in text
    validate_sarif(sarif)


@pytest.mark.parametrize(
    ("content", "spec_tool", "message"),
    [
        (b'[{"RuleID": "aws-access-token", "File": "a"', "gitleaks", "truncated JSON"),
        (b'{"DetectorName": "AWS"}\n{"DetectorName"', "trufflehog", "malformed JSON line 2"),
        (b"[]\n", None, "an empty report (JSON `[]` or `null`) does not say which tool"),
    ],
)
def test_bad_input_files_exit_2_naming_the_file(
    tmp_path: Path, content: bytes, spec_tool: str | None, message: str
) -> None:
    path = tmp_path / "report.out"
    path.write_bytes(content)
    spec = f"{spec_tool}={path}" if spec_tool else str(path)
    done = run_secgate("scan", "--input", spec)
    assert done.returncode == 2
    assert str(path) in done.stderr and message in done.stderr
    assert "Traceback" not in done.stderr


def test_empty_reports_pass_when_the_tool_is_named(tmp_path: Path) -> None:
    done = run_secgate(
        "scan",
        "--input",
        f"gitleaks={FIXTURES / 'gitleaks' / '8.30.1' / 'empty.json'}",
        "--input",
        f"gitleaks={FIXTURES / 'gitleaks' / '7.6.1' / 'empty-null.json'}",
    )
    assert done.returncode == 0, done.stderr


def test_uncommitted_files_need_dir_mode(repo: Path, tmp_path: Path) -> None:
    """History mode (the default on a repository) sees commits only; ``mode: dir`` in the
    policy's scanner settings scans the working tree, uncommitted files included."""
    work = tmp_path / "work"
    shutil.copytree(repo, work)
    # made up here, so that this test file itself holds no token-shaped string
    token = "ghp_" + "".join(random.Random(3).choices(string.ascii_letters + string.digits, k=36))
    (work / "new_token.py").write_text(f'TOKEN = "{token}"\n')
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nscanners:\n  settings:\n    gitleaks:\n      mode: dir\n")
    paths = {}
    for name, extra in (("history", ()), ("files", ("--policy", str(policy)))):
        done = run_secgate("scan", work, "--scanner", "gitleaks", "--json", "-", "--quiet", *extra)
        assert done.returncode == 1, done.stderr
        report = json.loads(done.stdout)
        assert report["runs"][0]["command"][1] == ("git" if name == "history" else "dir")
        paths[name] = {f["location"]["path"] for f in report["findings"]}
        assert token not in done.stdout
    assert "new_token.py" not in paths["history"]
    assert "new_token.py" in paths["files"]
    assert paths["files"] - {"new_token.py"} == paths["history"]
