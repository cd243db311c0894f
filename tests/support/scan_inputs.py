"""One blocked scan for the notify and monitor tests: real captured outputs of Gitleaks (the
example app's history, secrets unredacted) and Bandit, ingested with --input, and every raw
secret value those outputs hold."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.example_app import example_password_literals
from tests.support.paths import FIXTURES

GITLEAKS = FIXTURES / "gitleaks" / "8.30.1" / "git.json"
BANDIT = FIXTURES / "bandit" / "1.9.4" / "vulnerable-app.json"
BLOCKED_INPUTS: tuple[str, ...] = ("--input", f"gitleaks={GITLEAKS}", "--input", f"bandit={BANDIT}")
PASSING_INPUTS: tuple[str, ...] = (
    "--input",
    f"gitleaks={FIXTURES / 'gitleaks' / '8.30.1' / 'empty.json'}",
)
CONTEXT_ENV = {
    "SECGATE_REPOSITORY": "octo-org/octo-app",
    "SECGATE_BRANCH": "feature/notify",
    "GITHUB_SERVER_URL": "https://github.example",
    "GITHUB_REPOSITORY": "octo-org/octo-app",
    "GITHUB_RUN_ID": "4242",
    "GITHUB_SHA": "0" * 40,
}
RUN_URL = "https://github.example/octo-org/octo-app/actions/runs/4242"


def raw_secrets() -> list[str]:
    """Every raw credential in the ingested outputs: Gitleaks' ``Secret`` and ``Match`` values
    (the private key's body line by line) and the passwords Bandit's messages quote."""
    values: set[str] = set(example_password_literals())
    for leak in json.loads(Path(GITLEAKS).read_text(encoding="utf-8")):
        for key in ("Secret", "Match"):
            values.update(
                line.strip()
                for line in leak[key].splitlines()
                if len(line.strip()) >= 8 and not line.startswith("-----")
            )
    assert len(values) >= 6, values
    return sorted(values)


def assert_no_raw_secret(text: str, where: str) -> None:
    for raw in raw_secrets():
        assert raw not in text, f"a raw secret value reached {where}"
