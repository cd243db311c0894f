"""Reports rendered at once by forked processes are the reports one process writes, byte for
byte; a report a child cannot write fails the command as it would in one process."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from secgate.errors import UsageError
from secgate.reports import forked, outputs
from secgate.reports.outputs import DEFAULT_FILE_NAMES, Targets
from tests.support.report_samples import hostile_result, large_result

FORMATS = sorted(DEFAULT_FILE_NAMES)


def _write(tmp: Path, result_maker: object, workers: int, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setattr(forked, "workers_for", lambda findings, jobs: workers)
    targets = Targets({fmt: tmp / DEFAULT_FILE_NAMES[fmt] for fmt in FORMATS})
    outputs.write_all(result_maker(), targets)  # type: ignore[operator]
    return {fmt: (tmp / DEFAULT_FILE_NAMES[fmt]).read_bytes() for fmt in FORMATS}


@pytest.mark.parametrize("make", [hostile_result, lambda: large_result(800)])
def test_forked_reports_are_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: object
) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "three").mkdir()
    alone = _write(tmp_path / "one", make, 1, monkeypatch)
    shared = _write(tmp_path / "three", make, 3, monkeypatch)
    assert shared == alone
    assert all(alone.values())


def test_shares_balance_the_weights_and_keep_the_order() -> None:
    jobs = [
        forked.Job(name, lambda: None, weight)
        for name, weight in [
            ("html", 3),
            ("json", 3),
            ("junit", 2),
            ("markdown", 1),
            ("summary", 1),
        ]
    ]
    dealt = forked.shares(jobs, 2)
    assert [[j.name for j in share] for share in dealt] == [
        ["html", "junit"],
        ["json", "markdown", "summary"],
    ]
    assert forked.shares(jobs[:1], 4) == [jobs[:1]]


def test_a_report_a_child_cannot_write_fails_in_the_parent(tmp_path: Path) -> None:
    written = tmp_path / "fine.txt"

    def fine() -> None:
        written.write_text("ok", encoding="utf-8")

    def refused() -> None:
        raise UsageError(f"{tmp_path}/x: cannot write the json report: Permission denied")

    # the heaviest share is the parent's own: the refused report is the child's
    jobs = [forked.Job("markdown", fine, weight=3), forked.Job("json", refused)]
    with pytest.raises(UsageError, match="cannot write the json report"):
        forked.run(jobs, 2)
    assert written.read_text(encoding="utf-8") == "ok"  # the other share was written


def test_a_child_that_dies_is_an_internal_error(tmp_path: Path) -> None:
    def dies() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    jobs = [forked.Job("markdown", lambda: None, weight=3), forked.Job("html", dies)]
    with pytest.raises(forked.InternalReportError, match=f"signal {int(signal.SIGKILL)}"):
        forked.run(jobs, 2)


def test_small_results_and_other_threads_stay_in_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert forked.workers_for(forked.FORK_MIN_FINDINGS - 1, 5) == 1
    assert forked.workers_for(10**6, 1) == 1
    monkeypatch.setattr(forked.threading, "active_count", lambda: 2)
    assert forked.workers_for(10**6, 5) == 1
