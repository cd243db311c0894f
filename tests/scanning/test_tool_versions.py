"""How secgate learns a scanner's version without starting it twice: a report that names it
(Bandit, Semgrep, Trivy), else the installed metadata of a Python tool, else ``--version``.
Real tools, some behind a wrapper that logs each start."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from secgate.adapters.pip_audit import PipAuditAdapter
from secgate.scanning.tool_versions import installed_version, read_version
from tests.support.commands import require_tool, run_secgate


def logging_wrapper(tmp_path: Path, program: str) -> tuple[Path, Path]:
    """A script that records its arguments, one line per start, then runs ``program``."""
    log = tmp_path / "starts.log"
    wrapper = tmp_path / "bandit-wrapper"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{program}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper, log


def scan(tmp_path: Path, source: str) -> tuple[dict[str, object], list[str]]:
    wrapper, log = logging_wrapper(tmp_path, require_tool("bandit"))
    target = tmp_path / "project"
    target.mkdir()
    (target / "app.py").write_text(source)
    report = tmp_path / "report.json"
    done = run_secgate(
        "scan",
        target,
        "--scanner",
        "bandit",
        "--no-cache",
        "--json",
        report,
        env={**os.environ, "SECGATE_BANDIT_BIN": str(wrapper)},
    )
    assert done.returncode in (0, 1), done.stderr
    run = json.loads(report.read_text())["runs"][0]
    return run, log.read_text().splitlines()


def test_a_report_that_names_the_version_spares_the_version_process(tmp_path: Path) -> None:
    run, starts = scan(tmp_path, "import subprocess\nsubprocess.call('ls', shell=True)\n")
    assert len(starts) == 1 and "--version" not in starts[0].split(), starts
    assert isinstance(run["version"], str) and run["version"][0].isdigit()


def test_without_results_the_version_is_asked_after_the_scan(tmp_path: Path) -> None:
    run, starts = scan(tmp_path, "print('nothing to see')\n")
    assert len(starts) == 2 and starts[1].split() == ["--version"], starts
    assert isinstance(run["version"], str) and run["version"][0].isdigit()


def test_a_python_tools_version_comes_from_its_installed_metadata(tmp_path: Path) -> None:
    program = require_tool("pip-audit")
    adapter = PipAuditAdapter()
    assert adapter.distribution is not None
    from_metadata = installed_version(program, adapter.distribution)
    assert from_metadata is not None
    # what the tool itself says, asked the slow way (a wrapper hides the layout)
    wrapper, log = logging_wrapper(tmp_path, program)
    assert installed_version(str(wrapper), adapter.distribution) is None
    assert read_version(adapter, str(wrapper)) == from_metadata
    assert log.read_text().split() == ["--version"]


def test_a_script_not_beside_its_interpreter_is_not_guessed(tmp_path: Path) -> None:
    (tmp_path / "env" / "bin").mkdir(parents=True)
    script = tmp_path / "env" / "bin" / "pip-audit"
    script.write_text("#!/usr/bin/python3\nprint('hello')\n")
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages" / "pip_audit-9.9.dist-info"
    site.mkdir(parents=True)
    (site / "METADATA").write_text("Metadata-Version: 2.1\nName: pip-audit\nVersion: 9.9\n")
    assert installed_version(str(script), "pip-audit") is None
    script.write_text(f"#!{tmp_path / 'env' / 'bin' / 'python'}\nprint('hello')\n")
    assert installed_version(str(script), "pip-audit") == "9.9"
