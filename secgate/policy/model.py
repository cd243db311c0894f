"""The policy as secgate holds it after loading.

The file format is defined by ``policy/schema.json``; a file is validated against it first (so
errors name the place in the file) and then read into these models, which give every key its
default. A list-or-single value in the file (``tool: bandit`` or ``tool: [bandit, semgrep]``) is
always a list here.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from secgate.findings.ids import normalize_cwe
from secgate.model import Action, Category, Severity

Threshold = Severity | Literal["none"]
RuleAction = Literal["block", "warn", "ignore"]

DEFAULT_ACCEPT_WARN_DAYS = 14
INSTALLED = "installed"
"""``scanners.required: installed``: every scanner found on this machine is required."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    """A single value written where a list is allowed, as a one-item list."""
    if value is None or isinstance(value, list):
        return value
    return [value]


class ScannersPolicy(_Model):
    required: list[str] | Literal["installed"] = Field(default_factory=list)
    on_error: Literal["block", "warn"] = "block"
    timeout: float | None = None
    settings: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def required_names(self, installed: list[str]) -> set[str]:
        """The names of the required scanners; ``installed`` resolves ``required: installed``."""
        if self.required == INSTALLED:
            return set(installed)
        return {name.lower() for name in self.required}


def _cwe_id(value: Any) -> str:
    """A ``cwe`` entry (``78``, ``"cwe-78"``, ``"CWE-078"``) as the findings spell it."""
    found = normalize_cwe(value) if isinstance(value, (str, int)) else None
    if found is None:
        raise ValueError(f"{value!r} is not a CWE id (write CWE-78 or 78)")
    return found


class Match(_Model):
    """What a rule matches: every field given must match; a list matches any of its items."""

    tool: list[str] | None = None
    category: list[Category] | None = None
    rule: list[str] | None = None
    severity: Severity | list[Severity] | None = None
    path: list[str] | None = None
    cwe: list[str] | None = None
    package: list[str] | None = None
    vulnerability: list[str] | None = None
    license: list[str] | None = None
    fixable: bool | None = None
    baseline: Literal["new", "existing"] | None = None
    kev: bool | None = None
    """True: CISA's KEV catalog lists the vulnerability; False: KEV data says it does not (a
    finding without KEV data matches neither)."""
    epss: float | None = Field(default=None, ge=0.0, le=1.0)
    """An EPSS score: findings scored at or above it match (unscored ones never do)."""
    changed: bool | None = None
    """Pull-request mode: True matches findings the pull request touches, False the others (a
    scan without ``--base`` knows neither, and such a field matches nothing there)."""
    reachable: bool | Literal["unknown"] | None = None
    """A Python dependency finding's reachability: True matches reachable and unknown ones
    (unknown gates like reachable), False only those no scanned file uses, ``unknown`` only
    the unknown ones; a finding not judged matches none."""

    @field_validator(
        "tool", "category", "rule", "path", "package", "vulnerability", "license", mode="before"
    )
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("cwe", mode="before")
    @classmethod
    def _cwe_ids(cls, value: Any) -> Any:
        values = _as_list(value)
        return None if values is None else [_cwe_id(v) for v in values]


class Rule(_Model):
    id: str | None = None
    match: Match
    action: RuleAction
    reason: str | None = None


class LicensePolicy(_Model):
    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    unknown: RuleAction = "warn"


class Acceptance(_Model):
    """An accepted risk: the findings it matches are ignored until it expires."""

    id: str | None = None
    vulnerability: list[str] | None = None
    rule: list[str] | None = None
    tool: list[str] | None = None
    fingerprint: list[str] | None = None
    path: list[str] | None = None
    package: list[str] | None = None
    reason: str
    expires: date | None = None
    approved_by: str | None = None
    ticket: str | None = None

    @field_validator(
        "vulnerability", "rule", "tool", "fingerprint", "path", "package", mode="before"
    )
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return _as_list(value)


NotifyEvent = Literal["block", "error", "warn", "pass", "fixed"]
DEFAULT_NOTIFY_EVENTS: tuple[NotifyEvent, ...] = ("block", "error")


class NotifyTarget(_Model):
    """A webhook the policy sends a message to after a scan (``secgate.outbound.notify``)."""

    url: str | None = None
    url_env: str | None = None
    """The name of an environment variable holding the URL (a CI secret)."""
    on: list[NotifyEvent] = Field(default_factory=lambda: list(DEFAULT_NOTIFY_EVENTS))
    format: Literal["auto", "slack", "teams", "json"] = "auto"

    @field_validator("on", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return _as_list(value)


class AdvisoriesPolicy(_Model):
    """How old imported advisory data may be (see ``secgate.advisories.staleness``)."""

    max_age_days: int | None = Field(default=None, ge=0)
    on_stale: Literal["warn", "block"] = "warn"


class PullRequestPolicy(_Model):
    """Pull-request mode (``secgate scan --base``): which findings may block."""

    block: Literal["changed", "all"] = "changed"
    """``changed``: a blocking finding the pull request does not touch warns instead (decided
    by ``diff``); ``all``: every finding is judged alike."""


class Policy(_Model):
    version: Literal[1] = 1
    fail_on: Threshold = Severity.HIGH
    warn_on: Threshold = Severity.MEDIUM
    scanners: ScannersPolicy = Field(default_factory=ScannersPolicy)
    rules: list[Rule] = Field(default_factory=list)
    licenses: LicensePolicy | None = None
    accept: list[Acceptance] = Field(default_factory=list)
    accept_warn_days: int = DEFAULT_ACCEPT_WARN_DAYS
    gate_changes: Literal["warn", "block"] = "warn"
    """Under ``--base``: what a pull request that weakens the gate's configuration gets."""
    inline_suppressions: Literal["honour", "report"] = "honour"
    baseline: str | None = None
    dedupe: dict[str, bool] = Field(default_factory=dict)
    notify: list[NotifyTarget] = Field(default_factory=list)
    vex: list[str] = Field(default_factory=list)
    """VEX documents (OpenVEX, CycloneDX VEX), relative to the scanned directory."""
    advisories: AdvisoriesPolicy = Field(default_factory=AdvisoriesPolicy)
    pull_request: PullRequestPolicy = Field(default_factory=PullRequestPolicy)
    source: str = "builtin:default"
    """Where the policy came from: a file path, or ``builtin:<name>``."""

    @field_validator("inline_suppressions", mode="before")
    @classmethod
    def _spelling(cls, value: Any) -> Any:
        return "honour" if value == "honor" else value

    @field_validator("vex", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return _as_list(value)


def rule_label(rule: Rule, index: int) -> str:
    """How a rule is named in decisions (``rule:<label>``): its id, else its index."""
    return rule.id or str(index)


def acceptance_label(acceptance: Acceptance, index: int) -> str:
    """How an acceptance is named in decisions (``accept:<label>``): its id, else its index."""
    return acceptance.id or str(index)


__all__ = [
    "INSTALLED",
    "Acceptance",
    "Action",
    "AdvisoriesPolicy",
    "LicensePolicy",
    "Match",
    "NotifyTarget",
    "Policy",
    "PullRequestPolicy",
    "Rule",
    "ScannersPolicy",
    "Threshold",
    "acceptance_label",
    "rule_label",
]
