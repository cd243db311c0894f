"""pip-licenses: the license of every package installed in a Python environment.

Ingest reads ``pip-licenses -f json`` (a list of ``{Name, Version, License}``, plus ``URL`` with
``--with-urls``; ``--from=all`` gives ``License-Expression``, ``License-Classifier`` and
``License-Metadata`` instead of ``License``). Run mode reads an existing environment of the
scanned project with ``pip-licenses --python PY``; secgate does not build one (installing a
project's old pinned releases is slow and often fails). The environment's interpreter is the
policy setting ``scanners.settings.pip-licenses.python`` (relative to the target when not
absolute), else the first of ``.venv``, ``venv``, ``env`` in the target that holds
``bin/python``; without one the scanner is skipped and says why.

Every package becomes one ``license`` finding of severity info: whether a license is allowed is
the policy's decision, not the scanner's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

from secgate.adapters.interface import Adapter, Invocation, ParseResult, RunContext, Sample
from secgate.errors import InputError, ScannerError
from secgate.files.reading import decode_json
from secgate.findings.packages import purl_of
from secgate.findings.spdx import normalize
from secgate.model import Category, Finding, Level, License, Location, Package, Severity

VENV_DIRS = (".venv", "venv", "env")
"""Directories of a target searched for a Python environment, in order."""

_LICENSE_KEYS = ("License", "License-Expression", "License-Classifier", "License-Metadata")
_UNKNOWN = "UNKNOWN"


class PipLicensesAdapter(Adapter):
    """pip-licenses JSON, and runs over an existing environment of the target."""

    name: ClassVar[str] = "pip-licenses"
    categories: ClassVar[frozenset[Category]] = frozenset({Category.LICENSE})
    executable: ClassVar[str | None] = "pip-licenses"
    distribution: ClassVar[str | None] = "pip-licenses"
    install_hint: ClassVar[str] = "pip install pip-licenses"
    limitations: ClassVar[str] = (
        "reads an existing environment only (the target's .venv, or "
        "scanners.settings.pip-licenses.python); it does not install the requirements"
    )

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        doc = sample.json
        if not isinstance(doc, list) or not doc:
            return False
        return all(
            isinstance(row, dict)
            and "Name" in row
            and "Version" in row
            and any(key in row for key in _LICENSE_KEYS)
            for row in doc[:5]
        )

    def parse(self, data: bytes) -> ParseResult:
        doc = decode_json(data)
        if not isinstance(doc, list):
            raise InputError("not pip-licenses JSON (expected a list of packages)")
        findings = [package_finding(row, index) for index, row in enumerate(doc)]
        return ParseResult(findings=findings)

    # --- run ------------------------------------------------------------------------------
    def skip_reason_with(self, target: Path, config: Mapping[str, Any]) -> str | None:
        """Skipped (a note, not an error) when the target has no environment and the policy
        names none."""
        if config.get("python"):
            return None  # checked by preflight: a wrong setting is an error, not a skip
        return self.missing_environment(target, config)

    def preflight(self, ctx: RunContext, version: str | None) -> str | None:
        """An error when the policy names an interpreter that is not there."""
        return self.missing_environment(ctx.target, ctx.config)

    def missing_environment(self, target: Path, config: Mapping[str, Any]) -> str | None:
        """None when an environment to read is found, else why pip-licenses cannot run."""
        if environment_python(target, config) is not None:
            return None
        configured = config.get("python")
        if configured:
            return f"scanners.settings.pip-licenses.python ({configured}) is not an executable file"
        return (
            "no Python environment to read (no "
            + ", ".join(f"{d}/bin/python" for d in VENV_DIRS)
            + " in the target); set scanners.settings.pip-licenses.python"
        )

    def invocation(self, ctx: RunContext) -> Invocation:
        python = environment_python(ctx.target, ctx.config)
        if python is None:  # preflight() skipped the run before this
            raise ScannerError(self.missing_environment(ctx.target, ctx.config) or "no python")
        return Invocation(
            argv=[
                ctx.executable,
                "--python",
                str(python),
                "--format",
                "json",
                "--from",
                "mixed",
                "--with-urls",
            ],
            cwd=ctx.target,
        )


def environment_python(target: Path, config: Mapping[str, Any]) -> Path | None:
    """The interpreter of the environment pip-licenses should read, or None."""
    configured = config.get("python")
    if configured:
        path = Path(str(configured)).expanduser()
        path = path if path.is_absolute() else target / path
        return path if path.is_file() else None
    for name in VENV_DIRS:
        candidate = target / name / "bin" / "python"
        if candidate.is_file():
            return candidate
    return None


def package_finding(row: Any, index: int) -> Finding:
    """The license finding of one pip-licenses row."""
    if not isinstance(row, dict):
        raise InputError(f"package #{index + 1} is not an object")
    name, version = row.get("Name"), row.get("Version")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"package #{index + 1} has no 'Name'")
    if version is not None and not isinstance(version, str):
        raise InputError(f"package {name!r} has a 'Version' that is not a string")
    license_ = _license(row, name)
    canonical = canonicalize_name(name)
    package = Package(
        name=canonical,
        version=version or None,
        ecosystem="pypi",
        purl=purl_of("pypi", canonical, version),
    )
    properties: dict[str, Any] = {
        key.lower().replace("-", "_"): row[key]
        for key in sorted(row)
        if key.startswith("License-") and isinstance(row[key], str)
    }
    if isinstance(row.get("URL"), str) and row["URL"] != _UNKNOWN:
        properties["url"] = row["URL"]
    return license_finding("pip-licenses", package, license_, properties=properties)


def _license(row: dict[str, Any], name: str) -> License:
    """The row's license: ``License``, else the first known of the ``--from=all`` columns."""
    values = [row.get(key) for key in _LICENSE_KEYS if key in row]
    if not values:
        raise InputError(f"package {name!r} has no 'License'")
    if any(not isinstance(v, str) for v in values):
        raise InputError(f"package {name!r} has a license that is not a string")
    texts = [str(v) for v in values]
    for text in texts:
        if text.strip() and text.strip().upper() != _UNKNOWN:
            candidate = normalize(text)
            if candidate.spdx is not None:
                return candidate
    known = [t for t in texts if t.strip() and t.strip().upper() != _UNKNOWN]
    return normalize(known[0] if known else texts[0])


def license_finding(
    tool: str,
    package: Package | None,
    license_: License,
    *,
    location: Location | None = None,
    properties: dict[str, Any] | None = None,
    rule_name: str = "Package license",
) -> Finding:
    """A ``license`` finding for one package (or one license file when ``package`` is None):
    severity info, level note. Whether the license is acceptable is the policy's decision."""
    if package is not None:
        who = f"{package.name} {package.version}" if package.version else package.name
    else:
        who = location.path if location is not None else "a license file"
    if license_.spdx:
        message = f"{who} is licensed under {license_.spdx}"
        if license_.raw != license_.spdx:
            message += f" ({license_.raw!r} as reported)"
    else:
        message = f"{who} has a license that is not a known SPDX license: {license_.raw!r}"
    tags = ["license"]
    if package is not None:
        tags.append(package.ecosystem or "unknown-ecosystem")
    return Finding(
        tool=tool,
        rule_id="license" if license_.spdx else "license-unknown",
        rule_name=rule_name,
        rule_description="The license a dependency or file is distributed under",
        category=Category.LICENSE,
        severity=Severity.INFO,
        score=0.0,
        level=Level.NOTE,
        message=message,
        location=location,
        package=package,
        license=license_,
        tags=tags,
        properties=properties or {},
    )
