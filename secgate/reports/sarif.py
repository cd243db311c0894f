"""The SARIF report file: secgate's SARIF 2.1.0, fitted to GitHub code scanning's limits."""

from __future__ import annotations

from secgate.model import ScanResult
from secgate.reports import github_sarif


def render(result: ScanResult) -> str:
    return github_sarif.render(result)
