"""detect-secrets (Yelp): secrets in the files of a repository.

Two JSON documents are read:

- the **baseline** that ``detect-secrets scan`` prints (``version``, ``plugins_used``,
  ``results``: file -> list of ``{type, filename, hashed_secret, is_verified, line_number}``, and
  after ``detect-secrets audit`` an ``is_secret`` label). A baseline never holds a raw value, only
  its unsalted SHA-1: secgate keeps a salted hash of that digest (so one secret found by two
  plugins on one line merges, and the SHA-1 itself is never written) and the preview
  ``[hashed by the tool]``. Such a secret cannot merge with another tool's report of it.
- the **audit report** of ``detect-secrets audit --report`` (``{"results": [{category,
  filename, lines, secrets, types}]}``), which holds the raw value in ``secrets`` and its line in
  ``lines``: the value becomes a salted hash and a masked preview, like other secret scanners'.

A secret labelled a false positive (``is_secret: false``, category ``VERIFIED_FALSE``) is a
finding with an external suppression: the policy decides whether the label is honoured.

Run mode: ``detect-secrets scan`` in the target. Outside a git repository it runs with
``--all-files`` (without it, detect-secrets lists files with ``git ls-files`` and, outside a
repository, examines nothing yet exits 0 with an empty baseline), leaving out version-control,
dependency and virtual-environment directories.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from secgate.adapters.interface import Adapter, Invocation, ParseResult, RunContext, Sample
from secgate.adapters.secret_findings import (
    SecretCollector,
    field_path,
    field_str,
    is_git_top,
    mask_around,
    slug,
)
from secgate.errors import InputError
from secgate.files import fields
from secgate.files.project import environment_dirs
from secgate.files.reading import decode_json
from secgate.findings.secrets import secret_hash
from secgate.model import Category, Secret, Suppression, SuppressionKind

NAME = "detect-secrets"
HASHED_PREVIEW = "[hashed by the tool]"
"""The preview of a secret a baseline gives only as a SHA-1 digest."""
_FALSE_POSITIVE = Suppression(
    kind=SuppressionKind.EXTERNAL,
    justification="labelled a false positive with detect-secrets audit",
)
_SKIPPED_DIRS = (".git", "node_modules", ".venv", "venv", "__pycache__", ".tox")


def is_baseline(doc: Any) -> bool:
    """A detect-secrets baseline: ``results`` maps files to lists, beside ``plugins_used``."""
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("results"), dict)
        and "plugins_used" in doc
        and "filters_used" in doc
    )


def is_audit_report(doc: Any) -> bool:
    """``detect-secrets audit --report``: ``{"results": [{category, filename, types...}]}``."""
    if not isinstance(doc, dict) or set(doc) != {"results"} or not isinstance(doc["results"], list):
        return False
    first = doc["results"][0] if doc["results"] else None
    return isinstance(first, dict) and {"category", "filename", "types"} <= set(first)


class DetectSecretsAdapter(Adapter):
    """detect-secrets baselines and audit reports; runs ``detect-secrets scan``."""

    name: ClassVar[str] = NAME
    categories: ClassVar[frozenset[Category]] = frozenset({Category.SECRET})
    executable: ClassVar[str | None] = "detect-secrets"
    distribution: ClassVar[str | None] = "detect-secrets"
    install_hint: ClassVar[str] = "pip install detect-secrets (or run scripts/setup)"
    limitations: ClassVar[str] = (
        "scans the current files only, not the git history; a "
        "baseline keeps only SHA-1 digests, so its secrets merge with "
        "no other tool's"
    )

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        return is_baseline(sample.json) or is_audit_report(sample.json)

    def parse(self, data: bytes) -> ParseResult:
        doc = decode_json(data)
        collector = SecretCollector(NAME)
        if is_baseline(doc):
            version = fields.scalar_text(doc, "version", "")
            for path_key, entries in doc["results"].items():
                where = fields.at("results", str(path_key))
                for index, entry in enumerate(fields.array(entries, where)):
                    _read_baseline_entry(
                        collector, fields.obj(entry, f"{where}[{index}]"), f"{where}[{index}]"
                    )
            return ParseResult(
                findings=collector.sorted_findings(),
                tool_version=version,
                secret_values=collector.values,
            )
        if isinstance(doc, dict) and isinstance(doc.get("results"), list):
            for index, entry in enumerate(doc["results"]):
                where = f"results[{index}]"
                _read_report_entry(collector, fields.obj(entry, where), where)
            return ParseResult(findings=collector.sorted_findings(), secret_values=collector.values)
        raise InputError(
            "not a detect-secrets baseline (no 'results' map beside "
            "'plugins_used') or audit report ('results' list)"
        )

    # --- run ------------------------------------------------------------------------------
    def invocation(self, ctx: RunContext) -> Invocation:
        argv = [ctx.executable, "scan"]
        if not is_git_top(ctx.target):
            skipped = [*_SKIPPED_DIRS, *environment_dirs(ctx.target)]
            pattern = "(^|/)(" + "|".join(re.escape(d) for d in sorted(set(skipped))) + ")(/|$)"
            argv += ["--all-files", "--exclude-files", pattern]
        return Invocation(argv=argv, cwd=ctx.target)


def _read_baseline_entry(collector: SecretCollector, entry: dict[str, Any], where: str) -> None:
    kind = field_str(entry, "type", where, required=True)
    path = field_path(entry, "filename", where, required=True)
    digest = field_str(entry, "hashed_secret", where, required=True)
    line = fields.line(entry, "line_number", where)
    verified = entry.get("is_verified") is True
    secret = Secret(
        hash=secret_hash(f"detect-secrets-sha1\x1f{digest.lower()}"),
        preview=HASHED_PREVIEW,
        kind=slug(kind),
        verified=True if verified else None,
    )
    label = entry.get("is_secret")
    collector.add(
        rule_id=slug(kind),
        rule_name=kind,
        secret=secret,
        path=path,
        message=f"Secret found ({kind}) in {path}" + (f" line {line}" if line else ""),
        start_line=line,
        end_line=line,
        properties={"is_secret": label if isinstance(label, bool) else None},
    )
    if label is False:
        collector.findings[-1].suppression = _FALSE_POSITIVE


def _read_report_entry(collector: SecretCollector, entry: dict[str, Any], where: str) -> None:
    path = field_path(entry, "filename", where, required=True)
    types = [
        t for t in fields.array(entry.get("types"), fields.at(where, "types")) if isinstance(t, str)
    ]
    if not types:
        raise fields.fail(fields.at(where, "types"), "missing")
    value = field_str(entry, "secrets", where, required=True)
    lines = entry.get("lines")
    numbered = (
        {
            int(k): v
            for k, v in lines.items()
            if fields.plain_digits(str(k), 10) and isinstance(v, str)
        }
        if isinstance(lines, dict)
        else {}
    )
    collector.remember(value, *numbered.values())
    category = field_str(entry, "category", where).upper()
    # VERIFIED_TRUE is a person's label (audit), not a live verification
    secret = collector.secret(value, kind=slug(types[0]), verified=None)
    first = min(numbered) if numbered else None
    snippet = mask_around(numbered[first].strip(), value, collector) if first else None
    collector.add(
        rule_id=slug(types[0]),
        rule_name=types[0],
        secret=secret,
        path=path,
        message=f"Secret found ({', '.join(types)}): {secret.preview}",
        start_line=first,
        end_line=max(numbered) if numbered else None,
        snippet=snippet,
        tags=[slug(t) for t in types[1:]],
        properties={"category": category or None, "types": types if len(types) > 1 else None},
    )
    if category == "VERIFIED_FALSE":
        collector.findings[-1].suppression = _FALSE_POSITIVE
