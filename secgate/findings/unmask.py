"""Recognising a secret that a tool masked before writing its report (Trivy replaces the value
with ``*`` of the same length), so that it can merge with other tools' reports of it.

The masked match is aligned with the scanned file's own line: the characters under the ``*``
run are the secret. secgate hashes them at once (``secgate.findings.secrets.make_secret``) and keeps
nothing else of them; the tool's masked text stays as it was. A match that does not align with
exactly one place on the reported lines, or that masks several separate parts, is left as the
tool wrote it. A match of nothing but ``*`` (Trivy's private keys, reported at the lines between
the BEGIN and END markers) is the key block when those lines are framed by its markers.
"""

from __future__ import annotations

import re
from collections.abc import Container

from secgate.findings.secrets import make_secret
from secgate.findings.source_tree import SourceTree
from secgate.model import Finding

MASKED_FLAG = "masked_by_tool"
"""``Finding.properties`` key an adapter sets on a secret whose value the tool masked."""
_STAR_RUN = re.compile(r"\*{4,}")
_MAX_LINES = 5
_MAX_PEM_LINES = 200
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")


def _pattern(match: str) -> re.Pattern[str] | None:
    runs = list(_STAR_RUN.finditer(match))
    if len(runs) != 1:
        return None
    run = runs[0]
    before, after = match[: run.start()], match[run.end() :]
    if not before.strip() and not after.strip():
        return None  # nothing around the value to anchor it
    return re.compile(re.escape(before) + f"(.{{{run.end() - run.start()}}})" + re.escape(after))


def pem_block(finding: Finding, tree: SourceTree) -> str | None:
    """The private key block whose body a masked match covers (Trivy reports a key at the
    lines between its BEGIN and END markers, with nothing but ``*`` to align): the whole block,
    markers included, as other tools report the key; None when the lines around are not one."""
    loc = finding.location
    if loc is None or not loc.start_line:
        return None
    end = loc.end_line or loc.start_line
    if end - loc.start_line > _MAX_PEM_LINES:
        return None
    begin_line = tree.line(loc.path, loc.start_line - 1)
    end_line = tree.line(loc.path, end + 1)
    if (
        begin_line is None
        or end_line is None
        or not _PEM_BEGIN.fullmatch(begin_line.strip())
        or not _PEM_END.fullmatch(end_line.strip())
    ):
        return None
    body = [tree.line(loc.path, n) for n in range(loc.start_line, end + 1)]
    if any(line is None for line in body):
        return None
    return "\n".join([begin_line.strip(), *(str(line).strip() for line in body), end_line.strip()])


def raw_value(finding: Finding, tree: SourceTree) -> str | None:
    """The value under a masked match, read from the scanned file; None when it does not align."""
    loc = finding.location
    if loc is None or not loc.start_line or not loc.snippet:
        return None
    if not loc.snippet.strip().strip("*"):  # only stars: a private key's body
        return pem_block(finding, tree)
    pattern = _pattern(loc.snippet.strip())
    if pattern is None:
        return None
    end = min(loc.end_line or loc.start_line, loc.start_line + _MAX_LINES - 1)
    values: set[str] = set()
    for number in range(loc.start_line, end + 1):
        line = tree.line(loc.path, number)
        if line is None:
            continue
        values.update(m.group(1) for m in pattern.finditer(line))
    if len(values) != 1:
        return None
    value = values.pop()
    return None if "*" in value else value


def unmask(
    findings: list[Finding], tree: SourceTree, unmasked: Container[int] = frozenset()
) -> set[str]:
    """Give masked secrets the hash (and preview) of their real value, in place. Returns the
    values recovered: the run's scrubber must learn them (another tool may quote the same line
    unmasked).

    ``unmasked``: the ``id`` of findings whose secret was unmasked already, as a result cache's
    findings were before they were stored (their files are unchanged, or the entry would not
    have been reused): their values are read back for the scrubber, and not hashed again (a
    salted hash is ~2 ms: re-hashing was a quarter of a warm re-scan's own work)."""
    recovered: set[str] = set()
    for finding in findings:
        if finding.secret is None or not finding.properties.get(MASKED_FLAG):
            continue
        value = raw_value(finding, tree)
        if value is None:
            continue
        recovered.add(value)
        if id(finding) in unmasked:
            continue
        known = finding.secret
        finding.secret = make_secret(value, kind=known.kind, verified=known.verified)
    return recovered


def masked_texts(findings: list[Finding]) -> list[str]:
    """The texts of the findings whose secret a tool masked (where a partial value may show
    beside the mask)."""
    texts = []
    for finding in findings:
        if finding.secret is not None and finding.properties.get(MASKED_FLAG):
            texts.append(finding.message)
            if finding.location is not None and finding.location.snippet:
                texts.append(finding.location.snippet)
    return texts
