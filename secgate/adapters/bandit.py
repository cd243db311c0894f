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

from secgate import treefiles
from secgate.adapters.code_secrets import mask_values
from secgate.adapters.interface import (
    Adapter,
    CacheInputs,
    Invocation,
    ParseResult,
    RunContext,
    Sample,
)
from secgate.adapters.sast_common import (
    EXCLUDED_DIRS,
    environment_dirs,
    has_python_files,
    invocation_notes,
)
from secgate.errors import InputError, ScannerError
from secgate.model import Category, Finding, Location, Severity, Source
from secgate.normalize import normalize_cwe
from secgate.sarif.reader import (
    ResultView,
    first_location,
    is_sarif,
    iter_results,
    message_text,
    secgate_properties,
    tool_name,
)
from secgate.secrets import make_secret
from secgate.util import load_json

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


def severity_of(bandit_severity: str | None, bandit_confidence: str | None) -> tuple[Severity,
                                                                                       float]:
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
    distribution: ClassVar[str | None] = "bandit"
    install_hint: ClassVar[str] = "pip install 'bandit[sarif,toml]'"
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0, 1})
    config_files: ClassVar[tuple[str, ...]] = (".bandit", "pyproject.toml", *CONFIG_FILES)

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        doc = sample.json
        return is_bandit_json(doc) or is_bandit_sarif(doc)

    def parse(self, data: bytes) -> ParseResult:
        doc = load_json(data)
        if is_bandit_sarif(doc):
            return parse_sarif(doc)
        if isinstance(doc, dict) and isinstance(doc.get("results"), list):
            return parse_json(doc)
        raise InputError("not Bandit output (expected Bandit JSON with 'results' and "
                         "'metrics', or SARIF from Bandit)")

    # --- run ------------------------------------------------------------------------------
    def applicable(self, target: Path) -> str | None:
        if has_python_files(target):
            return None
        return "no Python files to scan"

    def invocation(self, ctx: RunContext) -> Invocation:
        """``bandit -r . -f json -o OUT -q -x <dirs> [-c CONFIG]`` run inside the target, so
        that a project ``.bandit`` file is picked up by Bandit itself."""
        output = ctx.work_dir / "bandit.json"
        extra = [str(x) for x in ctx.config.get("exclude", []) if str(x)]
        excludes = [f"/{d}/" for d in EXCLUDED_DIRS] + \
            [f"./{d}" for d in environment_dirs(ctx.target)] + extra + \
            unsafe_excludes(ctx.target, ctx.unsafe)
        argv = [ctx.executable, "-r", ".", "-f", "json", "-o", str(output), "-q",
                "-x", ",".join(excludes)]
        config = project_config(ctx.target)
        if config is not None:
            argv += ["-c", config]
        return Invocation(argv=argv, output=output, cwd=ctx.target)


    def cache_inputs(self, ctx: RunContext) -> CacheInputs | None:
        """Bandit reads Python files and its configuration, nothing else."""
        return CacheInputs(kinds=frozenset({"tracked-sources"}),
                           suffixes=frozenset({".py", ".pyw"}),
                           files=self.config_files)


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
        raise ScannerError(f"cannot keep Bandit from reading {bad[0]!r} (a comma in its name): "
                           "rename or remove it")
    patterns = [f"./{glob.escape(path[:-1])}[{path[-1]}]" for path in wanted]
    skipped = set(wanted)
    for root, dirs, files in os.walk(target):
        dirs[:] = [d for d in dirs if d not in EXCLUDED_DIRS]
        base = Path(root).relative_to(target)
        for name in files:
            shown = f"./{(base / name).as_posix()}"
            if shown[2:] in skipped:
                continue
            caught = next((p for p in patterns if p in shown or fnmatch.fnmatchcase(shown, p)),
                          None)
            if caught is not None:
                raise ScannerError(f"cannot keep Bandit from reading an unsafe entry without "
                                   f"also skipping {shown} (it matches {caught}): rename it")
    return patterns


def project_config(target: Path) -> str | None:
    """The project's Bandit configuration for ``-c``: ``pyproject.toml`` when it has a
    ``[tool.bandit]`` table, else a ``bandit.yaml``-style file; None when there is none
    (a ``.bandit`` INI file is found by Bandit itself)."""
    text = treefiles.read_text(target, "pyproject.toml")
    if text is not None and re.search(r"^\s*\[tool\.bandit[\].]", text, re.MULTILINE):
        return "pyproject.toml"
    for name in CONFIG_FILES:
        if treefiles.regular_file(target, name) is not None:
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
    results = doc["results"]
    for index, result in enumerate(results):
        if not isinstance(result, dict):
            raise InputError(f"result {index} is not an object")
        if parsed.tool_version is None:
            match = _DOC_VERSION.search(str(result.get("more_info") or ""))
            parsed.tool_version = match.group(1) if match else None
    rules = _RuleTexts()
    for index, result in enumerate(results):
        if not ("test_id" in result and "filename" in result and "line_number" in result
                and "issue_severity" in result):
            missing = [k for k in ("test_id", "filename", "line_number", "issue_severity")
                       if k not in result]
            raise InputError(f"result {index} has no {missing[0]!r}")
        parsed.findings.append(_json_finding(result, parsed, rules))
    errors = doc.get("errors", [])
    errors = [] if errors is None else errors
    if not isinstance(errors, list):
        raise InputError("'errors' is not a list")
    for error in errors:
        if isinstance(error, dict):
            parsed.notes.append(f"bandit could not scan {error.get('filename', '?')}: "
                                f"{error.get('reason', 'unknown error')}")
    metrics = doc.get("metrics")
    if isinstance(metrics, dict):
        parsed.notes.extend(_nosec_notes(metrics.get("_totals")))
        scanned = {k for k in metrics if k != "_totals"}
        failed = {e.get("filename") for e in errors if isinstance(e, dict)}
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

    @classmethod
    def of(cls, rule_id: str, rule_name: str | None, help_uri: str | None,
           severity: str | None, confidence: str | None, cwes: Iterable[str]) -> _Rule:
        return cls(rule_id=rule_id, rule_name=rule_name, help_uri=help_uri, severity=severity,
                   confidence=confidence, cwes=tuple(cwes),
                   rated=severity_of(severity, confidence),
                   properties={k: v for k, v in (("bandit_severity", severity),
                                                 ("bandit_confidence", confidence)) if v})


class _RuleTexts(dict[tuple[Any, ...], _Rule]):
    """The rules of a JSON report by (test, texts, ratings, CWE): every result of a test repeats
    its name, help link, severity, confidence and CWE."""

    def get_for(self, result: dict[str, Any]) -> _Rule:
        cwe = result.get("issue_cwe")
        key = (result["test_id"], result.get("test_name"), result.get("more_info"),
               result.get("issue_severity"), result.get("issue_confidence"),
               cwe.get("id") if isinstance(cwe, dict) else None)
        known = self.get(key)
        if known is None:
            cwe_id = _int(key[5])
            known = self[key] = _Rule.of(str(key[0]), _str(key[1]), _str(key[2]), _str(key[3]),
                                         _str(key[4]), (f"CWE-{cwe_id}",) if cwe_id else ())
        return known


def _json_finding(result: dict[str, Any], parsed: ParseResult, rules: _RuleTexts) -> Finding:
    line = _int(result.get("line_number"))
    line_range = [n for n in (x if type(x) is int else _int(x)
                              for x in result.get("line_range") or []) if n]
    col = _int(result.get("col_offset"))
    end_col = _int(result.get("end_col_offset"))
    rule = rules.get_for(result)
    location = Location(
        path=str(result["filename"]),
        start_line=line,
        end_line=max([*line_range, line or 0]) or None,
        start_column=col + 1 if col is not None else None,
        end_column=end_col + 1 if end_col is not None else None,
        snippet=_snippet(str(result.get("code") or ""), line_range or ([line] if line else [])),
    )
    return _finding(rule, str(result.get("issue_text") or result["test_id"]), location, parsed)


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
        if int(number) in wanted:
            kept.append(text)
    text = "\n".join(kept).rstrip()
    return text or None


def _nosec_notes(totals: Any) -> list[str]:
    if not isinstance(totals, dict):
        return []
    nosec = _int(totals.get("nosec")) or 0
    skipped = _int(totals.get("skipped_tests")) or 0
    if not nosec and not skipped:
        return []
    return [f"bandit left out results suppressed inline: {nosec} line(s) marked '# nosec', "
            f"{skipped} test(s) skipped by '# nosec <test id>' (Bandit reports counts only)"]


# --- SARIF -----------------------------------------------------------------------------------
def parse_sarif(doc: dict[str, Any]) -> ParseResult:
    """Findings from Bandit's SARIF (severity and confidence in result ``properties``)."""
    parsed = ParseResult()
    for view in iter_results(doc):
        if view.result.get("kind", "fail") != "fail":
            continue
        parsed.tool_version = parsed.tool_version or view.tool_version
        parsed.findings.append(_sarif_finding(view, parsed))
    for run in doc["runs"]:
        driver = (run.get("tool") or {}).get("driver") or {}
        version = driver.get("semanticVersion") or driver.get("version")
        parsed.tool_version = parsed.tool_version or (str(version) if version else None)
        metrics = ((run.get("properties") or {}).get("metrics") or {})
        if isinstance(metrics, dict):
            parsed.notes.extend(_nosec_notes(metrics.get("_totals")))
        parsed.notes.extend(invocation_notes(run, NAME))
    for finding in parsed.findings:
        finding.tool_version = parsed.tool_version
    return parsed


_LEVEL_SEVERITY = {"error": "HIGH", "warning": "MEDIUM", "note": "LOW"}


def _sarif_finding(view: ResultView, parsed: ParseResult) -> Finding:
    props = view.properties
    severity = _str(props.get("issue_severity")) or _LEVEL_SEVERITY.get(
        str(view.result.get("level") or "warning"), "MEDIUM")
    tags = [t for t in view.rule_properties.get("tags") or [] if isinstance(t, str)]
    cwes = sorted({c for c in (normalize_cwe(t) for t in tags if "cwe" in t.lower()) if c})
    location = first_location(view.result)
    if location is not None and location.snippet:
        location.snippet = location.snippet.rstrip("\n") or None
    rule = _Rule.of(view.rule_id, _str(view.rule.get("name")), _str(view.rule.get("helpUri")),
                    severity, _str(props.get("issue_confidence")), cwes)
    return _finding(rule, message_text(view), location, parsed)


# --- shared ----------------------------------------------------------------------------------
def _finding(rule: _Rule, message: str, location: Location | None,
             parsed: ParseResult) -> Finding:
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
        tags=["security"],
        sources=[Source.of(NAME, rule.rule_id)],
        properties=rule.properties,
    )


def _int(value: Any) -> int | None:
    if type(value) is int:  # the common case first
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
