"""trufflehog3 (the PyPI tool): its 3.x and legacy 2.x JSON arrays from real captures, and a real
run of the trufflehog3 that scripts/setup installs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from secgate.adapters.trufflehog3 import TruffleHog3Adapter
from secgate.errors import InputError
from secgate.findings.secrets import make_secret
from secgate.model import Category
from secgate.scanning.ingest import InputSpec, ingest
from tests.support.commands import run_secgate
from tests.support.dedupe_scans import git_copy
from tests.support.example_app import AWS_ID, AWS_SECRET, GITHUB_PAT
from tests.support.paths import FIXTURES, TOOLS_BIN

V3 = FIXTURES / "trufflehog3" / "3.0.10"
V2 = FIXTURES / "trufflehog3" / "2.0.7"


def parse(path: Path) -> list[tuple[str | None, int | None, str]]:
    findings = TruffleHog3Adapter().parse(path.read_bytes()).findings
    return [(f.path, f.location.start_line if f.location else None, f.rule_id) for f in findings]


def test_current_files_scan() -> None:
    found = parse(V3 / "files.json")
    assert ("config/settings.py", 10, "amazon.aws-api-key") in found
    assert ("config/deploy_key.pem", 1, "private.key") in found
    assert sorted(found) == sorted(parse(V3 / "files-stdout.json"))  # other order, same items
    assert len(found) == 10 and all(line is not None for _, line, _ in found)


def test_history_lines_are_diff_lines_so_history_findings_have_none() -> None:
    findings = TruffleHog3Adapter().parse((V3 / "history.json").read_bytes()).findings
    assert len(findings) == 14
    assert all(f.location is not None and f.location.start_line is None for f in findings)
    assert all(f.properties["commit"] and f.properties["diff_line"] for f in findings)
    aws = [f for f in findings if f.rule_id == "amazon.aws-api-key"]
    # the key of the committed file, once per commit of .env (added, then deleted) and settings
    assert sorted((f.path, f.properties["commit"][:7]) for f in aws) == [
        (".env", "33709f8"),
        (".env", "f63c553"),
        ("config/settings.py", "33709f8"),
    ]
    assert len({f.secret.hash for f in aws if f.secret}) == 1


def test_diff_mark_is_not_part_of_the_secret() -> None:
    """A history match of an added line keeps the diff's `+`: the value without it is the one
    the file holds (the same hash as the current file's report)."""
    findings = TruffleHog3Adapter().parse((V3 / "all.json").read_bytes()).findings
    token = [
        f
        for f in findings
        if f.path == "config/settings.py"
        and f.secret
        and f.secret.hash == make_secret(GITHUB_PAT).hash
    ]
    assert len(token) == 2  # history (commit) and current file
    assert {f.location.start_line for f in token if f.location} == {None, 14}


def test_raw_values_never_kept() -> None:
    for path in (V3 / "all.json", V2 / "all.json", V2 / "files-line-numbers.json"):
        parsed = TruffleHog3Adapter().parse(path.read_bytes())
        text = json.dumps([f.model_dump(mode="json") for f in parsed.findings])
        for value in (AWS_ID, AWS_SECRET, GITHUB_PAT):
            assert value not in text
    # kept in memory only, to scrub every output
    assert AWS_ID in TruffleHog3Adapter().parse((V3 / "all.json").read_bytes()).secret_values


def test_legacy_one_finding_per_string() -> None:
    parsed = TruffleHog3Adapter().parse((V2 / "files.json").read_bytes())
    assert len(json.loads((V2 / "files.json").read_text())) == 4
    assert len(parsed.findings) == 10
    assert {f.rule_id for f in parsed.findings} == {
        "high-entropy",
        "amazon-aws-access-key-id",
        "rsa-private-key",
    }
    numbered = parse(V2 / "files-line-numbers.json")
    assert ("config/settings.py", 14, "high-entropy") in numbered
    assert ("config/deploy_key.pem", 1, "rsa-private-key") in numbered
    history = TruffleHog3Adapter().parse((V2 / "history.json").read_bytes()).findings
    assert all(
        f.properties.get("commit") and f.location and f.location.start_line is None for f in history
    )
    # the scan time of a current-file item is not kept: the report stays the same run to run
    assert all("date" not in f.properties for f in parsed.findings)


def test_each_category_is_secret_and_unverified() -> None:
    findings = TruffleHog3Adapter().parse((V3 / "all.json").read_bytes()).findings
    assert {f.category for f in findings} == {Category.SECRET}
    assert all(f.secret is not None and f.secret.verified is None for f in findings)


def test_array_of_trufflehog3_forced_as_trufflehog_names_the_tool() -> None:
    with pytest.raises(InputError, match="this is trufflehog3 output") as error:
        ingest(InputSpec(V2 / "all.json", "trufflehog"))
    assert "malformed JSON line" not in error.value.message
    with pytest.raises(InputError, match="this is trufflehog3 output"):
        ingest(InputSpec(V3 / "all.json", "trufflehog"))


@pytest.mark.parametrize("doc", [{"rule": {}}, [{"rule": {"id": "x"}, "path": "a"}], [1]])
def test_malformed_is_an_input_error(doc: object) -> None:
    with pytest.raises(InputError):
        TruffleHog3Adapter().parse(json.dumps(doc).encode())


def _executable() -> str:
    found = shutil.which("trufflehog3", path=str(TOOLS_BIN))
    assert found, "scripts/setup installs trufflehog3 into .tools/bin"
    return found


def test_real_run_finds_the_example_secrets(tmp_path: Path) -> None:
    target = git_copy(tmp_path / "app")
    out = tmp_path / "out"
    done = run_secgate(
        "scan",
        target,
        "--scanner",
        "trufflehog3",
        "--no-cache",
        "--output-dir",
        out,
        env={"SECGATE_TRUFFLEHOG3_BIN": _executable()},
    )
    assert done.returncode == 1, done.stderr  # secrets block
    report = json.loads((out / "report.json").read_text())
    run = next(r for r in report["runs"] if r["tool"] == "trufflehog3")
    assert run["status"] == "ok" and run["version"] == "3.0.10"
    found = {
        (f["location"]["path"], f["location"].get("start_line"), f["rule_id"])
        for f in report["findings"]
    }
    assert ("config/settings.py", 10, "amazon.aws-api-key") in found
    everything = "".join(
        (out / name).read_text()
        for name in ("report.json", "report.sarif", "report.md", "report.html")
    )
    everything += done.stdout + done.stderr
    for value in (AWS_ID, AWS_SECRET, GITHUB_PAT):
        assert value not in everything
