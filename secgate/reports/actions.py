"""What a scan adds when it runs inside GitHub Actions (``GITHUB_ACTIONS=true``): the job summary
appended to ``$GITHUB_STEP_SUMMARY`` and workflow annotations on the step's log."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from secgate.model import ScanResult
from secgate.reports import annotations as annotation_commands
from secgate.reports import job_summary
from secgate.reports.outputs import Targets


def in_actions(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get("GITHUB_ACTIONS", "") == "true"


def publish(
    result: ScanResult,
    targets: Targets,
    annotations: bool | None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Append the job summary (in Actions) and print annotations (when asked, or by default in
    Actions). Annotations go to standard output unless a report is written there."""
    env = os.environ if environ is None else environ
    active = in_actions(env)
    step_summary = env.get("GITHUB_STEP_SUMMARY", "")
    if active and step_summary and not _same_file(targets.files.get("summary"), step_summary):
        job_summary.append_to_step_summary(result, dict(env))
    if annotations if annotations is not None else active:
        stdout_taken = any(str(path) == "-" for path in targets.files.values())
        annotation_commands.emit(result, sys.stderr if stdout_taken else sys.stdout)


def _same_file(path: Path | None, other: str) -> bool:
    if path is None or str(path) == "-":
        return False
    try:
        return path.resolve() == Path(other).resolve()
    except OSError:
        return False
