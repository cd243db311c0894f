"""FIRST's Exploit Prediction Scoring System scores, as its daily CSV publishes them
(https://www.first.org/epss/data_stats; ``epss_scores-YYYY-MM-DD.csv.gz``).

The file starts with a comment line naming the model and the day it scored,
``#model_version:v2023.03.01,score_date:2023-03-20T00:00:00+0000``, then the header
``cve,epss,percentile``, then one line per CVE: the probability (0-1) of exploitation activity
in the next 30 days, and the score's percentile among all scored CVEs (0-1).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

from secgate.advisories.staleness import parse_day
from secgate.errors import InputError

_CVE = re.compile(r"^CVE-\d{4}-\d{4,19}$")
HEADER = ("cve", "epss", "percentile")


@dataclass(frozen=True)
class EpssScore:
    cve: str
    score: float
    percentile: float


@dataclass(frozen=True)
class EpssFile:
    model_version: str | None
    score_date: str
    """The day scored, ``YYYY-MM-DD``."""
    scores: list[EpssScore]


def parse_scores(data: bytes) -> EpssFile:
    """Read an EPSS CSV (already decompressed); ``InputError`` names the line that is wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (binary data at byte {exc.start})") from None
    lines = text.splitlines()
    if not lines or not lines[0].startswith("#"):
        raise InputError("line 1: not an EPSS file (expected '#model_version:...,score_date:...')")
    meta = dict(_pairs(lines[0][1:]))
    score_date = meta.get("score_date", "")[:10]
    if parse_day(score_date) is None:
        raise InputError(f"line 1: score_date {meta.get('score_date')!r} is not a date")
    if len(lines) < 2 or tuple(c.strip().lower() for c in lines[1].split(",")) != HEADER:
        raise InputError(f"line 2: expected the header {','.join(HEADER)}")
    scores = []
    reader = csv.reader(io.StringIO("\n".join(lines[2:])))
    for number, row in enumerate(reader, start=3):
        if not row or not "".join(row).strip():
            continue
        scores.append(_row(row, number))
    return EpssFile(model_version=meta.get("model_version"), score_date=score_date, scores=scores)


def _row(row: list[str], number: int) -> EpssScore:
    if len(row) != len(HEADER):
        raise InputError(f"line {number}: expected {len(HEADER)} columns, found {len(row)}")
    cve = row[0].strip()
    if not _CVE.match(cve):
        raise InputError(f"line {number}: {cve!r} is not a CVE id")
    values = []
    for name, cell in zip(HEADER[1:], row[1:], strict=True):
        try:
            value = float(cell)
        except ValueError:
            value = math.nan
        if not 0.0 <= value <= 1.0:
            raise InputError(
                f"line {number} ({cve}): {name} {cell.strip()!r} is not a number from 0 to 1"
            )
        values.append(value)
    return EpssScore(cve=cve, score=values[0], percentile=values[1])


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in text.split(","):
        key, sep, value = part.partition(":")
        if sep:
            pairs.append((key.strip(), value.strip()))
    return pairs
