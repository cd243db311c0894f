"""Diff-aware pull-request gating (``secgate scan PATH --base REF``): a finding is ``changed``
when the pull request touches it, and only changed findings block (``pull_request.block:
changed``, the default); the backlog warns, decided by ``diff``.

Every case is a real git repository — ``main`` with the base commit, a ``pr`` branch with the
pull request's commits — scanned by the real scanners: Bandit for code, Gitleaks for secrets in
history, secgate's own ``osv`` audit (real PyPA records) for requirements."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from secgate.pull_request import diff as code_diff
from secgate.pull_request.base_ref import resolve
from tests.support.advisory_data import import_env, imported_store
from tests.support.commands import git, require_tool, run_secgate
from tests.support.paths import EXAMPLE_APP

pytestmark = [pytest.mark.timeout(300)]

SHELL = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
CLEAN = "def add(a, b):\n    return a + b\n"
POLICY = "version: 1\nfail_on: high\nwarn_on: medium\n"


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
    commit(repo, {".secgate.yml": POLICY, **files}, "base")
    git(repo, "checkout", "-q", "-b", "pr")
    return repo


def scan(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    report = repo.parent / "report.json"
    report.unlink(missing_ok=True)
    done = run_secgate(
        "scan",
        repo,
        "--base",
        "main",
        "--json",
        report,
        "--markdown",
        repo.parent / "comment.md",
        "--sarif",
        repo.parent / "report.sarif",
        *args,
        env=env,
        timeout=240,
    )
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return done.returncode, data, done.stderr


def by_place(report: dict[str, Any]) -> dict[tuple[str, int | None], dict[str, Any]]:
    return {
        (f["location"]["path"], f["location"].get("start_line")): f
        for f in report["findings"]
        if f.get("location")
    }


def action(finding: dict[str, Any]) -> tuple[str, str]:
    return finding["decision"]["action"], finding["decision"]["decided_by"]


@pytest.fixture(scope="module")
def _bandit() -> None:
    require_tool("bandit")


@pytest.mark.scanner("bandit")
@pytest.mark.usefixtures("_bandit")
def test_a_pull_request_adding_a_vulnerable_line_blocks_on_that_finding_alone(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path, {"legacy.py": SHELL, "app.py": CLEAN})
    commit(repo, {"app.py": CLEAN + "\n\n" + SHELL.replace("def run", "def go")}, "add go()")
    code, report, stderr = scan(repo, "--scanner", "bandit")
    assert code == 1, stderr
    found = by_place(report)
    new = found[("app.py", 9)]
    old = found[("legacy.py", 5)]
    assert new["changed"] is True and action(new) == ("block", "threshold")
    assert old["changed"] is False and action(old) == ("warn", "diff")
    assert "not changed by this pull request" in old["decision"]["reason"]
    blocking = [f for f in report["findings"] if f["decision"]["action"] == "block"]
    assert blocking == [new]
    counts = report["verdict"]["counts"]
    assert counts["changed"] >= 1 and counts["diff"] >= 1 and counts["block"] == len(blocking)
    pull = report["pull_request"]
    assert pull["block"] == "changed" and pull["prefix"] == ""
    assert pull["head"] == git(repo, "rev-parse", "HEAD").strip()
    assert pull["merge_base"] == git(repo, "rev-parse", "main").strip()
    # the comment leads with what the pull request brings; the backlog is folded
    comment = (tmp_path / "comment.md").read_text(encoding="utf-8")
    assert comment.splitlines()[0].endswith(", 2 in this pull request's changes")
    lead = comment.index("### New in this pull request")
    folded = comment.index("<details><summary>Not changed by this pull request")
    assert lead < folded
    assert "app.py:9" in comment[lead:folded] and "legacy.py" not in comment[lead:folded]
    assert "legacy.py" in comment[folded:]
    # still reported in SARIF, each result saying whether the pull request changed it
    sarif = json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
    results = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        ): r["properties"]["secgate"]
        for r in sarif["runs"][0]["results"]
    }
    assert results[("app.py", 9)]["changed"] is True
    assert results[("legacy.py", 5)]["changed"] is False
    assert results[("legacy.py", 5)]["decision"]["decided_by"] == "diff"


@pytest.mark.scanner("bandit")
@pytest.mark.usefixtures("_bandit")
def test_a_docs_only_pull_request_passes_while_the_old_findings_warn(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"legacy.py": SHELL, "README.md": "# app\n"})
    commit(repo, {"README.md": "# app\n\nHow to run it.\n"}, "docs")
    code, report, stderr = scan(repo, "--scanner", "bandit")
    assert code == 0, stderr
    assert report["verdict"]["status"] == "warn"
    old = by_place(report)[("legacy.py", 5)]
    assert old["changed"] is False and action(old) == ("warn", "diff")
    assert any(
        "would block but the pull request does not change them" in r
        for r in report["verdict"]["reasons"]
    )
    comment = (tmp_path / "comment.md").read_text(encoding="utf-8")
    assert "### New in this pull request (0)" in comment
    # the same tree, scanned with the base policy saying block: all, blocks on the backlog
    git(repo, "checkout", "-q", "main")
    commit(repo, {".secgate.yml": POLICY + "pull_request:\n  block: all\n"}, "block all")
    git(repo, "checkout", "-q", "pr")
    git(repo, "merge", "-q", "--no-edit", "main")
    code, report, stderr = scan(repo, "--scanner", "bandit")
    assert code == 1, stderr
    assert action(by_place(report)[("legacy.py", 5)]) == ("block", "threshold")
    assert report["pull_request"]["block"] == "all"


@pytest.mark.scanner("bandit")
@pytest.mark.usefixtures("_bandit")
def test_a_renamed_file_keeps_its_findings_unchanged(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"legacy.py": SHELL, "tools/ops.py": SHELL})
    (repo / "old").mkdir()
    git(repo, "mv", "legacy.py", "old/legacy.py")
    git(repo, "mv", "tools/ops.py", "tools/operations.py")
    # a rename with an edit: only the edited line is the pull request's
    (repo / "tools/operations.py").write_text(SHELL + "\n\n# moved\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "move things")
    code, report, stderr = scan(repo, "--scanner", "bandit")
    assert code == 0, stderr
    found = by_place(report)
    for place in (("old/legacy.py", 5), ("tools/operations.py", 5)):
        assert found[place]["changed"] is False, place
        assert action(found[place]) == ("warn", "diff")


@pytest.mark.scanner("osv")
def test_a_dependency_bump_line_is_changed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    imported_store(data, kev=False, epss=False).close()
    policy = "version: 1\nfail_on: medium\nwarn_on: low\nscanners:\n  required: [osv]\n"
    repo = make_repo(
        tmp_path, {".secgate.yml": policy, "requirements.txt": "requests==2.18.0\npyyaml==5.3\n"}
    )
    commit(repo, {"requirements.txt": "requests==2.19.0\npyyaml==5.3\n"}, "bump requests")
    code, report, stderr = scan(repo, "--scanner", "osv", env=import_env(data))
    assert code == 1, stderr
    packages = {f["package"]["name"].lower(): f for f in report["findings"]}
    assert packages["requests"]["changed"] is True
    assert packages["requests"]["decision"]["action"] == "block"
    assert packages["pyyaml"]["changed"] is False
    assert action(packages["pyyaml"]) == ("warn", "diff")


def _secrets() -> tuple[str, str]:
    settings = (EXAMPLE_APP / "config" / "settings.py").read_text(encoding="utf-8")
    token = re.search(r'^GITHUB_TOKEN = "([^"]+)"$', settings, re.M)
    key = re.search(r'^AWS_ACCESS_KEY_ID = "([^"]+)"$', settings, re.M)
    assert token and key
    return token.group(1), key.group(1)


@pytest.mark.scanner("gitleaks")
def test_a_secret_committed_and_removed_inside_the_pull_request_still_blocks(
    tmp_path: Path,
) -> None:
    require_tool("gitleaks")
    token, key = _secrets()
    # the base's history holds an old leak (in a file since removed): not this pull request's
    repo = make_repo(tmp_path, {"old.py": f'KEY = "{key}"\n'})
    commit(repo, {"old.py": None}, "base: remove the old key")
    git(repo, "branch", "-f", "main", "HEAD")
    commit(repo, {"deploy.py": f'TOKEN = "{token}"\n'}, "add the deploy token")
    commit(repo, {"deploy.py": "import os\nTOKEN = os.environ['TOKEN']\n"}, "read it from env")
    pr_commits = set(git(repo, "rev-list", "main..HEAD").split())
    code, report, stderr = scan(repo, "--scanner", "gitleaks")
    assert code == 1, stderr
    run = next(r for r in report["runs"] if r["tool"] == "gitleaks")
    assert any(a.startswith("--log-opts=") and a.endswith("..HEAD") for a in run["command"])
    secrets = [f for f in report["findings"] if f["category"] == "secret"]
    assert secrets, report["findings"]
    assert all(f["properties"]["commit"] in pr_commits for f in secrets)  # the old one is not read
    assert all(f["changed"] is True and f["decision"]["action"] == "block" for f in secrets)
    text = (tmp_path / "report.json").read_text() + (tmp_path / "comment.md").read_text()
    assert token not in text and key not in text


def test_a_shallow_clone_without_the_merge_base_is_a_clear_usage_error(tmp_path: Path) -> None:
    origin = make_repo(tmp_path, {"app.py": CLEAN})
    for n in range(3):
        commit(origin, {"app.py": CLEAN + f"# {n}\n"}, f"pr {n}")
    git(origin, "checkout", "-q", "main")
    commit(origin, {"README.md": "moved on\n"}, "main moves on")
    clone = tmp_path / "clone"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth=1",
            "--branch",
            "pr",
            "--no-single-branch",
            origin.as_uri(),
            str(clone),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    done = run_secgate("scan", clone, "--base", "origin/main", "--scanner", "bandit", timeout=120)
    assert done.returncode == 2, done.stderr
    assert "shallow clone lacks the history" in done.stderr
    assert "fetch-depth: 0" in done.stderr and "Traceback" not in done.stderr
    # with the history fetched, the same clone scans
    subprocess.run(
        ["git", "-C", str(clone), "fetch", "-q", "--unshallow"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    base = resolve(clone, "origin/main")
    changes = code_diff.compute(base)
    assert changes.added == {"app.py": {3}} and len(changes.commits) == 3


def test_the_diff_reads_renames_new_files_subdirectories_and_uncommitted_edits(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path, {"svc/a.py": CLEAN, "svc/b.py": CLEAN * 3, "other.py": CLEAN})
    git(repo, "mv", "svc/a.py", "svc/moved é.py")
    (repo / "svc/b.py").write_text(CLEAN * 3 + "x = 1\n", encoding="utf-8")
    (repo / "svc/new.py").write_text("y = 2\n", encoding="utf-8")
    (repo / "other.py").write_text(CLEAN + "z = 3\n", encoding="utf-8")
    git(repo, "add", "svc/b.py", "svc/moved é.py")
    git(repo, "commit", "-q", "-m", "edit")
    (repo / "svc/b.py").write_text(CLEAN * 3 + "x = 1\nw = 4\n", encoding="utf-8")  # not committed
    changes = code_diff.compute(resolve(repo / "svc", "main"))
    assert changes.added == {"b.py": {7, 8}}
    assert changes.new_files == {"new.py"}
    assert changes.touches("b.py", 6, 7) and not changes.touches("b.py", 1, 6)
    assert not changes.touches("moved é.py", 1, 2)


@pytest.mark.scanner("trufflehog")
def test_trufflehog_reads_only_the_pull_requests_commits(tmp_path: Path) -> None:
    require_tool("trufflehog")
    _, key = _secrets()
    repo = make_repo(tmp_path, {"old.py": f'KEY = "{key}"\n'})
    commit(repo, {"old.py": None}, "base: remove the old key")
    git(repo, "branch", "-f", "main", "HEAD")
    commit(repo, {"deploy.py": f'AWS = "{key[:-4]}WXYZ"\n'}, "add a deploy key")
    commit(repo, {"deploy.py": "import os\n"}, "read it from env")
    pr_commits = set(git(repo, "rev-list", "main..HEAD").split())
    code, report, stderr = scan(repo, "--scanner", "trufflehog")
    assert code == 1, stderr
    run = next(r for r in report["runs"] if r["tool"] == "trufflehog")
    assert "--since_commit" in run["command"] or any(
        a.startswith("--since-commit=") for a in run["command"]
    )
    secrets = [f for f in report["findings"] if f["category"] == "secret"]
    assert secrets and all(f["changed"] is True for f in secrets)
    assert all(f["properties"]["commit"] in pr_commits for f in secrets)
    assert all(f["decision"]["action"] == "block" for f in secrets)


def test_the_diff_reads_every_file_name_git_quotes(tmp_path: Path) -> None:
    names = [
        'say "hi".py',
        "tab\there.py",
        "ünïcode é.py",
        "back\\slash.py",
        "line\nbreak.py",
        "+++ plus.py",
        "-- dash.py",
    ]
    repo = make_repo(tmp_path, dict.fromkeys(names, CLEAN))
    commit(repo, dict.fromkeys(names, CLEAN + "+++ b/not-a-header.py\n"), "edit all")
    changes = code_diff.compute(resolve(repo, "main"))
    assert changes.added == {name: {3} for name in names}
    assert changes.added_text["+++ plus.py"] == [b"+++ b/not-a-header.py"]


@pytest.mark.scanner("trufflehog3")
def test_trufflehog3_reads_only_the_pull_requests_commits(tmp_path: Path) -> None:
    require_tool("trufflehog3")
    _, key = _secrets()
    repo = make_repo(tmp_path, {"old.py": f'KEY = "{key}"\n'})
    commit(repo, {"old.py": None}, "base: remove the old key")
    git(repo, "branch", "-f", "main", "HEAD")
    commit(repo, {"deploy.py": f'AWS = "{key[:-4]}WXYZ"\n'}, "add a deploy key")
    commit(repo, {"deploy.py": "import os\n"}, "read it from env")
    pr_commits = set(git(repo, "rev-list", "main..HEAD").split())
    code, report, stderr = scan(repo, "--scanner", "trufflehog3")
    assert code == 1, stderr
    run = next(r for r in report["runs"] if r["tool"] == "trufflehog3")
    assert "--since" in run["command"]
    secrets = [f for f in report["findings"] if f["category"] == "secret"]
    ours = [f for f in secrets if f["properties"]["commit"] in pr_commits]
    assert ours and all(f["changed"] is True and action(f)[0] == "block" for f in ours)
    # trufflehog3 --since also reads the merge base's own diff (here the old key's removal):
    # what it reports from there is the base's, not changed, and does not block
    assert all(f["changed"] is False and action(f)[0] != "block" for f in secrets if f not in ours)
