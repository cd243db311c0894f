"""VEX in and out: OpenVEX and CycloneDX VEX statements that clear a finding (named
``vex:<document>`` with the justification), ones whose product does not match (clearing
nothing), the latest statement winning, malformed documents (exit 2), and ``--openvex`` writing
a run's accepted risks and VEX-decided findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.advisory_data import import_env, imported_store
from tests.support.commands import run_secgate

OPENVEX_ID = "https://example.invalid/vex/app-2025-09-01"
CONTEXT = "https://openvex.dev/ns/v0.2.0"


def _project(tmp_path: Path, policy: str = "version: 1\n") -> Path:
    imported_store(tmp_path / "data").close()
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.19.0\npyyaml==5.3\n")
    (project / ".secgate.yml").write_text(policy)
    return project


def _openvex(statements: list[dict[str, Any]], doc_id: str = OPENVEX_ID) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@id": doc_id,
        "author": "Example Security <sec@example.invalid>",
        "timestamp": "2025-09-01T10:00:00Z",
        "version": 1,
        "statements": statements,
    }


def _write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=2))
    return path


def _scan(tmp_path: Path, project: Path, *args: str | Path) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "report.json"
    done = run_secgate(
        "scan",
        project,
        "-s",
        "osv",
        "--json",
        out,
        *args,
        env={**import_env(tmp_path / "data"), "SECGATE_TODAY": "2025-09-02"},
    )
    report = json.loads(out.read_text()) if out.is_file() else {}
    return done.returncode, report, done.stderr


def _decisions(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for finding in report["findings"]:
        for vuln_id in [finding["vulnerability"]["id"], *finding["vulnerability"]["aliases"]]:
            found[vuln_id] = finding["decision"]
    return found


NOT_AFFECTED = {
    "vulnerability": {"name": "CVE-2018-18074", "aliases": ["GHSA-x84v-xcm2-53pg"]},
    "products": [{"@id": "pkg:pypi/requests@2.19.0"}],
    "status": "not_affected",
    "justification": "vulnerable_code_not_in_execute_path",
    "impact_statement": "the service never follows redirects",
}


def test_openvex_not_affected_clears_the_finding_like_an_acceptance(tmp_path: Path) -> None:
    project = _project(tmp_path)
    vex = _write(tmp_path / "app.openvex.json", _openvex([NOT_AFFECTED]))
    page, comment = tmp_path / "r.html", tmp_path / "r.md"
    code, report, stderr = _scan(
        tmp_path, project, "--vex", vex, "--html", page, "--markdown", comment
    )
    assert code == 1, stderr  # the other vulnerabilities still block
    accepted = page.read_text().split('id="accepted"', 1)[1].split("</section>", 1)[0]
    assert f"vex:{OPENVEX_ID}" in accepted and "VEX statement" in accepted
    assert "1 not affected or fixed by VEX statements" in comment.read_text()
    decision = _decisions(report)["CVE-2018-18074"]
    assert decision["action"] == "ignore"
    assert decision["decided_by"] == f"vex:{OPENVEX_ID}"
    assert "vulnerable_code_not_in_execute_path" in decision["reason"]
    assert "the service never follows redirects" in decision["reason"]
    assert decision["vex"] == {
        "status": "not_affected",
        "document": OPENVEX_ID,
        "source": str(vex),
        "statement": 0,
        "justification": "vulnerable_code_not_in_execute_path",
        "impact": "the service never follows redirects",
    }
    assert report["verdict"]["counts"]["vex"] == 1
    assert _decisions(report)["CVE-2023-32681"]["action"] == "block"


def test_a_product_that_does_not_match_clears_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    other_version = {**NOT_AFFECTED, "products": [{"@id": "pkg:pypi/requests@2.20.0"}]}
    other_package = {**NOT_AFFECTED, "products": ["pkg:pypi/urllib3@1.24.1"]}
    other_vuln = {
        **NOT_AFFECTED,
        "vulnerability": {"name": "CVE-2023-32681"},
        "products": [{"@id": "pkg:pypi/pyyaml@5.3"}],
    }
    vex = _write(tmp_path / "v.json", _openvex([other_version, other_package, other_vuln]))
    code, report, _ = _scan(tmp_path, project, "--vex", vex)
    assert code == 1
    decisions = _decisions(report)
    assert all(not d["decided_by"].startswith("vex:") for d in decisions.values())
    assert report["verdict"]["counts"]["vex"] == 0


def test_a_subcomponent_of_the_product_and_a_versionless_purl_match(tmp_path: Path) -> None:
    project = _project(tmp_path)
    statement = {
        **NOT_AFFECTED,
        "products": [
            {"@id": "pkg:github/example/app@v1", "subcomponents": [{"@id": "pkg:pypi/Requests"}]}
        ],
    }
    vex = _write(tmp_path / "v.json", _openvex([statement]))
    _, report, _ = _scan(tmp_path, project, "--vex", vex)
    assert _decisions(report)["CVE-2018-18074"]["decided_by"] == f"vex:{OPENVEX_ID}"


def test_the_latest_statement_wins_and_affected_changes_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    older = {**NOT_AFFECTED, "timestamp": "2025-08-01T00:00:00Z"}
    newer = {
        "vulnerability": {"name": "GHSA-x84v-xcm2-53pg"},
        "products": [{"@id": "pkg:pypi/requests@2.19.0"}],
        "status": "affected",
        "action_statement": "upgrade to 2.20.0",
        "timestamp": "2025-08-20T00:00:00Z",
    }
    vex = _write(tmp_path / "v.json", _openvex([newer, older]))
    _, report, _ = _scan(tmp_path, project, "--vex", vex)
    assert _decisions(report)["CVE-2018-18074"]["decided_by"] == "threshold"
    investigating = {**newer, "status": "under_investigation", "timestamp": "2025-07-01T00:00:00Z"}
    vex = _write(tmp_path / "v.json", _openvex([investigating, older]))
    _, report, _ = _scan(tmp_path, project, "--vex", vex)
    assert _decisions(report)["CVE-2018-18074"]["action"] == "ignore"


def test_not_affected_without_a_justification_clears_nothing_and_says_so(tmp_path: Path) -> None:
    project = _project(tmp_path)
    bare = {k: v for k, v in NOT_AFFECTED.items() if k not in ("justification", "impact_statement")}
    vex = _write(tmp_path / "v.json", _openvex([bare]))
    _, report, _ = _scan(tmp_path, project, "--vex", vex)
    assert _decisions(report)["CVE-2018-18074"]["decided_by"] == "threshold"
    assert any(
        "statement 0 says not_affected without a justification" in n for n in report["notes"]
    )


def _cyclonedx(state: str, justification: str | None = "code_not_reachable") -> dict[str, Any]:
    analysis: dict[str, Any] = {
        "state": state,
        "detail": "yaml.load is never called on input",
        "lastUpdated": "2025-09-01T00:00:00Z",
    }
    if justification:
        analysis["justification"] = justification
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "metadata": {"timestamp": "2025-09-01T00:00:00Z"},
        "components": [
            {
                "bom-ref": "yaml-lib",
                "type": "library",
                "name": "pyyaml",
                "version": "5.3",
                "purl": "pkg:pypi/pyyaml@5.3",
            }
        ],
        "vulnerabilities": [
            {
                "id": "CVE-2020-1747",
                "source": {"name": "NVD"},
                "references": [{"id": "GHSA-6757-jp84-gxfx", "source": {"name": "GitHub"}}],
                "analysis": analysis,
                "affects": [{"ref": "yaml-lib"}],
            }
        ],
    }


def test_cyclonedx_vex_clears_through_the_policy_vex_list(tmp_path: Path) -> None:
    project = _project(tmp_path, "version: 1\nvex: [security/app.cdx.json]\n")
    (project / "security").mkdir()
    _write(project / "security" / "app.cdx.json", _cyclonedx("not_affected"))
    _, report, _ = _scan(tmp_path, project)
    decision = _decisions(report)["CVE-2020-1747"]
    assert decision["decided_by"] == "vex:urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
    assert "code_not_reachable" in decision["reason"]
    assert _decisions(report)["CVE-2020-14343"]["decided_by"] == "threshold"
    _write(project / "security" / "app.cdx.json", _cyclonedx("resolved", None))
    _, report, _ = _scan(tmp_path, project)
    assert _decisions(report)["CVE-2020-1747"]["vex"]["status"] == "fixed"
    _write(project / "security" / "app.cdx.json", _cyclonedx("exploitable"))
    _, report, _ = _scan(tmp_path, project)
    assert _decisions(report)["CVE-2020-1747"]["decided_by"] == "threshold"


def test_malformed_vex_is_refused_naming_the_file_and_statement(tmp_path: Path) -> None:
    project = _project(tmp_path)
    bad = _write(tmp_path / "bad.json", _openvex([{**NOT_AFFECTED, "status": "fine"}]))
    code, _, stderr = _scan(tmp_path, project, "--vex", bad)
    assert code == 2
    assert f"{bad}: statements[0]: status 'fine' is not one of" in stderr
    other = _write(tmp_path / "other.json", {"hello": "world"})
    code, _, stderr = _scan(tmp_path, project, "--vex", other)
    assert code == 2 and "neither OpenVEX" in stderr
    cdx = _cyclonedx("maybe")
    code, _, stderr = _scan(tmp_path, project, "--vex", _write(tmp_path / "c.json", cdx))
    assert code == 2 and "vulnerabilities[0]: analysis.state 'maybe'" in stderr
    code, _, stderr = _scan(tmp_path, project, "--vex", tmp_path / "missing.json")
    assert code == 2 and "missing.json" in stderr


def test_openvex_out_states_vex_decisions_and_accepted_risks(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        (
            "version: 1\naccept:\n  - id: yaml-loader\n    vulnerability: CVE-2020-14343\n"
            "    reason: documents come from our own build only\n    expires: 2026-01-31\n"
            "    approved_by: security-team\n"
        ),
    )
    vex_in = _write(tmp_path / "in.json", _openvex([NOT_AFFECTED]))
    out = tmp_path / "out.openvex.json"
    code, report, stderr = _scan(tmp_path, project, "--vex", vex_in, "--openvex", out)
    assert code == 1, stderr
    assert f"OpenVEX: 2 statement(s) in {out}" in stderr
    doc = json.loads(out.read_text())
    assert doc["@context"] == CONTEXT and doc["@id"].startswith("https://openvex.dev/docs/")
    assert doc["timestamp"] == "2025-09-02T00:00:00Z" and doc["author"] == "secgate"
    by_name = {s["vulnerability"]["name"]: s for s in doc["statements"]}
    cleared = by_name["CVE-2018-18074"]
    assert cleared["status"] == "not_affected"
    assert cleared["justification"] == "vulnerable_code_not_in_execute_path"
    assert cleared["impact_statement"] == "the service never follows redirects"
    assert cleared["products"] == [{"@id": "pkg:pypi/requests@2.19.0"}]
    assert set(cleared["vulnerability"]["aliases"]) == {"GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"}
    accepted = by_name["CVE-2020-14343"]
    assert accepted["status"] == "affected"
    assert "accept:yaml-loader" in accepted["action_statement"]
    assert "approved by security-team" in accepted["action_statement"]
    # the same run writes the same bytes; fed back in, the document clears what VEX cleared
    again = tmp_path / "again.json"
    _scan(tmp_path, project, "--vex", vex_in, "--openvex", again)
    assert again.read_bytes() == out.read_bytes()
    (project / ".secgate.yml").write_text("version: 1\n")
    _, report, _ = _scan(tmp_path, project, "--vex", out)
    decisions = _decisions(report)
    assert decisions["CVE-2018-18074"]["decided_by"] == f"vex:{doc['@id']}"
    assert decisions["CVE-2020-14343"]["decided_by"] == "threshold"  # affected: judged
