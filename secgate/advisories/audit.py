"""Auditing a project's pinned Python requirements against the imported OSV data: what the
``osv`` scanner runs (``secgate advisories audit``), with no network.

The result is one JSON document, ``secgate/osv-audit/v1``, that the ``osv`` adapter reads:

- ``snapshots``: the OSV snapshots consulted (source, hash, records, date);
- ``files``: the pin files read; ``unpinned``: requirements that pin no version (not judged);
  ``problems``: pin files that could not be read;
- ``results``: one entry per pinned package version (``name``, ``version``, ``path``, ``line``)
  with its ``vulns`` (``id``, ``aliases``, ``summary``, ``details``, ``severity`` as OSV gives
  it, ``severity_word``, ``fixed`` versions above the pin, ``published``, ``modified``,
  ``references``) and ``undecided`` advisories (ranges PEP 440 cannot read), and ``withdrawn``,
  the count of withdrawn advisories about it that were left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate import __version__
from secgate.advisories import pins as pin_files
from secgate.advisories.osv import PYPI

if TYPE_CHECKING:
    from secgate.advisories.store import AdvisoryStore, Match

SCHEMA_ID = "secgate/osv-audit/v1"
_REFERENCE_LIMIT = 20


def audit(store: AdvisoryStore, target: Path, files: list[str] | None = None) -> dict[str, Any]:
    """The audit document for the pins under ``target`` (see the module docstring)."""
    found = pin_files.read(target, files)
    results = []
    for pin in found.unique():
        assert pin.version is not None  # noqa: S101 - unique() keeps pinned versions only
        verdict = store.affecting(PYPI, pin.name, pin.version)
        results.append(
            {
                "name": pin.name,
                "version": pin.version,
                "path": pin.path,
                "line": pin.line,
                "vulns": [vuln_entry(match) for match in verdict.matches],
                "undecided": [
                    {"id": u.advisory.id, "versions": u.versions} for u in verdict.undecided
                ],
                "withdrawn": verdict.withdrawn,
            }
        )
    return {
        "schema": SCHEMA_ID,
        "secgate_version": __version__,
        "snapshots": [s.model_dump(mode="json") for s in store.snapshots("osv")],
        "files": found.files,
        "results": results,
        "unpinned": found.unpinned,
        "problems": found.problems,
    }


def vuln_entry(match: Match) -> dict[str, Any]:
    """One advisory matching a pin, as a ``vulns`` entry of the audit document."""
    advisory = match.advisory
    return {
        "id": advisory.id,
        "aliases": [a for a in advisory.aliases if a != advisory.id],
        "summary": advisory.summary,
        "details": advisory.details,
        "severity": [{"type": s.type, "score": s.score} for s in advisory.severity],
        "severity_word": advisory.severity_word,
        "fixed": match.fixed,
        "published": advisory.published,
        "modified": advisory.modified,
        "references": [r.url for r in advisory.references][:_REFERENCE_LIMIT],
    }


def render_text(doc: dict[str, Any]) -> str:
    """The audit as lines a person reads (``secgate advisories audit`` without ``--json``)."""
    lines = []
    for result in doc["results"]:
        where = f"{result['path']}:{result['line']}"
        for vuln in result["vulns"]:
            ids = ", ".join([vuln["id"], *vuln["aliases"]])
            fix = f"fixed in {vuln['fixed'][0]}" if vuln["fixed"] else "no fixed version known"
            lines.append(f"{result['name']} {result['version']} ({where}): {ids}; {fix}")
        lines.extend(
            f"{result['name']} {result['version']} ({where}): {undecided['id']} not "
            f"judged (not PEP 440: {', '.join(undecided['versions'])})"
            for undecided in result["undecided"]
        )
    affected = sum(1 for r in doc["results"] if r["vulns"])
    vulns = sum(len(r["vulns"]) for r in doc["results"])
    lines.append(
        f"{len(doc['results'])} pinned package(s) audited, {affected} affected by "
        f"{vulns} known vulnerabilit{'y' if vulns == 1 else 'ies'}"
    )
    lines.extend(f"not pinned, not judged: {entry}" for entry in doc["unpinned"])
    lines.extend(f"not read: {entry}" for entry in doc["problems"])
    lines.extend(
        f"data: OSV {snap['source']} ({snap['records']} records, newest {snap['date']})"
        for snap in doc["snapshots"]
    )
    return "\n".join(lines) + "\n"
