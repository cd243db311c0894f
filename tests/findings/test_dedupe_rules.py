"""The three dedupe rules and the merge, on findings built in the test."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from secgate.findings.dedupe import code_dedupe_enabled, dedupe
from secgate.findings.fingerprint import assign, compute
from secgate.findings.secrets import make_secret
from secgate.findings.source_tree import SourceTree
from secgate.model import (
    Category,
    Finding,
    Level,
    Location,
    Package,
    Severity,
    Source,
    Suppression,
    SuppressionKind,
    Vulnerability,
)
from secgate.policy.model import Policy

NO_TREE = SourceTree(None)


def _finding(tool: str, rule: str, **extra: Any) -> Finding:
    severity = extra.pop("severity", Severity.HIGH)
    data: dict[str, Any] = {
        "tool": tool,
        "rule_id": rule,
        "category": Category.SAST,
        "severity": severity,
        "score": severity.default_score,
        "level": severity.sarif_level,
        "message": f"{tool} says {rule}",
        "sources": [Source(tool=tool, rule_id=rule)],
    }
    data.update(extra)
    return Finding(**data)


def _dep(
    tool: str,
    name: str,
    version: str,
    vuln_id: str,
    aliases: list[str],
    severity: Severity = Severity.HIGH,
    fixed: tuple[str, ...] = (),
) -> Finding:
    return _finding(
        tool,
        vuln_id,
        category=Category.DEPENDENCY,
        severity=severity,
        package=Package(name=name, version=version, ecosystem="pypi", fixed_versions=list(fixed)),
        vulnerability=Vulnerability(id=vuln_id, aliases=aliases),
    )


def _code(tool: str, rule: str, path: str, line: int, cwes: list[str], **extra: Any) -> Finding:
    extra.setdefault("location", Location(path=path, start_line=line, end_line=line))
    return _finding(tool, rule, cwes=cwes, **extra)


def _secret(tool: str, rule: str, path: str, lines: tuple[int, int], value: str) -> Finding:
    return _finding(
        tool,
        rule,
        category=Category.SECRET,
        cwes=["CWE-798"],
        location=Location(path=path, start_line=lines[0], end_line=lines[1]),
        secret=make_secret(value, kind=rule),
    )


def _run(findings: list[Finding], **kwargs: Any) -> list[Finding]:
    assign(findings, NO_TREE)
    return dedupe(findings, NO_TREE, **kwargs).findings


def test_one_cve_from_three_tools_is_one_finding() -> None:
    findings = [
        _dep(
            "pip-audit",
            "PyYAML",
            "5.3",
            "PYSEC-2020-96",
            ["CVE-2020-1747"],
            Severity.HIGH,
            ("5.3.1",),
        ),
        _dep(
            "safety",
            "pyyaml",
            "5.3",
            "pyup.io-38100",
            ["CVE-2020-1747"],
            Severity.CRITICAL,
            ("5.4",),
        ),
        _dep("trivy", "PyYaml", "5.3.0", "CVE-2020-1747", ["GHSA-6757-jp84-gxfx"], Severity.MEDIUM),
        _dep("safety", "pyyaml", "5.3", "pyup.io-39611", ["CVE-2020-14343"]),  # another CVE
        _dep("pip-audit", "pyyaml", "5.4", "PYSEC-2020-96", ["CVE-2020-1747"]),  # another version
    ]
    merged = _run(findings)
    assert len(merged) == 3
    one = next(f for f in merged if len(f.sources) == 3)
    assert one.source_tools == ["pip-audit", "safety", "trivy"]
    assert one.severity is Severity.CRITICAL and one.score == Severity.CRITICAL.default_score
    assert one.tool == "safety"  # the most severe report is the primary
    assert one.vulnerability is not None
    assert one.vulnerability.id == "CVE-2020-1747"
    assert one.vulnerability.aliases == ["GHSA-6757-jp84-gxfx", "PYSEC-2020-96", "pyup.io-38100"]
    assert one.package is not None and one.package.fixed_versions == ["5.3.1", "5.4"]
    assert one.level is Level.ERROR


def test_one_leaked_key_from_several_tools_and_runs_is_one_finding() -> None:
    key = "AKIA" + "Z7QF3PXN2LKW8RTC"
    findings = [
        _secret("gitleaks", "aws-access-token", "config/settings.py", (10, 10), key),
        _secret("trufflehog", "aws-api-key", "config/settings.py", (10, 10), key),
        # gitleaks run again over history (git mode) reports the same file and line
        _secret("gitleaks", "aws-access-token", "config/settings.py", (10, 10), key),
        # a region without lines (truffleHog v2 on an old commit) still overlaps
        _finding(
            "trufflehog",
            "aws-api-key",
            category=Category.SECRET,
            location=Location(path="config/settings.py"),
            secret=make_secret(key),
        ),
        # the same key elsewhere, and another key on the same line, stay apart
        _secret("gitleaks", "aws-access-token", ".env", (2, 2), key),
        _secret(
            "gitleaks",
            "generic-api-key",
            "config/settings.py",
            (10, 10),
            "not-the-same-secret-value",
        ),
        _secret("trufflehog", "aws-api-key", "config/settings.py", (30, 31), key),
    ]
    merged = _run(findings)
    assert len(merged) == 4
    one = next(f for f in merged if len(f.sources) > 1)
    assert [(s.tool, s.rule_id) for s in one.sources] == [
        ("gitleaks", "aws-access-token"),
        ("trufflehog", "aws-api-key"),
    ]
    assert one.source_tools == ["gitleaks", "trufflehog"]


def test_bandit_and_semgrep_on_one_shell_call_are_one_finding_with_both_rules() -> None:
    bandit = _code("bandit", "B602", "app/commands.py", 9, ["CWE-78"])
    semgrep = _code(
        "semgrep",
        "python-subprocess-shell-true",
        "app/commands.py",
        9,
        ["CWE-78"],
        location=Location(path="app/commands.py", start_line=9, end_line=10),
    )
    elsewhere = _code("semgrep", "python-subprocess-shell-true", "app/commands.py", 15, ["CWE-78"])
    other_cwe = _code("bandit", "B306", "app/commands.py", 9, ["CWE-377"])
    merged = _run([semgrep, bandit, elsewhere, other_cwe])
    assert len(merged) == 3
    one = next(f for f in merged if len(f.sources) == 2)
    assert one.source_tools == ["bandit", "semgrep"]
    assert {s.rule_id for s in one.sources} == {"B602", "python-subprocess-shell-true"}
    # the policy can turn the code rule off
    separate = _run([semgrep.model_copy(), bandit.model_copy()], code=False)
    assert len(separate) == 2


def test_related_cwes_meet_but_two_different_secrets_do_not() -> None:
    b105 = _code(
        "bandit",
        "B105",
        "config/settings.py",
        14,
        ["CWE-259"],
        secret=make_secret("ghp_" + "a" * 36),
    )
    semgrep = _code("semgrep", "python-hardcoded-password", "config/settings.py", 14, ["CWE-798"])
    assert len(_run([b105, semgrep])) == 1
    first = _code("bandit", "B105", "x.py", 3, ["CWE-259"], secret=make_secret("first-value-1"))
    second = _code("bandit", "B105", "x.py", 3, ["CWE-259"], secret=make_secret("other-value-2"))
    assert len(_run([first, second])) == 2


def test_a_suppression_holds_only_when_every_report_was_suppressed() -> None:
    nosec = Suppression(kind=SuppressionKind.INLINE, justification="nosec")
    bandit = _code("bandit", "B602", "a.py", 3, ["CWE-78"], suppression=nosec)
    semgrep = _code("semgrep", "shell", "a.py", 3, ["CWE-78"])
    assert _run([bandit, semgrep])[0].suppression is None
    both = _run([bandit.model_copy(), semgrep.model_copy(update={"suppression": nosec})])
    assert both[0].suppression == nosec


def test_merge_is_deterministic_whatever_the_input_order() -> None:
    def build() -> list[Finding]:
        return [
            _code("semgrep", "shell", "a.py", 3, ["CWE-78"], severity=Severity.HIGH),
            _code("bandit", "B602", "a.py", 3, ["CWE-78"], severity=Severity.HIGH),
            _code("bandit", "B404", "a.py", 1, ["CWE-78"], severity=Severity.LOW),
            _dep("safety", "requests", "2.19.0", "pyup.io-36546", ["CVE-2018-18074"]),
            _dep("pip-audit", "requests", "2.19.0", "PYSEC-2018-28", ["CVE-2018-18074"]),
        ]

    expected = sorted(f.model_dump_json() for f in _run(build()))
    for seed in range(5):
        shuffled = build()
        random.Random(seed).shuffle(shuffled)
        assert sorted(f.model_dump_json() for f in _run(shuffled)) == expected
    merged = {f.rule_id: f for f in _run(build())}
    assert merged["B602"].tool == "bandit"  # equal severity and score: tool name order


def test_a_merged_code_finding_keeps_the_fingerprint_of_either_tool_alone(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import subprocess\nsubprocess.call(x, shell=True)\n")
    tree = SourceTree(tmp_path)
    bandit = _code("bandit", "B602", "a.py", 2, ["CWE-78"])
    semgrep = _code("semgrep", "shell", "a.py", 2, ["CWE-78", "CWE-20"])
    alone = compute(bandit, tree)
    findings = [bandit, semgrep]
    assign(findings, tree)
    merged = dedupe(findings, tree).findings
    assert len(merged) == 1
    assert merged[0].fingerprint == alone
    assert merged[0].line_hash is not None and merged[0].line_hash.endswith(":1")
    # with code dedupe off, each tool's rule is its own family
    assert compute(bandit, tree, by_cwe=False) != compute(semgrep, tree, by_cwe=False)


def test_the_policy_switch_turns_code_dedupe_off() -> None:
    assert code_dedupe_enabled(Policy())
    assert not code_dedupe_enabled(Policy(dedupe={"code": False}))
