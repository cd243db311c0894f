"""Bandit: Python SAST. Reads its JSON (1.6-era without columns and CWE, and current) and its
SARIF; runs it as ``bandit -r . -f json -o OUT -q`` from the scanned directory.

Severity comes from Bandit's severity and confidence together (see ``SEVERITY_MATRIX`` and
``docs/severity.md``). Bandit omits results silenced by ``# nosec`` and reports only how many it
skipped (``metrics._totals.nosec`` and ``skipped_tests``), so a suppression cannot be attached to
a finding: the counts become a note of the run. The hard-coded password tests (B105, B106, B107)
quote the literal in their message: it is treated as a secret value.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from secgate.adapters.credentials import mask_values
from secgate.adapters.interface import (
    Adapter,
    CacheInputs,
    Invocation,
    ParseResult,
    RunContext,
    Sample,
)
from secgate.errors import InputError, ScannerError
from secgate.files import fields, scanned_tree
from secgate.files.project import (
    EXCLUDED_DIRS,
    environment_dirs,
    has_python_files,
    invocation_notes,
)
from secgate.files.reading import decode_json
from secgate.findings.ids import normalize_cwe
from secgate.findings.secrets import make_secret
from secgate.model import Category, Finding, Location, Severity, Source
from secgate.sarif.reader import (
    ResultView,
    driver_of,
    first_location,
    is_sarif,
    iter_results,
    message_text,
    runs_of,
    secgate_properties,
    tool_name,
)

NAME = "bandit"

SEVERITY_MATRIX: dict[tuple[str, str], tuple[Severity, float]] = {
    ("HIGH", "HIGH"): (Severity.HIGH, 8.5),
    ("HIGH", "MEDIUM"): (Severity.HIGH, 7.5),
    ("HIGH", "LOW"): (Severity.MEDIUM, 5.5),
    ("MEDIUM", "HIGH"): (Severity.MEDIUM, 6.0),
    ("MEDIUM", "MEDIUM"): (Severity.MEDIUM, 5.0),
    ("MEDIUM", "LOW"): (Severity.LOW, 3.0),
    ("LOW", "HIGH"): (Severity.LOW, 3.0),
    ("LOW", "MEDIUM"): (Severity.LOW, 2.0),
    ("LOW", "LOW"): (Severity.LOW, 1.0),
}
"""(Bandit severity, Bandit confidence) -> secgate severity and score. LOW confidence lowers the
severity one step (never below low); an UNDEFINED confidence counts as MEDIUM; an UNDEFINED
severity is info (0.0)."""

PASSWORD_TESTS = frozenset({"B105", "B106", "B107"})
"""hardcoded_password_string, _funcarg, _default: their message quotes the literal."""

_PASSWORD_MESSAGE = re.compile(r"^Possible hardcoded password: '(?P<value>.*)'\s*$", re.DOTALL)
_DOC_VERSION = re.compile(r"bandit\.readthedocs\.io/en/(\d+\.\d+(?:\.\d+)?)/")
_CODE_LINE = re.compile(r"^(\d+) ?(.*)$")

CONFIG_FILES = ("bandit.yaml", "bandit.yml", ".bandit.yaml", ".bandit.yml")


def severity_of(
    bandit_severity: str | None, bandit_confidence: str | None
) -> tuple[Severity, float]:
    """secgate's severity and score for a Bandit severity and confidence."""
    sev = (bandit_severity or "UNDEFINED").strip().upper()
    conf = (bandit_confidence or "UNDEFINED").strip().upper()
    if conf not in {"HIGH", "MEDIUM", "LOW"}:
        conf = "MEDIUM"
    return SEVERITY_MATRIX.get((sev, conf), (Severity.INFO, 0.0))


class BanditAdapter(Adapter):
    """Bandit's JSON and SARIF output, and running Bandit."""

    name: ClassVar[str] = NAME
    categories: ClassVar[frozenset[Category]] = frozenset({Category.SAST})
    version_in_output: ClassVar[bool] = True
    executable: ClassVar[str | None] = "bandit"
    starts_first: ClassVar[bool] = True
    distribution: ClassVar[str | None] = "bandit"
    install_hint: ClassVar[str] = "pip install 'bandit[sarif,toml]'"
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0, 1})
    config_files: ClassVar[tuple[str, ...]] = (".bandit", "pyproject.toml", *CONFIG_FILES)

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        doc = sample.json
        return is_bandit_json(doc) or is_bandit_sarif(doc)

    def parse(self, data: bytes) -> ParseResult:
        doc = decode_json(data)
        if is_bandit_sarif(doc):
            return parse_sarif(doc)
        if isinstance(doc, dict) and isinstance(doc.get("results"), list):
            return parse_json(doc)
        raise InputError(
            "not Bandit output (expected Bandit JSON with 'results' and "
            "'metrics', or SARIF from Bandit)"
        )

    # --- run ------------------------------------------------------------------------------
    def skip_reason(self, target: Path) -> str | None:
        if has_python_files(target):
            return None
        return "no Python files to scan"

    def invocation(self, ctx: RunContext) -> Invocation:
        """``bandit -r . -f json -o OUT -q -x <dirs> [-c CONFIG]`` run inside the target, so
        that a project ``.bandit`` file is picked up by Bandit itself."""
        output = ctx.work_dir / "bandit.json"
        extra = [str(x) for x in ctx.config.get("exclude", []) if str(x)]
        excludes = (
            [f"/{d}/" for d in EXCLUDED_DIRS]
            + [f"./{d}" for d in environment_dirs(ctx.target)]
            + extra
            + unsafe_excludes(ctx.target, ctx.unsafe)
        )
        argv = [
            ctx.executable,
            "-r",
            ".",
            "-f",
            "json",
            "-o",
            str(output),
            "-q",
            "-x",
            ",".join(excludes),
        ]
        config = project_config(ctx.target)
        if config is not None:
            argv += ["-c", config]
        return Invocation(argv=argv, output=output, cwd=ctx.target)

    def cache_inputs(self, ctx: RunContext) -> CacheInputs | None:
        """Bandit reads Python files and its configuration, nothing else."""
        return CacheInputs(
            kinds=frozenset({"tracked-sources"}),
            suffixes=frozenset({".py", ".pyw"}),
            files=self.config_files,
        )


def unsafe_excludes(target: Path, unsafe: tuple[str, ...]) -> list[str]:
    """``-x`` patterns that keep Bandit from opening the unsafe ``.py`` entries (it opens every
    Python file it walks: a FIFO or a symlink to ``/dev/zero`` would hang it).

    Bandit leaves a path out when it matches an ``-x`` entry as a glob (``fnmatch``, the whole
    path) *or contains it as a substring*, so ``./a.py`` would also leave out ``./a.py.py`` and
    ``./x./a.py``. Each pattern is the entry's path with its last character in brackets
    (``./a.p[y]``): as a glob it matches that path only, and as a substring it occurs only in a
    path that holds the brackets literally. A scan whose files would still be caught by a
    pattern, or whose unsafe entry names hold a comma (the separator of ``-x``), is refused
    rather than leave code unexamined."""
    wanted = [path for path in unsafe if path.endswith((".py", ".pyw"))]
    if not wanted:
        return []
    bad = [path for path in wanted if "," in path]
    if bad:
        raise ScannerError(
            f"cannot keep Bandit from reading {bad[0]!r} (a comma in its name): rename or remove it"
        )
    patterns = [f"./{glob.escape(path[:-1])}[{path[-1]}]" for path in wanted]
    skipped = set(wanted)
    for root, dirs, files in os.walk(target):
        dirs[:] = [d for d in dirs if d not in EXCLUDED_DIRS]
        base = Path(root).relative_to(target)
        for name in files:
            shown = f"./{(base / name).as_posix()}"
            if shown[2:] in skipped:
                continue
            caught = next(
                (p for p in patterns if p in shown or fnmatch.fnmatchcase(shown, p)), None
            )
            if caught is not None:
                raise ScannerError(
                    f"cannot keep Bandit from reading an unsafe entry without "
                    f"also skipping {shown} (it matches {caught}): rename it"
                )
    return patterns


def project_config(target: Path) -> str | None:
    """The project's Bandit configuration for ``-c``: ``pyproject.toml`` when it has a
    ``[tool.bandit]`` table, else a ``bandit.yaml``-style file; None when there is none
    (a ``.bandit`` INI file is found by Bandit itself)."""
    text = scanned_tree.read_text(target, "pyproject.toml")
    if text is not None and re.search(r"^\s*\[tool\.bandit[\].]", text, re.MULTILINE):
        return "pyproject.toml"
    for name in CONFIG_FILES:
        if scanned_tree.regular_file(target, name) is not None:
            return name
    return None


# --- detection -------------------------------------------------------------------------------
def is_bandit_json(doc: Any) -> bool:
    """Bandit's JSON report: ``results`` beside ``metrics``/``generated_at``, results keyed by
    ``test_id`` and ``issue_severity``."""
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        return False
    if "metrics" not in doc and "generated_at" not in doc:
        return False
    results = doc["results"]
    if not results:
        return isinstance(doc.get("metrics"), dict) and "_totals" in doc["metrics"]
    first = results[0]
    return isinstance(first, dict) and "test_id" in first and "issue_severity" in first


def is_bandit_sarif(doc: Any) -> bool:
    """SARIF whose every run is Bandit's (secgate's own SARIF is left to the generic reader)."""
    if not is_sarif(doc) or secgate_properties(doc) is not None or not doc["runs"]:
        return False
    return all(isinstance(run, dict) and tool_name(run) == NAME for run in doc["runs"])


# --- JSON ------------------------------------------------------------------------------------
def parse_json(doc: dict[str, Any]) -> ParseResult:
    """Findings from Bandit's JSON report."""
    parsed = ParseResult()
    results = fields.objects(doc, "results", "")
    for _where, result in results:
        if parsed.tool_version is None:
            more_info = result.get("more_info")
            match = _DOC_VERSION.search(more_info) if isinstance(more_info, str) else None
            parsed.tool_version = match.group(1) if match else None
    rules = _RuleTexts()
    for where, result in results:
        for key in ("test_id", "filename", "line_number", "issue_severity"):
            if key not in result:
                raise fields.fail(where, f"missing {key!r}")
        parsed.findings.append(_json_finding(result, parsed, rules, where))
    errors = fields.objects(doc, "errors", "")
    failed: set[str] = set()
    for where, error in errors:
        filename = fields.opt_path(error, "filename", where) or "?"
        reason = fields.scalar_text(error, "reason", where) or "unknown error"
        failed.add(filename)
        parsed.notes.append(f"bandit could not scan {filename}: {reason}")
    metrics = fields.opt_obj(doc, "metrics", "")
    if metrics is not None:
        parsed.notes.extend(
            _nosec_notes(fields.opt_obj(metrics, "_totals", "metrics"), "metrics._totals")
        )
        scanned = {k for k in metrics if k != "_totals"}
        if not parsed.findings and not (scanned - failed):
            parsed.incomplete = True
            parsed.notes.append("bandit examined no Python file")
    return parsed


@dataclass(frozen=True)
class _Rule:
    """What every result of one Bandit test (with the same ratings) shares, worked out once."""

    rule_id: str
    rule_name: str | None
    help_uri: str | None
    severity: str | None
    """Bandit's own severity and confidence, as the report spells them."""
    confidence: str | None
    cwes: tuple[str, ...]
    rated: tuple[Severity, float]
    """secgate's severity and score (``severity_of``)."""
    properties: dict[str, str]
    sources: list[Source]
    """The finding fields every result of the rule shares, made once (a model copies them)."""

    @classmethod
    def of(
        cls,
        rule_id: str,
        rule_name: str | None,
        help_uri: str | None,
        severity: str | None,
        confidence: str | None,
        cwes: Iterable[str],
    ) -> _Rule:
        return cls(
            rule_id=rule_id,
            rule_name=rule_name,
            help_uri=help_uri,
            severity=severity,
            confidence=confidence,
            cwes=tuple(cwes),
            rated=severity_of(severity, confidence),
            properties={
                k: v
                for k, v in (("bandit_severity", severity), ("bandit_confidence", confidence))
                if v
            },
            sources=[Source.of(NAME, rule_id)],
        )


class _RuleTexts(dict[tuple[Any, ...], _Rule]):
    """The rules of a JSON report by (test, texts, ratings, CWE): every result of a test repeats
    its name, help link, severity, confidence and CWE."""

    def get_for(self, result: dict[str, Any], where: str) -> _Rule:
        cwe = result.get("issue_cwe")
        cwe_id = cwe.get("id") if isinstance(cwe, dict) else None
        key = (
            result["test_id"],
            result.get("test_name"),
            result.get("more_info"),
            result.get("issue_severity"),
            result.get("issue_confidence"),
            cwe_id if type(cwe_id) in (int, str) else None,
        )
        try:
            known = self.get(key)
        except TypeError:  # an unhashable value where text belongs: say which
            known = None
        if known is None:
            cwe_number = _int(key[5])
            test_id = fields.scalar_text(result, "test_id", where)
            if test_id is None:
                raise fields.fail(fields.at(where, "test_id"), "missing")
            rule = _Rule.of(
                test_id,
                fields.scalar_text(result, "test_name", where),
                fields.text(result, "more_info", where),
                fields.scalar_text(result, "issue_severity", where),
                fields.scalar_text(result, "issue_confidence", where),
                (f"CWE-{cwe_number}",) if cwe_number else (),
            )
            known = self[key] = rule
        return known


def _json_finding(
    result: dict[str, Any], parsed: ParseResult, rules: _RuleTexts, where: str = ""
) -> Finding:
    line = _line(result, "line_number", where)
    line_range = _line_range(fields.opt_array(result, "line_range", where), where)
    col = _column(result, "col_offset", where)
    end_col = _column(result, "end_col_offset", where)
    rule = rules.get_for(result, where)
    filename = fields.scalar_text(result, "filename", where)
    if filename is None:
        raise fields.fail(fields.at(where, "filename"), "missing")
    location = Location(
        path=fields.path_text(filename, where, "filename"),
        start_line=line,
        end_line=max([*line_range, line or 0]) or None,
        start_column=col + 1 if col is not None else None,
        end_column=end_col + 1 if end_col is not None else None,
        snippet=_snippet(
            fields.opt_str(result, "code", where) or "", line_range or ([line] if line else [])
        ),
    )
    message = fields.scalar_text(result, "issue_text", where) or rule.rule_id
    finding = _finding(rule, message, location, parsed)
    if line_range and line and min(line_range) < line:
        # the statement starts before the reported line (a call over several lines): its
        # range is where Bandit's SARIF puts the result, and what dedupe compares
        finding.properties = {
            **finding.properties,
            "line_range": [min(line_range), max(line_range)],
        }
    return finding


def _line(result: dict[str, Any], key: str, where: str) -> int | None:
    """A line number as Bandit writes it (a number, or rarely a string of digits)."""
    value = result.get(key)
    if type(value) is int and 0 <= value <= fields.MAX_LINE:
        return value or None
    return _line_number(value, fields.at(where, key))


def _line_range(values: list[Any], where: str) -> list[int]:
    """The line numbers of ``line_range`` (0 dropped), each checked as ``_line_number``."""
    if all(type(n) is int and 0 < n <= fields.MAX_LINE for n in values):
        return values
    numbers = (_line_number(x, f"{where}.line_range[{i}]") for i, x in enumerate(values))
    return [n for n in numbers if n]


def _line_number(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and fields.plain_digits(value.strip(), 10):
        value = int(value)
    if type(value) is int and 0 <= value <= fields.MAX_LINE:
        return value or None
    raise fields.wrong(where, "a line number", value)


def _column(result: dict[str, Any], key: str, where: str) -> int | None:
    value = result.get(key)
    if value is None:
        return None
    if type(value) is int and 0 <= value < fields.MAX_LINE:
        return value
    if type(value) is int:  # Bandit writes -1 where it knows no column
        return None if value < 0 else _line_number(value, fields.at(where, key))
    raise fields.wrong(fields.at(where, key), "a column number", value)


def _snippet(code: str, lines: list[int]) -> str | None:
    """The flagged lines from Bandit's ``code`` (each line prefixed with its number)."""
    wanted = set(lines)
    kept = []
    for raw in code.splitlines():
        number, _, text = raw.partition(" ")
        if not (number.isascii() and number.isdigit()):  # not "N code": the exact reading
            match = _CODE_LINE.match(raw)
            if match is None:
                continue
            number, text = match.group(1), match.group(2)
        if len(number) <= 10 and int(number) in wanted:
            kept.append(text)
    text = "\n".join(kept).rstrip()
    return text or None


def _nosec_notes(totals: Any, where: str) -> list[str]:
    if not isinstance(totals, dict):
        return []
    nosec = _count(totals, "nosec", where)
    skipped = _count(totals, "skipped_tests", where)
    if not nosec and not skipped:
        return []
    return [
        f"bandit left out results suppressed inline: {nosec} line(s) marked '# nosec', "
        f"{skipped} test(s) skipped by '# nosec <test id>' (Bandit reports counts only)"
    ]


def _count(totals: dict[str, Any], key: str, where: str) -> int:
    value = totals.get(key)
    if value is None:
        return 0
    if type(value) is float and value.is_integer() and 0 <= value < 2**63:
        return int(value)
    if type(value) is int and 0 <= value < 2**63:
        return value
    raise fields.wrong(fields.at(where, key), "a count", value)


# --- SARIF -----------------------------------------------------------------------------------
def parse_sarif(doc: dict[str, Any]) -> ParseResult:
    """Findings from Bandit's SARIF (severity and confidence in result ``properties``)."""
    parsed = ParseResult()
    for view in iter_results(doc):
        if view.kind != "fail":
            continue
        parsed.tool_version = parsed.tool_version or view.tool_version
        parsed.findings.append(_sarif_finding(view, parsed))
    for where, run in runs_of(doc):
        driver = driver_of(run, where)
        version = fields.scalar_text(driver, "semanticVersion", where) or fields.scalar_text(
            driver, "version", where
        )
        parsed.tool_version = parsed.tool_version or version
        properties = fields.obj_or_empty(run, "properties", where)
        metrics = fields.obj_or_empty(properties, "metrics", fields.at(where, "properties"))
        parsed.notes.extend(
            _nosec_notes(metrics.get("_totals"), fields.at(where, "properties.metrics._totals"))
        )
        parsed.notes.extend(invocation_notes(run, NAME, where))
    for finding in parsed.findings:
        finding.tool_version = parsed.tool_version
    return parsed


_LEVEL_SEVERITY = {"error": "HIGH", "warning": "MEDIUM", "note": "LOW"}


def _sarif_finding(view: ResultView, parsed: ParseResult) -> Finding:
    props = view.properties
    props_where = fields.at(view.where, "properties")
    level = fields.opt_str(view.result, "level", view.where) or "warning"
    severity = fields.scalar_text(props, "issue_severity", props_where) or _LEVEL_SEVERITY.get(
        level, "MEDIUM"
    )
    tags = [
        t
        for t in fields.opt_array(view.rule_properties, "tags", view.rule_where)
        if isinstance(t, str)
    ]
    cwes = sorted({c for c in (normalize_cwe(t) for t in tags if "cwe" in t.lower()) if c})
    location = first_location(view.result, view.where)
    if location is not None and location.snippet:
        location.snippet = location.snippet.rstrip("\n") or None
    rule = _Rule.of(
        view.rule_id,
        fields.scalar_text(view.rule, "name", view.rule_where),
        fields.text(view.rule, "helpUri", view.rule_where),
        severity,
        fields.scalar_text(props, "issue_confidence", props_where),
        cwes,
    )
    return _finding(rule, message_text(view), location, parsed)


# --- shared ----------------------------------------------------------------------------------
_TAGS = ("security",)


def _finding(rule: _Rule, message: str, location: Location | None, parsed: ParseResult) -> Finding:
    sev, score = rule.rated
    secret = None
    match = _PASSWORD_MESSAGE.match(message) if rule.rule_id in PASSWORD_TESTS else None
    if match and match.group("value").strip():
        value = match.group("value")
        parsed.secret_values.add(value)
        secret = make_secret(value, kind=f"bandit:{rule.rule_id}")
        message = mask_values(message, [value]) or message
        if location is not None:
            location.snippet = mask_values(location.snippet, [value])
    return Finding(
        tool=NAME,
        tool_version=parsed.tool_version,
        rule_id=rule.rule_id,
        rule_name=rule.rule_name,
        help_uri=rule.help_uri,
        category=Category.SAST,
        severity=sev,
        score=score,
        level=sev.sarif_level,
        confidence=rule.confidence.lower() if rule.confidence else None,
        message=message,
        location=location,
        cwes=list(rule.cwes),
        secret=secret,
        tags=list(_TAGS),
        sources=list(rule.sources),
        properties=dict(rule.properties),
    )


def _int(value: Any) -> int | None:
    if type(value) is int:  # the common case first
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and fields.plain_digits(value.strip(), 18):
        return int(value)
    return None
