"""The normalized data model: what every adapter produces and every later stage consumes.

A ``Finding`` is one problem, whichever tool (or tools) reported it. A ``ScannerRun`` records one
scanner's run or ingested file, including the runs that failed: "could not do it" is data, and the
policy decides what it means. A secret's raw value is never a field of anything here: adapters
keep a salted hash and a masked preview (see ``secgate.findings.secrets``).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import typing
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from secgate.remediation.model import UpgradePlan


class Severity(str, Enum):
    """secgate's severity scale, highest first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info: compare severities with this."""
        return _RANK_OF[self]

    @classmethod
    def from_score(cls, score: float) -> Severity:
        """The severity band of a 0-10 score, with the CVSS v3/v4 qualitative bands
        (which GitHub also uses for ``security-severity``)."""
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        if score > 0.0:
            return cls.LOW
        return cls.INFO

    @property
    def default_score(self) -> float:
        """A representative score inside this severity's band, for tools that give none."""
        return _DEFAULT_SCORE[self]

    @property
    def sarif_level(self) -> Level:
        """The SARIF level a result of this severity gets: error for high and critical,
        warning for medium, note below."""
        return _LEVEL_OF[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity name as tools spell it (``HIGH``, ``Moderate``, ``error``...)."""
        key = text.strip().lower()
        if key in _SEVERITY_ALIASES:
            return _SEVERITY_ALIASES[key]
        return cls(key)


SEVERITY_RANK = {
    Severity.CRITICAL.value: 4,
    Severity.HIGH.value: 3,
    Severity.MEDIUM.value: 2,
    Severity.LOW.value: 1,
    Severity.INFO.value: 0,
}
_RANK_OF = {severity: SEVERITY_RANK[severity.value] for severity in Severity}
"""``SEVERITY_RANK`` keyed by the members themselves (``.value`` is a slow property)."""
_DEFAULT_SCORE = {
    Severity.CRITICAL: 9.5,
    Severity.HIGH: 8.0,
    Severity.MEDIUM: 5.5,
    Severity.LOW: 2.0,
    Severity.INFO: 0.0,
}
_SEVERITY_ALIASES = {
    "moderate": Severity.MEDIUM,
    "negligible": Severity.INFO,
    "informational": Severity.INFO,
    "unknown": Severity.INFO,
    "none": Severity.INFO,
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "note": Severity.LOW,
}


class Level(str, Enum):
    """A SARIF result level."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    NONE = "none"


_LEVEL_OF = {
    Severity.CRITICAL: Level.ERROR,
    Severity.HIGH: Level.ERROR,
    Severity.MEDIUM: Level.WARNING,
    Severity.LOW: Level.NOTE,
    Severity.INFO: Level.NOTE,
}


class Category(str, Enum):
    """What kind of problem a finding is."""

    SAST = "sast"
    DEPENDENCY = "dependency"
    SECRET = "secret"  # noqa: S105 - a category name, not a credential
    LICENSE = "license"
    MISCONFIG = "misconfig"
    CONTAINER = "container"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


_R = TypeVar("_R", bound="Record")


class Record:
    """The base of the records a scan makes by the hundred thousand, ``Finding``, ``Location``
    and ``Decision``: slotted dataclasses, not pydantic models. An adapter (or the policy) builds
    them from values it has checked, so making one validates nothing (a third of the time and of
    the memory of a model); data from outside (a cache entry, a report read back) is validated
    by pydantic on the way in, with ``model_validate``, and written with ``model_dump``, as a
    model would be."""

    __slots__ = ()
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    @classmethod
    def model_validate(cls: type[_R], data: Any) -> _R:
        """``data`` (JSON-like) checked and made into a record, as pydantic validates a model;
        raises ``pydantic.ValidationError``."""
        record: _R = _adapter(cls).validate_python(data)
        return record

    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        include: set[str] | None = None,
        exclude: set[str] | None = None,
        exclude_none: bool = False,
        exclude_defaults: bool = False,
    ) -> dict[str, Any]:
        """The record as data, with pydantic's ``model_dump`` options."""
        data: dict[str, Any] = _adapter(type(self)).serializer.to_python(
            self,
            mode=mode,
            include=include,
            exclude=exclude,
            exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
        )
        return data

    def model_dump_json(self) -> str:
        """The record as JSON text, as pydantic's ``model_dump_json`` writes it."""
        return self.json_bytes().decode("utf-8")

    def json_bytes(self) -> bytes:
        """The record as compact JSON, UTF-8 (pydantic's serializer for its class)."""
        return _adapter(type(self)).serializer.to_json(self)

    def model_copy(self: _R, *, update: dict[str, Any] | None = None, deep: bool = False) -> _R:
        """A copy (shallow, or ``deep``) with ``update``'s fields replaced (not validated)."""
        source = copy.deepcopy(self) if deep else self
        return dataclasses.replace(source, **(update or {}))  # type: ignore[type-var]


_ADAPTERS: dict[type[Record], TypeAdapter[Any]] = {}


def _adapter(cls: type[Record]) -> TypeAdapter[Any]:
    """The validator and serializer of a record class, made on first use (not at import)."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


MODEL_TYPES = (BaseModel, Record)
"""What ``isinstance`` takes to ask whether a value is one of secgate's models or records."""


def field_types(cls: type[BaseModel] | type[Record]) -> dict[str, Any]:
    """Field name -> its type (``Annotated`` metadata left out), in order, for a pydantic
    model class or a record class (worked out each call: callers keep what they derive)."""
    if issubclass(cls, BaseModel):
        return {name: info.annotation for name, info in cls.model_fields.items()}
    resolved = typing.get_type_hints(cls)
    return {f.name: resolved[f.name] for f in dataclasses.fields(cls)}  # type: ignore[arg-type]


@dataclasses.dataclass(slots=True, kw_only=True)
class Location(Record):
    """Where a finding is: a repository-relative POSIX path and a region in it."""

    path: str
    start_line: int | None = None
    end_line: int | None = None
    start_column: int | None = None
    end_column: int | None = None
    snippet: str | None = None
    """The code at the location; for secrets, with the secret masked."""


class Package(_Model):
    """A dependency a finding is about."""

    name: str
    version: str | None = None
    ecosystem: str | None = None
    """Lower-case ecosystem name as OSV spells it: ``pypi``, ``npm``, ``debian``..."""
    purl: str | None = None
    fixed_versions: list[str] = Field(default_factory=list)


class Vulnerability(_Model):
    """A known vulnerability: its id as the tool named it and every alias (CVE, GHSA, PYSEC...)."""

    id: str
    aliases: list[str] = Field(default_factory=list)

    @property
    def all_ids(self) -> set[str]:
        return {self.id, *self.aliases}

    @property
    def canonical_id(self) -> str:
        """A stable id: a CVE when one is known, else GHSA, PYSEC, then the rest."""
        return min(self.all_ids, key=id_preference)


def id_preference(vuln_id: str) -> tuple[int, str]:
    """The order ids are named in: a CVE first, then GHSA, PYSEC, OSV, then the rest."""
    for rank, prefix in enumerate(("CVE-", "GHSA-", "PYSEC-", "OSV-")):
        if vuln_id.upper().startswith(prefix):
            return rank, vuln_id
    return 9, vuln_id


class License(_Model):
    """A license as the tool reported it, and its SPDX expression when it could be normalized."""

    raw: str
    spdx: str | None = None
    """The SPDX license expression, or None when the name is unknown."""


class Secret(_Model):
    """What secgate keeps of a secret: never the value itself."""

    hash: str
    """Salted hash of the raw value, for dedupe and fingerprints."""
    preview: str
    """The value masked: a few of its first and last characters at most."""
    kind: str | None = None
    """The detector or rule that recognised it (``aws-access-token``, ``AWS``...)."""
    verified: bool | None = None
    """True when the tool verified the secret live; None when it could not tell."""


class Source(_Model):
    """One tool's report of a finding (a merged finding has several)."""

    tool: str
    rule_id: str
    reports: int | None = None
    """How many reports of this tool and rule the finding stands for, when more than one (the
    same secret in two commits, one run ingested as JSON and as SARIF)."""

    @classmethod
    def of(cls, tool: str, rule_id: str) -> Source:
        """The shared ``Source`` for this tool and rule (sources are never changed in place, so
        the findings of one rule can share one: 100,000 findings need a few hundred)."""
        return _shared_source(tool, rule_id)


@functools.lru_cache(maxsize=65536)
def _shared_source(tool: str, rule_id: str) -> Source:
    return Source(tool=tool, rule_id=rule_id)


class SuppressionKind(str, Enum):
    INLINE = "inline"  # a comment in the code: nosec, nosemgrep, gitleaks:allow
    EXTERNAL = "external"  # a tool's own ignore file or a SARIF suppression


class Suppression(_Model):
    """A suppression the tool itself reported (the policy decides whether it is honoured)."""

    kind: SuppressionKind
    justification: str | None = None


class Action(str, Enum):
    """What the policy does with a finding."""

    BLOCK = "block"
    WARN = "warn"
    IGNORE = "ignore"
    PASS = "pass"  # noqa: S105 - a verdict, not a password


class VexDecision(_Model):
    """The VEX statement that decided a finding (see ``secgate.advisories.vex``)."""

    status: Literal["not_affected", "fixed"]
    justification: str | None = None
    impact: str | None = None
    """OpenVEX's impact statement, CycloneDX's analysis detail."""
    document: str
    """The document's id, else its file name."""
    source: str
    """The file the statement came from."""
    statement: int
    """The statement's index in its document."""


@dataclasses.dataclass(slots=True, kw_only=True)
class Decision(Record):
    """The policy's decision on one finding and what decided it (a record: one per finding)."""

    action: Action
    decided_by: str
    """Which part of the policy decided: ``threshold``, ``rule:<id>``, ``accept:<n>``,
    ``vex:<document>``, ``baseline``, ``suppression``, ``license``."""
    reason: str
    """One line a person reads: why this finding blocks, warns or is ignored."""
    vex: VexDecision | None = None
    """The VEX statement, when one decided (``decided_by`` is then ``vex:<document>``)."""


BaselineState = Literal["new", "existing"]


class KevStatus(_Model):
    """Whether CISA's Known Exploited Vulnerabilities catalog lists the vulnerability."""

    listed: bool
    date_added: str | None = None
    """The day CISA added it (``YYYY-MM-DD``); None when not listed."""
    due_date: str | None = None
    """The remediation due date CISA set for federal agencies; None when not listed."""
    ransomware: bool | None = None
    """True when CISA knows of its use in ransomware campaigns."""
    cve: str | None = None
    """The CVE id the catalog lists it under."""


class EpssStatus(_Model):
    """FIRST's EPSS score: the probability (0-1) of exploitation activity in the next 30 days."""

    score: float = Field(ge=0.0, le=1.0)
    percentile: float = Field(ge=0.0, le=1.0)
    cve: str
    date: str | None = None
    """The day the score was computed (the EPSS file's ``score_date``)."""


SnapshotKind = Literal["osv", "kev", "epss"]


class AdvisorySnapshot(_Model):
    """One imported advisory data set that a scan consulted (see ``secgate.advisories``)."""

    kind: SnapshotKind
    source: str
    """Where it was imported from (a path as given to ``secgate advisories import``)."""
    sha256: str
    """The content hash of what was imported."""
    records: int
    date: str | None = None
    """How current the data is (``YYYY-MM-DD``): the newest ``modified`` of OSV records, KEV's
    ``dateReleased``, EPSS's ``score_date``."""
    imported_at: str


Reachable = bool | Literal["unknown"]
"""Whether a dependency is used: True, False or ``"unknown"``."""


@dataclasses.dataclass(slots=True, kw_only=True)
class Finding(Record):
    """One problem, normalized from whichever tool(s) reported it."""

    tool: str
    tool_version: str | None = None
    rule_id: str
    rule_name: str | None = None
    rule_description: str | None = None
    """A short description of the rule (SARIF ``shortDescription``)."""
    rule_help: str | None = None
    """Longer help text for the rule (SARIF ``fullDescription``/``help``)."""
    help_uri: str | None = None
    category: Category
    severity: Severity
    score: Annotated[float, Field(ge=0.0, le=10.0)]
    """0-10, carried to SARIF ``security-severity``."""
    level: Level
    confidence: str | None = None
    message: str
    location: Location | None = None
    package: Package | None = None
    vulnerability: Vulnerability | None = None
    cwes: list[str] = dataclasses.field(default_factory=list)
    """CWE ids, normalized as ``CWE-78``."""
    license: License | None = None
    secret: Secret | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    fingerprint: str | None = None
    """secgate's stable fingerprint (see ``secgate.findings.fingerprint``)."""
    line_hash: str | None = None
    """GitHub's ``primaryLocationLineHash`` for the primary location, when computed."""
    sources: list[Source] = dataclasses.field(default_factory=list)
    suppression: Suppression | None = None
    baseline: BaselineState | None = None
    changed: bool | None = None
    """Pull-request mode (``--base``): True when the pull request touches it — its location is on
    a line the pull request adds or modifies, its requirement line changed, or a history scanner
    found it in one of the pull request's commits (``secgate.pull_request.diff``); None outside
    pull-request mode."""
    decision: Decision | None = None
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Tool-specific extras worth keeping (JSON-compatible values only)."""
    kev: KevStatus | None = None
    """Whether CISA's KEV catalog lists the vulnerability; None without KEV data."""
    epss: EpssStatus | None = None
    """The vulnerability's EPSS score; None without EPSS data or a scored CVE."""
    reachable: Reachable | None = None
    """For a Python dependency finding: True when a scanned Python file imports the package
    (or a package it imports needs it), False when none does, ``"unknown"`` when secgate cannot
    tell (it gates like True); None when not judged (see ``secgate.remediation.reachability``)."""
    reachable_via: str | None = None
    """Why ``reachable`` is what it is, in one line (``imported as yaml in app/main.py:3``)."""

    def __post_init__(self) -> None:
        # a whole-number score (CVSS 7) is kept as the float pydantic made of it: reports write
        # ``7.0`` whichever tool gave it
        if type(self.score) is not float:
            self.score = float(self.score)

    @property
    def fixable(self) -> bool:
        """True when a fixed version of the affected package is known."""
        return bool(self.package and self.package.fixed_versions)

    @property
    def lowest_fixed_version(self) -> str | None:
        """The lowest known fixed version, compared as versions where they parse."""
        if not self.package or not self.package.fixed_versions:
            return None
        from secgate.findings.versions import (
            lowest,  # local import: keeps model free of packaging logic
        )

        return lowest(self.package.fixed_versions)

    @property
    def source_tools(self) -> list[str]:
        """Every tool that reported this finding, in order, without repeats."""
        tools = [s.tool for s in self.sources] or [self.tool]
        return list(dict.fromkeys(tools))

    @property
    def path(self) -> str | None:
        return self.location.path if self.location else None

    @property
    def place(self) -> str:
        """Where the finding is, as reports and plans print it: ``path:line``, the package
        (``name==version``), or ``-``."""
        loc = self.location
        if loc is not None:
            line = f":{loc.start_line}" if loc.start_line else ""
            return f"{loc.path}{line}"
        if self.package is not None:
            return f"{self.package.name}=={self.package.version or '?'}"
        return "-"

    def sort_key(self) -> tuple[Any, ...]:
        """The deterministic report order: most severe first, then place, then rule."""
        loc = self.location
        return (
            -self.severity.rank,
            -self.score,
            loc.path if loc else "",
            (loc.start_line or 0) if loc else 0,
            self.tool,
            self.rule_id,
            self.package.name if self.package else "",
            self.fingerprint or "",
            self.message,
        )


class RunStatus(str, Enum):
    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"
    TIMED_OUT = "timed_out"


RunOrigin = Literal["run", "input", "cache"]


class ScannerRun(_Model):
    """One scanner's run (or one ingested file), successful or not."""

    tool: str
    version: str | None = None
    command: list[str] = Field(default_factory=list)
    status: RunStatus
    exit_code: int | None = None
    duration: float = 0.0
    """Seconds of wall time."""
    error: str | None = None
    notes: list[str] = Field(default_factory=list)
    """Things the run could not do that do not make it fail (skipped dependencies, say)."""
    incomplete: bool = False
    """True when the run examined nothing it was meant to (every dependency skipped, say)."""
    origin: RunOrigin = "run"
    input_file: str | None = None
    finding_count: int = 0
    started_at: str | None = None
    """ISO-8601 UTC start time; written only to SARIF's invocation block."""

    @property
    def succeeded(self) -> bool:
        return self.status is RunStatus.OK and not self.incomplete


class VerdictStatus(str, Enum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    BLOCK = "block"
    ERROR = "error"


class Verdict(_Model):
    """The gate's answer and the reasons for it."""

    status: VerdictStatus
    reasons: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    """Named counts: ``blocking``, ``warning``, ``ignored``, ``new``, ``existing``..."""

    @property
    def exit_code(self) -> int:
        from secgate.errors import ExitCode

        return {
            VerdictStatus.PASS: ExitCode.PASS,
            VerdictStatus.WARN: ExitCode.PASS,
            VerdictStatus.BLOCK: ExitCode.BLOCKED,
            VerdictStatus.ERROR: ExitCode.SCANNER_ERROR,
        }[self.status].value


class GateChange(_Model):
    """One change a pull request makes to the gate's own configuration (``secgate scan
    --base``; see ``secgate.pull_request.changes``)."""

    file: str
    """The file, relative to the scanned directory: ``.secgate.yml``, ``.secgateignore``..."""
    setting: str
    """What in it: ``fail_on``, ``rule:<id>``, ``accept:<id>``, ``scanners.required``..."""
    summary: str
    weakens: bool
    """True when it may let through what the base's configuration would stop."""


class PullRequestGate(_Model):
    """Pull-request mode: whose configuration judged the scan, and what the pull request
    changes in it."""

    base: str
    """The base as given (``origin/main``)."""
    commit: str
    """The commit it resolved to; the policy, ``.secgateignore`` and baseline came from it."""
    on_weakening: Literal["warn", "block"]
    """The policy's ``gate_changes``: what a pull request that weakens the gate gets."""
    changes: list[GateChange] = Field(default_factory=list)
    block: Literal["changed", "all"] = "changed"
    """The policy's ``pull_request.block``: ``changed``: only findings the pull request touches
    block, the others warn (decided by ``diff``); ``all``: any finding may block."""
    head: str | None = None
    """The commit scanned (HEAD), whose diff against the base marks findings ``changed``."""
    merge_base: str | None = None
    """Where the pull request branched from the base: its diff and commits start here."""
    prefix: str = ""
    """The scanned directory relative to the repository's top (``""`` or ``"sub/dir/"``): a
    finding's path joined to it is the path GitHub's review comments take."""

    @property
    def weakening(self) -> list[GateChange]:
        return [change for change in self.changes if change.weakens]


class ScanResult(_Model):
    """Everything one ``secgate scan`` (or ``report``) knows: the input of every report."""

    findings: list[Finding] = Field(default_factory=list)
    runs: list[ScannerRun] = Field(default_factory=list)
    verdict: Verdict
    policy: str
    """Which policy judged: a file path, or ``builtin:<name>`` for a shipped one."""
    target: str | None = None
    secgate_version: str
    notes: list[str] = Field(default_factory=list)
    """Run-wide messages for the reader (expiring acceptances, stale ones, dropped results...)."""
    fixed: list[Finding] = Field(default_factory=list)
    """Baseline findings no longer found."""
    pull_request: PullRequestGate | None = None
    """Set in pull-request mode (``--base``)."""
    advisories: list[AdvisorySnapshot] = Field(default_factory=list)
    """The imported advisory data the scan consulted, with each snapshot's date."""
    upgrades: UpgradePlan | None = None
    """The upgrade plan for the blocking Python dependencies (``secgate.remediation.plan``);
    None when none blocks."""
