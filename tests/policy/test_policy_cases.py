"""Data-driven policy cases: each folder of ``cases/`` is a policy, real captured scanner outputs
and the verdict, exit code and decisions expected from ``secgate scan --input ...``.

A case folder holds:

- ``inputs.yml``: ``inputs`` (paths under ``tests/fixtures``), optionally ``policy``
  (``builtin:NAME``; else the folder's ``policy.yml``), ``args`` and ``env``
  (``SECGATE_TODAY`` defaults to 2026-12-01 so that every run judges on the same day);
- ``expected.yml``: ``exit``, ``verdict``, ``counts`` (a subset), ``decisions`` (each selects
  findings with ``match`` and states their ``action``, ``decided_by``, optionally
  ``reason_contains`` and how many findings ``count``), and lines the reasons, notes or
  ``--explain`` output must (``*_contain``) or must not (``*_absent``) contain.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.commands import run_secgate
from tests.support.paths import FIXTURES

CASES = Path(__file__).resolve().parent / "cases"
DEFAULT_TODAY = "2026-12-01"


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir())


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _selects(finding: dict[str, Any], match: dict[str, Any]) -> bool:
    location = finding.get("location") or {}
    package = finding.get("package") or {}
    vulnerability = finding.get("vulnerability") or {}
    checks = {
        "tool": lambda v: finding["tool"] == v,
        "rule": lambda v: finding["rule_id"] == v,
        "path": lambda v: location.get("path") == v,
        "line": lambda v: location.get("start_line") == v,
        "package": lambda v: str(package.get("name", "")).lower() == v.lower(),
        "vulnerability": lambda v: (
            v in {vulnerability.get("id"), *vulnerability.get("aliases", [])}
        ),
        "license": lambda v: (finding.get("license") or {}).get("spdx") == v,
    }
    for key, value in match.items():
        assert key in checks, f"unknown match key {key!r} in a case"
        if not checks[key](value):
            return False
    return True


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, ...]]:
    """Every case run once: (completed process, JSON report)."""
    results: dict[str, tuple[Any, ...]] = {}
    for case in _cases():
        spec = _load(case / "inputs.yml")
        out = tmp_path_factory.mktemp(case.name) / "report.json"
        policy = spec.get("policy") or str(case / "policy.yml")
        args: list[str] = [
            "scan",
            "--quiet",
            "--explain",
            "--policy",
            policy,
            "--json",
            str(out),
            *spec.get("args", []),
        ]
        for name in spec["inputs"]:
            args += ["--input", str(FIXTURES / name)]
        env = {"SECGATE_TODAY": DEFAULT_TODAY, **spec.get("env", {})}
        proc = run_secgate(*args, env=env, timeout=120)
        report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
        results[case.name] = (proc, report)
    return results


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_policy_case(case: Path, outcomes: dict[str, tuple[Any, ...]]) -> None:
    expected = _load(case / "expected.yml")
    proc, report = outcomes[case.name]
    context = f"stderr:\n{proc.stderr}"
    assert proc.returncode == expected["exit"], context
    assert "Traceback" not in proc.stderr
    assert report is not None, context
    verdict = report["verdict"]
    assert verdict["status"] == expected["verdict"], verdict
    for key, value in expected.get("counts", {}).items():
        assert verdict["counts"].get(key) == value, (key, verdict["counts"])
    for want in expected.get("decisions", []):
        chosen = [f for f in report["findings"] if _selects(f, want["match"])]
        assert chosen, f"no finding matches {want['match']}"
        if "count" in want:
            assert len(chosen) == want["count"], (want["match"], len(chosen))
        for finding in chosen:
            decision = finding["decision"]
            assert decision["action"] == want["action"], (want["match"], decision)
            assert decision["decided_by"] == want["decided_by"], (want["match"], decision)
            if "reason_contains" in want:
                assert want["reason_contains"] in decision["reason"], decision
    _lines(verdict["reasons"], expected, "reasons")
    _lines(report["notes"], expected, "notes")
    _lines(report["notes"], expected, "json_notes")
    _lines(proc.stderr.splitlines(), expected, "explain")


def _lines(lines: list[str], expected: dict[str, Any], key: str) -> None:
    text = "\n".join(lines)
    for want in expected.get(f"{key}_contain", []):
        assert want in text, f"{key}: {want!r} not in:\n{text}"
    for unwanted in expected.get(f"{key}_absent", []):
        assert unwanted not in text, f"{key}: {unwanted!r} in:\n{text}"


def test_every_case_has_its_files() -> None:
    for case in _cases():
        spec = _load(case / "inputs.yml")
        assert spec.get("description"), case
        assert spec.get("policy") or (case / "policy.yml").is_file(), case
        assert (case / "expected.yml").is_file(), case
        for name in spec["inputs"]:
            assert (FIXTURES / name).is_file(), f"{case.name}: no fixture {name}"
