"""What ``--input`` does when content alone does not settle which reader applies.

- An empty report (``[]``, ``null``) could be any array-writing tool's (Gitleaks, trufflehog3,
  Trivy's legacy list...): it is taken as the tool whose name the file's name holds
  (``gitleaks-report.json``), else refused with a message that says how to name the tool.
- A SARIF 2.1.0 log that a tool-specific reader refuses (a Gitleaks 7.x SARIF, a Trivy SARIF
  of a template secgate does not know) is read by the generic SARIF reader instead (a secret
  scanner's snippets are taken for its secrets: hashed, masked, scrubbed from every output).
- A file forced as one tool's output that another tool wrote says whose it is (a trufflehog3
  JSON array given as ``trufflehog=``).
"""

from __future__ import annotations

import re
from pathlib import Path

from secgate.adapters import registry
from secgate.adapters.interface import Adapter, ParseResult, Sample
from secgate.errors import InputError
from secgate.findings.secrets import make_secret
from secgate.model import Category
from secgate.sarif.reader import is_sarif


def is_empty_report(sample: Sample) -> bool:
    """True for a JSON ``[]`` or ``null``: no findings, and no sign of the tool."""
    doc = sample.json
    return doc is None or (isinstance(doc, list) and not doc)


def by_file_name(sample: Sample, path: Path) -> Adapter | None:
    """For an empty report only: the adapter whose name the file's name holds (the longest
    match, so ``trufflehog3`` wins over ``trufflehog``), when exactly one does."""
    if not is_empty_report(sample):
        return None
    words = path.name.lower()
    named = [
        name
        for name in registry.ADAPTERS
        if name != registry.GENERIC
        and re.search(rf"(^|[^a-z0-9]){re.escape(name)}($|[^a-z0-9])", words)
    ]
    longest = [n for n in named if not any(o != n and n in o for o in named)]
    if len(longest) != 1:
        return None
    adapter = registry.get(longest[0])
    try:
        adapter.parse(sample.data)
    except InputError:
        return None
    return adapter


def fallback(sample: Sample, refused_by: str) -> tuple[Adapter, ParseResult] | None:
    """The generic SARIF reading of a SARIF log that ``refused_by``'s reader refused; None when
    the file is not SARIF (or the generic reader refuses it too)."""
    if refused_by == registry.GENERIC or not is_sarif(sample.json):
        return None
    generic = registry.get(registry.GENERIC)
    try:
        parsed = generic.parse(sample.data)
    except InputError:
        return None
    if registry.ADAPTERS[refused_by].categories == {Category.SECRET}:
        _as_secrets(parsed)
    return generic, parsed


def _as_secrets(parsed: ParseResult) -> None:
    """A secret scanner's SARIF read generically: its snippets are the secrets (Gitleaks puts
    the match there). Each becomes a salted hash and a masked preview, and is kept in memory to
    scrub every output; the snippet itself is dropped."""
    for finding in parsed.findings:
        snippet = finding.location.snippet if finding.location else None
        finding.category = Category.SECRET
        if finding.location is not None and snippet and snippet.strip():
            parsed.secret_values.add(snippet.strip())
            finding.secret = make_secret(snippet.strip(), kind=finding.rule_id)
            finding.location.snippet = None


def other_tool(sample: Sample, forced: str) -> str | None:
    """The name of another adapter that recognises the file ``forced``'s reader refused."""
    found = registry.detect(sample)
    if found is None or found.name in (forced, registry.GENERIC):
        return None
    return found.name
