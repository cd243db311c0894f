"""Scan results for report tests, built from ``Finding`` objects directly: a small one full of
hostile strings, and large generated ones."""

from __future__ import annotations

from secgate.model import (
    Action,
    Category,
    Decision,
    Finding,
    Location,
    Package,
    RunStatus,
    ScannerRun,
    ScanResult,
    Secret,
    Severity,
    Source,
    Verdict,
    VerdictStatus,
    Vulnerability,
)

XSS = "<img src=x onerror=alert(1)>"
HOSTILE = [
    XSS,
    "pipe | in | table",
    "back`tick``s```",
    "@org/team and @someone please look",
    "]]> end of CDATA",
    "control \x00\x01\x07\x1b[31m\x7f chars",
    "<script>alert('x')</script>",
    "[link](javascript:alert(1)) **bold** _it_ ~~s~~ # heading",
    "::error file=evil.py::injected %0A newline\nsecond line",
    "&amp; &lt; entity",
]
TOOLS = ["bandit", "semgrep", "gitleaks", "pip-audit", "trivy"]
_SEVERITIES = list(Severity)
_CATEGORY = {
    "bandit": Category.SAST,
    "semgrep": Category.SAST,
    "gitleaks": Category.SECRET,
    "pip-audit": Category.DEPENDENCY,
    "trivy": Category.CONTAINER,
}


def _decision(severity: Severity) -> Decision:
    if severity.rank >= Severity.HIGH.rank:
        return Decision(
            action=Action.BLOCK,
            decided_by="threshold",
            reason=f"{severity.value} is at or above fail_on: high",
        )
    if severity is Severity.MEDIUM:
        return Decision(
            action=Action.WARN,
            decided_by="threshold",
            reason="medium is at or above warn_on: medium",
        )
    return Decision(
        action=Action.PASS,
        decided_by="threshold",
        reason=f"{severity.value} is below warn_on: medium",
    )


def make_finding(
    i: int, message: str | None = None, tool: str | None = None, severity: Severity | None = None
) -> Finding:
    """A varied, valid finding number ``i``."""
    tool = tool or TOOLS[i % len(TOOLS)]
    severity = severity or _SEVERITIES[(i // len(TOOLS)) % len(_SEVERITIES)]
    category = _CATEGORY[tool]
    package = vuln = secret = None
    location = None
    if category in (Category.DEPENDENCY, Category.CONTAINER):
        package = Package(
            name=f"pkg{i % 97}",
            version=f"1.{i % 10}.0",
            ecosystem="pypi",
            fixed_versions=[f"1.{i % 10}.1", "2.0.0"],
        )
        vuln = Vulnerability(
            id=f"GHSA-{'23456789'[i % 8]}xxx-cfgh-jmpq",
            aliases=[f"CVE-2024-{10000 + i}", f"PYSEC-2024-{i}"],
        )
        if category is Category.CONTAINER:
            location = Location(path="requirements.txt", start_line=1 + i % 40)
    else:
        location = Location(
            path=f"src/module_{i % 53}.py",
            start_line=1 + i % 300,
            end_line=1 + i % 300,
            start_column=1,
            end_column=20,
            snippet=f"value = call_{i}(arg)",
        )
    if category is Category.SECRET:
        secret = Secret(hash=f"{i:064x}", preview="AKIA…MPLE", kind="aws-access-token")
        assert location is not None
        location.snippet = "aws_key = 'AKIA…MPLE'"
    rule_id = f"{tool.upper()}-R{i % 37}"
    return Finding(
        tool=tool,
        tool_version="1.0.0",
        rule_id=rule_id,
        rule_name=f"rule {i % 37}",
        rule_description=f"Rule {i % 37} of {tool}",
        rule_help=f"How to fix rule {i % 37}.",
        help_uri="https://example.org/rules/" + rule_id,
        category=category,
        severity=severity,
        score=severity.default_score,
        level=severity.sarif_level,
        message=message if message is not None else f"finding number {i} from {tool}",
        location=location,
        package=package,
        vulnerability=vuln,
        cwes=["CWE-78"] if category is Category.SAST else [],
        secret=secret,
        fingerprint=f"fp{i:08d}",
        sources=[Source(tool=tool, rule_id=rule_id)]
        + ([Source(tool="semgrep", rule_id="py.sub")] if tool == "bandit" and i % 2 else []),
        baseline="new" if i % 3 == 0 else "existing",
        decision=_decision(severity),
    )


def make_result(findings: list[Finding]) -> ScanResult:
    """A result over ``findings`` with the verdict the sample decisions give."""
    findings = sorted(findings, key=Finding.sort_key)
    counts = {a.value: 0 for a in Action}
    for finding in findings:
        assert finding.decision is not None
        counts[finding.decision.action.value] += 1
    counts["total"] = len(findings)
    status = (
        VerdictStatus.BLOCK
        if counts["block"]
        else VerdictStatus.WARN
        if counts["warn"]
        else VerdictStatus.PASS
    )
    tools = sorted({f.tool for f in findings}) or ["bandit"]
    runs = [
        ScannerRun(
            tool=tool,
            version="1.0.0",
            command=[tool, "--format", "json"],
            status=RunStatus.OK,
            exit_code=1,
            duration=1.25,
            finding_count=sum(1 for f in findings if f.tool == tool),
        )
        for tool in tools
    ]
    runs.append(
        ScannerRun(
            tool="trufflehog",
            status=RunStatus.FAILED,
            exit_code=2,
            duration=0.5,
            error="trufflehog crashed: <b>boom</b> | `x`",
        )
    )
    return ScanResult(
        findings=findings,
        runs=runs,
        verdict=Verdict(
            status=status, reasons=[f"{counts['block']} finding(s) block"], counts=counts
        ),
        policy="builtin:default",
        target=".",
        secgate_version="0.1.0",
        notes=["acceptance 2 expires on 2027-01-31 <soon>"],
    )


def hostile_result() -> ScanResult:
    """A small result where every scanner-provided text is hostile, plus an accepted risk."""
    findings = []
    for i, text in enumerate(HOSTILE):
        finding = make_finding(i, message=text, severity=Severity.HIGH if i % 2 else None)
        finding.rule_id = f"R{i}|`{text[:10]}`"
        finding.rule_description = text
        if finding.location is not None:
            finding.location.path = f"src/{text[:12].replace('/', '_')}.py"
            finding.location.snippet = text
        if finding.package is not None:
            finding.package.name = f"pkg-{text[:8]}"
        findings.append(finding)
    accepted = make_finding(
        99, message="accepted risk finding", tool="pip-audit", severity=Severity.HIGH
    )
    accepted.decision = Decision(
        action=Action.IGNORE,
        decided_by="accept:1",
        reason="accepted: we never follow redirects (expires 2027-01-31)",
    )
    findings.append(accepted)
    return make_result(findings)


def large_result(count: int) -> ScanResult:
    """``count`` generated findings."""
    return make_result([make_finding(i) for i in range(count)])
