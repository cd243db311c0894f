"""Checking SARIF documents against the official 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from secgate.sarif import sarif_schema


def validate_sarif(doc: dict[str, Any] | str | Path) -> dict[str, Any]:
    """Validate against the official SARIF 2.1.0 schema; returns the document."""
    if isinstance(doc, (str, Path)):
        doc = json.loads(Path(doc).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    jsonschema.Draft202012Validator(sarif_schema()).validate(doc)
    return doc
