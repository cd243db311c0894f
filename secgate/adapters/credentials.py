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

from secgate.findings.secrets import mask

CREDENTIAL_CWES = frozenset({"CWE-259", "CWE-321", "CWE-798"})
"""Hard-coded password (259), hard-coded cryptographic key (321), hard-coded credentials (798)."""

_STRING_LITERAL = re.compile(r"""(?P<q>["'])(?P<body>(?:\\.|(?!(?P=q))[^\\\n])+)(?P=q)""")
"""A quoted literal on one line; an escape and any other character never both match one
character (no backtracking blow-up on a line of backslashes)."""
_CREDENTIAL_RULE = re.compile(
    r"hard[-_ ]?coded[-_ .]?(?:password|passwd|pwd|secret|credential|key|token|api[-_]?key)"
    r"|(?:password|passwd|secret|credential|api[-_]?key|private[-_]?key|token)[-_ .]?"
    r"(?:hard[-_ ]?coded|literal|in[-_]code)",
    re.IGNORECASE,
)


def is_credential_rule(rule_id: str, cwes: Iterable[str]) -> bool:
    """True for a rule about a hard-coded credential: by its CWE, or, for reports that carry no
    rule metadata (Semgrep 1.100's SARIF has no rules array), by its id."""
    return bool(CREDENTIAL_CWES.intersection(cwes)) or _CREDENTIAL_RULE.search(rule_id) is not None


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
