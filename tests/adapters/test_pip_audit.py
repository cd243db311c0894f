"""pip-audit: every JSON shape it has written (real captures in tests/fixtures/pip-audit), its
"could not audit anything" path, and a real run through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secgate.adapters import registry
from secgate.adapters.interface import RunContext, Sample
from secgate.adapters.pip_audit import PipAuditAdapter, parse_report
from secgate.errors import InputError
from secgate.model import Category, Severity
from tests.support.commands import require_tool, run_secgate
from tests.support.paths import FIXTURES
from tests.support.sarif_validation import validate_sarif

PA = FIXTURES / "pip-audit"
STANDIN = PA / "2.10.1" / "vulns-osv-standin.json"

# requests 2.19.0 and pyyaml 5.3: id -> (aliases, fixed versions), as pip-audit reported them
# from the OSV stand-in (tests/fixtures/pip-audit/2.10.1/README.md).
EXPECTED = {
    "PYSEC-2018-28": ("requests", {"CVE-2018-18074", "GHSA-x84v-xcm2-53pg"}, ["2.20.0"]),
    "PYSEC-2023-74": ("requests", {"CVE-2023-32681", "GHSA-j8r2-6x86-q33q"}, ["2.31.0"]),
    "CVE-2024-35195": ("requests", {"GHSA-9wx4-h78v-vm56"}, ["2.32.0"]),
    "PYSEC-2020-96": ("pyyaml", {"CVE-2020-1747", "GHSA-6757-jp84-gxfx"}, ["5.3.1"]),
    "PYSEC-2021-142": ("pyyaml", {"CVE-2020-14343", "GHSA-8q59-q68h-6hv4"}, ["5.4"]),
}

VARIANTS = {
    # file: (findings, incomplete)
    "2.10.1/vulns-osv-standin.json": (5, False),
    "2.10.1/vulns-osv-standin.cdx.json": (5, False),
    "2.10.1/example/vulns-osv-standin.json": (5, False),
    "2.10.1/example/vulns-osv-standin.cdx.json": (5, False),
    "2.10.1/skipped-nodeps.json": (0, True),
    "2.10.1/example/skipped-nodeps.json": (0, True),
    "2.10.1/skipped-resolved.json": (0, True),
    "2.10.1/skipped-nodeps.cdx.json": (0, True),
    "1.1.2/vulns-list-generated.json": (5, False),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_is_detected_and_parses(name: str) -> None:
    data = (PA / name).read_bytes()
    found = registry.detect(Sample(data))
    assert found is not None and found.name == "pip-audit"
    result = found.parse(data)
    count, incomplete = VARIANTS[name]
    assert len(result.findings) == count
    assert result.incomplete is incomplete
    for finding in result.findings:
        assert finding.tool == "pip-audit"
        assert finding.category is Category.DEPENDENCY
        assert finding.package is not None and finding.package.ecosystem == "pypi"
        assert finding.package.purl == (
            f"pkg:pypi/{finding.package.name}@{finding.package.version}"
        )


def test_requests_and_pyyaml_yield_their_cves_with_aliases_fixes_and_scores() -> None:
    result = parse_report(STANDIN.read_bytes())
    by_id = {f.rule_id: f for f in result.findings}
    assert set(by_id) == set(EXPECTED)
    for vuln_id, (package, aliases, fixed) in EXPECTED.items():
        finding = by_id[vuln_id]
        assert finding.package is not None and finding.vulnerability is not None
        assert finding.package.name == package
        assert finding.package.version == {"requests": "2.19.0", "pyyaml": "5.3"}[package]
        assert set(finding.vulnerability.aliases) == aliases
        assert finding.vulnerability.aliases == sorted(
            aliases
        )  # stable, whatever pip-audit's order
        assert finding.package.fixed_versions == fixed
        assert finding.fixable and finding.lowest_fixed_version == fixed[0]
        # pip-audit rates nothing: the documented default for an unrated vulnerability
        assert (finding.severity, finding.score) == (Severity.HIGH, 8.0)
        assert finding.properties["severity_basis"] == "default"
        assert finding.location is None  # ingest does not know the requirement file
        assert finding.message.startswith(f"{package} ")
        assert vuln_id in finding.message and "fixed in" in finding.message
    assert by_id["PYSEC-2018-28"].rule_name == "CVE-2018-18074"
    assert by_id["PYSEC-2018-28"].help_uri == "https://nvd.nist.gov/vuln/detail/CVE-2018-18074"


def test_skipped_dependencies_are_notes_not_findings() -> None:
    result = parse_report(STANDIN.read_bytes())
    assert not result.incomplete
    assert (
        "internal-lib: skipped: URL requirements cannot be pinned to a specific package "
        "version" in result.notes
    )
    assert result.notes[0] == "pip-audit skipped 1 of 6 dependencies"


def test_everything_skipped_is_an_incomplete_run() -> None:
    result = parse_report((PA / "2.10.1" / "skipped-nodeps.json").read_bytes())
    assert result.incomplete and not result.findings
    assert result.notes[0] == (
        "pip-audit could audit none of the 5 dependencies (every one was skipped)"
    )
    assert (
        "requests 2.19.0: skipped: Dependency not found on PyPI and could not be audited: "
        "requests (2.19.0)"
    ) in result.notes
    resolved = parse_report((PA / "2.10.1" / "skipped-resolved.json").read_bytes())
    assert any(n.startswith("django 2.2: skipped:") for n in resolved.notes)


def test_old_list_shape() -> None:
    result = parse_report((PA / "1.1.2" / "vulns-list-generated.json").read_bytes())
    # 1.x had no aliases; its generator used the OSV record's own id for the 2024 advisory
    assert {f.rule_id for f in result.findings} == (set(EXPECTED) - {"CVE-2024-35195"}) | {
        "GHSA-9wx4-h78v-vm56"
    }
    assert all(f.vulnerability and not f.vulnerability.aliases for f in result.findings)
    assert any(n.startswith("django 2.2: skipped:") for n in result.notes)


def test_cyclonedx_joins_components_by_bom_ref() -> None:
    result = parse_report((PA / "2.10.1" / "vulns-osv-standin.cdx.json").read_bytes())
    pairs = {(f.package.name, f.package.version, f.rule_id) for f in result.findings if f.package}
    assert pairs == {
        (pkg, {"requests": "2.19.0", "pyyaml": "5.3"}[pkg], vid)
        for vid, (pkg, _, _) in EXPECTED.items()
    }
    assert all(not f.fixable for f in result.findings)  # pip-audit's BOM has no fix versions


def test_cyclonedx_ratings_and_references_are_read() -> None:
    """CycloneDX fields pip-audit leaves empty (ratings, references): the parser reads them."""
    bom = json.loads((PA / "2.10.1" / "vulns-osv-standin.cdx.json").read_text())
    bom["vulnerabilities"][0]["ratings"] = [
        {
            "method": "CVSSv31",
            "score": 5.6,
            "vector": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N",
        },
        {"method": "other", "severity": "critical"},
    ]
    bom["vulnerabilities"][0]["references"] = [{"id": "GHSA-9wx4-h78v-vm56"}]
    finding = parse_report(json.dumps(bom).encode()).findings[0]
    assert (finding.severity, finding.score) == (Severity.MEDIUM, 5.6)
    assert finding.properties["severity_basis"] == "CVSS:3.1"
    assert finding.vulnerability is not None
    assert finding.vulnerability.aliases == ["GHSA-9wx4-h78v-vm56"]


def test_run_mode_locations_point_at_the_requirement_line() -> None:
    result = parse_report(STANDIN.read_bytes(), {"requests": ("requirements.txt", 2)})
    located = [f for f in result.findings if f.location]
    assert {f.package.name for f in located if f.package} == {"requests"}
    assert all(f.location and f.location.start_line == 2 for f in located)


def test_invocation_audits_pins_without_resolving(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\nPyYAML==5.3  # yaml\n")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "dev.txt").write_text("pytest==8.0.0\n")
    adapter = PipAuditAdapter()
    ctx = RunContext(target=tmp_path, work_dir=tmp_path, executable="pip-audit")
    argv = adapter.invocation(ctx).argv
    assert argv[:5] == ["pip-audit", "-r", "requirements.txt", "-r", "requirements/dev.txt"]
    assert argv[-2:] == ["--no-deps", "--disable-pip"]
    assert (
        adapter.invocation(
            RunContext(
                target=tmp_path, work_dir=tmp_path, executable="pip-audit", config={"resolve": True}
            )
        ).argv[-1]
        != "--disable-pip"
    )
    (tmp_path / "requirements-extra.txt").write_text("flask>=2\n")
    assert "--no-deps" not in adapter.invocation(ctx).argv  # unpinned: let pip-audit resolve


def test_no_requirement_files_and_no_environment_means_nothing_to_audit(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n")
    ctx = RunContext(target=tmp_path, work_dir=tmp_path, executable="pip-audit")
    reason = PipAuditAdapter().preflight(ctx, "2.10.1")
    assert reason is not None and reason.startswith("no requirement files (requirements*.txt)")
    configured = RunContext(
        target=tmp_path,
        work_dir=tmp_path,
        executable="pip-audit",
        config={"path": "env/site-packages"},
    )
    assert PipAuditAdapter().preflight(configured, "2.10.1") is None
    argv = PipAuditAdapter().invocation(configured).argv
    assert argv[1:3] == ["--path", str(tmp_path / "env" / "site-packages")]
    assert "--no-deps" not in argv


@pytest.mark.scanner("pip-audit")
def test_real_pip_audit_run_on_the_targets_own_environment(tmp_path: Path) -> None:
    require_tool("pip-audit")
    target = tmp_path / "project"
    dist = target / ".venv" / "lib" / "python3.11" / "site-packages" / "pyyaml-5.3.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: PyYAML\nVersion: 5.3\n")
    out = tmp_path / "report.json"
    done = run_secgate("scan", target, "--scanner", "pip-audit", "--json", out)
    assert done.returncode == 3, done.stderr
    (run,) = json.loads(out.read_text())["runs"]
    assert run["command"][1] == "--path" and run["incomplete"] is True
    assert any(n.startswith("pyyaml 5.3: skipped:") for n in run["notes"])


@pytest.mark.parametrize(
    "content",
    [
        b'{"dependencies": [{"name": "requests", "vulns": [{"fix_versions": []}]}], "fixes": []}',
        b'{"dependencies": [{"name": "requests", "version": "2.19.0", "vulns": [',
        b'{"dependencies": [{"nom": "requests"}], "fixes": []}',
    ],
)
def test_malformed_output_is_exit_2_naming_the_file(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "audit.json"
    bad.write_bytes(content)
    done = run_secgate("scan", "--input", f"pip-audit={bad}")
    assert done.returncode == 2, done.stderr
    assert str(bad) in done.stderr and "pip-audit" in done.stderr
    assert "Traceback" not in done.stderr


def test_ingest_through_the_cli_blocks_on_the_vulnerabilities(tmp_path: Path) -> None:
    out, sarif = tmp_path / "report.json", tmp_path / "report.sarif"
    done = run_secgate("scan", "--input", STANDIN, "--json", out, "--sarif", sarif)
    assert done.returncode == 1, done.stderr
    rules = validate_sarif(sarif)["runs"][0]["tool"]["driver"]["rules"]
    severities = {r["id"]: r["properties"]["security-severity"] for r in rules}
    assert severities == dict.fromkeys(EXPECTED, "8.0")
    report = json.loads(out.read_text())
    findings = [f for f in report["findings"] if f["tool"] == "pip-audit"]
    assert {f["rule_id"] for f in findings} == set(EXPECTED)
    assert all(f["fixable"] and f["lowest_fixed_version"] for f in findings)
    (run,) = report["runs"]
    assert run["tool"] == "pip-audit" and not run["incomplete"]


def test_ingested_all_skipped_output_fails_a_required_pip_audit(tmp_path: Path) -> None:
    done = run_secgate(
        "scan", "--input", PA / "2.10.1" / "skipped-nodeps.json", "--scanner", "pip-audit"
    )
    assert done.returncode == 3, done.stderr
    assert "incomplete" in done.stderr


@pytest.mark.scanner("pip-audit")
def test_real_pip_audit_run_on_the_example_is_incomplete_not_a_pass(
    example_app: Path, tmp_path: Path
) -> None:
    require_tool("pip-audit")
    out = tmp_path / "report.json"
    done = run_secgate("scan", example_app, "--scanner", "pip-audit", "--json", out)
    # pip-audit cannot reach vulnerability data here: it skips all ten pins and exits 0.
    assert done.returncode == 3, done.stderr
    assert "incomplete" in done.stderr
    assert "pip-audit could audit none of the 10 dependencies" in done.stderr
    report = json.loads(out.read_text())
    (run,) = report["runs"]
    assert run["status"] == "ok" and run["incomplete"] is True
    assert run["version"]
    assert run["command"][1:3] == ["-r", "requirements.txt"]
    assert "--no-deps" in run["command"]
    assert any(n.startswith("requests 2.19.0: skipped:") for n in run["notes"])
    assert report["verdict"]["status"] == "error"


def test_no_report_at_all_says_why() -> None:
    with pytest.raises(InputError, match="pip-audit wrote no JSON report"):
        parse_report(b"")
