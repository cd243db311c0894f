"""Metrics: the file passes ``promtool check metrics``, counts the scan exactly, reaches a real
Pushgateway (queryable through its API), and a real Prometheus scraping that Pushgateway
answers every query of the Grafana dashboard.

Pushgateway, Prometheus and promtool are Debian's packages, started here on 127.0.0.1 with
ports and data directories of their own (``servers.py``)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from secgate.outbound.metrics import METRICS
from tests.support.commands import require_tool, run_secgate
from tests.support.paths import ROOT
from tests.support.scan_inputs import (
    BLOCKED_INPUTS,
    CONTEXT_ENV,
    PASSING_INPUTS,
    assert_no_raw_secret,
)
from tests.support.servers import Process, closed_port_url, prometheus, pushgateway, require_program

TODAY = "2026-12-01"
POLICY = """\
version: 1
accept_warn_days: 14
accept:
  - id: md5-in-legacy-auth
    rule: B324
    path: app/auth.py
    reason: legacy checksum, not a password hash
    expires: 2026-12-06
  - id: old-subprocess
    rule: B602
    reason: reviewed
    expires: 2026-11-01
  - id: forever
    rule: B404
    reason: importing subprocess is fine
"""
SAFETY_DB = ROOT / "tests" / "assets" / "safety-db"


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def value(found: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(v for have, v in found[name] if all(have.get(k) == x for k, x in labels.items()))


def promtool(text: str) -> subprocess.CompletedProcess[str]:
    program = require_program("promtool", "prometheus")
    return subprocess.run(
        [program, "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def blocked_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """The metrics and the JSON report of one blocked scan with accepted risks."""
    work = tmp_path_factory.mktemp("metrics")
    policy = work / "policy.yml"
    policy.write_text(POLICY, encoding="utf-8")
    done = run_secgate(
        "scan",
        *BLOCKED_INPUTS,
        "--policy",
        policy,
        "--metrics-file",
        work / "textfile" / "secgate.prom",
        "--json",
        work / "report.json",
        env={**CONTEXT_ENV, "SECGATE_TODAY": TODAY},
    )
    assert done.returncode == 1, done.stderr
    report = json.loads((work / "report.json").read_text())
    return (work / "textfile" / "secgate.prom").read_text(), report


def test_the_metrics_file_passes_promtool(blocked_scan: tuple[str, dict[str, Any]]) -> None:
    text, _ = blocked_scan
    checked = promtool(text)
    assert checked.returncode == 0 and checked.stdout + checked.stderr == "", checked


def test_the_metrics_count_the_scan(blocked_scan: tuple[str, dict[str, Any]]) -> None:
    text, report = blocked_scan
    found = samples(text)
    assert set(found) <= set(METRICS)
    counts = report["verdict"]["counts"]
    assert value(found, "secgate_findings") == counts["total"] == len(report["findings"])
    for decision in ("block", "warn", "pass", "ignore"):
        assert value(found, "secgate_findings", decision=decision) == counts[decision]
    high_secrets = sum(
        1 for f in report["findings"] if f["category"] == "secret" and f["severity"] == "high"
    )
    assert (
        value(found, "secgate_findings", category="secret", severity="high", tool="gitleaks")
        == high_secrets
    )
    assert {labels["status"]: v for labels, v in found["secgate_verdict"]} == {
        "pass": 0,
        "warn": 0,
        "block": 1,
        "error": 0,
    }
    assert value(found, "secgate_exit_code") == 1
    assert value(found, "secgate_scanner_runs", tool="bandit", status="ok") == 1
    assert value(found, "secgate_scanner_runs", tool="bandit", status="failed") == 0
    # acceptances on 2026-12-01: one expires in 5 days, one expired, one never expires
    assert {labels["state"]: v for labels, v in found["secgate_acceptances"]} == {
        "active": 1,
        "expiring": 1,
        "expired": 1,
    }
    assert value(found, "secgate_acceptances_without_expiry") == 1
    assert value(found, "secgate_acceptance_nearest_expiry_seconds") == 5 * 86400
    assert value(found, "secgate_accepted_findings") == counts["accepted"] > 0
    for series in found.values():
        for labels, _ in series:
            assert (labels["repository"], labels["branch"]) == (
                "octo-org/octo-app",
                "feature/notify",
            )
    assert_no_raw_secret(text, "the metrics")


@pytest.mark.scanner("safety")
def test_the_age_of_the_advisory_data_a_scan_used(example_app: Path, tmp_path: Path) -> None:
    """A real Safety run with a local database: its snapshot date becomes two metrics."""
    require_tool("safety")
    out = tmp_path / "safety.prom"
    done = run_secgate(
        "scan",
        example_app,
        "--scanner",
        "safety",
        "--metrics-file",
        out,
        env={"SECGATE_SAFETY_DB": str(SAFETY_DB)},
    )
    assert done.returncode == 1, done.stderr
    found = samples(out.read_text())
    stamp = json.loads((SAFETY_DB / "insecure.json").read_text())["$meta"]["timestamp"]
    assert found["secgate_advisory_snapshot_timestamp_seconds"] == [
        ({"repository": "unknown", "branch": "main", "source": "safety-db"}, float(stamp))
    ]
    ((labels, age),) = found["secgate_advisory_snapshot_age_seconds"]
    scanned = value(found, "secgate_scan_timestamp_seconds")
    assert labels["source"] == "safety-db" and age == pytest.approx(scanned - stamp, abs=1)
    assert promtool(out.read_text()).returncode == 0


def test_an_unwritable_metrics_file_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    done = run_secgate("scan", *PASSING_INPUTS, "--metrics-file", blocker / "secgate.prom")
    assert done.returncode == 2
    assert "cannot write the metrics" in done.stderr and "Traceback" not in done.stderr


# --- Pushgateway and Prometheus ------------------------------------------------------------


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Process]:
    with pushgateway(tmp_path) as server:
        yield server


def _groups(gateway: Process) -> list[dict[str, Any]]:
    answer = requests.get(f"{gateway.url}/api/v1/metrics", timeout=10)
    answer.raise_for_status()
    doc = answer.json()
    assert doc["status"] == "success"
    groups: list[dict[str, Any]] = doc["data"]
    return groups


def test_metrics_reach_the_pushgateway_grouped_by_repository_and_branch(
    gateway: Process, tmp_path: Path
) -> None:
    pushed = tmp_path / "pushed.prom"
    done = run_secgate(
        "scan",
        *BLOCKED_INPUTS,
        "--pushgateway",
        gateway.url,
        "--metrics-file",
        pushed,
        env=CONTEXT_ENV,
    )
    assert done.returncode == 1, done.stderr
    assert "warning" not in done.stderr
    (group,) = _groups(gateway)
    assert group["labels"] == {
        "job": "secgate",
        "repository": "octo-org/octo-app",
        "branch": "feature/notify",
    }
    assert group["last_push_successful"] is True
    expected = samples(pushed.read_text())
    for name, series in expected.items():
        stored = group[name]
        assert stored["type"] == "GAUGE" and stored["help"] == METRICS[name].help
        have = sorted(
            (m["labels"]["status"] if "status" in m["labels"] else "", float(m["value"]))
            for m in stored["metrics"]
        )
        assert have == sorted((labels.get("status", ""), v) for labels, v in series), name
    # scraped as Prometheus would, the gateway serves what was pushed
    scraped = samples(requests.get(f"{gateway.url}/metrics", timeout=10).text)
    assert (
        value(
            scraped,
            "secgate_verdict",
            job="secgate",
            status="block",
            repository="octo-org/octo-app",
        )
        == 1
    )

    # the next scan of the same branch replaces the group: no stale series stay behind
    again = run_secgate("scan", *PASSING_INPUTS, "--pushgateway", gateway.url, env=CONTEXT_ENV)
    assert again.returncode == 0, again.stderr
    (group,) = _groups(gateway)
    assert {m["labels"]["tool"] for m in group["secgate_scanner_runs"]["metrics"]} == {"gitleaks"}
    assert "secgate_findings" not in group
    statuses = {m["labels"]["status"]: m["value"] for m in group["secgate_verdict"]["metrics"]}
    assert statuses["pass"] == "1" and statuses["block"] == "0"


def test_a_dead_pushgateway_only_warns() -> None:
    done = run_secgate("scan", *BLOCKED_INPUTS, "--pushgateway", closed_port_url(), timeout=120)
    assert done.returncode == 1
    assert "Pushgateway push to http://127.0.0.1:" in done.stderr
    assert "gave up after 3 attempts" in done.stderr


def _dashboard_queries() -> list[str]:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    return [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if panel["datasource"]["type"] == "prometheus"
    ]


def _promql(url: str, query: str) -> dict[str, Any]:
    answer = requests.get(f"{url}/api/v1/query", params={"query": query}, timeout=10)
    doc: dict[str, Any] = answer.json()
    return doc


def test_prometheus_answers_every_dashboard_query(gateway: Process, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY, encoding="utf-8")
    done = run_secgate(
        "scan",
        *BLOCKED_INPUTS,
        "--policy",
        policy,
        "--pushgateway",
        gateway.url,
        env={**CONTEXT_ENV, "SECGATE_TODAY": TODAY},
    )
    assert done.returncode == 1, done.stderr
    with prometheus(tmp_path, gateway.url.removeprefix("http://")) as server:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if _promql(server.url, "secgate_verdict")["data"]["result"]:
                break
            time.sleep(0.5)
        else:
            raise AssertionError("Prometheus never scraped secgate_verdict from the gateway")
        empty = []
        for expr in _dashboard_queries():
            query = expr.replace("$repository", ".+").replace("$branch", ".+")
            doc = _promql(server.url, query)
            assert doc["status"] == "success", (expr, doc)
            if not doc["data"]["result"]:
                empty.append(expr)
        # only what this scan has nothing for: no baseline, no advisory snapshot
        assert all(
            "secgate_baseline_findings" in e or "secgate_advisory_snapshot" in e for e in empty
        ), empty
        blocking = _promql(server.url, 'sum(secgate_findings{decision="block"})')
        assert float(blocking["data"]["result"][0]["value"][1]) > 0
