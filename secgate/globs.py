"""Path globs as people write them in ignore files and policies.

``*`` matches within one path segment, ``**`` matches any number of segments (``tests/**``,
``**/test_*.py``), ``?`` one character, ``[abc]`` a class. A pattern without a slash matches the
file name at any depth (``*.min.js``), as in ``.gitignore``; a trailing slash or ``/**``
matches everything below a directory.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """A regular expression matching repository-relative POSIX paths against ``pattern``."""
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
                body = text[i + 1:end].replace("\\", "\\\\")
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
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


def matches(path: str, pattern: str) -> bool:
    """True when the repository-relative ``path`` matches ``pattern``."""
    return compile_glob(pattern).match(path.lstrip("./") if path.startswith("./") else path) \
        is not None


def matches_any(path: str, patterns: list[str] | tuple[str, ...]) -> bool:
    return any(matches(path, p) for p in patterns)
