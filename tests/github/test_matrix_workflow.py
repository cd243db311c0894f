"""docs/matrix-workflow.yml exercised locally: its scan job runs for two matrix entries (Bandit
and Gitleaks, each writing its own SARIF), then its gate job runs the action over both parts with
``inputs``; the verdict and the findings equal one full scan with both scanners.

Steps that cannot run here are skipped: ``uses:`` steps (checkout, setup-python, artifacts, whose
work is the shared workspace) and the install step, which downloads from the network; the
scanners and secgate are already installed by the project's set-up."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.support.actions_sim import actions_env, run_job
from tests.support.commands import require_tool, run_secgate
from tests.support.ghserver import REPO, TOKEN, FakeGitHub, serve
from tests.support.paths import ROOT
from tests.support.sarif_validation import validate_sarif

WORKFLOW = ROOT / "docs" / "matrix-workflow.yml"
PARTS = ("bandit", "gitleaks")


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with serve() as server:
        yield server
        assert server.violations == []


def finding_keys(report: dict) -> list[tuple]:
    return sorted(
        (f["tool"], f["rule_id"], f.get("fingerprint"), f["severity"], f["decision"]["action"])
        for f in report["findings"]
    )


def test_workflow_is_valid_for_github() -> None:
    done = subprocess.run(
        [
            str(Path(ROOT / ".venv/bin/check-jsonschema")),
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
            str(ROOT / ".github/workflows/secgate.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_matrix_parts_gated_once_equal_one_full_scan(
    api: FakeGitHub, tmp_path: Path, example_app: Path
) -> None:
    for tool in PARTS:
        require_tool(tool)
    workflow = yaml.safe_load(WORKFLOW.read_text())
    scan_job, gate_job = workflow["jobs"]["scan"], workflow["jobs"]["gate"]
    assert set(PARTS) <= set(scan_job["strategy"]["matrix"]["scanner"])
    assert gate_job["needs"] == "scan"
    env = actions_env(tmp_path, example_app, api.url, REPO, "ab" * 20, event_name="push")

    for scanner in PARTS:  # each matrix job, in its own (here: the same) workspace
        steps = run_job(
            scan_job,
            ROOT / "action.yml",
            env,
            example_app,
            tmp_path / scanner,
            matrix={"scanner": scanner},
            skip=frozenset({"install"}),
        )
        scan = next(s for s in steps if s.id == "scan")
        assert scan.exit_code == 0, scan.stdout + scan.stderr
        validate_sarif(example_app / "secgate-parts" / f"{scanner}.sarif")

    gate_steps = run_job(
        gate_job, ROOT / "action.yml", env, example_app, tmp_path / "gate", token=TOKEN
    )
    gate = next(s for s in gate_steps if s.id == "secgate")
    gated = json.loads((example_app / gate.outputs["json-file"]).read_text())

    full_json = tmp_path / "full.json"
    full = run_secgate(
        "scan",
        example_app,
        *[a for t in PARTS for a in ("--scanner", t)],
        "--json",
        full_json,
        "--quiet",
    )
    whole = json.loads(full_json.read_text())

    assert gate.exit_code == full.returncode == 1, gate.stdout + full.stderr
    assert gated["verdict"]["status"] == whole["verdict"]["status"] == "block"
    assert gated["verdict"]["counts"] == whole["verdict"]["counts"]
    assert {f["tool"] for f in gated["findings"]} == set(PARTS)
    assert finding_keys(gated) == finding_keys(whole)
    (upload,) = api.uploads  # the gate uploads the merged SARIF once
    assert {run["tool"]["driver"]["name"].lower() for run in upload["doc"]["runs"]} >= set(PARTS)


def test_self_test_workflow_fixtures_job(api: FakeGitHub, tmp_path: Path) -> None:
    """The self-test workflow's fixtures job, run in a copy of this repository's fixtures."""
    job = yaml.safe_load((ROOT / ".github/workflows/secgate.yml").read_text())["jobs"]["fixtures"]
    workspace = tmp_path / "checkout"
    for step in job["steps"]:
        for line in str((step.get("with") or {}).get("inputs", "")).split():
            target = workspace / line
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((ROOT / line).read_bytes())
    env = actions_env(tmp_path, workspace, api.url, REPO, "cd" * 20)
    steps = run_job(job, ROOT / "action.yml", env, workspace, tmp_path / "job", token=TOKEN)
    assert [(s.id, s.exit_code) for s in steps][1:] == [("secgate", 0), ("step2", 0)], "".join(
        s.stdout + s.stderr for s in steps
    )
    assert "verdict=block exit-code=1" in steps[2].stdout
    assert api.requests == []  # comment and upload are off in this job
