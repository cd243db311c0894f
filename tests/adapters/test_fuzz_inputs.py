"""Fuzzing every adapter with mutated real outputs: the promise on malformed input.

Each captured fixture of every adapter (``tests/fixtures``) is mutated by type and shape (a field
replaced by a value of another type, an empty or hostile value, a container wrapped or emptied, a
key deleted, the text truncated) and ingested by the real command line, with the tool named and
detected from content. Every run ends with exit 2 naming the file in at most two lines, or with
a clean read (reports written) - never an internal error (exit 3) or a traceback.

The run in the suite is bounded (``SECGATE_FUZZ_EXAMPLES`` cases per fixture, 6 by default,
derandomized so CI sees the same cases each time). A longer, random run by hand::

    SECGATE_FUZZ_EXAMPLES=300 SECGATE_FUZZ_RANDOM=1 .venv/bin/python -m pytest -q \
        -p no:cacheprovider tests/robustness/test_fuzz_inputs.py
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.hostile import (
    Fixture,
    check_outcome,
    deep_json,
    delete,
    dump,
    fixtures,
    get,
    load,
    node_paths,
    replace,
    run_cli,
    sys_int_digits,
)

EXAMPLES = int(os.environ.get("SECGATE_FUZZ_EXAMPLES", "6"))
RANDOM = os.environ.get("SECGATE_FUZZ_RANDOM", "") not in ("", "0")

RAW = {
    "@@huge-int@@": "9" * 5000,
    "@@big-int@@": "1" + "0" * 30,
    "@@nan@@": "NaN",
    "@@inf@@": "1e400",
    "@@deep@@": deep_json(100_000),
    "@@deep-ok@@": deep_json(600),
    "@@surrogate@@": '"\\ud800x"',
}
"""JSON text that ``json.dumps`` cannot write, put in place of a placeholder string."""

HOSTILE: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    2**63,
    -(2**63) - 1,
    "",
    "x",
    "0",
    "-1",
    "true",
    "a" * 6000,
    "file:///tmp/a\x00b.py",
    "nul\x00byte",
    "../../../../etc/passwd",
    "line\nbreak",
    "%00%2e%2e/",
    "C:\\Windows\\system32",
    "²",  # str.isdigit() says yes, int() says no
    "1.²",
    "CWE-²",
    "٣",  # an Arabic-Indic digit: int() reads it
    "9" * 5000,  # past Python's limit on converting digits to int (4,300)
    "1.0.post" + "7" * 4400,
    {},
    [],
    [None],
    [1, "a", {}],
    {"a": None},
    {"": ""},
    [[[[[[[[[[[]]]]]]]]]]],
    *RAW,
]

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not RANDOM,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
FIXTURES_ALL = fixtures()


@st.composite
def mutations(draw: st.DrawFn, fixture: Fixture) -> bytes:
    docs = load(fixture)
    if not docs:  # an empty JSON-lines file: only byte mutations apply
        docs = [{}]
    index = draw(st.integers(0, len(docs) - 1))
    doc = copy.deepcopy(docs[index])
    paths = node_paths(doc)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        try:
            node = get(doc, path)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed it
        op = draw(
            st.sampled_from(
                [
                    "hostile",
                    "hostile",
                    "wrap-list",
                    "wrap-object",
                    "stringify",
                    "delete",
                    "empty",
                    "duplicate",
                ]
            )
        )
        if op == "hostile":
            doc = replace(doc, path, copy.deepcopy(draw(st.sampled_from(HOSTILE))))
        elif op == "wrap-list":
            doc = replace(doc, path, [node])
        elif op == "wrap-object":
            doc = replace(doc, path, {"value": node})
        elif op == "stringify":
            doc = replace(doc, path, json.dumps(node))
        elif op == "delete":
            doc = delete(doc, path)
        elif op == "empty":
            doc = replace(doc, path, type(node)() if isinstance(node, (list, dict, str)) else None)
        elif isinstance(node, list) and node:
            node.append(copy.deepcopy(node[0]))
    docs = [*docs[:index], doc, *docs[index + 1 :]]
    with sys_int_digits():
        data = dump(fixture, docs, RAW)
    if draw(st.integers(0, 9)) == 0:  # now and then a byte-level fault: truncated text
        data = data[: draw(st.integers(0, len(data)))]
    return data


@pytest.mark.parametrize("fixture", FIXTURES_ALL, ids=[f.id for f in FIXTURES_ALL])
def test_mutated_fixture_is_read_or_refused_naming_the_file(
    fixture: Fixture, tmp_path: Path
) -> None:
    @SETTINGS
    @given(data=mutations(fixture), named=st.booleans())
    def check(data: bytes, named: bool) -> None:
        source = tmp_path / f"mutated{fixture.path.suffix}"
        source.write_bytes(data)
        report = tmp_path / "report.json"
        report.unlink(missing_ok=True)
        spec = f"{fixture.tool}={source}" if named else str(source)
        outcome = run_cli(
            "scan",
            "--input",
            spec,
            "--json",
            report,
            "--sarif",
            tmp_path / "report.sarif",
            "--quiet",
            cwd=tmp_path,
        )
        check_outcome(outcome, source, report)

    check()
