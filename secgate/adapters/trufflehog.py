"""TruffleHog: secrets in git history, v3 (Go) and v2 (the Python ``truffleHog``).

Both write JSON lines to standard output.

- v3: ``SourceMetadata.Data.<Git|Github|Filesystem|...>`` holds where (``file``, ``line``,
  ``commit``...); ``DetectorName`` is the rule; ``Raw`` (and ``RawV2``, the raw value joined with
  its companion, e.g. an AWS key id with its secret key) hold the secret; ``Verified: true``
  means TruffleHog confirmed it live: such a finding is critical instead of high.
- v2: ``reason`` (the rule), ``path``, ``commitHash``, ``stringsFound`` (the secrets) and the
  commit's ``diff``. v2 gives no line numbers: the line is found by searching the secret in the
  diff's hunks. The diff itself is never kept (it holds every other line of the change, secrets
  the tool did not flag included); only the flagged line, masked, becomes the snippet. v2 reports
  a file once per commit that touches it; identical reports of one secret at one place are
  merged, keeping every commit in ``properties.commits``.

Run mode depends on the installed major version (read from ``trufflehog --version``, which only
v3 answers): v3 runs ``trufflehog git file://TARGET --json --no-update`` on a repository and
``trufflehog filesystem TARGET ...`` elsewhere; v2 runs ``trufflehog --json --regex
--entropy=False --cleanup file://TARGET`` and is skipped when TARGET is not a git repository.
In pull-request mode a history scan reads the pull request's commits only
(``RunContext.history_since``): v3 with ``--since-commit SINCE --branch HEAD``, v2 with
``--since_commit SINCE``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from secgate.adapters.interface import Adapter, Invocation, ParseResult, RunContext, Sample
from secgate.adapters.secret_findings import (
    SecretCollector,
    field_int,
    field_path,
    field_str,
    is_git_top,
    redacted_secret,
    short_commit,
    slug,
    strip_ansi,
)
from secgate.files import fields
from secgate.files.reading import decode_json_lines
from secgate.model import Category, Finding, Secret, Source

NAME = "trufflehog"
_V3_VERSION = re.compile(r"trufflehog\s+v?(3\.\d+\.\d+\S*)", re.IGNORECASE)
_V2_USAGE = re.compile(r"--entropy\s+DO_ENTROPY|git_url")
_HUNK = re.compile(r"^@@ -(\d{1,10})(?:,\d+)? \+(\d{1,10})(?:,\d+)? @@")
_PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----")


class TruffleHogAdapter(Adapter):
    """TruffleHog v3 and truffleHog v2: runs either, reads both output formats."""

    name: ClassVar[str] = NAME
    categories: ClassVar[frozenset[Category]] = frozenset({Category.SECRET})
    executable: ClassVar[str | None] = "trufflehog"
    distribution: ClassVar[str | None] = "truffleHog"  # v2 is a Python package; v3 a binary
    install_hint: ClassVar[str] = (
        "install TruffleHog v3 (https://github.com/trufflesecurity/"
        "trufflehog/releases) or `pip install trufflehog` (v2)"
    )
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0, 1})
    """v2 exits 1 when it finds something (and when it crashes: see ``output_problem``)."""
    limitations: ClassVar[str] = (
        "v2 scans git history only; v3 verifies secrets live, which needs the network"
    )

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        rows = sample.json_lines
        return bool(rows) and isinstance(rows[0], dict) and (_is_v3(rows[0]) or _is_v2(rows[0]))

    def parse(self, data: bytes) -> ParseResult:
        rows = decode_json_lines(data)
        collector = SecretCollector(NAME)
        v2_rows: list[tuple[int, dict[str, Any]]] = []
        for number, row in enumerate(rows, start=1):
            where = f"line {number}:"
            if not isinstance(row, dict):
                raise fields.wrong(f"line {number}", "an object", row)
            if _is_v3(row):
                _read_v3(collector, row, where)
            elif _is_v2(row):
                v2_rows.append((number, row))
            else:
                raise fields.fail(
                    f"line {number}",
                    "not a TruffleHog finding (no "
                    "'DetectorName' as in v3, no 'stringsFound' as in v2)",
                )
        _read_v2(collector, v2_rows)
        return ParseResult(
            findings=_count_folded(collector.sorted_findings()), secret_values=collector.values
        )

    # --- run ------------------------------------------------------------------------------
    def parse_version(self, output: str) -> str | None:
        """v3 prints ``trufflehog 3.x.y``; v2 has no version option and prints its usage."""
        match = _V3_VERSION.search(output)
        if match:
            return match.group(1)
        return "2" if _V2_USAGE.search(output) else None

    def skip_reason(self, target: Path) -> str | None:
        if is_git_top(target):
            return None
        executable = self.find_executable()
        if executable and major_version(executable) >= 3:
            return None
        return (
            "not a git repository: truffleHog v2 scans git history only "
            "(TruffleHog v3 would scan the files)"
        )

    def invocation(self, ctx: RunContext) -> Invocation:
        if major_version(ctx.executable) >= 3:
            history = is_git_top(ctx.target)
            source = ["git", ctx.target.as_uri()] if history else ["filesystem", str(ctx.target)]
            argv = [ctx.executable, *source, "--json", "--no-update"]
            if history and ctx.history_since:
                argv += [f"--since-commit={ctx.history_since}", "--branch=HEAD"]
            if ctx.config.get("verify") is False:
                argv.append("--no-verification")
            return Invocation(argv=argv, cwd=ctx.target)
        # v2 clones into the temporary directory and writes every finding (diff included) to
        # files there unless --cleanup: TMPDIR keeps all of it inside secgate's private work dir
        argv = [ctx.executable, "--json", "--regex", "--entropy=False", "--cleanup"]
        if ctx.history_since:
            argv += ["--since_commit", ctx.history_since]
        argv.append(ctx.target.as_uri())
        return Invocation(argv=argv, cwd=ctx.work_dir, env={"TMPDIR": str(ctx.work_dir)})

    def output_problem(self, exit_code: int | None, parsed: ParseResult) -> str | None:
        if exit_code == 1 and not parsed.findings:
            return (
                "exited with code 1 without reporting a finding (TruffleHog exits 1 "
                "when it finds secrets and when it fails)"
            )
        return None


def major_version(executable: str) -> int:
    """3 when the installed TruffleHog is 3.x, else 2. v3 is a binary that answers
    ``--version``; v2 is a Python package whose metadata gives its version (or, lacking that,
    its usage text says "2"). Read once per program file, and remembered across runs by the
    result cache (``secgate.scanning.tool_versions.read_version``): a warm re-scan starts no
    TruffleHog."""
    from secgate.scanning.tool_versions import read_version  # it imports the adapters' interface

    version = read_version(TruffleHogAdapter(), executable)
    major = (version or "2").split(".")[0]
    return 3 if fields.plain_digits(major, 9) and int(major) >= 3 else 2


def _is_v3(row: Mapping[str, Any]) -> bool:
    return "DetectorName" in row or "SourceMetadata" in row


def _is_v2(row: Mapping[str, Any]) -> bool:
    return "stringsFound" in row and "reason" in row


def _count_folded(findings: list[Finding]) -> list[Finding]:
    """v2 reports one secret once per commit that touches its file; the reports folded into
    one finding are counted in its ``sources``, as dedupe counts the reports it merges."""
    for finding in findings:
        folded = finding.properties.pop("folded_reports", None)
        if isinstance(folded, int) and folded > 1:
            finding.sources = [Source(tool=NAME, rule_id=finding.rule_id, reports=folded)]
    return findings


# --- v3 ----------------------------------------------------------------------------------
def _read_v3(collector: SecretCollector, row: dict[str, Any], where: str) -> None:
    detector_type = row.get("DetectorType")
    detector = (
        field_str(row, "DetectorName", where)
        or f"detector-{detector_type if type(detector_type) in (int, str) else 'unknown'}"
    )
    meta, meta_where = _source_metadata(row, where)
    path = field_path(meta, "file", meta_where)
    line = field_int(meta, "line", meta_where)
    commit = field_str(meta, "commit", meta_where)
    raw, raw_v2 = field_str(row, "Raw", where), field_str(row, "RawV2", where)
    verified = row.get("Verified") is True
    verification_error = field_str(row, "VerificationError", where)
    # RawV2 joins the raw value with its companion (an AWS key id and its secret key): hide the
    # companion on its own as well
    collector.remember(raw, raw_v2)
    if raw and raw_v2.startswith(raw) and len(raw_v2) > len(raw):
        collector.remember(raw_v2[len(raw) :])
    value = raw or raw_v2
    secret: Secret
    if value:
        secret = collector.secret(
            value,
            kind=detector,
            verified=True if verified else (None if verification_error else False),
        )
    else:
        secret = redacted_secret(NAME, detector, path, line, commit, kind=detector)
    extra = row.get("ExtraData")
    label = detector + (" (verified live)" if verified else "")
    message = f"Secret found ({label}): {secret.preview}"
    if commit:
        message += f" (commit {short_commit(commit)})"
    collector.add(
        rule_id=detector,
        rule_name=detector,
        secret=secret,
        path=path or None,
        rule_description=field_str(row, "DetectorDescription", where) or None,
        message=message,
        start_line=line,
        end_line=line + value.strip().count("\n") if line else None,
        properties={
            "commit": commit,
            "author": field_str(meta, "email", meta_where),
            "date": field_str(meta, "timestamp", meta_where),
            "repository": field_str(meta, "repository", meta_where),
            "link": field_str(meta, "link", meta_where),
            "source": field_str(row, "SourceName", where),
            "decoder": field_str(row, "DecoderName", where),
            "verified": verified,
            "verificationError": verification_error,
            "extraData": fields.json_value(extra, fields.at(where, "ExtraData"))
            if isinstance(extra, dict)
            else None,
        },
    )


def _source_metadata(row: dict[str, Any], where: str) -> tuple[dict[str, Any], str]:
    """The one source's metadata (``Git``, ``Github``, ``Filesystem``...), or {}, and its
    pointer."""
    data = fields.obj_or_empty(row, "SourceMetadata", where)
    data_where = fields.at(where, "SourceMetadata")
    sources = fields.obj_or_empty(data, "Data", data_where)
    for key, value in sources.items():
        if isinstance(value, dict):
            return value, fields.at(fields.at(data_where, "Data"), key)
    return {}, data_where


# --- v2 ----------------------------------------------------------------------------------
def _read_v2(collector: SecretCollector, rows: list[tuple[int, dict[str, Any]]]) -> None:
    """One finding per (rule, file, line, secret); the oldest commit first."""
    merged: dict[tuple[str, str, int | None, str], dict[str, Any]] = {}
    ordered = sorted(rows, key=lambda r: (_text(r[1].get("date")), _text(r[1].get("commitHash"))))
    for number, row in ordered:
        where = f"line {number}:"
        reason = strip_ansi(field_str(row, "reason", where, required=True))
        path = field_path(row, "path", where, required=True)
        diff = field_str(row, "diff", where)
        commit = field_str(row, "commitHash", where)
        found = row.get("stringsFound")
        if not isinstance(found, list) or not all(isinstance(s, str) for s in found):
            raise fields.fail(fields.at(where, "stringsFound"), "expected an array of strings")
        for string in dict.fromkeys(found):
            value, start, end, text = _locate(diff, string)
            secret = collector.secret(value, kind=reason)
            key = (reason, path, start, secret.hash)
            if key in merged:
                merged[key]["commits"].append(commit)
                merged[key]["reports"] += 1
                continue
            merged[key] = {
                "reason": reason,
                "path": path,
                "start": start,
                "end": end,
                "text": text,
                "secret": secret,
                "commit": commit,
                "commits": [commit],
                "reports": 1,
                "date": field_str(row, "date", where),
                "branch": field_str(row, "branch", where),
            }
    for item in merged.values():
        secret = item["secret"]
        finding = collector.add(
            rule_id=slug(item["reason"]),
            rule_name=item["reason"],
            secret=secret,
            rule_id_from_name=True,
            path=item["path"],
            start_line=item["start"],
            end_line=item["end"],
            snippet=item["text"],
            message=f"Secret found ({item['reason']}): {secret.preview}"
            + (f" (commit {short_commit(item['commit'])})" if item["commit"] else ""),
            properties={
                "commit": item["commit"],
                "commits": sorted(set(item["commits"])) if len(item["commits"]) > 1 else None,
                "date": item["date"],
                "branch": item["branch"],
            },
        )
        if item["reports"] > 1:  # named once its rule id is final (see ``_count_folded``)
            finding.properties["folded_reports"] = item["reports"]


def _locate(diff: str, string: str) -> tuple[str, int | None, int | None, str | None]:
    """(secret value, start line, end line, line text) of ``string`` in a unified diff.

    The line number is counted on the side of the hunk where the line appears. For a private
    key's BEGIN line, the value is the whole key block (what other tools hash)."""
    old = new = 0
    lines = diff.splitlines()
    for index, line in enumerate(lines):
        hunk = _HUNK.match(line)
        if hunk:
            old, new = int(hunk.group(1)), int(hunk.group(2))
            continue
        mark, body = line[:1], line[1:]
        if mark == "\\":  # "\ No newline at end of file"
            continue
        if string in body:
            number = old if mark == "-" else new
            if _PEM_BEGIN.search(string):
                block = _pem_block(lines[index:], mark)
                if block:
                    return block, number, number + block.count("\n"), body.strip()
            return string, number, number, body.strip()
        if mark == "+":
            new += 1
        elif mark == "-":
            old += 1
        else:
            old += 1
            new += 1
    return string, None, None, None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _pem_block(lines: list[str], mark: str) -> str | None:
    """The private key block that starts at ``lines[0]``, without the diff's markers."""
    block = []
    for line in lines:
        if line[:1] != mark:
            return None
        block.append(line[1:])
        if "-----END " in line:
            return "\n".join(block)
    return None
