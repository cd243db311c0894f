"""Credentials that code scanners quote back: hard-coded password literals in Bandit messages
and in the source lines Bandit and Semgrep echo.

A SAST rule about a hard-coded credential carries the credential itself in its message or
snippet. These helpers find such literals, so that an adapter can register them as secret values
(``ParseResult.secret_values``), attach a ``Secret`` to the finding and mask the text at parse
time, before the pipeline's ``Redactor`` scrubs everything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from secgate.secrets import mask

CREDENTIAL_CWES = frozenset({"CWE-259", "CWE-321", "CWE-798"})
"""Hard-coded password (259), hard-coded cryptographic key (321), hard-coded credentials (798)."""

_STRING_LITERAL = re.compile(r"""(?P<q>["'])(?P<body>(?:\\.|(?!(?P=q)).)+)(?P=q)""")


def string_literals(code: str) -> list[str]:
    """The non-blank bodies of the quoted string literals on the lines of ``code``, in order."""
    found: list[str] = []
    for match in _STRING_LITERAL.finditer(code):
        body = match.group("body")
        if body.strip() and body not in found:
            found.append(body)
    return found


def mask_values(text: str | None, values: Iterable[str]) -> str | None:
    """``text`` with every occurrence of each value replaced by its masked preview."""
    if not text:
        return text
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        text = text.replace(value, mask(value))
    return text
