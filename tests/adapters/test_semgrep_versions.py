"""Semgrep outputs of other versions read right (issue 15): a SARIF without rules or result
levels (1.100) gives the severities and verdict of the same run's JSON; Supply Chain results
are dependency findings with their reachability, from JSON and from SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secgate.adapters.semgrep import SemgrepAdapter
from secgate.model import Category, Finding
from tests.support.commands import run_secgate
from tests.support.hostile import deep_json
from tests.support.paths import FIXTURES

SEMGREP = FIXTURES / "semgrep"


def parse(path: Path) -> list[Finding]:
    return SemgrepAdapter().parse(path.read_bytes()).findings


def _ratings(findings: list[Finding]) -> list[tuple[object, ...]]:
    return sorted(
        (
            f.path,
            f.location.start_line if f.location else None,
            f.rule_id,
            f.severity,
            f.score,
            f.category,
            tuple(f.cwes),
        )
        for f in findings
    )


@pytest.mark.parametrize(
    ("version", "stem"),
    [
        ("1.100.0", "pair-vulnerable-app"),
        ("1.100.0", "pair-identity-app"),
        ("1.95.0", "vulnerable-app"),
        ("1.130.0", "vulnerable-app"),
        ("1.185.0", "vulnerable-app"),
        ("1.95.0", "supply-chain-sca-app"),
        ("1.130.0", "supply-chain-vulnerable-app"),
        ("1.185.0", "supply-chain-vulnerable-app"),
    ],
)
def test_sarif_rates_as_the_json_of_the_same_run(version: str, stem: str) -> None:
    json_findings = parse(SEMGREP / version / f"{stem}.json")
    assert _ratings(parse(SEMGREP / version / f"{stem}.sarif")) == _ratings(json_findings)


def test_sarif_without_rules_gives_the_json_verdict(tmp_path: Path) -> None:
    doc = json.loads((SEMGREP / "1.100.0" / "pair-vulnerable-app.sarif").read_text())
    assert "rules" not in doc["runs"][0]["tool"]["driver"]
    assert all("level" not in r for r in doc["runs"][0]["results"])
    verdicts = []
    for suffix in ("json", "sarif"):
        out = tmp_path / suffix
        done = run_secgate(
            "scan",
            "--input",
            SEMGREP / "1.100.0" / f"pair-vulnerable-app.{suffix}",
            "--output-dir",
            out,
            cwd=tmp_path,
        )
        report = json.loads((out / "report.json").read_text())
        verdicts.append(
            (
                done.returncode,
                report["verdict"]["status"],
                report["verdict"]["counts"],
                sorted(
                    (f["rule_id"], f["location"]["start_line"], f["severity"])
                    for f in report["findings"]
                ),
            )
        )
    assert verdicts[0] == verdicts[1]
    assert verdicts[0][0] == 1  # high findings block under the default policy


def test_supply_chain_json_reachability() -> None:
    findings = {
        f.rule_id: f for f in parse(SEMGREP / "1.185.0" / "supply-chain-vulnerable-app.json")
    }
    assert {f.category for f in findings.values()} == {Category.DEPENDENCY}
    pyyaml = findings["ssc-pyyaml-cve-2020-14343"]
    assert pyyaml.package is not None and (
        pyyaml.package.name,
        pyyaml.package.version,
        pyyaml.package.fixed_versions,
    ) == ("pyyaml", "5.3", ["5.4"])
    assert pyyaml.vulnerability is not None and pyyaml.vulnerability.all_ids == {
        "CVE-2020-14343",
        "GHSA-8q59-q68h-6hv4",
    }
    assert pyyaml.properties["reachable"] is True and "reachable" in pyyaml.tags
    assert pyyaml.path == "vulnerable-app/app/storage.py"  # the call that reaches it
    jinja = findings["ssc-jinja2-cve-2019-10906"]
    assert jinja.properties["reachable"] is False and "unreachable" in jinja.tags
    requests = findings["ssc-requests-cve-2018-18074"]
    assert requests.properties["reachability"] == "upgrade-only"
    assert requests.properties["advisory_severity"] == "HIGH"
    lock = {f.rule_id: f for f in parse(SEMGREP / "1.185.0" / "supply-chain-sca-app.json")}
    assert lock["ssc-urllib3-cve-2019-11324"].properties["transitivity"] == "transitive"
    assert lock["ssc-requests-cve-2018-18074"].properties["transitivity"] == "direct"


def test_supply_chain_metadata_of_another_shape_is_left_out(tmp_path: Path) -> None:
    """``sca-kind`` and ``sca-severity`` are strings; a rule's metadata can hold anything.
    Arrays nested 300 levels deep (within what secgate reads, past what pydantic and orjson
    write) was kept as the finding's ``reachability`` and crashed the reports (found by the
    fuzz test at 600 examples)."""
    doc = json.loads((SEMGREP / "1.130.0" / "supply-chain-vulnerable-app.json").read_text())
    for result in doc["results"]:
        result["extra"]["metadata"]["sca-kind"] = "@@DEEP@@"
        result["extra"]["metadata"]["sca-severity"] = "@@DEEP@@"
    source = tmp_path / "semgrep.json"
    source.write_text(json.dumps(doc).replace('"@@DEEP@@"', deep_json(300)), encoding="utf-8")
    done = run_secgate(
        "scan", "--input", f"semgrep={source}", "--json", tmp_path / "r.json",
        "--sarif", tmp_path / "r.sarif", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["findings"]
    for finding in report["findings"]:
        assert "reachability" not in finding["properties"]
        assert "advisory_severity" not in finding["properties"]


def test_supply_chain_sarif_reads_what_it_keeps() -> None:
    findings = {
        f.rule_id: f for f in parse(SEMGREP / "1.185.0" / "supply-chain-vulnerable-app.sarif")
    }
    assert {f.category for f in findings.values()} == {Category.DEPENDENCY}
    jinja = findings["ssc-jinja2-cve-2019-10906"]
    assert jinja.properties["exposure"] == "unreachable" and "unreachable" in jinja.tags
    assert jinja.vulnerability is not None and jinja.vulnerability.id == "CVE-2019-10906"
    assert jinja.package is not None and (jinja.package.name, jinja.package.version) == (
        "jinja2",
        "2.10",
    )  # from the requirements line the result points at
    # SARIF says "reachable" for upgrade-only results too; on a manifest line it is unknown
    assert "reachable" not in findings["ssc-requests-cve-2018-18074"].tags
    assert "reachable" in findings["ssc-pyyaml-cve-2020-14343"].tags
