"""TruffleHog output: v2 JSON lines captured from truffleHog 2.2.1, v3 JSON lines hand-built to
the documented format (v3 cannot be installed here; see the fixtures' README)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secgate.adapters import registry
from secgate.adapters.gitleaks import GitleaksAdapter
from secgate.adapters.interface import ParseResult, RunContext, Sample
from secgate.adapters.trufflehog import TruffleHogAdapter
from secgate.errors import InputError
from secgate.model import Severity
from tests.support.example_app import AWS_ID, AWS_SECRET, GITHUB_PAT, KEY_LINE
from tests.support.paths import FIXTURES

V2 = FIXTURES / "trufflehog" / "2.2.1"
V3 = FIXTURES / "trufflehog" / "3.x"


def parse(path: Path) -> ParseResult:
    return TruffleHogAdapter().parse(path.read_bytes())


def places(result: ParseResult) -> list[tuple[str | None, int | None, str]]:
    return [
        (f.path, f.location.start_line if f.location else None, f.rule_id) for f in result.findings
    ]


def dumped(result: ParseResult) -> str:
    return json.dumps([f.model_dump(mode="json") for f in result.findings])


def test_v3_git_source() -> None:
    result = parse(V3 / "git.jsonl")
    assert places(result) == [
        (".env", 2, "AWS"),
        ("config/deploy_key.pem", 1, "PrivateKey"),
        ("config/settings.py", 10, "AWS"),
        ("config/settings.py", 14, "Github"),
    ]
    env = result.findings[0]
    assert env.secret is not None and env.secret.verified is True
    assert env.severity is Severity.CRITICAL and env.score >= 9.0
    assert "verified live" in env.message
    assert env.properties["commit"] == "b8bb7f350eb7675a87d4683e8d6640d99e9231af"
    assert env.properties["extraData"]["account"] == "123456789012"
    others = result.findings[1:]
    assert all(
        f.severity is Severity.HIGH and f.secret and f.secret.verified is False for f in others
    )
    key = result.findings[1]
    assert key.location is not None and (key.location.start_line, key.location.end_line) == (1, 9)


def test_v3_github_and_filesystem_sources() -> None:
    github = parse(V3 / "github.jsonl")
    assert places(github) == [
        ("config/settings.py", 10, "AWS"),
        ("config/settings.py", 14, "Github"),
    ]
    assert github.findings[0].properties["link"].endswith("config/settings.py#L10")
    files = parse(V3 / "filesystem.jsonl")
    assert places(files) == [
        ("vulnerable-app/config/deploy_key.pem", 1, "PrivateKey"),
        ("vulnerable-app/config/settings.py", 10, "AWS"),
        ("vulnerable-app/config/settings.py", 14, "Github"),
    ]
    assert all("commit" not in f.properties for f in files.findings)


@pytest.mark.parametrize("name", ["git.jsonl", "github.jsonl", "filesystem.jsonl"])
def test_v3_raw_values_are_registered_and_never_kept(name: str) -> None:
    result = parse(V3 / name)
    text = dumped(result)
    for raw in (AWS_ID, AWS_SECRET, GITHUB_PAT, KEY_LINE):
        assert raw not in text
    if name != "filesystem.jsonl":
        # RawV2 joins the key id with its secret key: the secret key alone is scrubbed too
        assert {AWS_ID, AWS_SECRET, AWS_ID + AWS_SECRET} <= result.secret_values


def test_v2_capture_finds_lines_in_the_diff_and_merges_commits() -> None:
    result = parse(V2 / "git-regex.jsonl")
    assert places(result) == [
        (".env", 2, "aws-api-key"),
        ("config/deploy_key.pem", 1, "rsa-private-key"),
        ("config/settings.py", 10, "aws-api-key"),
    ]
    env, key, settings = result.findings
    assert env.rule_name == "AWS API Key"
    assert env.properties["commit"] == "b8bb7f350eb7675a87d4683e8d6640d99e9231af"
    assert env.properties["commits"] == [
        "3ec0001acc5123ef02761cee954e9cf092dd4458",
        "b8bb7f350eb7675a87d4683e8d6640d99e9231af",
    ]
    assert settings.location is not None
    assert settings.location.snippet == 'AWS_ACCESS_KEY_ID = "AKIA…NC"'
    assert key.location is not None and (key.location.start_line, key.location.end_line) == (1, 9)
    assert all(f.severity is Severity.HIGH for f in result.findings)


def test_v2_never_keeps_the_diff_or_its_other_secrets() -> None:
    text = dumped(parse(V2 / "git-regex.jsonl"))
    # the diffs hold the AWS secret key and the GitHub token, which v2 did not flag
    for raw in (AWS_ID, AWS_SECRET, GITHUB_PAT, KEY_LINE, "\x1b["):
        assert raw not in text


def test_secrets_hash_alike_across_tools_and_versions() -> None:
    def by_place(result: ParseResult) -> dict[tuple[str | None, int | None], str]:
        return {
            (f.path, f.location.start_line if f.location else None): f.secret.hash
            if f.secret
            else ""
            for f in result.findings
        }

    gitleaks = by_place(
        GitleaksAdapter().parse((FIXTURES / "gitleaks" / "8.30.1" / "git.json").read_bytes())
    )
    v3 = by_place(parse(V3 / "git.jsonl"))
    v2 = by_place(parse(V2 / "git-regex.jsonl"))
    assert v3 == gitleaks
    assert all(gitleaks[place] == digest for place, digest in v2.items())


def test_empty_output_is_no_findings_and_a_crash_is_not_a_pass() -> None:
    adapter = TruffleHogAdapter()
    empty = adapter.parse((V2 / "empty.jsonl").read_bytes())
    assert empty.findings == []
    assert adapter.output_problem(0, empty) is None
    problem = adapter.output_problem(1, empty)
    assert problem is not None and "exited with code 1" in problem
    assert adapter.output_problem(1, parse(V2 / "git-regex.jsonl")) is None


@pytest.mark.parametrize(
    "name", ["2.2.1/git-regex.jsonl", "3.x/git.jsonl", "3.x/github.jsonl", "3.x/filesystem.jsonl"]
)
def test_registry_detects_trufflehog_from_content(name: str) -> None:
    found = registry.detect(Sample((FIXTURES / "trufflehog" / name).read_bytes()))
    assert found is not None and found.name == "trufflehog"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"DetectorName": "AWS"', "malformed JSON line 1"),
        (b'{"something": 1}\n', "not a TruffleHog finding"),
        (b"[1, 2]\n", "^line 1: expected an object, found an array"),
        (
            b'{"reason": "AWS", "path": "a", "stringsFound": "AKIA"}\n',
            "^line 1: stringsFound: expected an array of strings",
        ),
        (b'{"reason": "AWS", "stringsFound": []}\n', "^line 1: path: missing"),
        (
            b'{"DetectorName": "AWS", "SourceMetadata": {"Data": []}}\n',
            "^line 1: SourceMetadata.Data: expected an object, found an array",
        ),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_malformed_output_raises_input_errors(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        TruffleHogAdapter().parse(data)


def test_version_output_of_each_major_version() -> None:
    adapter = TruffleHogAdapter()
    assert adapter.parse_version("trufflehog 3.88.1\n") == "3.88.1"
    usage = "usage: trufflehog [-h] [--json] [--entropy DO_ENTROPY] git_url\n"
    assert adapter.parse_version(usage) == "2"


def test_v2_run_mode(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    script = tmp_path / "trufflehog"
    script.write_text(
        "#!/bin/sh\necho 'usage: trufflehog [--entropy DO_ENTROPY] git_url' >&2\nexit 2\n"
    )
    script.chmod(0o755)
    adapter = TruffleHogAdapter()
    inv = adapter.invocation(
        RunContext(target=repo, work_dir=tmp_path / "work", executable=str(script))
    )
    assert inv.argv == [
        str(script),
        "--json",
        "--regex",
        "--entropy=False",
        "--cleanup",
        repo.as_uri(),
    ]
    assert inv.env["TMPDIR"] == str(tmp_path / "work") and inv.output is None
    assert adapter.skip_reason(repo) is None


def test_v3_run_mode(tmp_path: Path) -> None:
    repo, plain = tmp_path / "repo", tmp_path / "plain"
    (repo / ".git").mkdir(parents=True)
    plain.mkdir()
    script = tmp_path / "trufflehog3"
    script.write_text("#!/bin/sh\necho 'trufflehog 3.88.1'\n")
    script.chmod(0o755)
    adapter = TruffleHogAdapter()
    git = adapter.invocation(RunContext(target=repo, work_dir=tmp_path, executable=str(script)))
    assert git.argv == [str(script), "git", repo.as_uri(), "--json", "--no-update"]
    files = adapter.invocation(
        RunContext(
            target=plain, work_dir=tmp_path, executable=str(script), config={"verify": False}
        )
    )
    assert files.argv == [
        str(script),
        "filesystem",
        str(plain),
        "--json",
        "--no-update",
        "--no-verification",
    ]


def test_v2_skips_a_directory_that_is_not_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "trufflehog"
    script.write_text("#!/bin/sh\necho 'usage: trufflehog git_url' >&2\nexit 2\n")
    script.chmod(0o755)
    monkeypatch.setenv("SECGATE_TRUFFLEHOG_BIN", str(script))
    reason = TruffleHogAdapter().skip_reason(tmp_path)
    assert reason is not None and "not a git repository" in reason
