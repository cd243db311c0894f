"""The example app's made-up credentials, read from its files (so that no test file holds one
and secgate's own secret scan of this repository stays clean)."""

from __future__ import annotations

import re

from tests.support.paths import EXAMPLE_APP


def example_assignment(relative: str, name: str) -> str:
    """The string literal assigned to ``name`` in an example-app file."""
    text = (EXAMPLE_APP / relative).read_text(encoding="utf-8")
    match = re.search(rf'^{re.escape(name)}\s*=\s*"([^"]*)"', text, re.MULTILINE)
    assert match is not None, f"{relative} assigns no {name}"
    return match.group(1)


def example_password_literals() -> tuple[str, ...]:
    """The hard-coded password/secret literals Bandit and Semgrep flag in the example app."""
    return (
        example_assignment("app/auth.py", "admin_password"),
        example_assignment("config/settings.py", "AWS_SECRET_ACCESS_KEY"),
        example_assignment("config/settings.py", "GITHUB_TOKEN"),
        example_assignment("config/settings.py", "SECRET_KEY"),
    )


def setting(name: str) -> str:
    """The value of ``NAME = "..."`` in the example's ``config/settings.py``."""
    text = (EXAMPLE_APP / "config" / "settings.py").read_text(encoding="utf-8")
    match = re.search(rf'^{name} = "([^"]+)"$', text, re.M)
    assert match, name
    return match.group(1)


AWS_ID = setting("AWS_ACCESS_KEY_ID")
AWS_SECRET = setting("AWS_SECRET_ACCESS_KEY")
GITHUB_PAT = setting("GITHUB_TOKEN")
KEY_LINE = (EXAMPLE_APP / "config" / "deploy_key.pem").read_text(encoding="utf-8").splitlines()[1]
"""The first line of the private key's body."""
