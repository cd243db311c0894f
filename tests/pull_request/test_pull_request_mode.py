"""Pull-request mode (``secgate scan PATH --base REF``): a pull request cannot switch the gate off.

Each tampering route is a real git repository — a base commit on ``main`` and a pull-request
branch that changes the gate's own files — scanned by real Bandit: the pull request's
``.secgate.yml``, ``.secgateignore``, baseline and acceptances do not apply, and every report
names each change. Without ``--base`` the same trees pass, which is the attack.

The base's policy says ``pull_request: {block: all}``: these cases are about whose configuration
judges, shown on findings in the base's own code, which the diff-aware default (``block:
changed``, tests/pull_request/test_diff_aware_gate.py) would only let warn."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.commands import git, require_tool, run_secgate

pytestmark = [pytest.mark.timeout(300), pytest.mark.scanner("bandit")]

VULNERABLE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
CLEAN = "def add(a, b):\n    return a + b\n"
BASE_POLICY = """version: 1
fail_on: high
warn_on: medium
pull_request:
  block: all
scanners:
  required: [bandit]
rules:
  - id: tests-asserts
    match: {tool: bandit, rule: B101, path: "tests/**"}
    action: ignore
    reason: asserts are how pytest tests
accept:
  - id: legacy-shell
    rule: B602
    path: legacy/**
    reason: the legacy tool is being rewritten
    expires: 2020-01-31
"""


@pytest.fixture(scope="module", autouse=True)
def _bandit() -> None:
    require_tool("bandit")


def commit(repo: Path, files: dict[str, str | None], message: str) -> None:
    for name, text in files.items():
        path = repo / name
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def make_repo(tmp_path: Path, files: dict[str, str | None]) -> Path:
    """A repository whose ``main`` holds ``files``, checked out on a new branch ``pr``."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, files, "base")
    git(repo, "checkout", "-q", "-b", "pr")
    return repo


def scan(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    report = repo.parent / "report.json"
    report.unlink(missing_ok=True)
    done = run_secgate(
        "scan", repo, "--scanner", "bandit", "--json", report, *args, env=env, timeout=240
    )
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return done.returncode, data, done.stderr


def changes(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(c["file"], c["setting"], c["weakens"]) for c in report["pull_request"]["changes"]]


def blocking_rules(report: dict[str, Any]) -> set[str]:
    return {f["rule_id"] for f in report["findings"] if f["decision"]["action"] == "block"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, {"app/run.py": VULNERABLE, ".secgate.yml": BASE_POLICY})


def test_the_prs_policy_does_not_apply_and_each_change_is_named(repo: Path) -> None:
    weakened = (
        BASE_POLICY.replace("fail_on: high", "fail_on: none")
        .replace("scanners:\n  required: [bandit]\n", "")
        .replace(
            "accept:\n",
            (
                "  - id: quiet-bandit\n    match: {tool: bandit}\n    action: ignore\n"
                "    reason: noisy\naccept:\n"
            ),
        )
    )
    commit(repo, {".secgate.yml": weakened}, "tune the gate")
    code, report, _ = scan(repo)
    assert code == 0, "without --base the pull request switches the gate off"
    code, report, stderr = scan(repo, "--base", "main")
    assert code == 1
    assert blocking_rules(report) == {"B602"}
    assert report["policy"] == "main:.secgate.yml"
    assert changes(report) == [
        (".secgate.yml", "fail_on", True),
        (".secgate.yml", "scanners.required", True),
        (".secgate.yml", "rule:quiet-bandit", True),
    ]
    summaries = [c["summary"] for c in report["pull_request"]["changes"]]
    assert summaries[0] == "fail_on raised from high to none: the gate blocks on less"
    assert summaries[1] == "scanner bandit is no longer required"
    assert summaries[2].startswith("rule quiet-bandit added: ignore for ")
    assert report["pull_request"]["base"] == "main"
    assert report["pull_request"]["commit"] == git(repo, "rev-parse", "main").strip()
    assert any(
        r.startswith("this pull request weakens the gate: 3 change(s) to .secgate.yml")
        for r in report["verdict"]["reasons"]
    )
    # the terminal summary names each change
    assert "this pull request changes the gate (judged by main at " in stderr
    assert "WEAKENS .secgate.yml fail_on: fail_on raised from high to none" in stderr
    assert "WEAKENS .secgate.yml rule:quiet-bandit: rule quiet-bandit added" in stderr


def test_the_prs_secgateignore_does_not_apply(repo: Path) -> None:
    commit(repo, {".secgateignore": "docs/**\n"}, "ignore docs")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "pr")  # the base now ignores docs/**
    git(repo, "checkout", "-q", "-b", "pr2")
    commit(repo, {".secgateignore": "docs/**\n**\n"}, "ignore everything")
    assert scan(repo)[0] == 0
    code, report, _ = scan(repo, "--base", "main")
    assert code == 1
    assert blocking_rules(report) == {"B602"}
    (change,) = report["pull_request"]["changes"]
    assert change == {
        "file": ".secgateignore",
        "setting": "ignore",
        "weakens": True,
        "summary": "new ignore pattern '**': findings in matching paths are left out",
    }


def test_the_prs_acceptances_do_not_apply(repo: Path) -> None:
    accepted = BASE_POLICY.replace("    expires: 2020-01-31\n", "    expires: 2099-12-31\n") + (
        "  - id: trust-me\n    rule: B602\n    reason: reviewed\n    expires: 2099-01-01\n"
        "    approved_by: the-author\n"
    )
    commit(repo, {".secgate.yml": accepted, "legacy/tool.py": VULNERABLE}, "accept the risks")
    code, report, _ = scan(repo)
    assert code == 0
    code, report, _ = scan(repo, "--base", "main")
    assert code == 1
    assert {
        f["location"]["path"] for f in report["findings"] if f["decision"]["action"] == "block"
    } == {"app/run.py", "legacy/tool.py"}
    assert changes(report) == [
        (".secgate.yml", "accept:legacy-shell", True),
        (".secgate.yml", "accept:trust-me", True),
    ]
    summaries = [c["summary"] for c in report["pull_request"]["changes"]]
    assert summaries == [
        "acceptance legacy-shell extended: now until 2099-12-31 (was until 2020-01-31)",
        'acceptance trust-me added: accepts {"rule": ["B602"]} until 2099-01-01 (reviewed)',
    ]


def test_the_prs_baseline_does_not_apply(tmp_path: Path) -> None:
    """The base's baseline is empty; the pull request adds vulnerable code and regenerates the
    baseline so that the new finding is 'existing'."""
    policy = BASE_POLICY + "baseline: .secgate/baseline.sarif\n"
    repo = make_repo(tmp_path, {"app/run.py": CLEAN, ".secgate.yml": policy})
    git(repo, "checkout", "-q", "main")
    done = run_secgate("baseline", "create", repo, "--scanner", "bandit", timeout=240)
    assert done.returncode == 0, done.stderr
    commit(repo, {}, "baseline")
    git(repo, "checkout", "-q", "pr")
    git(repo, "merge", "-q", "--ff-only", "main")
    (repo / "app" / "new.py").write_text(VULNERABLE, encoding="utf-8")
    done = run_secgate("baseline", "create", repo, "--scanner", "bandit", timeout=240)
    assert done.returncode == 0, done.stderr
    commit(repo, {}, "add a feature, refresh the baseline")
    code, report, _ = scan(repo)
    assert code == 0  # the new finding is in the pull request's baseline: only a warning
    code, report, _ = scan(repo, "--base", "main")
    assert code == 1
    (blocked,) = [f for f in report["findings"] if f["decision"]["action"] == "block"]
    assert blocked["baseline"] == "new" and blocked["location"]["path"] == "app/new.py"
    (change,) = report["pull_request"]["changes"]
    assert change["file"] == ".secgate/baseline.sarif" and change["weakens"]
    assert change["summary"] == (
        "2 finding(s) added to the baseline (they can no longer "
        "block): bandit:B404 in app/new.py; bandit:B602 in app/new.py"
    )


def test_a_scanner_configuration_file_is_named(repo: Path) -> None:
    commit(repo, {".bandit": "[bandit]\nskips: B602\n"}, "quieter bandit")
    code, report, _ = scan(repo, "--base", "main")
    # Bandit reads its own configuration from the tree: the finding is gone, the change is not
    assert blocking_rules(report) == set()
    (change,) = report["pull_request"]["changes"]
    assert change == {
        "file": ".bandit",
        "setting": "scanner configuration",
        "weakens": True,
        "summary": "added (read by bandit): it can change what bandit reports",
    }
    assert code == 0
    assert report["verdict"]["status"] == "warn"  # the default: gate_changes: warn


def test_gate_changes_block_makes_a_weakening_pr_block(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path, {"app/run.py": CLEAN, ".secgate.yml": BASE_POLICY + "gate_changes: block\n"}
    )
    commit(repo, {".secgateignore": "app/**\n", ".secgate.yml": BASE_POLICY}, "relax")
    code, report, _ = scan(repo, "--base", "main")
    assert code == 1
    assert report["findings"] == []
    assert report["pull_request"]["on_weakening"] == "block"
    assert changes(report) == [
        (".secgate.yml", "gate_changes", True),
        (".secgateignore", "ignore", True),
    ]
    assert report["verdict"]["reasons"][-1] == (
        "this pull request weakens the gate: 2 change(s) to .secgate.yml, .secgateignore "
        "(gate_changes: block)"
    )


def test_stricter_changes_are_listed_but_do_not_warn(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"app/run.py": CLEAN, ".secgate.yml": BASE_POLICY})
    commit(
        repo, {".secgate.yml": BASE_POLICY.replace("fail_on: high", "fail_on: medium")}, "stricter"
    )
    code, report, _ = scan(repo, "--base", "main")
    assert code == 0 and report["verdict"]["status"] == "warn"  # the expired acceptance warns
    assert changes(report) == [(".secgate.yml", "fail_on", False)]
    assert not any("weakens the gate" in r for r in report["verdict"]["reasons"])


def test_no_change_no_section(repo: Path) -> None:
    commit(repo, {"README.md": "# hello\n"}, "docs")
    code, report, stderr = scan(
        repo, "--base", "main", "--markdown", str(repo.parent / "comment.md")
    )
    assert code == 1
    assert report["pull_request"]["changes"] == []
    assert "changes the gate" not in stderr
    assert "changes the gate" not in (repo.parent / "comment.md").read_text(encoding="utf-8")


def test_explicit_policy_still_wins(repo: Path) -> None:
    commit(repo, {".secgate.yml": BASE_POLICY.replace("fail_on: high", "fail_on: none")}, "x")
    code, report, _ = scan(repo, "--base", "main", "--policy", "builtin:report-only")
    assert code == 0
    assert report["policy"] == "builtin:report-only"
    assert changes(report) == [(".secgate.yml", "fail_on", True)]  # still named


def test_every_report_names_the_changes(repo: Path) -> None:
    commit(repo, {".secgateignore": "app/**\n"}, "ignore app")
    out = repo.parent / "out"
    code, report, _ = scan(repo, "--base", "main", "--output-dir", str(out))
    assert code == 1
    comment = (out / "report.md").read_text(encoding="utf-8")
    assert "### This pull request changes the gate (1 weakening, 0 other)" in comment
    assert (
        "- **weakens** <code>.secgateignore</code> <code>ignore</code>: new ignore pattern "
        "'app/\\*\\*': findings in matching paths are left out"
    ) in comment
    assert "### This pull request changes the gate" in (out / "summary.md").read_text()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="gate-changes">' in html and "new ignore pattern" in html
    sarif = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    assert sarif["properties"]["secgate"]["pull_request"] == report["pull_request"]
    rebuilt = repo.parent / "rebuilt.json"
    done = run_secgate("report", "--from", out / "report.sarif", "--json", rebuilt, timeout=60)
    assert done.returncode == 1, done.stderr
    assert json.loads(rebuilt.read_text(encoding="utf-8"))["pull_request"] == report["pull_request"]


def actions_env(base_ref: str, runner_temp: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_BASE_REF": base_ref,
        "RUNNER_TEMP": str(runner_temp),
    }


def shallow_checkout(repo: Path, tmp_path: Path, depth: int = 1) -> Path:
    """What actions/checkout makes of a pull request: a depth-1 clone of the head only, with
    ``origin`` pointing at the repository (``depth``: deeper, as the action's history step
    makes it)."""
    origin = tmp_path / "origin.git"
    if not origin.exists():
        subprocess.run(
            ["git", "clone", "-q", "--bare", str(repo), str(origin)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    checkout = tmp_path / f"checkout-{depth}"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            str(depth),
            "--branch",
            "pr",
            "--single-branch",
            f"file://{origin}",
            str(checkout),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return checkout


def test_in_actions_the_base_branch_is_the_default_and_is_fetched(
    repo: Path, tmp_path: Path
) -> None:
    commit(repo, {".secgate.yml": BASE_POLICY.replace("fail_on: high", "fail_on: none")}, "x")
    # depth 1: the base is fetched, but the history joining it to HEAD is not there
    too_shallow = shallow_checkout(repo, tmp_path)
    code, _, stderr = scan(too_shallow, env=actions_env("main", tmp_path))
    assert code == 2 and "shallow clone lacks the history that joins origin/main" in stderr
    checkout = shallow_checkout(repo, tmp_path, depth=2)  # the pull request's commit and its parent
    assert git(checkout, "rev-parse", "--is-shallow-repository").strip() == "true"
    code, report, _ = scan(checkout, env=actions_env("main", tmp_path))
    assert code == 1
    assert report["pull_request"]["base"] == "origin/main"
    assert report["pull_request"]["commit"] == git(repo, "rev-parse", "main").strip()
    assert any("(fetched from origin: the checkout was shallow)" in n for n in report["notes"])
    assert changes(report) == [(".secgate.yml", "fail_on", True)]
    # --no-base turns it off (the pull request's own policy then applies)
    code, report, _ = scan(checkout, "--no-base", env=actions_env("main", tmp_path))
    assert code == 0 and "pull_request" not in report


def test_a_base_that_cannot_be_found_is_an_error(repo: Path, tmp_path: Path) -> None:
    checkout = shallow_checkout(repo, tmp_path)
    code, _, stderr = scan(checkout, env=actions_env("release-9", tmp_path))
    assert code == 2
    assert stderr.startswith(
        "secgate: error: --base origin/release-9 (GITHUB_BASE_REF, the pull request's base "
        "branch; give --base REF or check out with fetch-depth: 0): not in this shallow "
        "checkout, and fetching it from origin failed: "
    )
    code, _, stderr = scan(repo, "--base", "no-such-branch")
    assert code == 2
    assert stderr == f"secgate: error: --base no-such-branch: no such commit in {repo}\n"
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    code, _, stderr = scan(plain, "--base", "main")
    assert code == 2
    assert "is not inside a git repository" in stderr


def test_a_scan_in_a_subdirectory_reads_the_base_at_that_path(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"svc/app/run.py": VULNERABLE, "svc/.secgate.yml": BASE_POLICY})
    commit(repo, {"svc/.secgateignore": "**\n"}, "ignore")
    code, report, _ = scan(repo / "svc", "--base", "main")
    assert code == 1
    assert report["policy"] == "main:svc/.secgate.yml"
    assert changes(report) == [(".secgateignore", "ignore", True)]


def test_a_symlinked_policy_in_the_base_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"app/run.py": CLEAN, "policy.yml": BASE_POLICY})
    (repo / ".secgate.yml").symlink_to("policy.yml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    git(repo, "branch", "-f", "main", "HEAD")
    code, _, stderr = scan(repo, "--base", "main")
    assert code == 2
    assert stderr.startswith("secgate: error: main:.secgate.yml: is a symlink, not a regular file")


def test_the_bases_baseline_must_exist_unless_one_is_given(tmp_path: Path) -> None:
    policy = BASE_POLICY + "baseline: .secgate/baseline.sarif\n"
    repo = make_repo(tmp_path, {"app/run.py": VULNERABLE, ".secgate.yml": policy})
    code, _, stderr = scan(repo, "--base", "main")
    assert code == 2
    assert stderr.startswith(
        "secgate: error: main:.secgate/baseline.sarif: baseline file not found in main ("
    )
    given = tmp_path / "given.sarif"
    done = run_secgate("baseline", "create", repo, "--scanner", "bandit", "-o", given, timeout=240)
    assert done.returncode == 0, done.stderr
    code, report, _ = scan(repo, "--base", "main", "--baseline", str(given))
    assert code == 0  # every finding is in the given baseline
    assert report["verdict"]["counts"]["existing"] == len(report["findings"]) > 0
