"""The names a distribution is imported by, from the best source there is:

1. the installed metadata of the project's environments (``secgate.remediation.environments``:
   the modules its ``RECORD`` installs, else its ``top_level.txt``);
2. else the reviewed table shipped with secgate (``import_names.csv``: PyYAML is imported as
   ``yaml``, Pillow as ``PIL``, scikit-learn as ``sklearn``...);
3. else the distribution's normalized name with ``-`` as ``_`` (``typing-extensions`` ->
   ``typing_extensions``), which is how most distributions are imported.

Names are compared without case (the fallback cannot know ``PyPDF2`` from ``pypdf2``; treating
both as one can only make a package look used, never unused).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from packaging.utils import canonicalize_name

from secgate.remediation.environments import EnvironmentIndex

TABLE = "import_names.csv"


@dataclass(frozen=True)
class TableRow:
    """One row of the shipped table."""

    distribution: str
    import_names: tuple[str, ...]
    checked_version: str
    """The version whose wheel the row was checked against."""


@dataclass(frozen=True)
class ImportNames:
    """The names a distribution is imported by, and where they came from."""

    names: tuple[str, ...]
    source: str
    """``installed metadata (RECORD in .venv/...)``, ``secgate's import-name table`` or
    ``its normalized name``."""


@lru_cache(maxsize=1)
def table() -> dict[str, TableRow]:
    """The shipped table, by normalized distribution name."""
    text = files("secgate.remediation").joinpath(TABLE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows: dict[str, TableRow] = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        rows[canonicalize_name(row["distribution"])] = TableRow(
            distribution=row["distribution"],
            import_names=tuple(row["import_names"].split()),
            checked_version=row["checked_version"],
        )
    return rows


def fallback_name(distribution: str) -> str:
    """The import name a distribution most likely has: its normalized name, ``-`` as ``_``."""
    return canonicalize_name(distribution).replace("-", "_")


def import_names(distribution: str, environments: EnvironmentIndex) -> ImportNames:
    """The names ``distribution`` is imported by (see the module docstring for the order)."""
    for installed in environments.get(distribution):
        if installed.modules:
            return ImportNames(
                installed.modules, f"installed metadata ({installed.source} in {installed.site})"
            )
    row = table().get(canonicalize_name(distribution))
    if row is not None:
        return ImportNames(row.import_names, "secgate's import-name table")
    return ImportNames((fallback_name(distribution),), "its normalized name")
