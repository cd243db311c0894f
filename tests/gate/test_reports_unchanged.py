"""The bundled example's reports stay byte-identical to their recording
(``tests/support/recorded_reports.py`` says what is normalized and how to record anew)."""

from __future__ import annotations

import shutil

import pytest

from tests.support.recorded_reports import CASES, differences

SCANNERS = ("bandit", "semgrep", "gitleaks", "trufflehog", "trivy", "pip-audit")


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_reports_are_byte_identical_to_the_recording(case):
    if case.timed:
        missing = [name for name in SCANNERS if shutil.which(name) is None]
        if missing:
            pytest.skip(
                f"the recording was made with {', '.join(SCANNERS)} installed by "
                f"scripts/setup; not here: {', '.join(missing)}"
            )
    assert differences(case) == []
