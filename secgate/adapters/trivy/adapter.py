"""Trivy: vulnerabilities in OS and language packages, misconfigurations, secrets and licenses.

Ingest reads every JSON shape Trivy has written: ``SchemaVersion: 2`` reports (``Results[]`` of
each ``Class``), the top-level list of Trivy before 0.20, the ``trivy k8s`` reports
(``Resources[]``, ``Findings[]``, and the older ``Vulnerabilities[]``/``Misconfigurations[]``
pair), and Trivy's SARIF (see ``secgate.adapters.trivy.sarif_report``).

Run mode is offline-safe by default: ``trivy fs`` (or ``config``, ``image``) with the secret,
license and misconfiguration scanners, which need no database. Vulnerability scanning needs
Trivy's database and runs only when the policy sets ``scanners.settings.trivy.vulnerabilities:
true``; where the database cannot be downloaded the run fails saying so.

How Trivy's fields become findings (also in docs/severity.md, "Trivy"):

- severity is Trivy's own ``Severity``; ``UNKNOWN`` falls back to the CVSS rating, else high for
  a vulnerability (``secgate.findings.severity.UNRATED_VULNERABILITY``) and info for anything else;
- the score is a CVSS base score from ``CVSS``: first the source Trivy took the severity from
  (``SeveritySource``), then ``nvd``, ``ghsa``, ``redhat``, then the others by name; within a
  source the newest CVSS version (v4.0, v3.x, v2). Without one, the severity's representative
  score;
- ``FixedVersion`` ``"1.2.3, 1.3.1"`` gives each fixed version;
- aliases are the CVE/GHSA/PYSEC ids named in ``References`` besides ``VulnerabilityID``;
- category: ``os-pkgs`` container, ``lang-pkgs`` dependency, ``config`` misconfig,
  ``secret`` secret, ``license``/``license-file`` license;
- secrets: Trivy masks them with ``*`` before writing, so secgate never sees a raw value and
  registers none; the secret's hash is taken over what is left (rule, file, masked match and its
  rank among identical matches), so it dedupes Trivy's own findings; the pipeline's
  ``secgate.findings.unmask`` then replaces it with the hash of the value read from the file where
  the masked match aligns with its line, so that Trivy's report merges with other tools' ones.
- licenses are info findings, one per license Trivy lists (a package with two licenses is two
  findings, as in Trivy's own count); Trivy's own classification and severity are kept in
  ``properties``: the policy's license rules decide;
- a vulnerability entry without ``VulnerabilityID`` (``omitempty`` in Trivy's writer) is skipped
  and named in the run's notes; the rest of the report is read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

from secgate.adapters.interface import (
    Adapter,
    CacheInputs,
    Invocation,
    ParseResult,
    RunContext,
    Sample,
)
from secgate.adapters.pip_licenses import license_finding
from secgate.adapters.trivy.sarif_report import parse_sarif
from secgate.adapters.trivy.shared import check_id, fixed_versions, masked_secret
from secgate.errors import InputError, PolicyError
from secgate.files import fields
from secgate.files.project import environment_dirs
from secgate.files.reading import decode_json
from secgate.findings.ids import ids_in
from secgate.findings.severity import UNRATED_VULNERABILITY, Rating, best, from_cvss
from secgate.findings.spdx import normalize
from secgate.findings.versions import sort_versions
from secgate.model import (
    Category,
    Finding,
    Location,
    Package,
    Severity,
    Suppression,
    SuppressionKind,
    Vulnerability,
)
from secgate.sarif.reader import driver_name, is_sarif

MODES = ("fs", "config", "image")
OFFLINE_SCANNERS = ("secret", "license", "misconfig")
DB_MISSING_MARKERS = ("failed to download vulnerability DB", "cannot be specified on the first run")
"""Text of Trivy's error when its vulnerability database is missing and cannot be fetched."""

_COMMON_FLAGS = (
    "--skip-check-update",
    "--skip-version-check",
    "--disable-telemetry",
    "--cache-backend",
    "memory",
    "-q",
    "--format",
    "json",
)
_OS_TYPES = frozenset(
    {
        "alpine",
        "alma",
        "amazon",
        "azurelinux",
        "bottlerocket",
        "cbl-mariner",
        "centos",
        "chainguard",
        "debian",
        "echo",
        "fedora",
        "minimos",
        "opensuse",
        "opensuse.leap",
        "opensuse.tumbleweed",
        "oracle",
        "photon",
        "redhat",
        "rocky",
        "sles",
        "suse linux enterprise",
        "ubuntu",
        "wolfi",
    }
)
_ECOSYSTEMS = {
    "pip": "pypi",
    "pipenv": "pypi",
    "poetry": "pypi",
    "uv": "pypi",
    "python-pkg": "pypi",
    "conda-pkg": "conda",
    "npm": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "bun": "npm",
    "node-pkg": "npm",
    "gomod": "go",
    "gobinary": "go",
    "cargo": "crates.io",
    "rust-binary": "crates.io",
    "bundler": "rubygems",
    "gemspec": "rubygems",
    "composer": "packagist",
    "composer-vendor": "packagist",
    "jar": "maven",
    "pom": "maven",
    "gradle": "maven",
    "sbt": "maven",
    "nuget": "nuget",
    "dotnet-core": "nuget",
    "packages-props": "nuget",
    "conan": "conan",
    "pub": "pub",
    "hex": "hex",
    "swift": "swift",
    "cocoapods": "cocoapods",
}
_PURL_ECOSYSTEMS = {
    "pypi": "pypi",
    "npm": "npm",
    "golang": "go",
    "cargo": "crates.io",
    "gem": "rubygems",
    "composer": "packagist",
    "maven": "maven",
    "nuget": "nuget",
    "conan": "conan",
    "pub": "pub",
    "hex": "hex",
    "cocoapods": "cocoapods",
    "swift": "swift",
    "conda": "conda",
}
_CVSS_SOURCE_ORDER = ("nvd", "ghsa", "redhat")
_NON_PATH_TARGETS = frozenset(
    {"Python", "Node.js", "Java", "Go", "Ruby", "PHP", ".NET", "Rust", "Loose File License(s)"}
)


class TrivyAdapter(Adapter):
    """Trivy JSON (every schema) and SARIF; runs ``trivy fs|config|image``."""

    name: ClassVar[str] = "trivy"
    categories: ClassVar[frozenset[Category]] = frozenset(
        {
            Category.DEPENDENCY,
            Category.CONTAINER,
            Category.MISCONFIG,
            Category.SECRET,
            Category.LICENSE,
        }
    )
    executable: ClassVar[str | None] = "trivy"
    starts_first: ClassVar[bool] = True
    version_in_output: ClassVar[bool] = True
    install_hint: ClassVar[str] = (
        "install Trivy (https://trivy.dev) and put it on PATH, or set SECGATE_TRIVY_BIN"
    )
    limitations: ClassVar[str] = (
        "secret, license and misconfiguration scanning work offline; vulnerability scanning "
        "(scanners.settings.trivy.vulnerabilities: true) needs Trivy's database, downloaded "
        "from mirror.gcr.io / ghcr.io"
    )
    config_files: ClassVar[tuple[str, ...]] = ("trivy.yaml", ".trivyignore", ".trivyignore.yaml")

    # --- ingest ---------------------------------------------------------------------------
    def detect(self, sample: Sample) -> bool:
        return shape_of(sample.json) is not None

    def parse(self, data: bytes) -> ParseResult:
        doc = decode_json(data)
        if doc is None:  # legacy Trivy (< 0.20) printed its nil results list as ``null``
            return ParseResult()
        shape = shape_of(doc)
        if shape is None:
            raise InputError(
                "not a Trivy report (no SchemaVersion 2 'Results', legacy list, "
                "Kubernetes report or Trivy SARIF)"
            )
        if shape == "sarif":
            return parse_sarif(doc)
        if shape == "v2":
            return _parse_v2(doc)
        if shape == "legacy":
            reader = _Reader()
            reader.results(doc, artifact_type=None)
            return reader.result()
        return _parse_k8s(doc)

    # --- run ------------------------------------------------------------------------------
    def invocation(self, ctx: RunContext) -> Invocation:
        settings = TrivySettings.from_config(ctx.config, ctx.target)
        output = ctx.work_dir / "trivy.json"
        argv = [ctx.executable, settings.mode]
        if settings.mode != "config":
            argv += ["--scanners", ",".join(settings.scanners)]
            if "license" in settings.scanners:
                argv.append("--license-full")
        if (
            settings.mode in ("fs", "config")
            and Path(settings.target).resolve() == ctx.target.resolve()
        ):
            # environments and VCS data are not the project's own files
            skipped = [d for d in (".git", "node_modules") if (ctx.target / d).is_dir()]
            skipped += environment_dirs(ctx.target)
            for directory in skipped:
                argv += ["--skip-dirs", directory]
        argv += [*_COMMON_FLAGS, "-o", str(output), settings.target]
        return Invocation(argv=argv, output=output, cwd=ctx.target)

    def cache_inputs(self, ctx: RunContext) -> CacheInputs | None:
        """An image (its tag may point at new content) or a directory other than the scanned
        one is never cached."""
        settings = TrivySettings.from_config(ctx.config, ctx.target)
        if settings.mode == "image" or Path(settings.target).resolve() != ctx.target.resolve():
            return None
        return super().cache_inputs(ctx)

    def explain_failure(self, exit_code: int | None, stderr: str) -> str | None:
        """A clear reason for a failed run, when Trivy's error output shows one."""
        if any(marker in stderr for marker in DB_MISSING_MARKERS):
            return (
                "Trivy's vulnerability database is missing and could not be downloaded "
                "(is its repository, mirror.gcr.io or ghcr.io by default, reachable?); "
                "vulnerability scanning cannot run here. Unset "
                "scanners.settings.trivy.vulnerabilities to scan secrets, licenses and "
                "misconfigurations only"
            )
        return None


@dataclass(frozen=True)
class TrivySettings:
    """``scanners.settings.trivy`` from the policy."""

    mode: str = "fs"
    target: str = "."
    vulnerabilities: bool = False

    @property
    def scanners(self) -> list[str]:
        return [*OFFLINE_SCANNERS, *(["vuln"] if self.vulnerabilities else [])]

    @classmethod
    def from_config(cls, config: Mapping[str, Any], default_target: Path) -> TrivySettings:
        mode = str(config.get("mode") or "fs")
        if mode not in MODES:
            raise PolicyError(
                f"scanners.settings.trivy.mode must be one of {', '.join(MODES)}, not {mode!r}"
            )
        target = config.get("target")
        if mode == "image" and not target:
            raise PolicyError(
                "scanners.settings.trivy.target must name the image to scan when mode is image"
            )
        return cls(
            mode=mode,
            target=str(target or default_target),
            vulnerabilities=bool(config.get("vulnerabilities", False)),
        )


def shape_of(doc: Any) -> str | None:
    """Which Trivy output ``doc`` is: ``v2``, ``legacy``, ``k8s``, ``sarif``, or None."""
    if isinstance(doc, dict):
        if is_sarif(doc):
            return "sarif" if _is_trivy_sarif(doc) else None
        if "SchemaVersion" in doc and ("Results" in doc or "ArtifactName" in doc):
            return "v2"
        if "ClusterName" in doc and any(
            k in doc for k in ("Resources", "Findings", "Vulnerabilities", "Misconfigurations")
        ):
            return "k8s"
        return None
    if (
        isinstance(doc, list)
        and doc
        and all(
            isinstance(r, dict)
            and "Target" in r
            and any(k in r for k in ("Vulnerabilities", "Type", "Class"))
            for r in doc[:5]
        )
    ):
        return "legacy"
    return None


def _is_trivy_sarif(doc: dict[str, Any]) -> bool:
    return any(driver_name(run).strip().lower() == "trivy" for run in doc.get("runs") or [])


def _parse_v2(doc: dict[str, Any]) -> ParseResult:
    version = doc.get("SchemaVersion")
    if version != 2:
        raise InputError(f"unsupported Trivy SchemaVersion {version!r} (secgate reads 2)")
    reader = _Reader(tool_version=_trivy_version(doc))
    results = doc.get("Results")
    reader.results(
        results if results is not None else [],
        artifact_type=fields.scalar_text(doc, "ArtifactType", ""),
        artifact=fields.scalar_text(doc, "ArtifactName", ""),
        where="Results",
    )
    return reader.result()


def _parse_k8s(doc: dict[str, Any]) -> ParseResult:
    reader = _Reader(tool_version=_trivy_version(doc))
    cluster = fields.scalar_text(doc, "ClusterName", "") or ""
    for key in ("Resources", "Findings", "Vulnerabilities", "Misconfigurations"):
        for place, resource in fields.objects(doc, key, ""):
            name = "/".join(
                fields.scalar_text(resource, k, place) or "" for k in ("Namespace", "Kind", "Name")
            )
            error = fields.scalar_text(resource, "Error", place)
            if error:
                reader.notes.append(f"{name}: {error}")
            reader.results(
                resource.get("Results") or [],
                artifact_type="kubernetes",
                artifact=cluster or None,
                resource=name,
                where=f"{place}.Results",
            )
    return reader.result()


def _trivy_version(doc: dict[str, Any]) -> str | None:
    trivy = doc.get("Trivy")
    if isinstance(trivy, dict):
        return fields.scalar_text(trivy, "Version", "Trivy")
    return None


@dataclass
class _Reader:
    """Collects findings from ``Results[]`` lists, wherever in the report they are."""

    tool_version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    skipped: int = 0

    def result(self) -> ParseResult:
        return ParseResult(
            findings=self.findings,
            tool_version=self.tool_version,
            notes=self.notes,
            skipped=self.skipped,
        )

    def results(
        self,
        results: Any,
        *,
        artifact_type: str | None,
        artifact: str | None = None,
        resource: str | None = None,
        where: str = "",
    ) -> None:
        results = fields.array(results, where)
        for index, result in enumerate(results):
            place = f"{where}[{index}]"
            result = fields.obj(result, place)
            ctx = _Context(result, artifact_type, artifact, resource, results, place)
            for item_where, vuln in fields.objects(result, "Vulnerabilities", place):
                if not fields.scalar_text(vuln, "VulnerabilityID", item_where):
                    self.skipped += 1
                    self.notes.append(_skipped_note(vuln, ctx, item_where))
                    continue
                self.findings.append(vulnerability_finding(vuln, ctx, item_where))
            for item_where, misconf in fields.objects(result, "Misconfigurations", place):
                finding = misconfig_finding(misconf, ctx, item_where)
                if finding is not None:
                    self.findings.append(finding)
            self.findings.extend(secret_findings(fields.objects(result, "Secrets", place), ctx))
            self.findings.extend(license_findings(fields.objects(result, "Licenses", place), ctx))


def _skipped_note(vuln: dict[str, Any], ctx: _Context, where: str) -> str:
    """The note for a vulnerability entry without ``VulnerabilityID``: what it was about."""
    pkg = fields.scalar_text(vuln, "PkgName", where) or "an unnamed package"
    version = fields.scalar_text(vuln, "InstalledVersion", where)
    title = fields.scalar_text(vuln, "Title", where)
    what = f"{pkg} {version}" if version else pkg
    return (
        f"skipped {where} in {ctx.target or 'the report'}: a vulnerability of {what} "
        "without a VulnerabilityID" + (f" ({title})" if title else "")
    )


@dataclass
class _Context:
    """One ``Results[]`` entry and where it sits in the report."""

    result: dict[str, Any]
    artifact_type: str | None
    artifact: str | None
    resource: str | None
    siblings: list[Any]
    where: str = ""

    @property
    def target(self) -> str:
        return fields.scalar_text(self.result, "Target", self.where) or ""

    @property
    def type(self) -> str:
        return (fields.scalar_text(self.result, "Type", self.where) or "").lower()

    @property
    def klass(self) -> str:
        klass = fields.scalar_text(self.result, "Class", self.where)
        if klass:
            return klass
        if self.type in _OS_TYPES or re.search(r"\(\w[\w.\- ]* [\w.]+\)$", self.target):
            return "os-pkgs"
        return "lang-pkgs"

    @property
    def path(self) -> str | None:
        """The target as a repository path, when it is one (not an image or a k8s resource)."""
        if self.resource is not None or self.artifact_type in ("container_image", "vm"):
            return None
        target = self.target
        if not target or target in _NON_PATH_TARGETS or " (" in target or ":" in target:
            return None
        return fields.path_text(target, fields.at(self.where, "Target"))

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {"target": self.target}
        if self.artifact:
            props["artifact"] = self.artifact
        if self.resource:
            props["resource"] = self.resource
        return props

    def ecosystem(self, purl: str | None) -> str | None:
        if purl and purl.startswith("pkg:"):
            kind, _, rest = purl[4:].partition("/")
            if kind in _PURL_ECOSYSTEMS:
                return _PURL_ECOSYSTEMS[kind]
            if kind in {"deb", "rpm", "apk"}:
                return rest.split("/", 1)[0].lower() or kind
        if self.type in _ECOSYSTEMS:
            return _ECOSYSTEMS[self.type]
        return self.type or None

    def package_line(self, name: str, version: str | None) -> int | None:
        """The line of a package in its manifest, from the result's ``Packages`` list."""
        packages = self.result.get("Packages")
        for pkg in packages if isinstance(packages, list) else []:
            if (
                isinstance(pkg, dict)
                and pkg.get("Name") == name
                and (version is None or pkg.get("Version") == version)
            ):
                locations = pkg.get("Locations")
                for loc in locations if isinstance(locations, list) else []:
                    start = loc.get("StartLine") if isinstance(loc, dict) else None
                    if type(start) is int and 0 < start <= fields.MAX_LINE:
                        return start
        return None


def _package(
    name: str,
    version: str | None,
    ecosystem: str | None,
    purl: str | None,
    fixed: list[str] | None = None,
) -> Package:
    if ecosystem == "pypi":
        name = canonicalize_name(name)
    return Package(
        name=name,
        version=version,
        ecosystem=ecosystem,
        purl=purl,
        fixed_versions=sort_versions(fixed or []),
    )


def _severity(value: Any) -> Severity | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        severity = Severity.parse(value)
    except ValueError:
        return None
    return None if value.strip().upper() == "UNKNOWN" else severity


def cvss_rating(vuln: Mapping[str, Any]) -> Rating | None:
    """The CVSS rating of a Trivy vulnerability by secgate's source order (see module doc)."""
    cvss = vuln.get("CVSS")
    if not isinstance(cvss, dict):
        return None
    first = str(vuln.get("SeveritySource") or "")
    order = [first, *_CVSS_SOURCE_ORDER, *sorted(cvss)]
    for source in dict.fromkeys(s for s in order if s in cvss):
        entry = cvss[source]
        if not isinstance(entry, dict):
            continue
        rating = best(
            [
                from_cvss(entry.get("V40Vector"), entry.get("V40Score"), "4.0"),
                from_cvss(entry.get("V3Vector"), entry.get("V3Score"), "3.1"),
                from_cvss(entry.get("V2Vector"), entry.get("V2Score"), "2"),
            ]
        )
        if rating is not None:
            return rating
    return None


def vulnerability_finding(vuln: dict[str, Any], ctx: _Context, where: str = "") -> Finding:
    """The finding of one ``Vulnerabilities[]`` entry."""
    vuln_id = fields.req_str(vuln, "VulnerabilityID", where)
    pkg_name = fields.req_str(vuln, "PkgName", where)
    version = fields.scalar_text(vuln, "InstalledVersion", where)
    identifier = fields.obj_or_empty(vuln, "PkgIdentifier", where)
    purl = fields.text(identifier, "PURL", f"{where}.PkgIdentifier")
    fixed = fixed_versions(vuln.get("FixedVersion"))
    package = _package(pkg_name, version, ctx.ecosystem(purl), purl, fixed)
    references = [r for r in fields.opt_array(vuln, "References", where) if isinstance(r, str)]
    aliases = sorted(set(ids_in(references)) - {vuln_id})
    vulnerability = Vulnerability(id=vuln_id, aliases=aliases)

    rating = cvss_rating(vuln)
    severity = (
        _severity(vuln.get("Severity"))
        or (rating.severity if rating else None)
        or UNRATED_VULNERABILITY.severity
    )
    score = rating.score if rating else severity.default_score

    category = Category.CONTAINER if ctx.klass == "os-pkgs" else Category.DEPENDENCY
    named = vuln_id + (f" ({', '.join(aliases)})" if aliases else "")
    fix = (
        f"fixed in {', '.join(package.fixed_versions)}"
        if package.fixed_versions
        else "no fixed version known"
    )
    who = f"{package.name} {version}" if version else package.name
    title = (fields.scalar_text(vuln, "Title", where) or "").strip()
    message = f"{who} is affected by {named}; {fix}" + (f": {title}" if title else "")
    if ctx.resource:  # one CVE in many workloads and images: each says where it is
        message = f"{ctx.resource} ({ctx.target}): {message}"
    location = None
    if ctx.path is not None:
        location = Location(path=ctx.path, start_line=ctx.package_line(pkg_name, version))
    properties = ctx.properties()
    for key, prop in (
        ("Status", "status"),
        ("SeveritySource", "severity_source"),
        ("PkgPath", "pkg_path"),
        ("PublishedDate", "published"),
    ):
        value = fields.scalar_text(vuln, key, where)
        if value:
            properties[prop] = value
    if rating is not None:
        properties.update(rating.properties())
    return Finding(
        tool="trivy",
        rule_id=vuln_id,
        rule_name=vulnerability.canonical_id,
        rule_description=title or f"Known vulnerability {vuln_id}",
        rule_help=(fields.scalar_text(vuln, "Description", where) or "").strip() or None,
        help_uri=fields.text(vuln, "PrimaryURL", where),
        category=category,
        severity=severity,
        score=score,
        level=severity.sarif_level,
        message=message,
        location=location,
        package=package,
        vulnerability=vulnerability,
        cwes=[c for c in fields.opt_array(vuln, "CweIDs", where) if isinstance(c, str)],
        tags=[
            "security",
            "vulnerability",
            ctx.klass,
            *([package.ecosystem] if package.ecosystem else []),
        ],
        properties=properties,
    )


def misconfig_finding(misconf: dict[str, Any], ctx: _Context, where: str = "") -> Finding | None:
    """The finding of one failed check; None for passed ones (``--include-non-failures``)."""
    status = (fields.scalar_text(misconf, "Status", where) or "FAIL").upper()
    if status == "PASS":
        return None
    raw_id = fields.text(misconf, "ID", where) or fields.text(misconf, "AVDID", where)
    if not raw_id:
        raise fields.fail(fields.at(where, "ID"), "missing")
    rule_id = check_id(raw_id)
    severity = _severity(misconf.get("Severity")) or Severity.INFO
    title = fields.scalar_text(misconf, "Title", where) or rule_id
    cause_key = "CauseMetadata" if misconf.get("CauseMetadata") else "IacMetadata"
    cause = fields.obj_or_empty(misconf, cause_key, where)
    cause_where = fields.at(where, cause_key)
    start = fields.line(cause, "StartLine", cause_where)
    end = fields.line(cause, "EndLine", cause_where)
    code = fields.obj_or_empty(cause, "Code", cause_where)
    lines = fields.objects(code, "Lines", f"{cause_where}.Code")
    snippet = (
        "\n".join(
            fields.scalar_text(line, "Content", line_where) or ""
            for line_where, line in lines
            if line.get("IsCause")
        )
        or None
    )
    location = None
    path = ctx.path
    if path is not None:
        location = Location(path=path, start_line=start, end_line=end, snippet=snippet)
    message = fields.scalar_text(misconf, "Message", where) or title
    if ctx.resource:
        message = f"{ctx.resource}: {message}"
    elif path is None and ctx.target:
        message = f"{ctx.target}: {message}"
    help_parts = [
        text
        for k in ("Description", "Resolution")
        if (text := fields.scalar_text(misconf, k, where))
    ]
    properties = ctx.properties()
    for key, prop in (
        ("Type", "check_type"),
        ("Namespace", "namespace"),
        ("Resolution", "resolution"),
    ):
        value = fields.scalar_text(misconf, key, where)
        if value:
            properties[prop] = value
    if raw_id != rule_id:
        properties["original_id"] = raw_id
    if ctx.resource is not None and start is not None:
        properties["manifest_lines"] = [start, end if end is not None else start]
    suppression = (
        Suppression(
            kind=SuppressionKind.EXTERNAL, justification="excepted in Trivy's configuration"
        )
        if status == "EXCEPTION"
        else None
    )
    return Finding(
        tool="trivy",
        rule_id=rule_id,
        rule_name=title,
        rule_description=title,
        rule_help="\n\n".join(help_parts) or None,
        help_uri=fields.text(misconf, "PrimaryURL", where),
        category=Category.MISCONFIG,
        severity=severity,
        score=severity.default_score,
        level=severity.sarif_level,
        message=message,
        location=location,
        tags=["security", "misconfig", *([ctx.type] if ctx.type else [])],
        suppression=suppression,
        properties=properties,
    )


def secret_findings(secrets: list[tuple[str, dict[str, Any]]], ctx: _Context) -> list[Finding]:
    """The findings of one file's ``Secrets[]``."""
    findings = []
    seen: dict[tuple[str, str], int] = {}
    for where, secret in secrets:
        rule_id = fields.req_str(secret, "RuleID", where)
        match = fields.scalar_text(secret, "Match", where) or ""
        rank = seen.get((rule_id, match), 0)
        seen[(rule_id, match)] = rank + 1
        severity = _severity(secret.get("Severity")) or Severity.HIGH
        title = fields.scalar_text(secret, "Title", where) or rule_id
        start = fields.line(secret, "StartLine", where)
        end = fields.line(secret, "EndLine", where)
        path = ctx.path or fields.path_text(ctx.target, fields.at(ctx.where, "Target"))
        location = Location(path=path, start_line=start, end_line=end, snippet=match or None)
        message = f"{title} in {path}" + (f": {match}" if match else "")
        if ctx.resource:
            message = f"{ctx.resource}: {message}"
        findings.append(
            Finding(
                tool="trivy",
                rule_id=rule_id,
                rule_name=title,
                rule_description=title,
                category=Category.SECRET,
                severity=severity,
                score=severity.default_score,
                level=severity.sarif_level,
                message=message,
                location=location,
                secret=masked_secret(
                    rule_id,
                    path,
                    match,
                    rank,
                    kind=fields.scalar_text(secret, "Category", where) or rule_id,
                ),
                tags=["security", "secret"],
                properties={**ctx.properties(), "masked_by_tool": True},
            )
        )
    return findings


def license_findings(licenses: list[tuple[str, dict[str, Any]]], ctx: _Context) -> list[Finding]:
    """The findings of a ``license``/``license-file`` result: one per license Trivy lists (a
    package with two licenses is two findings, each judged by the policy on its own)."""
    findings = []
    for where, entry in licenses:
        name = fields.req_str(entry, "Name", where)
        if not name.strip():
            raise fields.fail(fields.at(where, "Name"), "missing")
        for key in ("Severity", "Category", "Confidence", "Link"):
            value = entry.get(key)
            if isinstance(value, (dict, list)) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                raise fields.wrong(fields.at(where, key), "a string or a number", value)
        file_path = fields.opt_path(entry, "FilePath", where) or ""
        pkg_name = fields.scalar_text(entry, "PkgName", where) or ""
        package = _license_package(pkg_name, ctx) if pkg_name else None
        path = file_path or ctx.path
        location = Location(path=path) if path and ctx.resource is None else None
        properties = ctx.properties()
        properties["trivy_licenses"] = [
            {
                k.lower(): entry[k]
                for k in ("Name", "Severity", "Category", "Confidence", "Link")
                if entry.get(k) not in (None, "")
            }
        ]
        findings.append(
            license_finding(
                "trivy",
                package,
                normalize(name),
                location=location,
                properties=properties,
                rule_name="Package license" if package else "License file",
            )
        )
    return findings


def _license_package(name: str, ctx: _Context) -> Package:
    """The package a license belongs to, with the version and purl Trivy listed for it in a
    package result of the same file."""
    for sibling in ctx.siblings:
        if not isinstance(sibling, dict) or sibling.get("Class") not in ("lang-pkgs", "os-pkgs"):
            continue
        if sibling.get("Target") != ctx.target:
            continue
        packages = sibling.get("Packages")
        for pkg in packages if isinstance(packages, list) else []:
            pkg_name = pkg.get("Name") if isinstance(pkg, dict) else None
            if isinstance(pkg_name, str) and pkg_name.lower() == name.lower():
                identifier = pkg.get("Identifier")
                purl = identifier.get("PURL") if isinstance(identifier, dict) else None
                purl = purl if isinstance(purl, str) and purl else None
                version = pkg.get("Version")
                sib = _Context(sibling, ctx.artifact_type, ctx.artifact, ctx.resource, [])
                return _package(
                    name,
                    version if isinstance(version, str) and version else None,
                    sib.ecosystem(purl),
                    purl,
                )
    return _package(name, None, None, None)
