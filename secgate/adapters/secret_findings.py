"""What the secret-scanner adapters (Gitleaks, TruffleHog) share: turning a raw secret met in a
report into a ``Finding`` that keeps only a salted hash and a masked preview.

Severity: a secret is ``high`` by default and ``critical`` when the tool verified it live (see
docs/severity.md). Every finding carries CWE-798 (use of hard-coded credentials).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secgate.files import fields
from secgate.findings.secrets import Redactor, make_secret, mask, secret_hash
from secgate.model import Category, Finding, Location, Secret, Severity

SECRET_CWE = "CWE-798"  # noqa: S105 - a CWE id, not a credential
REDACTED_PREVIEW = "[redacted by the tool]"
"""The preview of a secret whose report held no value (the tool ran with ``--redact``)."""


def is_git_top(target: Path) -> bool:
    """True when ``target`` is the top directory of a git work tree (``.git`` dir or file)."""
    return (target / ".git").exists()


def redacted_secret(tool: str, *parts: str | int | None, kind: str | None) -> Secret:
    """A ``Secret`` for a finding whose value the tool redacted: no value to hash, so the hash
    is of where it was (tool, rule, file, line, commit). It is stable across runs of a redacted
    report, but differs from the hash of the same secret reported with its value."""
    where = "\x1f".join(str(p) if p is not None else "" for p in parts)
    return Secret(
        hash=secret_hash(f"redacted\x1f{tool}\x1f{where}"), preview=REDACTED_PREVIEW, kind=kind
    )


@dataclass
class SecretCollector:
    """Builds secret findings and remembers every raw value met, for ``secret_values``."""

    tool: str
    values: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    _slugged: set[int] = field(default_factory=set, repr=False)

    def remember(self, *values: str | None) -> None:
        """Register raw values to scrub from every output (stripped; empties ignored)."""
        for value in values:
            if value and value.strip():
                self.values.add(value.strip())

    def secret(self, value: str, *, kind: str | None, verified: bool | None = None) -> Secret:
        """The kept form of a raw value (hashed stripped, so tools that keep a trailing newline
        hash the same as those that do not); the value is remembered for scrubbing."""
        self.remember(value)
        return make_secret(value.strip(), kind=kind, verified=verified)

    def add(
        self,
        *,
        rule_id: str,
        secret: Secret,
        path: str | None,
        message: str,
        rule_name: str | None = None,
        rule_description: str | None = None,
        start_line: int | None = None,
        end_line: int | None = None,
        start_column: int | None = None,
        end_column: int | None = None,
        snippet: str | None = None,
        help_uri: str | None = None,
        tags: Iterable[str] = (),
        properties: Mapping[str, Any] | None = None,
        rule_id_from_name: bool = False,
    ) -> Finding:
        """Make one finding. Its texts still hold raw values: ``sorted_findings`` masks them.
        ``rule_id_from_name``: the rule id is the slug of the rule name, made once the name is
        masked (a slug of a raw value would be the value in lower case, which no scrubber
        knows)."""
        severity = Severity.CRITICAL if secret.verified else Severity.HIGH
        location = None
        if path:
            location = Location(
                path=path,
                start_line=start_line,
                end_line=end_line,
                start_column=start_column,
                end_column=end_column,
                snippet=snippet or None,
            )
        finding = Finding(
            tool=self.tool,
            rule_id=rule_id,
            rule_name=rule_name,
            rule_description=rule_description,
            help_uri=help_uri,
            category=Category.SECRET,
            severity=severity,
            score=severity.default_score,
            level=severity.sarif_level,
            message=message,
            location=location,
            cwes=[SECRET_CWE],
            secret=secret,
            tags=sorted({t for t in tags if t}),
            properties={k: v for k, v in (properties or {}).items() if v not in (None, "", [], {})},
        )
        if rule_id_from_name:
            self._slugged.add(id(finding))
        self.findings.append(finding)
        return finding

    def sorted_findings(self) -> list[Finding]:
        """The findings with every value met in the report masked in their texts (message,
        snippet, extra properties), in a stable order (tools report them in an order that
        varies by run). Masking once at the end, with one pattern of all the values, costs
        a pass per text instead of a search per text and value."""
        masker = Redactor(self.values, every_length=True)
        for finding in self.findings:
            if id(finding) in self._slugged and finding.rule_name:
                old, finding.rule_id = finding.rule_id, slug(masker.text(finding.rule_name))
                if finding.secret is not None and finding.secret.kind == old:
                    finding.secret = finding.secret.model_copy(update={"kind": finding.rule_id})
            message = masker.text(finding.message)
            if message is not finding.message:
                finding.message = message
            location = finding.location
            if location is not None and location.snippet:
                snippet = masker.text(location.snippet)
                if snippet is not location.snippet:
                    location.snippet = snippet
            properties = masker.value(finding.properties)
            if properties is not finding.properties:
                finding.properties = properties

        def key(f: Finding) -> tuple[Any, ...]:
            loc = f.location
            return (
                loc.path if loc else "",
                (loc.start_line or 0) if loc else 0,
                (loc.start_column or 0) if loc else 0,
                f.rule_id,
                str(f.properties.get("commit", "")),
                f.secret.hash if f.secret else "",
            )

        return sorted(self.findings, key=key)


_DELIMITERS = frozenset(" \t\r\n\"'`=:,;()[]{}<>")


def token_around(text: str, value: str) -> list[tuple[int, int]]:
    """Where ``value`` occurs in ``text``, each place widened to the whole token it sits in
    (no blank, quote or delimiter in between): a tool's match may run on past the secret or
    start inside the token, and the rest of that token is as secret as the value."""
    spans: list[tuple[int, int]] = []
    if not value:
        return spans
    position = 0
    while (found := text.find(value, position)) >= 0:
        start, end = found, found + len(value)
        while start > position and text[start - 1] not in _DELIMITERS:
            start -= 1
        while end < len(text) and text[end] not in _DELIMITERS:
            end += 1
        spans.append((start, end))
        position = end
    return spans


def mask_around(text: str, value: str, collector: SecretCollector | None = None) -> str:
    """``text`` with each token holding ``value`` replaced by the value's masked preview; a
    token longer than the value is remembered by ``collector`` as a secret value too."""
    value = value.strip()
    spans = token_around(text, value)
    if not spans:
        return text
    preview = mask(value)
    parts, last = [], 0
    for start, end in spans:
        if collector is not None and end - start > len(value):
            collector.remember(text[start:end])
        parts += [text[last:start], preview]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def short_commit(commit: str) -> str:
    """A commit id as messages show it: the first 12 hex digits of a git id; any other text
    whole (cutting it could cut a secret written there in two, and the scrubber masks only
    whole values)."""
    return commit[:12] if _COMMIT_ID.fullmatch(commit) else commit


_COMMIT_ID = re.compile(r"[0-9a-fA-F]{7,64}")


def slug(text: str) -> str:
    """A rule id from a human rule name: ``AWS API Key`` -> ``aws-api-key``."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())) or "secret"


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes (truffleHog v2 puts them in its output)."""
    return _ANSI_RE.sub("", text)


_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


# --- reading untrusted JSON fields with errors a user can act on ---------------------------
def field_str(item: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    """A string field (missing or null reads as ""); anything else is an ``InputError`` with
    the field's pointer."""
    value = item.get(key)
    if value is None:
        if required:
            raise fields.fail(fields.at(where, key), "missing")
        return ""
    if not isinstance(value, str):
        raise fields.wrong(fields.at(where, key), "a string", value)
    return value


def field_int(item: Mapping[str, Any], key: str, where: str) -> int | None:
    """A positive line/column number, or None when absent, zero or negative (tools write -1
    for "unknown")."""
    value = item.get(key)
    if type(value) is int and value < 0:
        return None
    return fields.line(item, key, where)


def field_path(item: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    """A file path field (see ``secgate.files.fields.path_text``); "" when missing."""
    value = field_str(item, key, where, required=required)
    return fields.path_text(value, fields.at(where, key)) if value else value
