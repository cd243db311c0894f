"""The imported data served as OSV's query API on 127.0.0.1: the requests pip-audit makes,
answered as OSV documents them; and the real pip-audit auditing through it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from secgate.advisories.service import LocalOsvService
from tests.support.advisory_data import import_env, imported_store
from tests.support.commands import require_tool, run_secgate

TIMEOUT = 10


@pytest.fixture
def service(tmp_path: Path) -> Any:
    imported_store(tmp_path / "data").close()
    with LocalOsvService(tmp_path / "data" / "advisories.sqlite3") as running:
        yield running


def _post(url: str, body: Any) -> requests.Response:
    return requests.post(url, data=json.dumps(body), timeout=TIMEOUT)


def test_query_answers_the_records_that_affect_the_version(service: LocalOsvService) -> None:
    assert service.query_url.startswith("http://127.0.0.1:")
    answer = _post(
        service.query_url,
        {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.19.0"},
    )
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    vulns = answer.json()["vulns"]
    assert [v["id"] for v in vulns] == ["PYSEC-2018-28", "PYSEC-2023-74"]
    assert vulns[0]["aliases"] == ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"]
    assert {"introduced": "0"} in vulns[0]["affected"][0]["ranges"][1]["events"]
    none = _post(
        service.query_url,
        {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.31.0"},
    )
    assert none.status_code == 200 and none.json() == {}
    withdrawn = _post(
        service.query_url, {"package": {"name": "redis", "ecosystem": "PyPI"}, "version": "1.34"}
    )
    assert withdrawn.json() == {}
    by_purl = _post(service.query_url, {"package": {"purl": "pkg:pypi/PyYAML@5.3"}})
    assert {v["id"] for v in by_purl.json()["vulns"]} == {"PYSEC-2020-96", "PYSEC-2021-142"}


def test_querybatch_vulns_and_errors(service: LocalOsvService) -> None:
    base = service.query_url.removesuffix("/v1/query")
    batch = _post(
        f"{base}/v1/querybatch",
        {
            "queries": [
                {"package": {"name": "py", "ecosystem": "PyPI"}, "version": "1.11.0"},
                {"package": {"name": "py", "ecosystem": "PyPI"}, "version": "1.12.0"},
            ]
        },
    )
    first, second = batch.json()["results"]
    assert [v["id"] for v in first["vulns"]] == ["PYSEC-2022-42969"]
    assert first["vulns"][0]["modified"].startswith("20")
    assert second == {}
    record = requests.get(f"{base}/v1/vulns/PYSEC-2020-102", timeout=TIMEOUT)
    assert record.status_code == 200 and record.json()["aliases"][0] == "CVE-2020-11651"
    assert requests.get(f"{base}/v1/vulns/NOPE-1", timeout=TIMEOUT).status_code == 404
    assert requests.get(f"{base}/elsewhere", timeout=TIMEOUT).status_code == 404
    bad = requests.post(service.query_url, data=b"not json", timeout=TIMEOUT)
    assert bad.status_code == 400 and "not JSON" in bad.json()["error"]
    incomplete = _post(service.query_url, {"package": {"name": "requests"}})
    assert incomplete.status_code == 400


@pytest.mark.scanner("pip-audit")
def test_real_pip_audit_audits_through_the_served_data(tmp_path: Path) -> None:
    require_tool("pip-audit")
    imported_store(tmp_path / "data").close()
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.19.0\npyyaml==5.3\n")
    out = tmp_path / "r.json"
    env = {
        **import_env(tmp_path / "data"),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }  # a proxy that is not there: never used
    done = run_secgate("scan", project, "-s", "pip-audit", "--json", out, env=env)
    assert done.returncode == 1, done.stderr
    report = json.loads(out.read_text())
    (run,) = report["runs"]
    assert run["status"] == "ok" and not run["incomplete"]
    assert run["command"][1:5] == [
        "-m",
        "secgate.advisories.serve",
        "--db",
        str(tmp_path / "data" / "advisories.sqlite3"),
    ]
    assert not any("127.0.0.1:" in arg for arg in run["command"])  # the port stays out
    ids = {f["rule_id"] for f in report["findings"]}
    assert ids == {"PYSEC-2018-28", "PYSEC-2023-74", "PYSEC-2020-96", "PYSEC-2021-142"}
    assert all(f["package"]["fixed_versions"] for f in report["findings"])
    assert [a["kind"] for a in report["advisories"]] == ["epss", "kev", "osv"]
    # asked for its own service instead, pip-audit cannot reach it (skipping every dependency,
    # or failing outright through the absent proxy): the gate fails closed either way
    (project / ".secgate.yml").write_text(
        "version: 1\nscanners:\n  settings:\n    pip-audit: {service: pypi}\n"
    )
    done = run_secgate("scan", project, "-s", "pip-audit", "--json", out, env=env)
    assert done.returncode == 3, done.stderr
    assert "required scanner pip-audit" in done.stderr
    assert "--vulnerability-service" in json.loads(out.read_text())["runs"][0]["command"]


def test_service_local_without_data_is_a_scanner_problem(tmp_path: Path) -> None:
    require_tool("pip-audit")
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.19.0\n")
    (project / ".secgate.yml").write_text(
        "version: 1\nscanners:\n  settings:\n    pip-audit: {service: local}\n"
    )
    done = run_secgate("scan", project, "-s", "pip-audit", env=import_env(tmp_path / "none"))
    assert done.returncode == 3
    assert "service is local, but no OSV data is imported" in done.stderr
    (project / ".secgate.yml").write_text(
        "version: 1\nscanners:\n  settings:\n    pip-audit: {service: nearby}\n"
    )
    done = run_secgate("scan", project, "-s", "pip-audit", env=import_env(tmp_path / "none"))
    assert done.returncode == 3 and "'nearby' is not one of" in done.stderr


def test_an_idle_connection_blocks_neither_queries_nor_shutdown(tmp_path: Path) -> None:
    import socket

    imported_store(tmp_path / "data").close()
    running = LocalOsvService(tmp_path / "data" / "advisories.sqlite3")
    with running:
        port = int(running.query_url.split(":")[2].split("/")[0])
        idle = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        with requests.Session() as session:  # keeps its connection alive too
            for _ in range(2):
                answer = session.post(
                    running.query_url,
                    timeout=TIMEOUT,
                    data=json.dumps(
                        {"package": {"name": "salt", "ecosystem": "PyPI"}, "version": "3000.1"}
                    ),
                )
                assert [v["id"] for v in answer.json()["vulns"]] == ["PYSEC-2020-102"]
    idle.close()  # the service shut down while this connection was still open
