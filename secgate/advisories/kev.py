"""CISA's Known Exploited Vulnerabilities catalog, as its JSON feed publishes it
(``known_exploited_vulnerabilities.json``, schema ``known_exploited_vulnerabilities_schema.json``
in github.com/cisagov/kev-data).

The catalog is an object with ``catalogVersion``, ``dateReleased`` (a UTC date-time) and
``vulnerabilities``; each entry has a ``cveID`` (``CVE-YYYY-NNNN...``), ``dateAdded`` and
``dueDate`` (``YYYY-MM-DD``: the date federal agencies must have remediated by), and
``knownRansomwareCampaignUse`` (``Known`` or ``Unknown``), among others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from secgate.advisories.staleness import parse_day
from secgate.errors import InputError
from secgate.files.reading import decode_json

_CVE = re.compile(r"^CVE-\d{4}-\d{4,19}$")


@dataclass(frozen=True)
class KevEntry:
    """One catalog entry."""

    cve: str
    date_added: str
    due_date: str
    ransomware: bool | None
    """True for ``Known`` ransomware campaign use, False for ``Unknown`` (CISA's own word for
    "not confirmed"), None when the entry does not say."""
    vendor: str | None = None
    product: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class KevCatalog:
    version: str
    released: str
    """``dateReleased``: when CISA published this edition of the catalog."""
    entries: list[KevEntry]

    @property
    def date(self) -> str:
        """The day of ``released`` (``YYYY-MM-DD``)."""
        return self.released[:10]


def parse_catalog(data: bytes) -> KevCatalog:
    """Read a KEV catalog; ``InputError`` (without the path) says which entry is wrong."""
    doc = decode_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("vulnerabilities"), list):
        raise InputError(
            "not the CISA KEV catalog (expected an object with a 'vulnerabilities' list)"
        )
    released = _text(doc.get("dateReleased"))
    if released is None or parse_day(released[:10]) is None:
        raise InputError(f"dateReleased: {doc.get('dateReleased')!r} is not a date-time")
    entries = [_entry(item, index) for index, item in enumerate(doc["vulnerabilities"])]
    return KevCatalog(
        version=_text(doc.get("catalogVersion")) or released[:10],
        released=released,
        entries=entries,
    )


def _entry(item: Any, index: int) -> KevEntry:
    where = f"vulnerabilities[{index}]"
    if not isinstance(item, dict):
        raise InputError(f"{where}: an entry is an object, not {type(item).__name__}")
    cve = _text(item.get("cveID"))
    if cve is None or not _CVE.match(cve):
        raise InputError(f"{where}: cveID {item.get('cveID')!r} is not a CVE id")
    where = f"{where} ({cve})"
    dates = {}
    for key in ("dateAdded", "dueDate"):
        value = _text(item.get(key))
        if value is None or parse_day(value) is None:
            raise InputError(f"{where}: {key} {item.get(key)!r} is not a date (YYYY-MM-DD)")
        dates[key] = value
    use = _text(item.get("knownRansomwareCampaignUse"))
    ransomware = None if use is None else use.strip().lower() == "known"
    return KevEntry(
        cve=cve,
        date_added=dates["dateAdded"],
        due_date=dates["dueDate"],
        ransomware=ransomware,
        vendor=_text(item.get("vendorProject")),
        product=_text(item.get("product")),
        name=_text(item.get("vulnerabilityName")),
    )


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
