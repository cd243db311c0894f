"""``secgate fix`` on real PyPA records: the plan clears every blocking finding (a scan after
``--write`` passes), picks the lowest sufficient versions (clear of every known advisory, not
only the one that named the version; within the current major version), handles several
advisories on one package, an unfixable one, one that needs a new major version, and lists what
it cannot resolve offline (lock files, transitive pins, ranges, hashes) instead of guessing."""

from __future__ import annotations

from pathlib import Path

import pytest

from secgate.advisories import pins
from secgate.gate import ScanRequest, execute
from secgate.model import Action, Decision, Finding
from secgate.remediation import rewrite
from secgate.remediation.versions import CandidateSet, KnownVulnerability
from secgate.scanning.ingest import InputSpec
from tests.support.remediation_data import TRIVY_PIP, env_of, fix, project, scan_json, store_in


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_in(tmp_path_factory.mktemp("data"))


@pytest.fixture
def use_data(data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in env_of(data).items():
        monkeypatch.setenv(key, value)
    return data


def _plan(target: Path, **options: object) -> dict[str, dict[str, object]]:
    result = execute(ScanRequest(target=target, scanners=["osv"], use_cache=False, **options))  # type: ignore[arg-type]
    assert result.upgrades is not None
    return {u.name: u.model_dump() for u in result.upgrades.packages}


def test_fix_prints_the_diff_writes_it_and_a_rescan_passes(tmp_path: Path, data: Path) -> None:
    app = project(
        tmp_path / "app",
        {
            "requirements.txt": "# web\nrequests[socks]==2.19.1 ; python_version >= '3'  # http\n"
            "PyYAML==5.3\r\nurllib3==1.26.16\n",
            "tools/pyproject.toml": '[project]\nname = "tools"\ndependencies = [\n'
            '  "requests==2.19.1",\n  "click>=8",\n]\n',
            "app/main.py": "import requests\nimport yaml\n",
        },
    )
    code, before = scan_json(app, data)
    assert code == 1 and before["verdict"]["counts"]["block"] >= 5
    code, diff, stderr = fix(app, data)
    assert code == 0, stderr  # the plan clears everything
    # (read as text, the CRLF line of the diff reads as LF; --write keeps it, checked below)
    assert diff == (
        "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -1,4 +1,4 @@\n # web\n"
        "-requests[socks]==2.19.1 ; python_version >= '3'  # http\n"
        "-PyYAML==5.3\n-urllib3==1.26.16\n"
        "+requests[socks]==2.31.0 ; python_version >= '3'  # http\n"
        "+PyYAML==5.4\n+urllib3==1.26.18\n"
        "--- a/tools/pyproject.toml\n+++ b/tools/pyproject.toml\n@@ -1,6 +1,6 @@\n"
        ' [project]\n name = "tools"\n dependencies = [\n-  "requests==2.19.1",\n'
        '+  "requests==2.31.0",\n   "click>=8",\n ]\n'
    )
    assert "upgrade     requests 2.19.1 -> 2.31.0 (written with --write)" in stderr
    assert (app / "requirements.txt").read_bytes().startswith(b"# web\nrequests[socks]==2.19.1")
    code, _, stderr = fix(app, data, "--write")
    assert code == 0, stderr
    assert "rewrote requirements.txt, tools/pyproject.toml" in stderr
    assert (app / "requirements.txt").read_bytes() == (
        b"# web\nrequests[socks]==2.31.0 ; python_version >= '3'  # http\nPyYAML==5.4\r\n"
        b"urllib3==1.26.18\n"
    )
    code, after = scan_json(app, data)
    assert code == 0, after["verdict"]
    assert after["verdict"]["counts"]["block"] == 0
    assert not [f for f in after["findings"] if f["category"] == "dependency"]
    code, _, stderr = fix(app, data)
    assert code == 0 and "nothing blocks, nothing to fix" in stderr


def test_the_lowest_version_clear_of_every_known_advisory(tmp_path: Path, use_data: Path) -> None:
    app = project(
        tmp_path / "app",
        {
            "requirements.txt": (
                "requests==2.2.1\nrequests-toolbelt==1.0.0\npyyaml==5.3\nurllib3==1.26.16\n"
                "urllib3-secure-extra==0.1.0\n"
            )
        },
    )
    plan = _plan(app)
    # requests 2.2.1: four advisories block (2014-13, 2014-14 fixed in 2.3.0; 2015-17 in 2.6.0;
    # 2018-28 in 2.20.0); 2.3.0 to 2.20.0 are inside PYSEC-2023-74 (introduced 2.3.0, fixed
    # 2.31.0), so the lowest clear of all is 2.31.0
    requests = plan["requests"]
    assert requests["status"] == "upgrade" and requests["target"] == "2.31.0"
    assert requests["clears"] == [
        "CVE-2014-1829",
        "CVE-2014-1830",
        "CVE-2015-2296",
        "CVE-2018-18074",
    ]
    assert requests["remaining"] == []
    # PyYAML 5.3: 5.3.1 fixes PYSEC-2020-96 but not PYSEC-2021-142 (fixed in 5.4)
    assert plan["pyyaml"]["target"] == "5.4"
    # urllib3 1.26.16: 1.26.17 fixes the blocking PYSEC-2023-192 but is still inside
    # PYSEC-2023-212 (fixed 1.26.18, 2.0.7): 1.26.18, within major version 1, not 2.0.7
    urllib3 = plan["urllib3"]
    assert urllib3["target"] == "1.26.18" and "of major version 1" in urllib3["reason"]
    assert urllib3["clears"] == ["CVE-2023-43804"]
    assert set(plan) == {"requests", "pyyaml", "urllib3"}  # neighbours' names are not theirs


def test_only_blocking_vulnerabilities_must_be_cleared(tmp_path: Path, use_data: Path) -> None:
    # requests 2.19.1 blocks on both of its advisories under the default policy; when the
    # policy lets PYSEC-2023-74 only warn, 2.20.0 suffices, but 2.31.0 is clear of both and is
    # within the same major version: the plan prefers it
    app = project(
        tmp_path / "app",
        {
            "requirements.txt": "requests==2.19.1\n",
            ".secgate.yml": "version: 1\nrules:\n  - match: {vulnerability: CVE-2023-32681}\n"
            "    action: warn\n",
        },
    )
    requests = _plan(app)["requests"]
    assert requests["target"] == "2.31.0" and requests["clears"] == ["CVE-2018-18074"]
    assert requests["remaining"] == []  # never a version a known advisory still affects


def _reported(
    vuln_id: str, fixed: list[str], action: Action, name: str = "example", version: str = "1.0.0"
) -> Finding:
    """A dependency finding as a scanner reports one (no record in the store)."""
    return Finding.model_validate(
        {
            "tool": "pip-audit",
            "rule_id": vuln_id,
            "category": "dependency",
            "severity": "high",
            "score": 8.0,
            "level": "error",
            "message": "m",
            "package": {
                "name": name,
                "version": version,
                "ecosystem": "pypi",
                "fixed_versions": fixed,
            },
            "vulnerability": {"id": vuln_id},
            "decision": {"action": action.value, "decided_by": "threshold", "reason": "r"},
        }
    )


def test_within_the_major_version_when_that_suffices(tmp_path: Path) -> None:
    from secgate.remediation.plan import PlanInputs, make_plan

    # A blocks (fixed in 1.1.0); B only warns and is fixed in 2.0.0 alone: 1.1.0 clears what
    # blocks and stays in major version 1, so it is chosen over 2.0.0 (clear of both), and B
    # is named as remaining
    app = project(tmp_path / "app", {"requirements.txt": "example==1.0.0\n"})
    findings = [_reported("A", ["1.1.0"], Action.BLOCK), _reported("B", ["2.0.0"], Action.WARN)]
    plan = make_plan(
        PlanInputs(
            findings=findings,
            target=app,
            pins=pins.read(app),
            decide=lambda f: Action.BLOCK if f.rule_id == "A" else Action.WARN,
        )
    )
    assert plan is not None
    (upgrade,) = plan.packages
    assert (upgrade.status, upgrade.target, upgrade.clears, upgrade.remaining) == (
        "upgrade",
        "1.1.0",
        ["A"],
        ["B"],
    )
    assert "still affected by B, which do not block" in upgrade.reason
    assert plan.diff.endswith("-example==1.0.0\n+example==1.1.0\n")
    # when B blocks too, no 1.x version suffices: 2.0.0, a new major version, listed
    plan = make_plan(
        PlanInputs(
            findings=findings, target=app, pins=pins.read(app), decide=lambda f: Action.BLOCK
        )
    )
    assert plan is not None and plan.packages[0].status == "new-major"
    assert plan.packages[0].target == "2.0.0" and not plan.packages[0].applied
    assert plan.diff == ""


def test_an_unfixable_advisory_is_listed_and_fix_exits_1(tmp_path: Path, data: Path) -> None:
    app = project(tmp_path / "app", {"requirements.txt": "py==1.11.0\npyyaml==5.3\n"})
    code, diff, stderr = fix(app, data)
    assert code == 1
    assert (
        "UNFIXABLE   py 1.11.0: no known version clears CVE-2022-42969 (no fixed version "
        "is known)" in stderr
    )
    assert "still blocking: osv CVE-2022-42969 at requirements.txt:1" in stderr
    assert "+pyyaml==5.4" in diff and "-py==" not in diff and "+py==" not in diff
    code, _, _ = fix(app, data, "--write")
    assert code == 1
    assert (app / "requirements.txt").read_text() == "py==1.11.0\npyyaml==5.4\n"
    code, report = scan_json(app, data)
    assert code == 1
    assert {f["package"]["name"] for f in report["findings"]} == {"py"}


def test_a_new_major_version_is_listed_unless_allowed(tmp_path: Path, data: Path) -> None:
    app = project(tmp_path / "app", {"requirements.txt": "Pillow==8.4.0\n"})
    code, diff, stderr = fix(app, data)
    assert code == 1 and diff == ""
    assert (
        "NEW MAJOR   pillow 8.4.0 -> 9.0.0: no 8.x version clears CVE-2022-22815, "
        "CVE-2022-22816, CVE-2022-22817" in stderr
    )
    assert "written only with --allow-major" in stderr
    code, diff, stderr = fix(app, data, "--allow-major", "--write")
    assert code == 0, stderr
    assert diff.endswith("-Pillow==8.4.0\n+Pillow==9.0.0\n")
    assert scan_json(app, data)[0] == 0


def test_every_source_of_fixed_versions_counts(tmp_path: Path, use_data: Path) -> None:
    # Trivy (hand-built fixture, its documented format) reports CVE-2024-35195 for requests
    # 2.19.0, fixed in 2.32.0, which the imported records do not hold: 2.31.0 clears both
    # records but not that report, so the plan is 2.32.0, a version only Trivy names
    app = project(tmp_path / "app", {"requirements.txt": "requests==2.19.0\npyyaml==5.3\n"})
    result = execute(
        ScanRequest(
            target=app,
            scanners=["osv"],
            use_cache=False,
            inputs=[InputSpec.parse(f"trivy={TRIVY_PIP}")],
        )
    )
    assert result.upgrades is not None
    requests = next(u for u in result.upgrades.packages if u.name == "requests")
    assert requests.target == "2.32.0" and requests.status == "upgrade"
    assert "CVE-2018-18074" in requests.clears
    assert any("scanners' reports" in s for s in result.upgrades.candidates_from)


def test_what_cannot_be_resolved_offline_is_listed(tmp_path: Path, use_data: Path) -> None:
    app = project(
        tmp_path / "app",
        {
            "requirements.txt": "urllib3>=1.20\n",
            "hashed/requirements.txt": "pyyaml==5.3 \\\n    --hash=sha256:" + "0" * 64 + "\n",
            "svc/uv.lock": (
                'version = 1\n\n[[package]]\nname = "requests"\nversion = "2.19.1"\n'
                'source = { registry = "https://pypi.org/simple" }\n'
            ),
        },
    )
    # (urllib3>=1.20 pins no version: the osv scanner does not judge it)
    plan = _plan(app)
    assert plan["pyyaml"]["status"] == "hash-pinned" and not plan["pyyaml"]["applied"]
    assert "regenerate the hashes for 5.4" in str(plan["pyyaml"]["reason"])
    assert plan["requests"]["status"] == "locked"
    assert "uv lock --upgrade-package requests" in str(plan["requests"]["reason"])
    assert plan["requests"]["target"] == "2.31.0"
    result = execute(ScanRequest(target=app, scanners=["osv"], use_cache=False))
    assert result.upgrades is not None and result.upgrades.diff == ""
    assert result.upgrades.left_blocking == [  # nothing is cleared
        "osv CVE-2018-18074 at svc/uv.lock:4",
        "osv CVE-2020-14343 at hashed/requirements.txt:1",
        "osv CVE-2020-1747 at hashed/requirements.txt:1",
        "osv CVE-2023-32681 at svc/uv.lock:4",
    ]


def test_a_transitive_or_ranged_package_is_listed(tmp_path: Path) -> None:
    from secgate.remediation.plan import PlanInputs, make_plan

    app = project(tmp_path / "app", {"requirements.txt": "flask==2.0.0\nidna>=2\n"})
    finding = _reported("PYSEC-X", ["2.2.3"], Action.BLOCK, "werkzeug", "2.0.0")
    ranged = _reported("PYSEC-X", ["2.2.3"], Action.BLOCK, "idna", "2.0.0")
    plan = make_plan(
        PlanInputs(
            findings=[finding, ranged],
            target=app,
            pins=pins.read(app),
            decide=lambda f: Action.BLOCK,
        )
    )
    assert plan is not None
    by_name = {u.name: u for u in plan.packages}
    assert by_name["werkzeug"].status == "transitive" and by_name["werkzeug"].target == "2.2.3"
    assert "require werkzeug>=2.2.3" in by_name["werkzeug"].reason
    assert by_name["idna"].status == "unpinned"
    assert "requirements.txt:2 names it without pinning" in by_name["idna"].reason
    assert not plan.clears_everything


def test_findings_that_are_no_dependency_remain(tmp_path: Path) -> None:
    from secgate.remediation.plan import PlanInputs, make_plan

    sast = Finding.model_validate(
        {
            "tool": "bandit",
            "rule_id": "B602",
            "category": "sast",
            "severity": "high",
            "score": 8.0,
            "level": "error",
            "message": "shell=True",
            "location": {"path": "app.py", "start_line": 3},
            "decision": Decision(action=Action.BLOCK, decided_by="threshold", reason="r"),
        }
    )
    plan = make_plan(
        PlanInputs(
            findings=[sast],
            target=tmp_path,
            pins=pins.read(tmp_path),
            decide=lambda f: Action.BLOCK,
        )
    )
    assert plan is not None and plan.packages == []
    assert plan.left_blocking == ["bandit B602 at app.py:3"]
    assert (
        make_plan(
            PlanInputs(
                findings=[],
                target=tmp_path,
                pins=pins.read(tmp_path),
                decide=lambda f: Action.BLOCK,
            )
        )
        is None
    )


def test_candidates_are_released_versions_above_the_pin() -> None:
    named = CandidateSet()
    named.add(["5.2b1", "5.3.1", "5.4", "5.4.0", "6.0+local", "5.1", "not a version"], "x")
    named.add(["6.0.1"], "y")
    assert [c.version for c in named.above("5.3")] == ["5.3.1", "5.4", "6.0.1"]
    assert [c.version for c in named.above("5.3rc1")][:1] == ["5.3.1"]
    named.add(["5.4rc2"], "x")
    assert "5.4rc2" in [c.version for c in named.above("5.4rc1")]


def test_a_reported_vulnerability_is_judged_by_its_fixed_versions() -> None:
    known = KnownVulnerability(
        "CVE-1", frozenset({"CVE-1"}), "urllib3", reported_fixes=("1.26.18", "2.0.7")
    )
    assert known.affects("1.26.17") and not known.affects("1.26.18")
    assert not known.affects("1.27.0")  # the fix of its release line
    assert known.affects("2.0.6") and not known.affects("2.0.7") and not known.affects("3.0")
    assert KnownVulnerability("CVE-2", frozenset(), "x").affects("99")  # no fix known


def test_rewriting_poetry_pins_and_refusing_what_it_cannot_read_back(tmp_path: Path) -> None:
    app = project(
        tmp_path / "app",
        {
            "pyproject.toml": (
                '[tool.poetry.dependencies]\npython = "^3.11"\nPyYAML = "5.3"\n'
                'requests = {version = "==2.19.1", extras = ["socks"]}\n'
            )
        },
    )
    found = pins.read(app)
    edits = [rewrite.Edit(p, {"pyyaml": "5.4", "requests": "2.31.0"}[p.name]) for p in found.pins]
    changed = rewrite.plan_edits(app, edits)
    assert not changed.refused
    assert changed.texts["pyproject.toml"][1] == (
        '[tool.poetry.dependencies]\npython = "^3.11"\nPyYAML = "5.4"\n'
        'requests = {version = "==2.31.0", extras = ["socks"]}\n'
    )
    lock = project(
        tmp_path / "lock", {"poetry.lock": '[[package]]\nname = "pyyaml"\nversion = "5.3"\n'}
    )
    (pin,) = pins.read(lock).pins
    refused = rewrite.plan_edits(lock, [rewrite.Edit(pin, "5.4")])
    assert not refused.texts and "lock file" in refused.refused[0][1]
