"""The example app's made-up credentials, read from its files (so that no test file holds one
and secgate's own secret scan of this repository stays clean)."""

from __future__ import annotations

import re

from conftest import EXAMPLE_APP


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
