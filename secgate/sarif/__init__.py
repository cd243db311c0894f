"""SARIF 2.1.0 in and out: the writer (sarif-om for the document's frame, results written directly,
see ``secgate.sarif.results``) and the reader, which reads any tool's SARIF."""

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


@lru_cache(maxsize=1)
def sarif_schema() -> dict[str, Any]:
    """The official SARIF 2.1.0 JSON Schema shipped in ``secgate/schemas``."""
    text = files("secgate.schemas").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
