"""Path globs as people write them in ignore files and policies.

``*`` matches within one path segment, ``**`` matches any number of segments (``tests/**``,
``**/test_*.py``), ``?`` one character, ``[abc]`` a class. A pattern without a slash matches the
file name at any depth (``*.min.js``), as in ``.gitignore``; a trailing slash or ``/**``
matches everything below a directory.

Patterns come from policies, ``--exclude`` and ``.secgateignore``: untrusted text. Each is
translated to a regular expression and compiled with RE2, whose matching time is linear in the
length of the path whatever the pattern (Python's own engine backtracks, and a pattern with many
``**`` took minutes on a long path). A pattern that cannot be compiled (``[z-a]``) or is longer
than ``MAX_PATTERN`` characters is refused with ``GlobError``: ``problem`` tells why, so that a
policy is refused when it is validated, not when it is first used.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN = 1024
"""Longest glob accepted, in characters."""


class GlobError(ValueError):
    """A glob that cannot be used; the message says why."""


def problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used as a path glob, or None when it can."""
    try:
        compile_glob(pattern)
    except GlobError as exc:
        return str(exc)
    return None


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> Any:
    """A compiled RE2 expression matching repository-relative POSIX paths against
    ``pattern``; ``GlobError`` when the pattern cannot be used."""
    if len(pattern) > MAX_PATTERN:
        raise GlobError(f"a glob of {len(pattern):,} characters (at most {MAX_PATTERN:,})")
    try:
        pattern.encode("utf-8")
    except UnicodeEncodeError:
        raise GlobError("a glob holding a lone UTF-16 surrogate") from None
    try:
        return re2.compile(_translate(pattern), _options())
    except re2.error as exc:
        raise GlobError(f"not a usable glob ({_reason(exc)})") from None


@lru_cache(maxsize=1)
def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # the reason is in the error, not printed on standard error
    options.never_capture = True
    return options


def _reason(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else ""
    text = (
        detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    ).strip() or "invalid"
    return text.splitlines()[0][:120]


def _translate(pattern: str) -> str:
    """The regular expression of ``pattern`` (RE2 syntax)."""
    text = pattern.strip()
    anchored = "/" in text.rstrip("/")
    text = text.lstrip("/")
    if text.endswith("/"):
        text += "**"
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if text.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = text.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
                i += 1
            else:
                body = text[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # a pattern naming a directory also matches everything below it
    return f"^{prefix}{body}(?:/.*)?$"


@lru_cache(maxsize=65536)
def matches(path: str, pattern: str) -> bool:
    """True when the repository-relative ``path`` matches ``pattern`` (remembered: findings
    share their files); False for a pattern that cannot be used."""
    try:
        compiled = compile_glob(pattern)
        return compiled.match(path.lstrip("./") if path.startswith("./") else path) is not None
    except (GlobError, UnicodeEncodeError):
        return False


def matches_any(path: str, patterns: list[str] | tuple[str, ...]) -> bool:
    return any(matches(path, p) for p in patterns)
