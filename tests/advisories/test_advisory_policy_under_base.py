"""Pull-request mode (``secgate scan PATH --base REF``) and the advisory side of the policy: the
VEX documents the policy's ``vex:`` names are read from REF like the baseline (a pull request
that adds a ``not_affected`` statement clears nothing, and the change is named), and REF's
``advisories:`` limits judge the snapshot's age. Real git repositories, real PyPA records, the
real osv scanner; without ``--base`` the same trees clear the finding, which is the attack.
The policies say ``pull_request: {block: all}``: the findings are in the base's own
requirements, which the diff-aware default would only let warn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.advisory_data import import_env, imported_store
from tests.support.commands import git, run_secgate

pytestmark = pytest.mark.timeout(300)

VEX_FILE = "security/app.openvex.json"
CONTEXT = "https://openvex.dev/ns/v0.2.0"
NOT_AFFECTED = {
    "vulnerability": {"name": "CVE-2018-18074", "aliases": ["GHSA-x84v-xcm2-53pg"]},
    "products": [{"@id": "pkg:pypi/requests@2.19.0"}],
    "status": "not_affected",
    "justification": "vulnerable_code_not_in_execute_path",
}


def _openvex(statements: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "@context": CONTEXT,
            "@id": "https://example.invalid/vex/app",
            "author": "Example Security",
            "timestamp": "2025-09-01T10:00:00Z",
            "version": 1,
            "statements": statements,
        },
        indent=2,
    )


def _commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def _repo(tmp_path: Path, policy: str, files: dict[str, str] | None = None) -> Path:
    """A project on ``main`` (pinned requirements, ``policy``), checked out on branch ``pr``."""
    imported_store(tmp_path / "data").close()
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    _commit(
        repo,
        {
            "requirements.txt": "requests==2.19.0\npyyaml==5.3\n",
            ".secgate.yml": policy,
            **(files or {}),
        },
        "base",
    )
    git(repo, "checkout", "-q", "-b", "pr")
    return repo


def _scan(tmp_path: Path, repo: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "report.json"
    out.unlink(missing_ok=True)
    done = run_secgate(
        "scan",
        repo,
        "-s",
        "osv",
        "--json",
        out,
        *args,
        env={**import_env(tmp_path / "data"), "SECGATE_TODAY": "2025-09-02"},
    )
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(out.read_text()) if out.is_file() else {}
    return done.returncode, report, done.stderr


def _decided_by(report: dict[str, Any], vuln_id: str) -> str:
    for finding in report["findings"]:
        vuln = finding["vulnerability"]
        if vuln_id in [vuln["id"], *vuln["aliases"]]:
            return str(finding["decision"]["decided_by"])
    raise AssertionError(f"no finding for {vuln_id}")


def _changes(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(c["file"], c["setting"], c["weakens"]) for c in report["pull_request"]["changes"]]


def test_a_vex_statement_the_pull_request_adds_clears_nothing_and_is_named(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        f"version: 1\npull_request: {{block: all}}\nvex: [{VEX_FILE}]\n",
        {VEX_FILE: _openvex([])},
    )
    _commit(repo, {VEX_FILE: _openvex([NOT_AFFECTED])}, "requests is not affected, trust me")
    _, report, _ = _scan(tmp_path, repo)
    assert _decided_by(report, "CVE-2018-18074").startswith("vex:"), (
        "without --base the pull request's own statement decides"
    )
    _, report, stderr = _scan(tmp_path, repo, "--base", "main")
    assert _decided_by(report, "CVE-2018-18074") == "threshold"
    assert _changes(report) == [(VEX_FILE, "vex", True)]
    (change,) = report["pull_request"]["changes"]
    assert change["summary"].startswith("VEX statement added: CVE-2018-18074")
    assert "pkg:pypi/requests@2.19.0" in change["summary"]
    assert f"WEAKENS {VEX_FILE} vex: VEX statement added" in stderr


def test_the_bases_vex_documents_still_decide_under_base(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        f"version: 1\npull_request: {{block: all}}\nvex: [{VEX_FILE}]\n",
        {VEX_FILE: _openvex([NOT_AFFECTED])},
    )
    _commit(
        repo,
        {
            VEX_FILE: _openvex([]),
            "security/extra.openvex.json": _openvex(
                [
                    {
                        **NOT_AFFECTED,
                        "vulnerability": {"name": "CVE-2020-1747"},
                        "products": [{"@id": "pkg:pypi/pyyaml@5.3"}],
                    }
                ]
            ),
            ".secgate.yml": f"version: 1\npull_request: {{block: all}}\nvex: [{VEX_FILE}, security/extra.openvex.json]\n",
        },
        "move the statements",
    )
    _, report, _ = _scan(tmp_path, repo, "--base", "main")
    assert _decided_by(report, "CVE-2018-18074").startswith("vex:")  # the base's statement
    assert _decided_by(report, "CVE-2020-1747") == "threshold"  # the added document is not read
    assert _changes(report) == [
        (".secgate.yml", "vex", True),  # the document added to vex:
        ("security/extra.openvex.json", "vex", True),  # its statement
        (VEX_FILE, "vex", False),
    ]  # a clearing statement removed
    assert any(
        "pull-request mode: the policy, .secgateignore, baseline and VEX documents come "
        "from main" in note
        for note in report["notes"]
    )


def test_a_vex_document_the_base_policy_names_is_read_from_the_base(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        f"version: 1\npull_request: {{block: all}}\nvex: [{VEX_FILE}]\n",
        {VEX_FILE: _openvex([])},
    )
    git(repo, "rm", "-q", VEX_FILE)
    git(repo, "commit", "-q", "-m", "drop it")
    code, report, _ = _scan(tmp_path, repo, "--base", "main")
    assert code in (0, 1) and report["pull_request"]["base"] == "main"  # the base's file read
    _commit(repo, {VEX_FILE: "{not json"}, "break it")
    assert _scan(tmp_path, repo, "--base", "main")[0] in (0, 1)  # only compared
    git(repo, "checkout", "-q", "main")
    broken = json.dumps({"@context": CONTEXT, "statements": 1})
    _commit(repo, {VEX_FILE: broken}, "break the base")
    git(repo, "checkout", "-q", "pr")
    code, _, stderr = _scan(tmp_path, repo, "--base", "main")
    assert code == 2, stderr
    assert f"main:{VEX_FILE}: 'statements' must be a list" in stderr


def test_the_bases_advisory_age_limit_judges(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "version: 1\nadvisories: {max_age_days: 1, on_stale: block}\n")
    _commit(
        repo,
        {".secgate.yml": "version: 1\nadvisories: {max_age_days: 100000}\n"},
        "old data is fine",
    )
    code, report, _ = _scan(tmp_path, repo)
    assert not any("advisories.max_age_days" in r for r in report["verdict"]["reasons"])
    code, report, _ = _scan(tmp_path, repo, "--base", "main")
    assert code == 3 and report["verdict"]["status"] == "error"  # on_stale: block
    assert any("more than advisories.max_age_days: 1" in r for r in report["verdict"]["reasons"])
    assert _changes(report) == [
        (".secgate.yml", "advisories.max_age_days", True),
        (".secgate.yml", "advisories.on_stale", True),
    ]
