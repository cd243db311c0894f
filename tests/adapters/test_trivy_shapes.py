"""Trivy shapes users have that secgate once refused or mis-read (issue 15): a legacy ``null``
report, entries without ``VulnerabilityID``, Trivy 0.6x SARIF license messages, masked secrets
in SARIF, Kubernetes reports of one CVE in many workloads and images."""

from __future__ import annotations

from pathlib import Path

from secgate.adapters.gitleaks import GitleaksAdapter
from secgate.adapters.trivy.adapter import TrivyAdapter
from secgate.findings.dedupe import dedupe
from secgate.findings.fingerprint import SourceTree, assign
from secgate.findings.unmask import unmask
from secgate.model import Category, Finding
from secgate.scanning.ingest import InputSpec, ingest
from tests.support.paths import EXAMPLE_APP, FIXTURES

ISSUE15 = FIXTURES / "trivy" / "hand-built" / "issue15"
V067 = FIXTURES / "trivy" / "0.67.2"
V070 = FIXTURES / "trivy" / "0.70.0"


def parse(path: Path) -> list[Finding]:
    return TrivyAdapter().parse(path.read_bytes()).findings


def test_legacy_null_report_is_an_empty_scan() -> None:
    assert (ISSUE15 / "legacy-null.json").read_bytes() == b"null"
    (outcome,) = ingest(InputSpec(ISSUE15 / "legacy-null.json", "trivy"))
    assert outcome.run.tool == "trivy" and outcome.parsed.findings == []


def test_vulnerabilities_null_is_a_clean_target() -> None:
    assert len(parse(ISSUE15 / "legacy-0.16-vulns-null.json")) == 5


def test_entries_without_vulnerability_id_are_skipped_and_noted() -> None:
    for name, read in (("legacy-list-missing-id.json", 5), ("schema2-missing-id.json", 4)):
        (outcome,) = ingest(InputSpec(ISSUE15 / name))
        assert len(outcome.parsed.findings) == read and outcome.parsed.skipped == 1
        (note,) = outcome.run.notes
        assert "skipped" in note and "requests 2.19.0" in note and "VulnerabilityID" in note
        assert "CVE-2023-32681" not in {f.rule_id for f in outcome.parsed.findings}


def _licenses(findings: list[Finding]) -> list[tuple[str, str, object]]:
    return sorted(
        (
            f.package.name if f.package else f.path or "",
            (f.license.spdx or f.license.raw) if f.license else "",
            f.properties.get("classification") or f.properties["trivy_licenses"][0].get("category"),
        )
        for f in findings
        if f.category is Category.LICENSE
    )


def test_06x_sarif_license_package_and_classification_as_in_json() -> None:
    """0.67's SARIF message swaps PkgName and Classification: the license file read as
    package "notice". The rule id (``<package>:<license>``) says which package it is."""
    sarif = _licenses(parse(V067 / "fs-secret-license-misconfig.sarif"))
    assert sarif == _licenses(parse(V067 / "fs-secret-license-misconfig.json"))
    assert ("LICENSE", "MIT", "notice") in sarif
    assert "notice" not in {name for name, _, _ in sarif}
    assert _licenses(parse(V070 / "fs-secret-license-misconfig.sarif")) == _licenses(
        parse(V070 / "fs-secret-license-misconfig.json")
    )


def _secret_hashes(path: Path) -> dict[tuple[str, str], str]:
    findings = [f for f in parse(path) if f.secret is not None]
    unmask(findings, SourceTree(EXAMPLE_APP))
    return {(f.path or "", f.rule_id): f.secret.hash for f in findings if f.secret}


def test_masked_secrets_in_sarif_are_recovered_as_from_json() -> None:
    gitleaks = {
        (f.path, f.rule_id): f.secret.hash
        for f in GitleaksAdapter()
        .parse((FIXTURES / "gitleaks" / "8.30.1" / "app-root-dir.json").read_bytes())
        .findings
        if f.secret
    }
    for version in (V067, V070):
        from_json = _secret_hashes(version / "fs-secret-license-misconfig.json")
        from_sarif = _secret_hashes(version / "fs-secret-license-misconfig.sarif")
        assert from_sarif == from_json
        # recovered: the hash of the value in the file, as Gitleaks reports it
        assert (
            from_sarif[("config/settings.py", "github-pat")]
            == gitleaks[("config/settings.py", "github-pat")]
        )
        # the private key: Trivy masks the body (lines 2-8), Gitleaks reports lines 1-9
        assert (
            from_sarif[("config/deploy_key.pem", "private-key")]
            == gitleaks[("config/deploy_key.pem", "private-key")]
        )


def test_k8s_same_cve_in_many_workloads_and_images_stays_apart() -> None:
    for name in ("k8s-same-cve-many-workloads.json", "k8s-same-cve-many-workloads-summary.json"):
        findings = parse(ISSUE15 / name)
        assign(findings, SourceTree(None))
        merged = dedupe(findings, SourceTree(None)).findings
        libc = sorted(
            (f.properties["resource"], f.properties["target"].split(" ")[0])
            for f in merged
            if f.rule_id == "CVE-2023-4911"
        )
        assert libc == [
            ("batch/CronJob/nightly-report", "registry.example.invalid/shop/web:1.4"),
            ("shop/Deployment/web", "registry.example.invalid/shop/log-shipper:0.9"),
            ("shop/Deployment/web", "registry.example.invalid/shop/web:1.4"),
            ("shop/Deployment/worker", "registry.example.invalid/shop/worker:2.0"),
        ]
        assert len(merged) == 6
        assert len({f.fingerprint for f in merged}) == 6
        assert all(f.message.startswith(f.properties["resource"]) for f in merged)
