"""Gitleaks reports of every shape, parsed from the captured (8.30.1) and hand-built (7.x) files."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from secgate.adapters import registry
from secgate.adapters.gitleaks import GitleaksAdapter
from secgate.adapters.interface import RunContext, Sample
from secgate.adapters.secret_findings import REDACTED_PREVIEW
from secgate.errors import InputError, UsageError
from secgate.model import Category, Severity
from tests.support.example_app import AWS_ID, GITHUB_PAT, KEY_LINE
from tests.support.paths import FIXTURES

V8 = FIXTURES / "gitleaks" / "8.30.1"
V7 = FIXTURES / "gitleaks" / "7.6.1"

HISTORY = [
    (".env", 2, "aws-access-token"),
    ("config/deploy_key.pem", 1, "private-key"),
    ("config/settings.py", 10, "aws-access-token"),
    ("config/settings.py", 14, "github-pat"),
]
FILES = [(f"vulnerable-app/{p}", line, rule) for p, line, rule in HISTORY if p != ".env"]


def parse(path: Path) -> list[tuple[str | None, int | None, str]]:
    result = GitleaksAdapter().parse(path.read_bytes())
    return [
        (f.path, f.location.start_line if f.location else None, f.rule_id) for f in result.findings
    ]


def dump(path: Path) -> str:
    result = GitleaksAdapter().parse(path.read_bytes())
    return json.dumps([f.model_dump(mode="json") for f in result.findings])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("8.30.1/git.json", HISTORY),
        ("8.30.1/git-redacted.json", HISTORY),
        ("8.30.1/dir.json", FILES),
        ("8.30.1/dir-redacted.json", FILES),
        ("8.30.1/dir.sarif", FILES),
        ("7.6.1/git.json", HISTORY),
        ("7.6.1/git-redacted.json", HISTORY),
        ("7.6.1/no-git.json", FILES),
    ],
)
def test_every_shape_gives_the_same_findings_in_a_stable_order(
    name: str, expected: list[tuple[str, int, str]]
) -> None:
    assert parse(FIXTURES / "gitleaks" / name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "8.30.1/empty.json",
        "8.30.1/empty-redacted.json",
        "8.30.1/empty.sarif",
        "7.6.1/empty-null.json",
    ],
)
def test_empty_reports_have_no_findings(name: str) -> None:
    result = GitleaksAdapter().parse((FIXTURES / "gitleaks" / name).read_bytes())
    assert result.findings == []
    assert result.secret_values == set()


def test_v8_finding_keeps_hash_and_preview_never_the_value() -> None:
    result = GitleaksAdapter().parse((V8 / "git.json").read_bytes())
    pat = next(f for f in result.findings if f.rule_id == "github-pat")
    assert pat.category is Category.SECRET
    assert pat.severity is Severity.HIGH and pat.score == Severity.HIGH.default_score
    assert pat.cwes == ["CWE-798"]
    assert pat.secret is not None and pat.secret.verified is None
    assert pat.secret.preview == "ghp_…el" and pat.secret.kind == "github-pat"
    assert pat.location is not None
    assert (pat.location.start_column, pat.location.end_column) == (18, 57)
    assert pat.location.snippet == "ghp_…el"
    assert pat.properties["commit"] == "b8bb7f350eb7675a87d4683e8d6640d99e9231af"
    assert pat.properties["gitleaksFingerprint"].endswith(":config/settings.py:github-pat:14")
    assert "ghp_…el" in pat.message and "b8bb7f350eb7" in pat.message
    text = dump(V8 / "git.json")
    for raw in (AWS_ID, GITHUB_PAT, KEY_LINE):
        assert raw not in text
    assert {AWS_ID, GITHUB_PAT} <= result.secret_values
    assert any(KEY_LINE in v for v in result.secret_values)


def test_private_key_spans_its_block_and_is_masked_whole() -> None:
    result = GitleaksAdapter().parse((V8 / "dir.json").read_bytes())
    key = next(f for f in result.findings if f.rule_id == "private-key")
    assert key.location is not None
    assert (key.location.start_line, key.location.end_line) == (1, 9)
    assert key.location.snippet == key.secret.preview if key.secret else False
    assert "\n" not in (key.location.snippet or "")


def test_same_secret_hashes_equal_across_json_sarif_and_v7() -> None:
    def hashes(path: Path) -> dict[tuple[str, int | None], str]:
        return {
            (f.rule_id, f.location.start_line if f.location else 0): f.secret.hash
            if f.secret
            else ""
            for f in GitleaksAdapter().parse(path.read_bytes()).findings
        }

    v8_json, v8_sarif, v7 = (
        hashes(V8 / "dir.json"),
        hashes(V8 / "dir.sarif"),
        hashes(V7 / "no-git.json"),
    )
    assert v8_json == v8_sarif
    # v7's private-key offender is the BEGIN line only; the tokens hash the same
    assert v7[("aws-access-token", 10)] == v8_json[("aws-access-token", 10)]
    assert v7[("github-pat", 14)] == v8_json[("github-pat", 14)]


def test_redacted_reports_hash_the_place_not_a_value() -> None:
    first = GitleaksAdapter().parse((V8 / "git-redacted.json").read_bytes())
    again = GitleaksAdapter().parse((V8 / "git-redacted.json").read_bytes())
    plain = GitleaksAdapter().parse((V8 / "git.json").read_bytes())
    assert first.secret_values == set()
    assert all(f.secret and f.secret.preview == REDACTED_PREVIEW for f in first.findings)
    hashes = [f.secret.hash for f in first.findings if f.secret]
    assert len(set(hashes)) == 4  # same token at two places: two distinct location hashes
    assert hashes == [f.secret.hash for f in again.findings if f.secret]
    assert not set(hashes) & {f.secret.hash for f in plain.findings if f.secret}


def test_v7_rule_names_map_to_v8_ids_and_keep_their_words() -> None:
    result = GitleaksAdapter().parse((V7 / "git.json").read_bytes())
    names = {(f.rule_id, f.rule_name) for f in result.findings}
    assert names == {
        ("aws-access-token", "AWS Access Key"),
        ("private-key", "Asymmetric Private Key"),
        ("github-pat", "Github Personal Access Token"),
    }
    settings = [f for f in result.findings if f.path == "config/settings.py"]
    assert [f.location.snippet for f in settings if f.location] == [
        'AWS_ACCESS_KEY_ID = "AKIA…NC"',
        'GITHUB_TOKEN = "ghp_…el"',
    ]
    assert all(f.tags == ["AWS", "key"] for f in settings if f.rule_id == "aws-access-token")
    no_git = GitleaksAdapter().parse((V7 / "no-git.json").read_bytes())
    assert all("date" not in f.properties for f in no_git.findings)  # 0001-01-01 dropped


def test_finding_order_does_not_depend_on_report_order() -> None:
    doc = json.loads((V8 / "git.json").read_text())
    expected = dump(V8 / "git.json")
    rng = random.Random(7)
    for _ in range(3):
        rng.shuffle(doc)
        shuffled = GitleaksAdapter().parse(json.dumps(doc).encode())
        assert json.dumps([f.model_dump(mode="json") for f in shuffled.findings]) == expected


@pytest.mark.parametrize(
    "name",
    [
        "8.30.1/git.json",
        "8.30.1/dir.sarif",
        "7.6.1/git.json",
        "7.6.1/no-git.json",
        "8.30.1/dir-redacted.json",
    ],
)
def test_registry_detects_gitleaks_from_content(name: str) -> None:
    found = registry.detect(Sample((FIXTURES / "gitleaks" / name).read_bytes()))
    assert found is not None and found.name == "gitleaks"


@pytest.mark.parametrize("data", [b"[]\n", b"null", b'{"results": []}', b'[{"a": 1}]'])
def test_ambiguous_or_foreign_content_is_not_claimed(data: bytes) -> None:
    assert not GitleaksAdapter().detect(Sample(data))


def test_secgates_own_sarif_is_not_mistaken_for_gitleaks() -> None:
    doc = json.loads((V8 / "dir.sarif").read_text())
    doc["runs"][0]["automationDetails"] = {"id": "secgate/gitleaks/"}
    assert not GitleaksAdapter().detect(Sample(json.dumps(doc).encode()))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[{"RuleID": "x"', "truncated JSON"),
        (b'{"RuleID": "x"}', "expected a JSON array"),
        (b'[{"RuleID": "x", "Secret": "abcdefgh"}]', r"^\[0\]\.File: missing"),
        (
            b'[{"RuleID": "x", "File": "a", "Secret": "abcdefgh", "StartLine": "ten"}]',
            r"^\[0\]\.StartLine: expected a line or column number, found a string",
        ),
        (b'[{"RuleID": "x", "File": "a"}]', "neither 'Secret' nor 'Match'"),
        (b'[{"what": 1}]', "neither 'RuleID'"),
        (b"[3]", r"^\[0\]: expected an object, found a number"),
        (b"", "empty"),
    ],
)
def test_malformed_reports_raise_input_errors(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        GitleaksAdapter().parse(data)


def test_run_mode_is_history_for_a_repository_and_files_otherwise(tmp_path: Path) -> None:
    plain, fresh, repo = tmp_path / "plain", tmp_path / "fresh", tmp_path / "repo"
    plain.mkdir()
    git = [
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "-c",
        "commit.gpgsign=false",
    ]
    for path in (fresh, repo):
        subprocess.run([*git, "init", "-q", str(path)], check=True)
    (repo / "a.txt").write_text("a\n")
    subprocess.run([*git, "-C", str(repo), "add", "a.txt"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "-m", "a"], check=True)
    adapter = GitleaksAdapter()
    # a fresh repository has no history yet: its files are scanned
    for target, mode in ((plain, "dir"), (fresh, "dir"), (repo, "git")):
        inv = adapter.invocation(
            RunContext(target=target, work_dir=tmp_path, executable="/bin/gitleaks")
        )
        assert inv.argv[:3] == ["/bin/gitleaks", mode, str(target)]
        assert "--redact" not in inv.argv
        assert inv.argv[-2:] == ["--exit-code", "0"]
        assert inv.output == tmp_path / "gitleaks.json" and inv.cwd == target
    forced = adapter.invocation(
        RunContext(target=repo, work_dir=tmp_path, executable="gitleaks", config={"mode": "dir"})
    )
    assert forced.argv[1] == "dir"


def test_sarif_result_without_snippet_hashes_its_place() -> None:
    doc = json.loads((V8 / "dir.sarif").read_text())
    for result in doc["runs"][0]["results"]:
        del result["locations"][0]["physicalLocation"]["region"]["snippet"]
    parsed = GitleaksAdapter().parse(json.dumps(doc).encode())
    assert len(parsed.findings) == 3 and parsed.secret_values == set()
    assert all(f.secret and f.secret.preview == REDACTED_PREVIEW for f in parsed.findings)
    assert all(f.location and f.location.snippet is None for f in parsed.findings)


def test_an_unknown_run_mode_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="mode"):
        GitleaksAdapter().invocation(
            RunContext(
                target=tmp_path,
                work_dir=tmp_path,
                executable="gitleaks",
                config={"mode": "history"},
            )
        )
