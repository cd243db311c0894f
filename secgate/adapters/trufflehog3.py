"""trufflehog3: the PyPI secret scanner (``pip install trufflehog3``), not TruffleHog v3 (Go).

Both JSON arrays it has written are read:

- 3.x (``--format json``): one item per match, ``rule`` an object (``id``, ``message``,
  ``severity``), ``path``, ``line`` (a string), ``secret`` (the raw value), ``context`` (line
  number -> line), and for history matches ``commit``, ``branch``, ``author``, ``date`` and
  ``message`` (the commit message). A history match's ``line`` counts lines of the commit's diff,
  not of the file, so it is kept as ``properties.diff_line`` and the finding has no line (it then
  joins the place the same secret is reported at in the file, see ``secgate.findings.dedupe``);
  an added line's first token keeps the diff's ``+``, which is dropped from the value. The
  entropy check reports the random part of a token; the value hashed is the whole token.
- 2.x (``-f json``): one item per file (and commit) and check, ``reason`` (the rule),
  ``stringsFound`` (the raw matching strings), ``commitHash``, ``commit`` (the commit message);
  ``--line-numbers`` prefixes each string with its line number and a space. secgate makes one
  finding per string (each string is its own secret).

The raw values never leave the process: each becomes a salted hash and a masked preview, and
every text is masked before it is kept (``secgate.adapters.secret_findings``).

Run mode: ``trufflehog3 --format json -o FILE .`` in the target (current files and, in a git
repository, its history). 3.x exits 2 when it finds something and 1 when it fails (a history
scan of a partial clone dies with exit 1 and an empty report); 2.x exits 1 when it finds
something, so an exit 1 is a failure only when the report is empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from secgate.adapters.interface import Adapter, Invocation, ParseResult, RunContext, Sample
from secgate.adapters.secret_findings import (
    SecretCollector,
    field_path,
    field_str,
    mask_around,
    short_commit,
    slug,
    token_around,
)
from secgate.errors import InputError
from secgate.files import fields
from secgate.files.reading import decode_json
from secgate.model import Category

NAME = "trufflehog3"
_NUMBERED = re.compile(r"^(\d{1,9}) (.*)$", re.DOTALL)
_DELIMITERS = frozenset(" \t\r\n\"'`=:,;()[]{}<>")
_SEVERITIES = {"LOW": "low", "MEDIUM": "medium", "HIGH": "high"}


def is_current_item(item: Mapping[str, Any]) -> bool:
    """A 3.x item: ``rule`` is an object and ``secret`` is there."""
    return isinstance(item.get("rule"), dict) and "secret" in item and "path" in item


def is_legacy_item(item: Mapping[str, Any]) -> bool:
    """A 2.x item: ``reason`` and ``stringsFound`` (truffleHog v2's names) in a JSON array."""
    return "reason" in item and "stringsFound" in item and "path" in item


def is_trufflehog3_report(doc: Any) -> bool:
    """True when ``doc`` is a non-empty trufflehog3 JSON array (either version)."""
    return (
        isinstance(doc, list)
        and bool(doc)
        and isinstance(doc[0], dict)
        and (is_current_item(doc[0]) or is_legacy_item(doc[0]))
    )


class TruffleHog3Adapter(Adapter):
    """trufflehog3 2.x/3.x JSON arrays; runs ``trufflehog3 --format json``."""

    name: ClassVar[str] = NAME
    categories: ClassVar[frozenset[Category]] = frozenset({Category.SECRET})
    executable: ClassVar[str | None] = "trufflehog3"
    distribution: ClassVar[str | None] = "trufflehog3"
    install_hint: ClassVar[str] = "pip install trufflehog3 (or run scripts/setup)"
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0, 1, 2})
    """0 clean; 3.x exits 2 and 2.x exits 1 when they find something (see ``output_problem``)."""
    config_files: ClassVar[tuple[str, ...]] = (".trufflehog3.yml", ".trufflehog3.yaml")
    limitations: ClassVar[str] = "never verifies a secret live: every finding is unverified"

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        return is_trufflehog3_report(sample.json)

    def parse(self, data: bytes) -> ParseResult:
        doc = decode_json(data)
        if doc is None:
            return ParseResult()
        if not isinstance(doc, list):
            raise InputError(
                "not a trufflehog3 report: expected a JSON array of findings, "
                f"found a JSON {type(doc).__name__}"
            )
        collector = SecretCollector(NAME)
        for index, item in enumerate(doc):
            where = f"[{index}]"
            if not isinstance(item, dict):
                raise fields.wrong(where, "an object", item)
            if is_current_item(item):
                _read_current(collector, item, where)
            elif is_legacy_item(item):
                _read_legacy(collector, item, where)
            else:
                raise fields.fail(
                    where,
                    "not a trufflehog3 finding (no 'rule' object and "
                    "'secret' as in 3.x, no 'reason' and 'stringsFound' as in 2.x)",
                )
        return ParseResult(findings=collector.sorted_findings(), secret_values=collector.values)

    # --- run ------------------------------------------------------------------------------
    def invocation(self, ctx: RunContext) -> Invocation:
        output = ctx.work_dir / "trufflehog3.json"
        argv = [ctx.executable, "--format", "json", "-o", str(output)]
        if ctx.config.get("history") is False:
            argv.append("--no-history")
        elif ctx.history_since:
            argv += ["--since", ctx.history_since]  # a pull request: only its own commits
        argv.append(".")
        return Invocation(argv=argv, output=output, cwd=ctx.target)

    def output_problem(self, exit_code: int | None, parsed: ParseResult) -> str | None:
        if exit_code == 1 and not parsed.findings:
            return (
                "exited with code 1 without reporting a finding (trufflehog3 3.x exits 1 "
                "when it fails, 2.x when it finds secrets)"
            )
        return None

    def parse_version(self, output: str) -> str | None:
        match = re.search(r"(\d+\.\d+\.\d+)", output)
        return match.group(1) if match else None


def _read_current(collector: SecretCollector, item: dict[str, Any], where: str) -> None:
    rule = fields.obj(item["rule"], fields.at(where, "rule"))
    rule_where = fields.at(where, "rule")
    rule_id = field_str(rule, "id", rule_where, required=True)
    title = field_str(rule, "message", rule_where) or rule_id
    path = field_path(item, "path", where, required=True)
    commit = field_str(item, "commit", where)
    line_text = (
        field_str(item, "line", where)
        if not isinstance(item.get("line"), int)
        else str(item["line"])
    )
    plain = fields.plain_digits(line_text, 10)
    line = int(line_text) if plain and 0 < int(line_text) <= fields.MAX_LINE else None
    value = field_str(item, "secret", where, required=True)
    context = item.get("context")
    context_lines = (
        {str(k): v for k, v in context.items() if isinstance(v, str)}
        if isinstance(context, dict)
        else {}
    )
    collector.remember(value, *context_lines.values())
    here = context_lines.get(line_text, "")
    if commit and value.startswith("+") and here.startswith(value):
        value = value[1:]  # the diff's mark of an added line, not part of the secret
    snippet = here[1:] if commit and here[:1] in "+-" else here
    value = whole_token(snippet, value)
    secret = collector.secret(value, kind=rule_id, verified=None)
    snippet = mask_around(snippet.strip(), value.strip(), collector) if snippet else ""
    message = f"Secret found ({title}): {secret.preview}"
    if commit:
        message += f" (commit {short_commit(commit)})"
    severity = _SEVERITIES.get(field_str(rule, "severity", rule_where).upper())
    collector.add(
        rule_id=rule_id,
        rule_name=title,
        secret=secret,
        path=path,
        message=message,
        start_line=None if commit else line,
        end_line=None if commit else line,
        snippet=snippet or None,
        tags=["history"] if commit else [],
        properties={
            "commit": commit,
            "branch": field_str(item, "branch", where),
            "author": field_str(item, "author", where),
            "date": field_str(item, "date", where),
            "diff_line": line if commit else None,
            "tool_severity": severity,
            "pattern": field_str(rule, "pattern", rule_where) or None,
        },
    )


def whole_token(line: str, value: str) -> str:
    """The whole token of ``line`` that ``value`` sits in, when it sits in exactly one: the
    entropy check reports the random part of a token (``Xy3k…`` of ``ghp_Xy3k…``), other tools
    the token, and the hash must be of the same text to merge. A value holding a blank, quote or
    ``=`` is kept as it is."""
    if not value or any(c in _DELIMITERS for c in value):
        return value
    spans = token_around(line, value)
    if len(spans) != 1:
        return value
    start, end = spans[0]
    return line[start:end]


def _read_legacy(collector: SecretCollector, item: dict[str, Any], where: str) -> None:
    reason = field_str(item, "reason", where, required=True)
    path = field_path(item, "path", where, required=True)
    found = item.get("stringsFound")
    if not isinstance(found, list) or not all(isinstance(s, str) for s in found):
        raise fields.fail(fields.at(where, "stringsFound"), "expected an array of strings")
    commit = field_str(item, "commitHash", where)
    collector.remember(*found)
    for string in dict.fromkeys(found):
        line: int | None = None
        numbered = _NUMBERED.match(string)
        text = string
        if numbered:  # --line-numbers: "14 GITHUB_TOKEN = ..."
            line, text = int(numbered.group(1)), numbered.group(2)
            collector.remember(text)
        value = text[1:] if commit and text[:1] in "+-" else text
        secret = collector.secret(value, kind=reason, verified=None)
        message = f"Secret found ({reason}): {secret.preview}"
        if commit:
            message += f" (commit {short_commit(commit)})"
        collector.add(
            rule_id=slug(reason),
            rule_name=reason,
            secret=secret,
            rule_id_from_name=True,
            path=path,
            message=message,
            start_line=None if commit else line,
            end_line=None if commit else line,
            tags=["history"] if commit else [],
            properties={
                "commit": commit,
                "branch": field_str(item, "branch", where),
                "date": field_str(item, "date", where) if commit else None,
            },
        )
