"""A scanner whose report names its version is started once per scan, not a second time for
``--version``; when its report does not say (Bandit names it only in its results' help links),
secgate asks the tool afterwards. Real Bandit, behind a wrapper that logs each start."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from conftest import require_tool, run_secgate


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
    done = run_secgate("scan", target, "--scanner", "bandit", "--no-cache", "--json", report,
                       env={**os.environ, "SECGATE_BANDIT_BIN": str(wrapper)})
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
