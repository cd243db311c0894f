"""A value nested deeper than reports can be written, put in every field of every fixture.

secgate reads JSON nested up to ``secgate.files.reading.MAX_DEPTH`` (1,024) levels, while
pydantic's serializer and orjson stop writing at 255. A tool's value that an adapter keeps as it
is (in ``Finding.properties``, say) without bounding it (``secgate.files.fields.json_value``)
passes the reading and crashes the reports. The fuzz test finds such a field only by chance;
this sweep tries each one: for every fixture of ``tests.support.hostile.fixtures``, each node of
its first document that lies in the first element of every list (one result of each kind) is
replaced by arrays nested 300 levels, ingested with the fixture's tool and written as every
report, in this process. A refusal (``SecgateError``: exit 2 or 3) is fine; any other exception
is printed with the fixture and the field.

Run from the repository's root, optionally naming part of a fixture's path::

    .venv/bin/python -m tests.support.deep_sweep [semgrep/1.185.0]

It takes a minute or two for every fixture (5,358 cases, 97 s on 2026-12-02), too long for every test run;
it exits 1 when a case crashed.
"""

from __future__ import annotations

import argparse
import copy
import gc
import sys
import tempfile
from pathlib import Path
from typing import Any

from secgate.errors import SecgateError
from secgate.gate import ScanRequest, execute
from secgate.reports import outputs
from secgate.scanning.ingest import InputSpec
from tests.support.hostile import Fixture, deep_json, dump, fixtures, load, node_paths, replace

DEPTH = 300
"""Past the 255 levels pydantic and orjson write, within the 1,024 secgate reads."""
PLACEHOLDER = "@@deep-sweep@@"


def places(doc: Any) -> list[tuple[Any, ...]]:
    """The nodes of ``doc`` in the first element of every list it holds (the document itself
    left out)."""
    return [
        path
        for path in node_paths(doc)[1:]
        if all(not isinstance(key, int) or key == 0 for key in path)
    ]


def sweep(fixture: Fixture, work: Path) -> tuple[int, list[str]]:
    """How many cases ``fixture`` gave, and a line for each that crashed."""
    docs = load(fixture)
    if not docs:
        return 0, []
    crashes: list[str] = []
    raw = {PLACEHOLDER: deep_json(DEPTH)}
    targets = outputs.Targets.from_options(output_dir=work)  # every report
    source = work / f"input{fixture.path.suffix}"
    cases = places(docs[0])
    for path in cases:
        mutated = [replace(copy.deepcopy(docs[0]), path, PLACEHOLDER), *docs[1:]]
        source.write_bytes(dump(fixture, mutated, raw))
        try:
            result = execute(
                ScanRequest(inputs=[InputSpec(path=source, tool=fixture.tool)], use_cache=False)
            )
            outputs.write_all(result, targets)
        except SecgateError:
            continue
        except Exception as exc:  # what this sweep looks for
            crashes.append(f"{fixture.id} {list(path)}: {type(exc).__name__}: {exc}")
    return len(cases), crashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="?", help="sweep only fixtures whose path holds this")
    args = parser.parse_args(argv)
    gc.disable()  # as the command line runs: millions of small objects, no cycles
    total = 0
    crashed: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for fixture in fixtures():
            if args.only and args.only not in fixture.id:
                continue
            count, crashes = sweep(fixture, Path(folder))
            total += count
            crashed.extend(crashes)
            for line in crashes:
                print(line, flush=True)
    print(f"{total} case(s), {len(crashed)} crashed")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
