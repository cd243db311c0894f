"""Bandit output of every shape (1.9.4 JSON and SARIF, 1.6.2 JSON), parsed from real captures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secgate.adapters import registry
from secgate.adapters.bandit import BanditAdapter, project_config, severity_of
from secgate.adapters.interface import RunContext, Sample
from secgate.errors import InputError
from secgate.model import Finding, Level, Severity
from tests.support.example_app import example_password_literals
from tests.support.paths import FIXTURES

V194 = FIXTURES / "bandit" / "1.9.4"
V162 = FIXTURES / "bandit" / "1.6.2"
PASSWORDS = example_password_literals()


def findings(path: Path) -> list[Finding]:
    return BanditAdapter().parse(path.read_bytes()).findings


def dump(path: Path) -> str:
    return json.dumps([f.model_dump(mode="json") for f in findings(path)])


def key(f: Finding) -> tuple[object, ...]:
    loc = f.location
    assert loc is not None
    return (
        f.rule_id,
        loc.path,
        loc.start_line,
        loc.end_line,
        loc.start_column,
        loc.end_column,
        f.severity,
        f.score,
        f.confidence,
        tuple(f.cwes),
        f.message,
        loc.snippet,
    )


@pytest.mark.parametrize(
    ("path", "count", "version"),
    [
        (V194 / "vulnerable-app.json", 19, "1.9.4"),
        (V194 / "vulnerable-app.sarif", 19, "1.9.4"),
        (V194 / "code-extras.json", 5, "1.9.4"),
        (V194 / "code-extras.sarif", 5, "1.9.4"),
        (V194 / "empty-dir.json", 0, None),
        (V162 / "vulnerable-app.json", 19, None),
        (V162 / "vulnerable-app-py38.json", 13, None),
    ],
)
def test_every_capture_is_detected_and_parsed(path: Path, count: int, version: str | None) -> None:
    data = path.read_bytes()
    detected = registry.detect(Sample(data))
    assert detected is not None and detected.name == "bandit"
    result = BanditAdapter().parse(data)
    assert len(result.findings) == count
    assert result.tool_version == version
    assert all(f.tool == "bandit" and f.tool_version == version for f in result.findings)


def test_json_and_sarif_of_one_run_give_the_same_findings() -> None:
    from_json = sorted(map(key, findings(V194 / "vulnerable-app.json")))
    from_sarif = sorted(map(key, findings(V194 / "vulnerable-app.sarif")))
    assert from_json == from_sarif


def test_current_json_fields() -> None:
    b602 = next(f for f in findings(V194 / "vulnerable-app.json") if f.rule_id == "B602")
    assert b602.rule_name == "subprocess_popen_with_shell_equals_true"
    assert b602.help_uri is not None and "b602" in b602.help_uri
    assert (b602.severity, b602.score, b602.level) == (Severity.HIGH, 8.5, Level.ERROR)
    assert b602.confidence == "high"
    assert b602.cwes == ["CWE-78"]
    assert b602.properties == {"bandit_severity": "HIGH", "bandit_confidence": "HIGH"}
    loc = b602.location
    assert loc is not None and loc.path == "vulnerable-app/app/commands.py"
    # Bandit's col_offset 11 / end_col_offset 43 are 0-based; secgate's columns are 1-based.
    assert (loc.start_line, loc.end_line, loc.start_column, loc.end_column) == (9, 9, 12, 44)
    assert loc.snippet == "    return subprocess.call(cmd, shell=True)"


def test_old_json_has_no_columns_and_no_cwe() -> None:
    old = findings(V162 / "vulnerable-app.json")
    assert all(f.location and f.location.start_column is None for f in old)
    assert all(f.cwes == [] for f in old)
    assert {f.rule_id for f in old} >= {"B303", "B602", "B105", "B608"}
    b602 = next(f for f in old if f.rule_id == "B602")
    assert b602.location is not None and b602.location.start_line == 9
    assert b602.severity is Severity.HIGH


@pytest.mark.parametrize(
    ("sev", "conf", "expected"),
    [
        ("HIGH", "HIGH", (Severity.HIGH, 8.5)),
        ("HIGH", "MEDIUM", (Severity.HIGH, 7.5)),
        ("HIGH", "LOW", (Severity.MEDIUM, 5.5)),
        ("MEDIUM", "HIGH", (Severity.MEDIUM, 6.0)),
        ("MEDIUM", "LOW", (Severity.LOW, 3.0)),
        ("LOW", "LOW", (Severity.LOW, 1.0)),
        ("HIGH", "UNDEFINED", (Severity.HIGH, 7.5)),
        ("UNDEFINED", "HIGH", (Severity.INFO, 0.0)),
        ("low", "high", (Severity.LOW, 3.0)),
    ],
)
def test_severity_matrix(sev: str, conf: str, expected: tuple[Severity, float]) -> None:
    assert severity_of(sev, conf) == expected


def test_sarif_results_without_level_use_their_properties() -> None:
    doc = json.loads((V194 / "vulnerable-app.sarif").read_text(encoding="utf-8"))
    no_level = [r for r in doc["runs"][0]["results"] if "level" not in r]
    assert len(no_level) == 7
    assert {r["properties"]["issue_severity"] for r in no_level} == {"MEDIUM"}
    rated = [
        f
        for f in findings(V194 / "vulnerable-app.sarif")
        if f.properties.get("bandit_severity") == "MEDIUM"
    ]
    assert len(rated) == 7
    assert sorted((f.severity.value, f.score) for f in rated) == [
        ("low", 3.0),
        ("medium", 5.0),
        *[("medium", 6.0)] * 5,
    ]
    low = next(f for f in rated if f.severity is Severity.LOW)
    assert (low.rule_id, low.confidence) == ("B608", "low")


@pytest.mark.parametrize(
    "path",
    [V194 / "vulnerable-app.json", V194 / "vulnerable-app.sarif", V162 / "vulnerable-app.json"],
)
def test_hardcoded_password_literal_is_a_secret_masked_at_parse_time(path: Path) -> None:
    result = BanditAdapter().parse(path.read_bytes())
    assert result.secret_values == set(PASSWORDS)
    b105 = [f for f in result.findings if f.rule_id == "B105"]
    assert len(b105) == 4
    first = next(f for f in b105 if f.location and f.location.start_line == 5)
    assert first.secret is not None and first.secret.preview == "Sup3…19"
    assert first.secret.kind == "bandit:B105"
    assert first.message == "Possible hardcoded password: 'Sup3…19'"
    assert first.location is not None
    assert first.location.snippet == 'admin_password = "Sup3…19"'
    text = dump(path)
    for raw in PASSWORDS:
        assert raw not in text


def test_nosec_counts_and_unparsable_files_become_notes() -> None:
    for name in ("code-extras.json", "code-extras.sarif"):
        result = BanditAdapter().parse((V194 / name).read_bytes())
        notes = " ".join(result.notes)
        assert "1 line(s) marked '# nosec'" in notes
        assert "1 test(s) skipped" in notes
        assert "code-extras/broken.py" in notes
        assert not result.incomplete
        assert all(f.suppression is None for f in result.findings)
        # the '# nosec' lines (6, 7) are absent; the '# nosemgrep' one (8) is Bandit's to report
        assert sorted(
            f.location.start_line or 0
            for f in result.findings
            if f.location and f.rule_id == "B602"
        ) == [8, 9]
        assert "hunter2-correct-horse" in result.secret_values
        assert "hunter2-correct-horse" not in json.dumps(
            [f.model_dump(mode="json") for f in result.findings]
        )


def test_empty_target_examined_nothing() -> None:
    result = BanditAdapter().parse((V194 / "empty-dir.json").read_bytes())
    assert result.incomplete
    assert result.notes == ["bandit examined no Python file"]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"results": [{"filename": "a.py"}], "metrics": {}}, r"^results\[0\]: missing 'test_id'"),
        (
            {"results": ["x"], "generated_at": "now"},
            r"^results\[0\]: expected an object, found a string",
        ),
        (
            {"results": [], "errors": "oops", "metrics": {}},
            "^errors: expected an array, found a string",
        ),
        ({"runs": "x"}, "not Bandit output"),
    ],
)
def test_malformed_reports_raise_input_errors(doc: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        BanditAdapter().parse(json.dumps(doc).encode())


def test_other_tools_json_is_not_taken_for_bandit() -> None:
    for path in sorted((FIXTURES / "semgrep").rglob("*.json")):
        assert not BanditAdapter().detect(Sample(path.read_bytes())), path
    for path in sorted((FIXTURES / "semgrep").rglob("*.sarif")):
        assert not BanditAdapter().detect(Sample(path.read_bytes())), path


def test_invocation_runs_inside_the_target_and_honours_project_config(tmp_path: Path) -> None:
    ctx = RunContext(
        target=tmp_path,
        work_dir=tmp_path / "work",
        executable="/x/bandit",
        config={"exclude": ["/generated/"]},
    )
    inv = BanditAdapter().invocation(ctx)
    assert inv.argv[:8] == [
        "/x/bandit",
        "-r",
        ".",
        "-f",
        "json",
        "-o",
        str(tmp_path / "work" / "bandit.json"),
        "-q",
    ]
    assert inv.cwd == tmp_path and inv.output == tmp_path / "work" / "bandit.json"
    excludes = inv.argv[inv.argv.index("-x") + 1].split(",")
    assert {"/.git/", "/.venv/", "/node_modules/", "/generated/"} <= set(excludes)
    assert "-c" not in inv.argv
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert project_config(tmp_path) is None
    (tmp_path / "bandit.yaml").write_text("skips: [B101]\n", encoding="utf-8")
    assert project_config(tmp_path) == "bandit.yaml"
    (tmp_path / "pyproject.toml").write_text("[tool.bandit]\nskips = ['B101']\n", encoding="utf-8")
    assert project_config(tmp_path) == "pyproject.toml"
    assert BanditAdapter().invocation(ctx).argv[-2:] == ["-c", "pyproject.toml"]


def test_applicable_only_with_python_files(tmp_path: Path) -> None:
    adapter = BanditAdapter()
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.py").write_text("x = 1\n", encoding="utf-8")
    assert adapter.skip_reason(tmp_path) == "no Python files to scan"
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    assert adapter.skip_reason(tmp_path) is None
