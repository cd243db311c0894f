"""Trivy run mode: the command secgate builds, a real scan of the example app through the CLI,
and the message when the vulnerability database is missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from secgate.adapters.interface import RunContext
from secgate.adapters.trivy.adapter import TrivyAdapter
from secgate.errors import PolicyError
from tests.support.commands import require_tool, run_secgate
from tests.support.paths import EXAMPLE_APP, FIXTURES
from tests.support.sarif_validation import validate_sarif


def _argv(tmp_path: Path, config: dict[str, Any]) -> list[str]:
    ctx = RunContext(
        target=tmp_path, work_dir=tmp_path / "work", executable="/bin/trivy", config=config
    )
    invocation = TrivyAdapter().invocation(ctx)
    assert invocation.output == tmp_path / "work" / "trivy.json"
    return invocation.argv


def test_default_is_offline_fs_scan(tmp_path: Path) -> None:
    argv = _argv(tmp_path, {})
    assert argv[:4] == ["/bin/trivy", "fs", "--scanners", "secret,license,misconfig"]
    for flag in (
        "--license-full",
        "--skip-check-update",
        "--skip-version-check",
        "--disable-telemetry",
        "-q",
    ):
        assert flag in argv
    assert argv[argv.index("--format") + 1] == "json"
    assert argv[-1] == str(tmp_path)


def test_modes_and_vulnerabilities(tmp_path: Path) -> None:
    argv = _argv(tmp_path, {"vulnerabilities": True})
    assert argv[argv.index("--scanners") + 1] == "secret,license,misconfig,vuln"
    config = _argv(tmp_path, {"mode": "config", "target": "deploy"})
    assert config[1] == "config" and "--scanners" not in config and config[-1] == "deploy"
    image = _argv(tmp_path, {"mode": "image", "target": "python:3.7"})
    assert image[1] == "image" and image[-1] == "python:3.7"
    with pytest.raises(PolicyError, match="must name the image"):
        _argv(tmp_path, {"mode": "image"})
    with pytest.raises(PolicyError, match="must be one of fs, config, image"):
        _argv(tmp_path, {"mode": "repo"})


@pytest.mark.parametrize(
    "name",
    [
        "vuln-db-unreachable.stderr",
        "vuln-db-unreachable-q.stderr",
        "vuln-skip-db-update-first-run.stderr",
    ],
)
def test_missing_vulnerability_db_is_explained(name: str) -> None:
    stderr = (FIXTURES / "trivy" / "0.76.0" / name).read_text("utf-8")
    reason = TrivyAdapter().explain_failure(1, stderr)
    assert reason is not None and "vulnerability database is missing" in reason
    assert TrivyAdapter().explain_failure(1, "FATAL something else") is None


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real ``secgate scan --scanner trivy`` of a copy of the example app."""
    require_tool("trivy")
    base = tmp_path_factory.mktemp("trivy-run")
    target = base / "vulnerable-app"
    shutil.copytree(EXAMPLE_APP, target)
    out_json, out_sarif = base / "report.json", base / "report.sarif"
    done = run_secgate(
        "scan", target, "--scanner", "trivy", "--json", out_json, "--sarif", out_sarif, "-q"
    )
    assert done.returncode == 1, done.stderr  # critical secrets block under the default policy
    return {
        "report": json.loads(out_json.read_text("utf-8")),
        "sarif": out_sarif,
        "stdout": done.stdout + done.stderr,
    }


def test_real_run_finds_secrets_misconfigs_and_licenses(scanned: dict[str, Any]) -> None:
    report = scanned["report"]
    (run,) = report["runs"]
    assert run["tool"] == "trivy" and run["status"] == "ok" and run["version"]
    assert "--scanners" in run["command"] and "secret,license,misconfig" in run["command"]
    findings = report["findings"]
    secrets = sorted(
        (f["location"]["path"], f["rule_id"]) for f in findings if f["category"] == "secret"
    )
    assert secrets == [
        (".env", "aws-access-key-id"),
        (".env", "aws-secret-access-key"),
        ("config/deploy_key.pem", "private-key"),
        ("config/settings.py", "aws-access-key-id"),
        ("config/settings.py", "aws-secret-access-key"),
        ("config/settings.py", "github-pat"),
    ]
    misconfigs = {
        (f["location"]["path"], f["rule_id"]) for f in findings if f["category"] == "misconfig"
    }
    assert {
        ("Dockerfile", "DS-0002"),
        ("Dockerfile", "DS-0031"),
        ("deploy/deployment.yaml", "KSV-0017"),
    } <= misconfigs
    assert len(misconfigs) == 28
    licenses = [
        (f["location"]["path"], f["license"]["spdx"])
        for f in findings
        if f["category"] == "license"
    ]
    assert ("LICENSE", "MIT") in licenses


def test_real_run_outputs_hold_no_raw_secret(scanned: dict[str, Any]) -> None:
    raw_values = [
        line.split("=", 1)[1].strip()
        for line in (EXAMPLE_APP / ".env").read_text("utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    ]
    assert raw_values
    sarif_text = Path(scanned["sarif"]).read_text("utf-8")
    validate_sarif(json.loads(sarif_text))
    everything = sarif_text + json.dumps(scanned["report"]) + scanned["stdout"]
    for value in raw_values:
        assert value not in everything


def test_vulnerability_scan_without_database_fails_clearly(tmp_path: Path) -> None:
    """A real Trivy asked for vulnerabilities with an empty cache and an unreachable database
    repository (so the result is the same on machines that could download it)."""
    require_tool("trivy")
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "version: 1\nscanners:\n  settings:\n    trivy:\n      vulnerabilities: true\n", "utf-8"
    )
    target = tmp_path / "app"
    target.mkdir()
    (target / "requirements.txt").write_text("requests==2.19.0\n", "utf-8")
    out = tmp_path / "report.json"
    done = run_secgate(
        "scan",
        target,
        "--scanner",
        "trivy",
        "--policy",
        policy,
        "--json",
        out,
        env={
            "TRIVY_CACHE_DIR": str(tmp_path / "cache"),
            "TRIVY_DB_REPOSITORY": "registry.invalid/no-trivy-db",
        },
    )
    assert done.returncode == 3, done.stderr
    (run,) = json.loads(out.read_text("utf-8"))["runs"]
    assert run["status"] == "failed"
    assert run["error"].startswith("Trivy's vulnerability database is missing")
    assert "vuln" in run["command"][run["command"].index("--scanners") + 1]
    assert "vulnerability database is missing" in done.stdout + done.stderr
