"""One finding per problem, nothing lost (issue 15): one run seen twice or in two formats merges;
the same problem reported by two tools on different lines or under different CWEs merges by the
reviewed rule-equivalence table; findings of different targets never merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from secgate.adapters.registry import get
from secgate.findings.dedupe import dedupe
from secgate.findings.equivalence import EQUIVALENT_RULES, RulePair, pair_of
from secgate.findings.fingerprint import SourceTree, assign, compute
from secgate.findings.normalize import normalize
from secgate.findings.unmask import unmask
from secgate.model import Category, Finding, Level, Location, Package, Severity, Vulnerability
from tests.support.paths import EXAMPLE_APP, FIXTURES

TARGETS = FIXTURES / "targets"


def _read(tool: str, *relatives: str) -> list[Finding]:
    findings: list[Finding] = []
    for relative in relatives:
        parsed = get(tool).parse((FIXTURES / relative).read_bytes()).findings
        normalize(parsed, None)
        findings += parsed
    return findings


def _merge(findings: list[Finding], root: Path | None = None) -> list[Finding]:
    tree = SourceTree(root)
    unmask(findings, tree)
    assign(findings, tree)
    return dedupe(findings, tree).findings


def _places(findings: list[Finding]) -> list[tuple[object, ...]]:
    return sorted(
        (
            f.path or "",
            f.location.start_line if f.location else 0,
            tuple((s.tool, s.rule_id) for s in f.sources) or ((f.tool, f.rule_id),),
        )
        for f in findings
    )


@pytest.mark.parametrize(
    ("tool", "first", "second", "root"),
    [
        (
            "semgrep",
            "semgrep/1.100.0/pair-vulnerable-app.json",
            "semgrep/1.100.0/pair-vulnerable-app.sarif",
            None,
        ),
        (
            "semgrep",
            "semgrep/1.130.0/identity-app.json",
            "semgrep/1.130.0/identity-app.sarif",
            None,
        ),
        (
            "semgrep",
            "semgrep/1.185.0/supply-chain-vulnerable-app.json",
            "semgrep/1.185.0/supply-chain-vulnerable-app.sarif",
            None,
        ),
        ("bandit", "bandit/1.8.0/identity-app.json", "bandit/1.8.0/identity-app.sarif", None),
        ("bandit", "bandit/1.8.0/vulnerable-app.json", "bandit/1.8.0/vulnerable-app.sarif", None),
        (
            "trivy",
            "trivy/0.70.0/fs-secret-license-misconfig.json",
            "trivy/0.70.0/fs-secret-license-misconfig.sarif",
            EXAMPLE_APP,
        ),
        (
            "trivy",
            "trivy/0.67.2/fs-secret-license-misconfig.json",
            "trivy/0.67.2/fs-secret-license-misconfig.sarif",
            EXAMPLE_APP,
        ),
        (
            "gitleaks",
            "gitleaks/8.30.1/app-root-dir.json",
            "gitleaks/8.30.1/app-root-dir.sarif",
            None,
        ),
    ],
)
def test_one_run_in_two_formats_is_one_finding_per_problem(
    tool: str, first: str, second: str, root: Path | None
) -> None:
    alone = _merge(_read(tool, first), root)
    both = _merge(_read(tool, first, second), root)
    assert len(both) == len(alone)
    assert all(sum(s.reports or 1 for s in f.sources) == 2 for f in both if f.sources)


@pytest.mark.parametrize(
    ("tool", "relative"),
    [
        ("semgrep", "semgrep/1.185.0/vulnerable-app.json"),
        ("trivy", "trivy/0.70.0/fs-secret-license-misconfig.json"),
        ("trivy", "trivy/hand-built/image-vuln-os-and-pip.json"),
        ("trivy", "trivy/hand-built/k8s-report-all.json"),
        ("bandit", "bandit/1.9.4/vulnerable-app.json"),
        ("pip-audit", "pip-audit/2.10.1/osv-pypa-records/vulns.json"),
        ("trufflehog3", "trufflehog3/3.0.10/all.json"),
        ("detect-secrets", "detect-secrets/1.5.0/scan.json"),
    ],
)
def test_one_run_ingested_twice_is_the_run_once(tool: str, relative: str) -> None:
    once = _merge(_read(tool, relative))
    twice = _merge(_read(tool, relative, relative))
    assert len(twice) == len(once)
    assert [f.fingerprint for f in sorted(twice, key=Finding.sort_key)] == [
        f.fingerprint for f in sorted(once, key=Finding.sort_key)
    ]


def test_identity_app_bandit_and_semgrep() -> None:
    """B506 and Semgrep's unsafe-yaml rule on one line (CWE-20 and CWE-502), and calls over
    several lines that Bandit and Semgrep anchor on different lines, are one problem each."""
    merged = _merge(
        [
            *_read("bandit", "bandit/1.7.5/identity-app.json"),
            *_read("semgrep", "semgrep/1.95.0/identity-app.json"),
        ]
    )
    assert _places(merged) == [
        ("identity-app/loader.py", 6, (("bandit", "B506"), ("semgrep", "python-yaml-load-unsafe"))),
        ("identity-app/multiline.py", 7, (("bandit", "B404"),)),
        (
            "identity-app/multiline.py",
            11,
            (("bandit", "B602"), ("semgrep", "python-subprocess-shell-true")),
        ),
        (
            "identity-app/multiline.py",
            19,
            (("bandit", "B608"), ("semgrep", "python-sql-string-format")),
        ),
        (
            "identity-app/multiline.py",
            27,
            (("bandit", "B324"), ("semgrep", "python-weak-password-hash")),
        ),
    ]
    # Bandit's JSON says line 13 (the shell=True argument) for the call at lines 11-14
    bandit = _read("bandit", "bandit/1.7.5/identity-app.json")
    shell = next(f for f in bandit if f.rule_id == "B602")
    assert shell.location is not None and shell.location.start_line == 13
    assert shell.properties["line_range"] == [11, 14]


def test_private_key_gitleaks_line_1_and_trivy_line_2_merge() -> None:
    merged = _merge(
        [
            *_read("gitleaks", "gitleaks/8.30.1/app-root-dir.json"),
            *_read("trivy", "trivy/0.67.2/fs-secret-license-misconfig.json"),
        ],
        EXAMPLE_APP,
    )
    key = [f for f in merged if f.path == "config/deploy_key.pem"]
    assert len(key) == 1
    assert [(s.tool, s.rule_id) for s in key[0].sources] == [
        ("gitleaks", "private-key"),
        ("trivy", "private-key"),
    ]
    assert key[0].location is not None and key[0].location.start_line == 1


# --- targets ---------------------------------------------------------------------------------
def _dep(tool: str, path: str | None, **properties: object) -> Finding:
    return Finding(
        tool=tool,
        rule_id="CVE-2020-14343",
        category=Category.DEPENDENCY,
        severity=Severity.HIGH,
        score=8.0,
        level=Level.ERROR,
        message="m",
        location=Location(path=path) if path else None,
        package=Package(name="pyyaml", version="5.3", ecosystem="pypi"),
        vulnerability=Vulnerability(id="CVE-2020-14343"),
        properties=dict(properties),
    )


def test_dependencies_of_different_targets_never_merge() -> None:
    findings = [
        _dep("trivy", "requirements.txt"),
        _dep("safety", "requirements.txt"),
        _dep("trivy", "services/api/requirements.txt"),  # another manifest
        _dep("pip-audit", None),  # an environment: joins the first manifest's
        _dep("trivy", None, artifact="registry.example.invalid/app:1", target="app (debian)"),
        _dep("trivy", None, resource="shop/Deployment/web", target="web:1.4"),
        _dep("trivy", None, resource="shop/Deployment/worker", target="web:1.4"),
    ]
    merged = _merge(findings)
    assert sorted(len(f.sources) or 1 for f in merged) == [1, 1, 1, 1, 3]
    first = next(f for f in merged if len(f.sources) == 3)
    assert first.path == "requirements.txt" and first.source_tools == [
        "pip-audit",
        "safety",
        "trivy",
    ]
    # an image's or a workload's finding has a fingerprint of its own (two manifests of the
    # project share one, told apart later by the pipeline's disambiguate, as identical lines are)
    scoped = [f.fingerprint for f in merged if f.location is None]
    assert len(scoped) == 3 and len(set(scoped)) == 3


def test_the_same_secret_in_two_images_stays_two() -> None:
    merged = _merge([*_read("trivy", "trivy/hand-built/k8s-report-all.json")])
    assert len(merged) == len(_read("trivy", "trivy/hand-built/k8s-report-all.json"))


# --- the rule-equivalence table -----------------------------------------------------------
def _code(tool: str, rule: str, lines: tuple[int, int], cwes: list[str]) -> Finding:
    return Finding(
        tool=tool,
        rule_id=rule,
        category=Category.SAST,
        severity=Severity.HIGH,
        score=8.0,
        level=Level.ERROR,
        message=f"{tool} {rule}",
        cwes=cwes,
        location=Location(path="app/x.py", start_line=lines[0], end_line=lines[1]),
    )


def test_table_is_reviewed() -> None:
    seen = set()
    for pair in EQUIVALENT_RULES:
        assert pair.tool_a != pair.tool_b and pair.reason and pair.cwe.startswith("CWE-")
        key = frozenset({(pair.tool_a, pair.rule_a), (pair.tool_b, pair.rule_b)})
        assert key not in seen
        seen.add(key)


@pytest.mark.parametrize(
    "pair", EQUIVALENT_RULES, ids=[f"{p.rule_a}~{p.rule_b}" for p in EQUIVALENT_RULES]
)
def test_each_pair_merges_on_overlapping_statements_only(pair: RulePair) -> None:
    assert pair_of(pair.tool_b, pair.rule_b, pair.tool_a, pair.rule_a) is pair
    # different CWEs on purpose: the table, not the CWE families, makes them one problem
    a = _code(pair.tool_a, pair.rule_a, (11, 14), ["CWE-20"])
    b = _code(pair.tool_b, pair.rule_b, (13, 14), ["CWE-1"])
    (merged,) = _merge([a.model_copy(deep=True), b.model_copy(deep=True)])
    assert {s.tool for s in merged.sources} == {pair.tool_a, pair.tool_b}
    # the pair's weakness stands for either rule: reported at one place, the fingerprint does
    # not change when the other tool joins
    same = b.model_copy(update={"location": a.location, "message": a.message})
    (together,) = _merge([a.model_copy(deep=True), same.model_copy(deep=True)])
    assert together.fingerprint == compute(a, SourceTree(None)) == compute(same, SourceTree(None))
    far = _code(pair.tool_b, pair.rule_b, (30, 31), ["CWE-1"])
    assert len(_merge([a.model_copy(deep=True), far])) == 2


def test_cwe_families_alone_merge_only_on_the_same_first_line() -> None:
    a = _code("bandit", "B604", (11, 14), ["CWE-78"])  # not in the table
    b = _code("semgrep", "python-subprocess-shell-true", (12, 14), ["CWE-78"])
    assert len(_merge([a.model_copy(deep=True), b.model_copy(deep=True)])) == 2
    b_same_line = _code("semgrep", "python-subprocess-shell-true", (11, 14), ["CWE-78"])
    assert len(_merge([a, b_same_line])) == 1
