"""Semgrep output of every shape (1.185.0 and 0.61.0 JSON and SARIF), parsed from real captures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secgate.adapters import registry
from secgate.adapters.interface import RunContext, Sample
from secgate.adapters.semgrep import (
    SemgrepAdapter,
    rule_id_of,
    rule_prefix,
    severity_of,
    shipped_rule_ids,
)
from secgate.errors import InputError
from secgate.model import Finding, Level, Severity, SuppressionKind
from tests.support.example_app import example_password_literals
from tests.support.paths import FIXTURES

V1 = FIXTURES / "semgrep" / "1.185.0"
V0 = FIXTURES / "semgrep" / "0.61.0"
PASSWORDS = example_password_literals()
SHIPPED = {
    "python-subprocess-shell-true",
    "python-eval-exec-non-literal",
    "python-pickle-loads",
    "python-yaml-load-unsafe",
    "python-weak-password-hash",
    "python-sql-string-format",
    "python-requests-verify-false",
    "python-tempfile-mktemp",
    "python-hardcoded-password",
}


def findings(path: Path) -> list[Finding]:
    return SemgrepAdapter().parse(path.read_bytes()).findings


def where(f: Finding) -> tuple[object, ...]:
    loc = f.location
    assert loc is not None
    return (
        f.rule_id,
        loc.path,
        loc.start_line,
        loc.end_line,
        loc.start_column,
        loc.end_column,
        tuple(f.cwes),
        f.message,
    )


@pytest.mark.parametrize(
    ("path", "count", "version"),
    [
        (V1 / "vulnerable-app.json", 16, "1.185.0"),
        (V1 / "vulnerable-app.sarif", 16, "1.185.0"),
        (V1 / "code-extras.json", 5, "1.185.0"),
        (V1 / "code-extras.sarif", 6, "1.185.0"),
        (V1 / "bad-rule.json", 0, "1.185.0"),
        (V0 / "vulnerable-app.json", 16, None),
        (V0 / "vulnerable-app.sarif", 16, "0.61.0"),
    ],
)
def test_every_capture_is_detected_and_parsed(path: Path, count: int, version: str | None) -> None:
    data = path.read_bytes()
    detected = registry.detect(Sample(data))
    assert detected is not None and detected.name == "semgrep"
    result = SemgrepAdapter().parse(data)
    assert len(result.findings) == count
    assert result.tool_version == version
    assert all(f.tool == "semgrep" for f in result.findings)


@pytest.mark.parametrize(
    "path",
    [
        V1 / "vulnerable-app.json",
        V1 / "vulnerable-app.sarif",
        V0 / "vulnerable-app.json",
        V0 / "vulnerable-app.sarif",
    ],
)
def test_all_formats_give_the_same_places_rules_and_cwes(path: Path) -> None:
    reference = sorted(map(where, findings(V1 / "vulnerable-app.json")))
    assert sorted(map(where, findings(path))) == reference
    assert {f.rule_id for f in findings(path)} == SHIPPED


def test_current_json_fields() -> None:
    shell = [
        f
        for f in findings(V1 / "vulnerable-app.json")
        if f.rule_id == "python-subprocess-shell-true"
    ]
    assert len(shell) == 2
    first = min(shell, key=lambda f: (f.location.start_line or 0) if f.location else 0)
    assert (first.severity, first.score, first.level) == (Severity.HIGH, 8.9, Level.ERROR)
    assert first.confidence == "high"
    assert first.cwes == ["CWE-78"]
    assert first.properties == {"semgrep_severity": "ERROR", "likelihood": "HIGH", "impact": "HIGH"}
    assert (
        first.help_uri
        == "https://docs.python.org/3/library/subprocess.html#security-considerations"
    )
    assert first.tags == ["security", "vuln"]
    loc = first.location
    assert loc is not None and loc.path == "vulnerable-app/app/commands.py"
    assert (loc.start_line, loc.start_column, loc.end_line, loc.end_column) == (9, 12, 9, 44)
    assert loc.snippet is None  # 1.x JSON says "requires login" instead of the source


def test_old_json_keeps_the_source_line() -> None:
    shell = next(
        f
        for f in findings(V0 / "vulnerable-app.json")
        if f.rule_id == "python-subprocess-shell-true"
    )
    assert shell.location is not None
    assert shell.location.snippet == "    return subprocess.call(cmd, shell=True)"
    assert shell.suppression is None  # is_ignored: false


def test_newer_severities_and_cwe_as_a_string() -> None:
    by_rule = {f.rule_id: f for f in findings(V1 / "code-extras.json")}
    assert set(by_rule) == {"shell-call", "password-literal", "eval-call"}
    assert (by_rule["eval-call"].severity, by_rule["eval-call"].score) == (Severity.CRITICAL, 9.8)
    assert by_rule["eval-call"].cwes == ["CWE-95"]
    assert (by_rule["shell-call"].severity, by_rule["shell-call"].score) == (Severity.HIGH, 8.0)
    assert (by_rule["password-literal"].severity, by_rule["password-literal"].score) == (
        Severity.LOW,
        2.5,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("ERROR", "HIGH", "HIGH", "HIGH"), (Severity.HIGH, 8.9)),
        (("WARNING", "MEDIUM", "LOW", "MEDIUM"), (Severity.MEDIUM, 5.2)),
        (("WARNING", "LOW", "MEDIUM", "HIGH"), (Severity.LOW, 2.8)),
        (("ERROR", "LOW", None, None), (Severity.MEDIUM, 5.5)),
        (("CRITICAL", "HIGH", "HIGH", "HIGH"), (Severity.CRITICAL, 10.0)),
        (("INFO", None, "LOW", "LOW"), (Severity.LOW, 1.9)),
        (("LOW", "LOW", "LOW", "LOW"), (Severity.LOW, 1.9)),
        (("INVENTORY", "HIGH", None, None), (Severity.INFO, 0.0)),
        (("SOMETHING-NEW", None, None, None), (Severity.MEDIUM, 5.5)),
        ((None, None, None, None), (Severity.MEDIUM, 5.5)),
    ],
)
def test_severity_from_severity_and_metadata(
    args: tuple[str | None, str | None, str | None, str | None], expected: tuple[Severity, float]
) -> None:
    assert severity_of(*args) == expected


def test_nosemgrep_is_an_inline_suppression_in_sarif_and_absent_from_1x_json() -> None:
    sarif = [f for f in findings(V1 / "code-extras.sarif") if f.rule_id == "shell-call"]
    suppressed = [f for f in sarif if f.suppression is not None]
    assert [f.location.start_line for f in suppressed if f.location] == [8]
    assert suppressed[0].suppression is not None
    assert suppressed[0].suppression.kind is SuppressionKind.INLINE
    assert suppressed[0].suppression.justification == "nosemgrep"
    lines = [
        f.location.start_line
        for f in findings(V1 / "code-extras.json")
        if f.location and f.rule_id == "shell-call"
    ]
    assert lines == [6, 7, 9]


def test_is_ignored_of_old_json_is_an_inline_suppression() -> None:
    doc = json.loads((V0 / "vulnerable-app.json").read_text(encoding="utf-8"))
    doc["results"][0]["extra"]["is_ignored"] = True
    parsed = SemgrepAdapter().parse(json.dumps(doc).encode()).findings
    suppressed = [f for f in parsed if f.suppression is not None]
    assert len(suppressed) == 1
    assert suppressed[0].suppression is not None
    assert suppressed[0].suppression.kind is SuppressionKind.INLINE


@pytest.mark.parametrize("path", [V1 / "vulnerable-app.sarif", V0 / "vulnerable-app.json"])
def test_hardcoded_credentials_in_echoed_source_are_secrets(path: Path) -> None:
    result = SemgrepAdapter().parse(path.read_bytes())
    assert result.secret_values == set(PASSWORDS)
    pw = [f for f in result.findings if f.rule_id == "python-hardcoded-password"]
    assert len(pw) == 4 and all(f.secret is not None for f in pw)
    first = next(f for f in pw if f.location and f.location.start_line == 5)
    assert first.location is not None
    assert first.location.snippet == 'admin_password = "Sup3…19"'
    assert first.secret is not None and first.secret.kind == "semgrep:python-hardcoded-password"
    text = json.dumps([f.model_dump(mode="json") for f in result.findings])
    for raw in PASSWORDS:
        assert raw not in text


def test_errors_become_notes_and_an_all_error_report_examined_nothing() -> None:
    result = SemgrepAdapter().parse((V1 / "bad-rule.json").read_bytes())
    assert result.incomplete
    assert result.notes[0].startswith("semgrep error: Rule parse error")
    clean = SemgrepAdapter().parse((V1 / "vulnerable-app.json").read_bytes())
    assert not clean.incomplete and clean.notes == []


def test_scanning_no_file_examined_nothing() -> None:
    doc = {"version": "1.185.0", "results": [], "errors": [], "paths": {"scanned": []}}
    result = SemgrepAdapter().parse(json.dumps(doc).encode())
    assert result.incomplete and result.notes == ["semgrep examined no file"]


@pytest.mark.parametrize(
    ("check_id", "prefixes", "expected"),
    [
        (
            "work.main.secgate.rules.python-subprocess-shell-true",
            None,
            "python-subprocess-shell-true",
        ),
        ("tmp.rules.python-eval", None, "python-eval"),
        ("code-extras.rules.shell-call", None, "shell-call"),
        (
            "python.lang.security.audit.eval-detected.eval-detected",
            None,
            "python.lang.security.audit.eval-detected.eval-detected",
        ),
        ("plain-id", None, "plain-id"),
        ("srv.rules.my.dotted", ("srv.rules",), "my.dotted"),
        ("my.dotted", ("", "srv.rules"), "my.dotted"),
        ("opt.x.python-pickle-loads", ("",), "python-pickle-loads"),
    ],
)
def test_rule_id_prefix_is_stripped_only_when_it_is_a_path(
    check_id: str, prefixes: tuple[str, ...] | None, expected: str
) -> None:
    assert rule_id_of(check_id, prefixes) == expected


def test_rule_prefix_as_semgrep_computes_it() -> None:
    cwd = Path("/srv/project")
    assert rule_prefix(Path("/srv/project/.semgrep.yml"), cwd) == ""
    assert rule_prefix(Path("/srv/project/rules/x.yml"), cwd) == "rules"
    assert rule_prefix(Path("/opt/secgate/rules/python.yml"), cwd) == "opt.secgate.rules"


def test_shipped_rule_ids_are_read_from_the_package() -> None:
    assert shipped_rule_ids() == SHIPPED


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {"results": [{"check_id": "x", "extra": {}}], "errors": []},
            r"^results\[0\]: missing 'path'",
        ),
        (
            {"results": [{"check_id": "x", "path": "a", "start": 3, "extra": {}}], "errors": []},
            r"^results\[0\]\.start: expected an object, found a number",
        ),
        ({"results": [], "errors": {}}, "^errors: expected an array, found an object"),
        ({"nothing": 1}, "not Semgrep output"),
    ],
)
def test_malformed_reports_raise_input_errors(doc: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        SemgrepAdapter().parse(json.dumps(doc).encode())


def test_other_tools_output_is_not_taken_for_semgrep() -> None:
    for path in sorted((FIXTURES / "bandit").rglob("*.*")):
        if path.suffix in {".json", ".sarif"}:
            assert not SemgrepAdapter().detect(Sample(path.read_bytes())), path


def test_invocation_is_offline_and_adds_the_project_rules(tmp_path: Path) -> None:
    adapter = SemgrepAdapter()
    work = tmp_path / "work"
    work.mkdir()
    ctx = RunContext(target=tmp_path, work_dir=work, executable="/x/semgrep")
    inv = adapter.invocation(ctx)
    argv = inv.argv
    assert argv[:2] == ["/x/semgrep", "scan"]
    configs = [argv[i + 1] for i, a in enumerate(argv) if a == "--config"]
    assert len(configs) == 1 and configs[0].endswith("python.yml") and Path(configs[0]).is_file()
    for flag in ("--json", "--disable-version-check", "--quiet"):
        assert flag in argv
    assert argv[argv.index("--metrics") + 1] == "off"
    assert argv[-1] == "." and inv.cwd == tmp_path and inv.output == work / "semgrep.json"
    assert inv.env["SEMGREP_ENABLE_VERSION_CHECK"] == "0"
    (tmp_path / ".semgrep.yml").write_text("rules: []\n", encoding="utf-8")
    argv = adapter.invocation(ctx).argv
    configs = [argv[i + 1] for i, a in enumerate(argv) if a == "--config"]
    assert configs[1] == str((tmp_path / ".semgrep.yml").resolve())
    # with the run's prefixes known, a project rule with a dotted id keeps it whole
    doc = {
        "version": "1.185.0",
        "errors": [],
        "paths": {"scanned": ["a.py"]},
        "results": [
            {
                "check_id": "local.my-rule",
                "path": "a.py",
                "start": {"line": 1, "col": 1},
                "end": {"line": 1, "col": 2},
                "extra": {"message": "m", "severity": "INFO"},
            }
        ],
    }
    assert [f.rule_id for f in adapter.parse(json.dumps(doc).encode()).findings] == [
        "local.my-rule"
    ]


def test_applicable_with_python_files_or_project_rules(tmp_path: Path) -> None:
    adapter = SemgrepAdapter()
    assert adapter.skip_reason(tmp_path) == "no Python files and no .semgrep.yml to scan"
    (tmp_path / ".semgrep.yml").write_text("rules: []\n", encoding="utf-8")
    assert adapter.skip_reason(tmp_path) is None
