"""One OSV record (the Open Source Vulnerability format, https://ossf.github.io/osv-schema/) read
into the parts secgate uses, checked as it is read.

A record is a mapping with an ``id`` and a ``modified`` time (both required by the format), and
optionally ``published``, ``withdrawn``, ``aliases``, ``summary``, ``details``, ``severity``
(``[{type: CVSS_V3, score: vector}]``), ``references`` and ``affected``: packages, each with
its ``ecosystem`` and ``name``, ``ranges`` (``type`` ECOSYSTEM, SEMVER or GIT, and ``events``,
each holding exactly one of ``introduced``, ``fixed``, ``last_affected`` or ``limit``) and an
explicit ``versions`` list. Fields secgate does not use are kept in the raw record only.

``parse_record`` raises ``RecordError`` saying which field is wrong
(``affected[0].ranges[1].events[2]: ...``); the importer adds the file and the record id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")
RangeType = Literal["ECOSYSTEM", "SEMVER", "GIT"]
PYPI = "PyPI"


class RecordError(ValueError):
    """An OSV record that does not follow the format: the message says where inside it."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Event(_Model):
    """One event of a range: where an affected stretch starts or ends."""

    kind: EventKind
    version: str


class Range(_Model):
    type: RangeType
    events: tuple[Event, ...]
    repo: str | None = None

    @field_validator("events", mode="before")
    @classmethod
    def _events(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return value
        return [_event(item, index) for index, item in enumerate(value)]


def _event(item: Any, index: int) -> Any:
    """``{"fixed": "2.20.0"}`` as ``{"kind": "fixed", "version": "2.20.0"}``."""
    if not isinstance(item, Mapping):
        raise ValueError(f"[{index}]: an event is a mapping, not {type(item).__name__}")
    kinds = [k for k in EVENT_KINDS if k in item]
    if len(kinds) != 1:
        raise ValueError(
            f"[{index}]: an event holds exactly one of {', '.join(EVENT_KINDS)} "
            f"(this one: {', '.join(map(str, item)) or 'none'})"
        )
    value = item[kinds[0]]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"[{index}]: {kinds[0]} is not a version string: {value!r}")
    return {"kind": kinds[0], "version": value.strip()}


class PackageId(_Model):
    ecosystem: str = Field(min_length=1)
    name: str = Field(min_length=1)
    purl: str | None = None


class AffectedPackage(_Model):
    """One package an advisory affects, and which of its versions."""

    package: PackageId
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()

    @property
    def ecosystem(self) -> str:
        return self.package.ecosystem

    @property
    def name(self) -> str:
        return self.package.name

    @property
    def key(self) -> tuple[str, str]:
        """``(ecosystem, name)`` as the store indexes them: the ecosystem without its release
        suffix (``Debian:12`` is ``Debian``), the name as the ecosystem compares names."""
        return ecosystem_key(self.package.ecosystem), package_key(
            self.package.ecosystem, self.package.name
        )


class Severity(_Model):
    type: str
    score: str


class Reference(_Model):
    type: str | None = None
    url: str


class Advisory(_Model):
    """The parts of one OSV record secgate uses."""

    id: str = Field(min_length=1)
    modified: str
    published: str | None = None
    withdrawn: str | None = None
    aliases: tuple[str, ...] = ()
    summary: str | None = None
    details: str | None = None
    severity: tuple[Severity, ...] = ()
    affected: tuple[AffectedPackage, ...] = ()
    references: tuple[Reference, ...] = ()
    database_specific: dict[str, Any] | None = None

    @property
    def severity_word(self) -> str | None:
        """A severity word the database adds (GitHub's ``database_specific.severity``)."""
        word = (self.database_specific or {}).get("severity")
        return word if isinstance(word, str) and word.strip() else None

    @field_validator("modified", "published", "withdrawn", mode="before")
    @classmethod
    def _timestamp(cls, value: Any) -> Any:
        return _iso(value)

    @property
    def all_ids(self) -> tuple[str, ...]:
        """The record's id, then its aliases."""
        return (self.id, *(a for a in self.aliases if a != self.id))

    def packages(self, ecosystem: str, name: str) -> list[AffectedPackage]:
        """The ``affected`` entries about this package (there may be several)."""
        wanted = (ecosystem_key(ecosystem), package_key(ecosystem, name))
        return [entry for entry in self.affected if entry.key == wanted]


def _iso(value: Any) -> Any:
    """A time as RFC 3339 text (YAML may have read an unquoted one as a datetime)."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def ecosystem_key(ecosystem: str) -> str:
    """An ecosystem as the store indexes it: without its release (``Debian:12``), lower case."""
    return ecosystem.split(":", 1)[0].strip().lower()


def package_key(ecosystem: str, name: str) -> str:
    """A package name as its ecosystem compares names: PEP 503 for PyPI, else as written."""
    if ecosystem_key(ecosystem) == "pypi":
        return canonicalize_name(name)
    return name.strip()


def parse_record(data: Any) -> Advisory:
    """Read one OSV record; ``RecordError`` says which field is wrong."""
    if not isinstance(data, Mapping):
        raise RecordError(f"an OSV record is a mapping, not {type(data).__name__}")
    try:
        return Advisory.model_validate(data)
    except ValidationError as exc:
        raise RecordError(_describe(exc)) from None


def record_id(data: Any) -> str | None:
    """The ``id`` of a raw record when it has a usable one (for error messages)."""
    if isinstance(data, Mapping) and isinstance(data.get("id"), str) and data["id"].strip():
        return str(data["id"]).strip()
    return None


def _describe(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ""
    for part in err["loc"]:
        if isinstance(part, int):
            where += f"[{part}]"
        elif part in ("kind", "version") and where.endswith("]"):
            continue  # an event's own fields: the event is named by its index
        else:
            where += f".{part}" if where else str(part)
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "missing":
        message = "missing (required by the OSV format)"
    if message.startswith("[") and where:  # an item's index, from a validator
        return f"{where}{message}"
    return f"{where or 'record'}: {message}"
