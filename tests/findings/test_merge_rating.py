"""A severity a tool only guessed never outranks one a tool rated, when reports merge."""

from __future__ import annotations

from secgate.findings.dedupe import merge
from secgate.findings.source_tree import SourceTree
from secgate.model import Category, Finding, Level, Package, Severity, Vulnerability


def _report(tool: str, severity: Severity, score: float, basis: str) -> Finding:
    return Finding(
        tool=tool,
        rule_id="CVE-2023-32681",
        category=Category.DEPENDENCY,
        severity=severity,
        score=score,
        level=severity.sarif_level,
        message="requests leaks Proxy-Authorization",
        package=Package(
            name="requests", version="2.19.0", ecosystem="pypi", fixed_versions=["2.31.0"]
        ),
        vulnerability=Vulnerability(id="CVE-2023-32681", aliases=["GHSA-j8r2-6x86-q33q"]),
        properties={"severity_basis": basis},
    )


def test_a_rated_cvss_wins_over_a_default_guess() -> None:
    guessed = _report("pip-audit", Severity.HIGH, 8.0, "default")
    rated = _report("safety", Severity.MEDIUM, 6.1, "CVSS:3.1")
    merged = merge([guessed, rated], SourceTree(None))
    assert merged.severity is Severity.MEDIUM and merged.score == 6.1
    assert merged.level is Level.WARNING
    assert merged.properties["severity_basis"] == "CVSS:3.1"
    assert {s.tool for s in merged.sources} == {"pip-audit", "safety"}


def test_the_highest_rating_wins_among_rated_reports() -> None:
    low = _report("safety", Severity.MEDIUM, 6.1, "CVSS:3.1")
    high = _report("trivy", Severity.HIGH, 7.5, "CVSS:3.1")
    merged = merge([low, high], SourceTree(None))
    assert merged.severity is Severity.HIGH and merged.score == 7.5
