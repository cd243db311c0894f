"""The ``osv`` scanner: secgate's offline audit of pinned requirements (requirement files,
pyproject, poetry.lock, uv.lock) against imported real PyPA records; its findings merge with
pip-audit's, Safety's and Trivy's reports of the same vulnerability; unpinned requirements are
notes, and judging none is incomplete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from secgate.adapters.osv import OsvAdapter, parse_audit
from secgate.adapters.registry import ADAPTERS
from secgate.advisories import pins
from secgate.advisories.audit import audit
from tests.support.advisory_data import KEV as KEV_FIXTURE
from tests.support.advisory_data import PYPA, import_env, imported_store
from tests.support.commands import require_tool, run_secgate
from tests.support.paths import FIXTURES, ROOT

SAFETY_DB = ROOT / "tests" / "assets" / "safety-db"
TRIVY_PIP = FIXTURES / "trivy" / "hand-built" / "fs-vuln-pip.json"


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _scan(
    project: Path, data: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    out = project.parent / f"{project.name}-report.json"
    done = run_secgate(
        "scan",
        project,
        "--json",
        out,
        *args,
        env={**import_env(data), "SECGATE_TODAY": "2026-12-01", **(env or {})},
    )
    report = json.loads(out.read_text()) if out.is_file() else {}
    return done.returncode, report, done.stderr


def _by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for finding in report["findings"]:
        vuln = finding.get("vulnerability") or {}
        for vuln_id in [vuln.get("id"), *vuln.get("aliases", [])]:
            found[vuln_id] = finding
    return found


def test_osv_is_registered_and_installed_only_with_osv_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ADAPTERS["osv"] is OsvAdapter
    monkeypatch.setenv("SECGATE_DATA_DIR", str(tmp_path / "data"))
    adapter = OsvAdapter()
    assert adapter.find_executable() is None
    assert "secgate advisories import" in adapter.missing_reason()
    imported_store(tmp_path / "data", kev=True, epss=False).close()
    assert adapter.find_executable() is not None


def test_a_scan_audits_the_pins_with_aliases_fixes_and_places(tmp_path: Path) -> None:
    imported_store(tmp_path / "data").close()
    project = _project(
        tmp_path / "project",
        {
            "requirements.txt": "# pins\nrequests==2.19.0\npyyaml==5.3\nflask>=2\npy==1.11.0\n"
            "redis==1.34\nbinderhub==0.1.0\n"
        },
    )
    code, report, stderr = _scan(project, tmp_path / "data", "-s", "osv")
    assert code == 1, stderr
    (run,) = report["runs"]
    assert run["tool"] == "osv" and run["status"] == "ok" and not run["incomplete"]
    assert run["version"] and "--db" in run["command"]
    found = _by_id(report)
    requests = found["CVE-2018-18074"]
    assert requests["rule_id"] == "PYSEC-2018-28"
    assert set(requests["vulnerability"]["aliases"]) == {"CVE-2018-18074", "GHSA-x84v-xcm2-53pg"}
    assert requests["package"]["fixed_versions"] == ["2.20.0"]
    assert requests["location"] == {"path": "requirements.txt", "start_line": 2}
    assert requests["help_uri"] == "https://nvd.nist.gov/vuln/detail/CVE-2018-18074"
    assert found["CVE-2020-14343"]["location"]["start_line"] == 3
    assert found["CVE-2022-42969"]["fixable"] is False  # last_affected, no fix
    assert "PYSEC-2023-73" not in found  # withdrawn
    assert {f["package"]["name"] for f in report["findings"]} == {"requests", "pyyaml", "py"}
    notes = "\n".join(run["notes"])
    assert "requirements.txt:4: flask>=2: not pinned to one version, not judged" in notes
    assert "binderhub 0.1.0: PYSEC-2021-371 not judged" in notes and "0.2.0-n653" in notes
    assert [a["kind"] for a in report["advisories"]] == ["epss", "kev", "osv"]


def test_a_cvss_vector_rates_and_unrated_records_get_the_documented_default(tmp_path: Path) -> None:
    imported_store(tmp_path / "data").close()
    project = _project(tmp_path / "p", {"requirements.txt": "urllib3==1.26.16\nrequests==2.19.0\n"})
    _, report, _ = _scan(project, tmp_path / "data", "-s", "osv")
    found = _by_id(report)
    urllib3 = found["CVE-2023-43804"]
    assert urllib3["score"] == 8.1 and urllib3["severity"] == "high"
    assert urllib3["properties"]["cvss_vector"].startswith("CVSS:3.1/")
    requests = found["CVE-2018-18074"]
    assert (requests["severity"], requests["score"]) == ("high", 8.0)
    assert requests["properties"]["severity_basis"] == "default"


def test_lock_files_and_pyproject_pins(tmp_path: Path) -> None:
    project = _project(
        tmp_path / "p",
        {
            "poetry/pyproject.toml": "[tool.poetry.dependencies]\npython = '^3.11'\n",
            "poetry/poetry.lock": (
                '[[package]]\nname = "PyYAML"\nversion = "5.3"\n'
                'description = "YAML"\n\n[[package]]\nname = "requests"\n'
                'version = "2.31.0"\n'
            ),
            "uv/uv.lock": (
                'version = 1\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n'
                'source = { editable = "." }\n\n[[package]]\nname = "requests"\n'
                'version = "2.19.0"\nsource = { registry = "https://pypi.org/simple" }\n'
            ),
            "pep621/pyproject.toml": (
                '[project]\nname = "x"\ndependencies = [\n  "py==1.11.0",\n'
                '  "flask>=2",\n]\n[project.optional-dependencies]\n'
                'dev = ["pyspark==3.1.1"]\n'
            ),
            "poetry2/pyproject.toml": (
                '[tool.poetry.dependencies]\npython = "^3.11"\n'
                'salt = "3000.1"\nrequests = "^2.19"\n'
                "[tool.poetry.group.dev.dependencies]\n"
                'urllib3 = {version = "==1.26.16"}\n'
            ),
        },
    )
    found = pins.read(project)
    assert found.files == [
        "pep621/pyproject.toml",
        "poetry/poetry.lock",
        "poetry2/pyproject.toml",
        "uv/uv.lock",
    ]
    got = {(p.name, p.version, p.path, p.line) for p in found.pins}
    assert got == {
        ("pyyaml", "5.3", "poetry/poetry.lock", 2),
        ("requests", "2.31.0", "poetry/poetry.lock", 7),
        ("requests", "2.19.0", "uv/uv.lock", 9),
        ("py", "1.11.0", "pep621/pyproject.toml", 4),
        ("pyspark", "3.1.1", "pep621/pyproject.toml", 8),
        ("salt", "3000.1", "poetry2/pyproject.toml", 3),
        ("urllib3", "1.26.16", "poetry2/pyproject.toml", 6),
    }
    assert found.unpinned == [
        "pep621/pyproject.toml:5: flask>=2",
        "poetry2/pyproject.toml:4: requests = ^2.19",
    ]
    with imported_store(tmp_path / "data") as store:
        doc = audit(store, project)
    affected = {(r["name"], r["version"]) for r in doc["results"] if r["vulns"]}
    assert affected == {
        ("pyyaml", "5.3"),
        ("requests", "2.19.0"),
        ("py", "1.11.0"),
        ("pyspark", "3.1.1"),
        ("salt", "3000.1"),
        ("urllib3", "1.26.16"),
    }


def test_judging_nothing_is_incomplete_and_fails_a_required_osv(tmp_path: Path) -> None:
    imported_store(tmp_path / "data").close()
    project = _project(tmp_path / "p", {"requirements.txt": "requests>=2\n-e ./lib\n"})
    code, report, stderr = _scan(project, tmp_path / "data", "-s", "osv")
    assert code == 3, stderr
    (run,) = report["runs"]
    assert run["incomplete"] is True
    assert "osv could judge none of the 2 requirement(s)" in run["notes"][0]
    assert "required scanner osv examined nothing (incomplete)" in stderr


def test_required_without_data_fails_closed_and_without_pins_it_is_a_note(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"requirements.txt": "requests==2.19.0\n"})
    code, report, _ = _scan(project, tmp_path / "none", "-s", "osv")
    assert code == 3
    (run,) = report["runs"]
    assert run["status"] == "skipped" and "no OSV data in" in run["error"]
    imported_store(tmp_path / "data").close()
    empty = _project(tmp_path / "empty", {"app.py": "print('hi')\n"})
    code, report, _ = _scan(empty, tmp_path / "data", "-s", "osv")
    assert code == 3  # required by name and nothing to examine: the gate says so
    (run,) = report["runs"]
    assert run["status"] == "skipped" and "no requirement or lock files" in run["notes"][0]


def test_parse_is_a_pure_function_of_the_audit_document(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", {"requirements.txt": "requests==2.19.0\n"})
    with imported_store(tmp_path / "data") as store:
        doc = audit(store, project)
    data = json.dumps(doc).encode()
    parsed = parse_audit(data)
    assert {f.rule_id for f in parsed.findings} == {"PYSEC-2018-28", "PYSEC-2023-74"}
    assert parsed.tool_version == doc["secgate_version"]
    from secgate.adapters.interface import Sample

    assert OsvAdapter().detect(Sample(data))
    # an ingested audit document is read like any tool's output
    saved = tmp_path / "audit.json"
    saved.write_bytes(data)
    out = tmp_path / "r.json"
    done = run_secgate("scan", "--input", saved, "--json", out)
    assert done.returncode == 1, done.stderr
    assert json.loads(out.read_text())["runs"][0]["tool"] == "osv"


@pytest.mark.scanner("pip-audit")
@pytest.mark.scanner("safety")
def test_one_vulnerability_reported_by_four_tools_is_one_finding(tmp_path: Path) -> None:
    require_tool("pip-audit")
    require_tool("safety")
    imported_store(tmp_path / "data").close()
    project = _project(
        tmp_path / "p",
        {
            "requirements.txt": "requests==2.19.0\npyyaml==5.3\n",
            ".secgate.yml": f"version: 1\nscanners:\n  settings:\n    safety:\n      db: {SAFETY_DB}\n",
        },
    )
    code, report, stderr = _scan(
        project,
        tmp_path / "data",
        "-s",
        "osv",
        "-s",
        "pip-audit",
        "-s",
        "safety",
        "--input",
        f"trivy={TRIVY_PIP}",
    )
    assert code == 1, stderr
    runs = {r["tool"]: r for r in report["runs"]}
    assert runs["pip-audit"]["status"] == "ok" and not runs["pip-audit"]["incomplete"]
    assert "secgate.advisories.serve" in runs["pip-audit"]["command"]
    matching = [
        f
        for f in report["findings"]
        if "CVE-2018-18074" in {f["vulnerability"]["id"], *f["vulnerability"]["aliases"]}
    ]
    assert len(matching) == 1
    merged = matching[0]
    assert [s["tool"] for s in merged["sources"]] == ["osv", "pip-audit", "safety", "trivy"]
    assert {"PYSEC-2018-28", "GHSA-x84v-xcm2-53pg", "CVE-2018-18074"} <= {
        merged["vulnerability"]["id"],
        *merged["vulnerability"]["aliases"],
    }
    assert merged["kev"] == {"listed": False}
    assert merged["epss"]["score"] == 0.0125


def test_the_whole_fixture_imports_and_audits_against_the_example(tmp_path: Path) -> None:
    imported_store(tmp_path / "data").close()
    with imported_store(tmp_path / "data") as store:
        doc = audit(store, ROOT / "examples" / "vulnerable-app")
    assert doc["files"] == ["requirements.txt"]
    assert {r["name"] for r in doc["results"]} >= {"requests", "pyyaml", "pyspark"}
    assert doc["snapshots"][0]["source"] == str(PYPA)


def test_the_result_cache_reuses_an_audit_until_the_data_or_pins_change(tmp_path: Path) -> None:
    imported_store(tmp_path / "data", kev=False, epss=False).close()
    project = _project(tmp_path / "p", {"requirements.txt": "requests==2.19.0\n"})
    cached = {"SECGATE_NO_CACHE": "0", "SECGATE_CACHE_DIR": str(tmp_path / "cache")}

    def origin() -> tuple[str, int]:
        _, report, _ = _scan(project, tmp_path / "data", "-s", "osv", env=cached)
        (run,) = report["runs"]
        return run["origin"], len(report["findings"])

    assert origin() == ("run", 2)
    assert origin() == ("cache", 2)
    with imported_store(tmp_path / "data", kev=False, epss=False) as store:
        store.import_kev(KEV_FIXTURE)  # the store's content changed: audit again
    assert origin() == ("run", 2)
    (project / "requirements.txt").write_text("requests==2.31.0\n")
    assert origin() == ("run", 0)
