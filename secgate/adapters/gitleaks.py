"""Gitleaks: secrets in files and in git history.

Reads every report shape Gitleaks has written:

- v8 JSON: an array of objects with PascalCase keys (``RuleID``, ``Secret``, ``Match``, ``File``,
  ``StartLine``, ``Commit``, ``Fingerprint``...); ``[]`` when nothing leaks;
- v8 SARIF: driver ``gitleaks`` (its ``version`` is hard-coded ``v8.0.0``, so it is not trusted);
  the region's snippet holds the whole match, which is all the secret there is to hash;
- v7 JSON: lower-camel keys (``line``, ``lineNumber``, ``offender``, ``rule``, ``file``...), and
  the literal ``null`` early v7 releases wrote for an empty report;
- ``--redact`` output, where the value is ``REDACTED``: there is nothing to hash, so the secret's
  hash is taken over (rule, file, line, commit) instead; the preview says it was redacted.

Lines marked ``gitleaks:allow`` never reach a report (Gitleaks drops them itself), so they cannot
show up as suppressed findings.

Run mode: ``gitleaks git TARGET`` (the whole history) when TARGET is the top of a git repository
with at least one commit, else ``gitleaks dir TARGET``. History mode does not see uncommitted
changes; ``scanners.settings.gitleaks.mode: dir`` scans a repository's working tree instead. In
pull-request mode history mode reads the pull request's commits only (``--log-opts
SINCE..HEAD``, ``RunContext.history_since``). The
report keeps raw values (no ``--redact``): secgate needs them to hash, and they never leave its
process.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, ClassVar

from secgate.adapters.interface import Adapter, Invocation, ParseResult, RunContext, Sample
from secgate.adapters.secret_findings import (
    SecretCollector,
    field_int,
    field_path,
    field_str,
    is_git_top,
    mask_around,
    redacted_secret,
    short_commit,
    slug,
)
from secgate.errors import InputError, UsageError
from secgate.files import fields
from secgate.files.reading import decode_json
from secgate.findings.secrets import prehash
from secgate.model import Category, Secret
from secgate.sarif.reader import (
    driver_name,
    driver_of,
    is_sarif,
    runs_of,
    secgate_properties,
    text_of,
)

NAME = "gitleaks"
REDACTED = "REDACTED"
_V7_ZERO_DATE = "0001-01-01T00:00:00Z"
_MODES = ("auto", "git", "dir")

# v7 named its rules in words; the v8 id of the same rule keeps fingerprints and policy rules
# stable when a project upgrades. Names not listed become a slug of the name.
_V7_RULE_IDS = {
    "aws access key": "aws-access-token",
    "asymmetric private key": "private-key",
    "github personal access token": "github-pat",
    "github oauth access token": "github-oauth",
    "github app token": "github-app-token",
    "github refresh token": "github-refresh-token",
    "generic credential": "generic-api-key",
    "slack webhook": "slack-webhook-url",
    "stripe access key": "stripe-access-token",
}


class GitleaksAdapter(Adapter):
    """Gitleaks v8 (runs it; reads JSON and SARIF) and v7 (reads JSON)."""

    name: ClassVar[str] = NAME
    categories: ClassVar[frozenset[Category]] = frozenset({Category.SECRET})
    executable: ClassVar[str | None] = "gitleaks"
    install_hint: ClassVar[str] = (
        "install Gitleaks >= 8.19 (https://github.com/gitleaks/"
        "gitleaks/releases) and put it on PATH or in "
        "SECGATE_GITLEAKS_BIN"
    )
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0})
    """Run with ``--exit-code 0``: leaks exit 0, so exit 1 means Gitleaks itself failed."""
    limitations: ClassVar[str] = "history mode sees committed content only"
    config_files: ClassVar[tuple[str, ...]] = (".gitleaks.toml", ".gitleaksignore")

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        doc = sample.json
        if is_sarif(doc):
            return _is_gitleaks_sarif(doc)
        if not isinstance(doc, list) or not doc or not isinstance(doc[0], dict):
            return False  # ``[]`` and ``null`` could be any tool's: name it with gitleaks=FILE
        first = doc[0]
        return ("RuleID" in first and ("Secret" in first or "Fingerprint" in first)) or (
            "offender" in first and "rule" in first and "lineNumber" in first
        )

    def parse(self, data: bytes) -> ParseResult:
        doc = decode_json(data)
        if doc is None:  # v7 wrote ``null`` for an empty report
            return ParseResult()
        if is_sarif(doc):
            return _parse_sarif(doc)
        if not isinstance(doc, list):
            raise InputError(
                "not a Gitleaks report: expected a JSON array of findings "
                f"(or SARIF), found a JSON {type(doc).__name__}"
            )
        collector = SecretCollector(NAME)
        prehash(
            value.strip()
            for item in doc
            if isinstance(item, dict)
            for value in (item.get("Secret") or item.get("Match"),)
            if isinstance(value, str)
        )
        for index, item in enumerate(doc):
            where = f"[{index}]"
            if not isinstance(item, dict):
                raise fields.wrong(where, "an object", item)
            if "RuleID" in item:
                _read_v8(collector, item, where)
            elif "rule" in item or "offender" in item:
                _read_v7(collector, item, where)
            else:
                raise fields.fail(
                    where, "neither 'RuleID' (Gitleaks v8) nor 'rule'/'offender' (Gitleaks v7)"
                )
        return ParseResult(findings=collector.sorted_findings(), secret_values=collector.values)

    # --- run ------------------------------------------------------------------------------
    def invocation(self, ctx: RunContext) -> Invocation:
        mode = str(ctx.config.get("mode", "auto"))
        if mode not in _MODES:
            raise UsageError(
                f"scanners.settings.gitleaks.mode: {mode!r} is not one of {', '.join(_MODES)}"
            )
        if mode == "auto":
            mode = "git" if is_git_top(ctx.target) and has_commits(ctx.target) else "dir"
        output = ctx.work_dir / "gitleaks.json"
        argv = [
            ctx.executable,
            mode,
            str(ctx.target),
            "--report-format",
            "json",
            "--report-path",
            str(output),
            "--no-banner",
            "--exit-code",
            "0",
        ]
        if mode == "git" and ctx.history_since:
            argv.append(f"--log-opts={ctx.history_since}..HEAD")
        # cwd = target: Gitleaks reads a .gitleaksignore from its working directory
        return Invocation(argv=argv, output=output, cwd=ctx.target)


def has_commits(target: Path) -> bool:
    """True when the repository at ``target`` has a commit (a fresh ``git init`` has none, and
    a history scan of it would examine nothing)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(target), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
            check=False,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return True  # let Gitleaks itself say what is wrong
    return done.returncode == 0


def _is_gitleaks_sarif(doc: dict[str, Any]) -> bool:
    """A SARIF log written by Gitleaks itself (not secgate's SARIF holding a gitleaks run)."""
    if secgate_properties(doc) is not None:
        return False
    runs = doc.get("runs") or []
    names = {driver_name(run).lower() for run in runs}
    automation = [run.get("automationDetails") for run in runs if isinstance(run, dict)]
    return names == {NAME} and not any(
        isinstance(a, dict) and isinstance(a.get("id"), str) and a["id"].startswith("secgate/")
        for a in automation
    )


def _secret(collector: SecretCollector, value: str, rule: str, *where: str | int | None) -> Secret:
    if value.strip() == REDACTED:
        return redacted_secret(NAME, rule, *where, kind=rule)
    return collector.secret(value, kind=rule)


def _read_v8(collector: SecretCollector, item: dict[str, Any], where: str) -> None:
    rule = field_str(item, "RuleID", where, required=True)
    path = field_path(item, "File", where, required=True)
    start, end = field_int(item, "StartLine", where), field_int(item, "EndLine", where)
    commit = field_str(item, "Commit", where)
    value = field_str(item, "Secret", where) or field_str(item, "Match", where)
    if not value:
        raise fields.fail(where, "neither 'Secret' nor 'Match' holds a value")
    secret = _secret(collector, value, rule, path, start, commit)
    description = field_str(item, "Description", where)
    tags = fields.strings(item, "Tags", where)
    entropy = item.get("Entropy")
    collector.add(
        rule_id=rule,
        secret=secret,
        path=path,
        rule_description=description or None,
        message=_message(rule, secret, commit),
        start_line=start,
        end_line=end,
        start_column=field_int(item, "StartColumn", where),
        end_column=field_int(item, "EndColumn", where),
        snippet=_snippet(collector, field_str(item, "Match", where), value),
        tags=tags,
        properties={
            "commit": commit,
            "author": field_str(item, "Author", where),
            "date": field_str(item, "Date", where),
            "gitleaksFingerprint": field_str(item, "Fingerprint", where),
            "link": field_str(item, "Link", where),
            "entropy": entropy if type(entropy) in (int, float) else None,
        },
    )


def _read_v7(collector: SecretCollector, item: dict[str, Any], where: str) -> None:
    rule_name = field_str(item, "rule", where, required=True)
    rule = _V7_RULE_IDS.get(rule_name.strip().lower(), slug(rule_name))
    path = field_path(item, "file", where, required=True)
    line = field_int(item, "lineNumber", where)
    commit = field_str(item, "commit", where)
    value = field_str(item, "offender", where, required=True)
    secret = _secret(collector, value, rule, path, line, commit)
    date = field_str(item, "date", where)
    tags = field_str(item, "tags", where)
    collector.add(
        rule_id=rule,
        rule_name=rule_name,
        secret=secret,
        path=path,
        start_line=line,
        end_line=line,
        message=_message(rule_name, secret, commit),
        snippet=_snippet(collector, field_str(item, "line", where).strip(), value),
        tags=[t.strip() for t in tags.split(",")],
        rule_id_from_name=rule_name.strip().lower() not in _V7_RULE_IDS,
        properties={
            "commit": commit,
            "author": field_str(item, "author", where),
            "date": "" if date == _V7_ZERO_DATE else date,
            "leakURL": field_str(item, "leakURL", where),
        },
    )


def _parse_sarif(doc: dict[str, Any]) -> ParseResult:
    collector = SecretCollector(NAME)
    for where, run in runs_of(doc):
        driver = driver_of(run, where)
        descriptions = {}
        for rule_where, rule in fields.objects(driver, "rules", f"{where}.tool.driver"):
            if isinstance(rule.get("id"), str):
                descriptions[rule["id"]] = text_of(rule, "shortDescription", rule_where)
        for index, result in enumerate(fields.opt_array(run, "results", where)):
            _read_sarif_result(collector, result, descriptions, f"{where}.results[{index}]")
    # Gitleaks' SARIF says v8.0.0 whatever its real version: leave the version unknown
    return ParseResult(findings=collector.sorted_findings(), secret_values=collector.values)


def _read_sarif_result(
    collector: SecretCollector, result: Any, descriptions: dict[str, str | None], where: str
) -> None:
    result = fields.obj(result, where)
    rule = field_str(result, "ruleId", where, required=True)
    locations = fields.objects(result, "locations", where) or [(f"{where}.locations[0]", {})]
    loc_where, first = locations[0]
    physical = fields.obj_or_empty(first, "physicalLocation", loc_where)
    physical_where = f"{loc_where}.physicalLocation"
    artifact = fields.obj_or_empty(physical, "artifactLocation", physical_where)
    path = field_path(artifact, "uri", f"{physical_where}.artifactLocation")
    region = fields.obj_or_empty(physical, "region", physical_where)
    region_where = f"{physical_where}.region"
    value = field_str(
        fields.obj_or_empty(region, "snippet", region_where), "text", f"{region_where}.snippet"
    )
    fingerprints = fields.obj_or_empty(result, "partialFingerprints", where)
    fingerprints_where = f"{where}.partialFingerprints"
    commit = field_str(fingerprints, "commitSha", fingerprints_where)
    start = field_int(region, "startLine", region_where)
    # no snippet: nothing to hash, as with --redact
    secret = _secret(collector, value or REDACTED, rule, path, start, commit)
    properties = fields.obj_or_empty(result, "properties", where)
    tags = fields.strings(properties, "tags", f"{where}.properties")
    description = descriptions.get(rule)
    collector.add(
        rule_id=rule,
        secret=secret,
        path=path or None,
        rule_description=description,
        message=_message(rule, secret, commit),
        start_line=start,
        end_line=field_int(region, "endLine", region_where),
        start_column=field_int(region, "startColumn", region_where),
        end_column=field_int(region, "endColumn", region_where),
        snippet=value or None,
        tags=tags,
        properties={
            "commit": commit,
            "author": field_str(fingerprints, "author", fingerprints_where),
            "date": field_str(fingerprints, "date", fingerprints_where),
        },
    )


def _snippet(collector: SecretCollector, match: str, value: str) -> str | None:
    """The snippet of a finding: the tool's match, with the whole token that holds the secret
    masked (a match can run on past the secret, or start inside its token; see
    ``secgate.adapters.secret_findings.token_around``)."""
    if not match:
        return None
    if value.strip() == REDACTED:
        return match
    return mask_around(match, value, collector)


def _message(rule: str, secret: Secret, commit: str) -> str:
    text = f"Secret found ({rule}): {secret.preview}"
    if commit:
        text += f" (commit {short_commit(commit)})"
    return text
