"""SARIF from any tool, including secgate's own: the fallback every ingest can use."""

from __future__ import annotations

from typing import ClassVar

from secgate.adapters.interface import Adapter, ParseResult, Sample
from secgate.errors import InputError
from secgate.files.reading import decode_json
from secgate.model import Category
from secgate.sarif.reader import is_sarif, read_findings, read_runs


class SarifAdapter(Adapter):
    """Any SARIF 2.1.0 log. Each SARIF run keeps its own tool name."""

    name: ClassVar[str] = "sarif"
    categories: ClassVar[frozenset[Category]] = frozenset(Category)

    def detect(self, sample: Sample) -> bool:
        return is_sarif(sample.json)

    def parse(self, data: bytes) -> ParseResult:
        doc = decode_json(data)
        if not is_sarif(doc):
            raise InputError("not a SARIF 2.1.0 log (no 'runs' list or version 2.x)")
        return ParseResult(findings=read_findings(doc), runs=read_runs(doc))
