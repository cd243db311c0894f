"""Where the repository's parts are, for tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLE_APP = ROOT / "examples" / "vulnerable-app"
TOOLS_BIN = ROOT / ".tools" / "bin"
ARTIFACTS = ROOT / "test-artifacts"
