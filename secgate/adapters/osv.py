"""osv: secgate's own offline audit of a project's pinned Python requirements against the OSV
data imported with ``secgate advisories import`` (the PyPA advisory database, an OSV
``all.zip``...).

The scanner is secgate itself: ``python -m secgate advisories audit --json`` in the scanned
directory, reading the store named on its command line, so it runs like any other scanner
(own process, timeout, result cache keyed on the store's content and the pin files). It is
"installed" when OSV data has been imported. Its output, ``secgate/osv-audit/v1``
(``secgate.advisories.audit``), is parsed here like any tool's: each affected pin becomes a
dependency finding rated from the record's CVSS vectors (else the database's severity word,
else secgate's unrated default) with its aliases, so pip-audit's, Trivy's and Safety's reports
of one vulnerability merge with it. Requirements that pin no version are notes, and a run that
could judge none of them is incomplete, as pip-audit's skips are.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, ClassVar

from secgate.adapters.interface import (
    Adapter,
    CacheInputs,
    Invocation,
    ParseResult,
    RunContext,
    Sample,
)
from secgate.adapters.vulnerabilities import VulnReport, pypi_package, vulnerability_finding
from secgate.advisories import pins
from secgate.advisories.audit import SCHEMA_ID
from secgate.advisories.datadir import store_path
from secgate.advisories.imported import open_store
from secgate.errors import InputError, SecgateError
from secgate.files import fields
from secgate.files.reading import decode_json
from secgate.findings.severity import Rating, from_cvss, from_tool, rate
from secgate.model import Category, Finding, Location

_CVSS_TYPES = {"CVSS_V2": "2.0", "CVSS_V3": "3.1", "CVSS_V4": "4.0"}


class OsvAdapter(Adapter):
    """secgate's OSV audit of pinned requirements (``secgate advisories audit --json``)."""

    name: ClassVar[str] = "osv"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.DEPENDENCY})
    executable: ClassVar[str | None] = "secgate"
    install_hint: ClassVar[str] = (
        "import OSV data first: secgate advisories import PATH (the PyPA advisory database's "
        "vulns/ directory, or an OSV all.zip)"
    )
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0, 1})
    version_args: ClassVar[tuple[str, ...]] = ("-m", "secgate", "--version")
    version_in_output: ClassVar[bool] = True
    limitations: ClassVar[str] = (
        "knows only the imported OSV data: as current as its snapshot, whose date every "
        "report names (policy advisories.max_age_days warns on old data)"
    )

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        doc = sample.json
        return isinstance(doc, dict) and doc.get("schema") == SCHEMA_ID

    def parse(self, data: bytes) -> ParseResult:
        return parse_audit(data)

    # --- run ------------------------------------------------------------------------------
    def find_executable(self) -> str | None:
        """The Python that runs the audit (this one, or ``$SECGATE_OSV_BIN``: an interpreter
        with secgate installed) when OSV data has been imported."""
        python = os.environ.get(self.env_var) or sys.executable
        if not (Path(python).is_file() and os.access(python, os.X_OK)):
            return None
        try:
            store = open_store()
        except SecgateError:
            return python  # the run reports what is wrong with the store
        if store is None:
            return None
        with store:
            return python if store.has("osv") else None

    def missing_reason(self) -> str:
        return f"no OSV data in {store_path()}; {self.install_hint}"

    def skip_reason(self, target: Path) -> str | None:
        if pins.find_files(target):
            return None
        return (
            "no requirement or lock files (requirements*.txt, poetry.lock, uv.lock, "
            "pyproject.toml) to audit"
        )

    def cache_inputs(self, ctx: RunContext) -> CacheInputs | None:
        # the pin files and the store are named on the command line: their content counts
        return CacheInputs(kinds=frozenset({"requirements"}))

    def invocation(self, ctx: RunContext) -> Invocation:
        argv = [
            ctx.executable,
            "-m",
            "secgate",
            "advisories",
            "audit",
            ".",
            "--json",
            "--db",
            str(store_path()),
        ]
        for name in pins.find_files(ctx.target):
            argv += ["--file", name]
        return Invocation(argv=argv, cwd=ctx.target)


def parse_audit(data: bytes) -> ParseResult:
    """Read a ``secgate/osv-audit/v1`` document."""
    doc = decode_json(data)
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_ID:
        raise InputError(f"not a secgate OSV audit (expected schema {SCHEMA_ID!r})")
    results = doc.get("results")
    if not isinstance(results, list):
        raise InputError("'results' must be a list")
    parsed = ParseResult(tool_version=_text(doc.get("secgate_version")))
    for index, result in enumerate(results):
        parsed.findings.extend(_findings(result, index, parsed.notes))
    unpinned = [str(u) for u in fields.opt_array(doc, "unpinned", "")]
    problems = [str(p) for p in fields.opt_array(doc, "problems", "")]
    parsed.notes.extend(f"{entry}: not pinned to one version, not judged" for entry in unpinned)
    parsed.notes.extend(f"{entry}: not read" for entry in problems)
    skipped = len(unpinned) + len(problems)
    if skipped and not results:
        parsed.incomplete = True
        parsed.notes.insert(
            0, f"osv could judge none of the {skipped} requirement(s): none pins a version"
        )
    elif skipped:
        parsed.notes.insert(
            0,
            f"osv judged {len(results)} pinned package(s); {skipped} "
            "requirement(s) pin no version and were not judged",
        )
    return parsed


def _findings(result: Any, index: int, notes: list[str]) -> list[Finding]:
    if (
        not isinstance(result, dict)
        or not isinstance(result.get("name"), str)
        or not isinstance(result.get("version"), str)
        or not isinstance(result.get("vulns"), list)
    ):
        raise InputError(f"results[{index}] has no 'name', 'version' and 'vulns'")
    name, version = result["name"], result["version"]
    at = f"results[{index}]"
    path = fields.opt_path(result, "path", at)
    where = Location(path=path, start_line=fields.line(result, "line", at)) if path else None
    for undecided_at, undecided in fields.objects(result, "undecided", at):
        unread = fields.opt_array(undecided, "versions", undecided_at)
        notes.append(
            f"{name} {version}: {undecided.get('id')} not judged (versions PEP 440 "
            f"cannot read: {', '.join(str(v) for v in unread)})"
        )
    findings = []
    for vuln_index, vuln in enumerate(result["vulns"]):
        vuln_at = f"{at}.vulns[{vuln_index}]"
        if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str):
            raise InputError(f"a vulnerability of {name} {version} has no 'id'")
        fixed = [str(v) for v in fields.opt_array(vuln, "fixed", vuln_at) if v]
        findings.append(
            vulnerability_finding(
                VulnReport(
                    tool="osv",
                    vuln_id=vuln["id"],
                    package=pypi_package(name, version, fixed),
                    rating=rate(_ratings(vuln, vuln_at)),
                    aliases=[str(a) for a in fields.opt_array(vuln, "aliases", vuln_at)],
                    description=_text(vuln.get("summary")) or _text(vuln.get("details")),
                    location=where,
                )
            )
        )
    return findings


def _ratings(vuln: dict[str, Any], where: str) -> list[Rating | None]:
    found: list[Rating | None] = [
        from_cvss(_text(severity.get("score")), None, _CVSS_TYPES[str(severity["type"])])
        for severity in fields.opt_array(vuln, "severity", where)
        if isinstance(severity, dict)
        and isinstance(severity.get("type"), str)
        and severity["type"] in _CVSS_TYPES
    ]
    found.append(from_tool(_text(vuln.get("severity_word"))))
    return found


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
