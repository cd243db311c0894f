"""The SARIF report file."""

from __future__ import annotations

from secgate.model import ScanResult
from secgate.sarif import writer


def render(result: ScanResult) -> str:
    return writer.dumps(result)

