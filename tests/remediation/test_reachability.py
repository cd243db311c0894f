"""Reachability of Python dependency findings: right for an imported package, an unimported one,
an import alias (``import yaml`` for PyYAML), a conditional import, one a package the code
imports needs, and a project it cannot parse (``unknown``); ``reachable`` in the policy (``false``
warns instead of blocking, ``unknown`` gates like ``true``) and in every report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secgate.remediation.environments import EnvironmentIndex, read_index
from secgate.remediation.reachability import ReachabilityJudge, read_imports
from tests.support.commands import run_secgate
from tests.support.remediation_data import env_of, environment, project, store_in
from tests.support.sarif_validation import validate_sarif

INSTALLED = ["requests", "urllib3", "idna", "certifi", "charset-normalizer", "PyYAML"]


def _judge(root: Path, with_env: bool = True) -> ReachabilityJudge:
    environments = read_index(root, {}) if with_env else EnvironmentIndex()
    return ReachabilityJudge(read_imports(root), environments)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_in(tmp_path_factory.mktemp("data"))


def test_imported_alias_conditional_and_needed_packages(tmp_path: Path) -> None:
    app = project(
        tmp_path / "app",
        {
            "app/main.py": "import requests\nfrom . import yaml  # our own module, not PyYAML\n",
            "app/conf.py": (
                "import os\n\ndef load():\n    if os.environ.get('YAML'):\n"
                "        try:\n            import yaml as y\n"
                "        except ImportError:\n            y = None\n    return y\n"
            ),
            "app/plugins.py": "import importlib\nidna = importlib.import_module('idna.codec')\n",
        },
    )
    environment(app, INSTALLED)
    judge = _judge(app)
    assert judge.judge("requests").reachable is True
    assert judge.judge("requests").via.startswith(
        "imported as requests in app/main.py:1; "
        "import names from installed metadata "
        "(RECORD in .venv/lib/python"
    )
    pyyaml = judge.judge("PyYAML")
    assert pyyaml.reachable is True and "imported as yaml in app/conf.py:6" in pyyaml.via
    assert judge.judge("idna").reachable is True  # a literal import_module
    urllib3 = judge.judge("urllib3")  # not imported, but requests needs it
    assert urllib3.reachable is True
    assert urllib3.via == "needed by requests, imported as requests in app/main.py:1"
    assert judge.judge("certifi").reachable is True  # needed by requests too


def test_an_unimported_package_is_not_reachable(tmp_path: Path) -> None:
    app = project(
        tmp_path / "app",
        {
            "main.py": "import yaml\nprint(yaml.safe_load('a: 1'))\n",
            "tests/test_main.py": "def test():\n    assert True\n",
        },
    )
    environment(app, INSTALLED)
    judge = _judge(app)
    assert judge.judge("pyyaml").reachable is True
    requests = judge.judge("requests")
    assert requests.reachable is False
    assert requests.via == (
        "no scanned Python file imports requests (2 file(s) parsed), and no "
        "imported package needs it"
    )
    assert judge.judge("urllib3").reachable is False  # nothing imported needs it
    # a package installed in no environment of the project: its dependents are unknown
    missing = judge.judge("jinja2")
    assert missing.reachable == "unknown" and "not installed" in missing.via


def test_without_an_environment_the_table_and_the_name_decide(tmp_path: Path) -> None:
    app = project(tmp_path / "app", {"main.py": "import yaml, PIL.Image\nimport jinja2\n"})
    judge = _judge(app, with_env=False)
    assert judge.judge("PyYAML").reachable is True
    assert "import-name table" in judge.judge("PyYAML").via
    assert judge.judge("Pillow").reachable is True
    assert judge.judge("Jinja2").reachable is True
    assert "normalized name" in judge.judge("Jinja2").via
    assert judge.judge("requests").reachable == "unknown"  # cannot tell who needs it


def test_a_project_that_does_not_parse_is_unknown(tmp_path: Path) -> None:
    app = project(
        tmp_path / "app", {"main.py": "import requests\n", "legacy/old.py": "print 'python 2'\n"}
    )
    environment(app, INSTALLED)
    judge = _judge(app)
    assert judge.judge("requests").reachable is True  # another file proves it
    pyyaml = judge.judge("pyyaml")
    assert pyyaml.reachable == "unknown"
    assert pyyaml.via.startswith("legacy/old.py cannot be parsed (")


def test_run_time_imports_and_setting_strings_are_unknown(tmp_path: Path) -> None:
    settings = project(tmp_path / "dj", {"settings.py": "INSTALLED_APPS = ['yaml.loader']\n"})
    environment(settings, INSTALLED)
    assert _judge(settings).judge("pyyaml").reachable == "unknown"
    dynamic = project(
        tmp_path / "dyn",
        {"load.py": "import importlib, sys\nimportlib.import_module(sys.argv[1])\n"},
    )
    environment(dynamic, INSTALLED)
    assert "named at run time" in _judge(dynamic).judge("pyyaml").via


def _scan(
    app: Path, data: Path, *args: str | Path
) -> tuple[int, dict[str, dict[str, object]], str]:
    out = app.parent / "report.json"
    done = run_secgate("scan", app, "-s", "osv", "--json", out, *args, env=env_of(data))
    report = json.loads(out.read_text(encoding="utf-8"))
    by_package = {f["package"]["name"]: f for f in report["findings"]}
    return done.returncode, by_package, done.stderr


def test_the_policy_warns_on_unreachable_and_every_report_shows_it(
    tmp_path: Path, data: Path
) -> None:
    app = project(
        tmp_path / "app",
        {
            "requirements.txt": "requests==2.19.1\npyyaml==5.3\npy==1.11.0\n",
            "main.py": "import yaml\n",
            ".secgate.yml": (
                "version: 1\nrules:\n  - id: unused-warns\n"
                "    match: {category: dependency, reachable: false}\n"
                "    action: warn\n    reason: no code imports it\n"
            ),
        },
    )
    environment(app, INSTALLED)
    out = tmp_path / "out"
    code, found, stderr = _scan(app, data, "--output-dir", out)
    assert code == 1  # PyYAML is imported: it blocks; py's reachability is unknown: it blocks
    assert found["requests"]["reachable"] is False
    assert found["requests"]["decision"]["decided_by"] == "rule:unused-warns"
    assert found["requests"]["decision"]["action"] == "warn"
    assert found["pyyaml"]["reachable"] is True
    assert found["pyyaml"]["decision"]["action"] == "block"
    assert found["py"]["reachable"] == "unknown"  # gates like true: the rule does not match
    assert found["py"]["decision"]["action"] == "block"
    assert "[not reachable: no scanned Python file imports requests" not in stderr  # warns
    assert "[reachable: imported as yaml in main.py:1" in stderr
    assert "[reachability unknown: no scanned file imports py" in stderr
    sarif = validate_sarif(out / "report.sarif")
    results = [r for run in sarif["runs"] for r in run["results"]]
    assert {
        r["properties"]["secgate"]["package"]["name"]: r["properties"]["secgate"]["reachable"]
        for r in results
    } == {"requests": False, "pyyaml": True, "py": "unknown"}
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "· not reachable |" in markdown and "· reachability unknown |" in markdown
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '"rch":"not reachable (no scanned Python file imports requests' in html
    assert '"ru":true' in html
    again = tmp_path / "again.json"
    done = run_secgate(
        "report",
        "--from",
        out / "report.sarif",
        "--json",
        again,
        "--markdown",
        tmp_path / "again.md",
        env=env_of(data),
    )
    assert done.returncode == 1, done.stderr
    rebuilt = {f["package"]["name"]: f for f in json.loads(again.read_text())["findings"]}
    assert rebuilt["requests"]["reachable_via"] == found["requests"]["reachable_via"]
    assert rebuilt["py"]["reachable"] == "unknown"
    assert (tmp_path / "again.md").read_text(encoding="utf-8") == markdown


def test_the_pr_comment_shows_the_plan(tmp_path: Path, data: Path) -> None:
    app = project(
        tmp_path / "app",
        {"requirements.txt": "requests==2.19.1\npy==1.11.0\n", "main.py": "import requests\n"},
    )
    comment = tmp_path / "comment.md"
    code, _, stderr = _scan(
        app,
        data,
        "--markdown",
        comment,
        "--sarif",
        tmp_path / "r.sarif",
        "--html",
        tmp_path / "r.html",
    )
    assert code == 1
    text = comment.read_text(encoding="utf-8")
    assert "### Upgrade plan (1 to write, 1 listed)" in text
    assert (
        "| <code>requests</code> | <code>2\\.19.1</code> | <b><code>2\\.31.0</code></b> "
        "upgrade |" in text
    )
    assert "| <code>py</code> | <code>1\\.11.0</code> | unfixable |" in text
    assert "```diff\n--- a/requirements.txt\n+++ b/requirements.txt\n" in text
    assert "-requests==2.19.1\n+requests==2.31.0\n py==1.11.0\n```" in text
    assert "After the plan, 1 blocking finding(s) remain." in text
    assert (
        "upgrade plan: 1 upgrade(s): requests 2.19.1 -> 2.31.0; 1 package(s) it cannot "
        "fix (secgate fix prints the diff, --write applies it)" in stderr
    )
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<section id="upgrades">' in html and "<td>2.31.0 (upgrade)</td>" in html
    assert "+requests==2.31.0" in html
    again = tmp_path / "again.md"
    run_secgate("report", "--from", tmp_path / "r.sarif", "--markdown", again, env=env_of(data))
    assert again.read_text(encoding="utf-8") == text
