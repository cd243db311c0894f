"""Compact SARIF text written piece by piece, and gzip-compressed alongside on a second thread.

GitHub's upload limit is on the gzip-compressed size of the file, so a large SARIF report is
both written and compressed. Written whole and then compressed, one core does both in turn and
the whole document sits in memory as data first. Here the frame of the log, the frame of each
run and each chunk of results are turned into text as soon as they are built and handed to a
compressor on a worker thread: zlib compresses without holding the GIL, so compressing overlaps
with building the rest. The pieces join into exactly the text the ``json`` module writes for
the whole document: in compact JSON nothing but a comma separates the items of a list, and how
the input is split does not change what zlib produces.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson

from secgate.sarif import jsonout
from secgate.sarif.results import NotPlain
from secgate.sarif.writer import RunFrame

if TYPE_CHECKING:
    from concurrent.futures import Future

CHUNK_RESULTS = 2_000
"""Results turned into text at a time."""
HANDOVER_BYTES = 8 << 20
"""Text handed to the compressor at a time."""
_MARK = b"\x00"
"""Stands for a list's items while its container is written: orjson escapes every control
character inside strings, so this byte appears nowhere else in its output."""


class GzipSink:
    """Collects pieces of text in order, compressing them (gzip, level 6) on a worker thread.

    Pieces go to the compressor a few megabytes at a time: each hand-over to the worker thread
    costs a wait for the GIL, which the main thread holds while it builds results."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []
        self._pending = 0
        """How many of the last pieces are not handed to the compressor yet."""
        self._pending_bytes = 0
        from concurrent.futures import ThreadPoolExecutor  # here: most scans never need it

        self._compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sarif-gzip")
        self._sizes: list[Future[int]] = []

    def write(self, piece: bytes) -> None:
        self._pieces.append(piece)
        self._pending += 1
        self._pending_bytes += len(piece)
        if self._pending_bytes >= HANDOVER_BYTES:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._pending:
            batch = self._pieces[-self._pending :]
            self._sizes.append(self._executor.submit(self._compress, batch))
        self._pending = self._pending_bytes = 0

    def _compress(self, batch: list[bytes]) -> int:
        return sum(len(self._compressor.compress(piece)) for piece in batch)

    def text(self) -> bytes:
        """Everything written, joined; the compressor gets the rest and goes on meanwhile."""
        self._hand_over()
        data = b"".join(self._pieces)
        self._pieces = [data]
        return data

    def gzip_size(self) -> int:
        """The compressed size of everything written; waits for the compressor and stops it."""
        self._hand_over()
        size = sum(future.result() for future in self._sizes)
        self._executor.shutdown()
        return size + len(self._compressor.flush())

    def close(self) -> None:
        """Stop the worker without waiting for what it has not started."""
        self._executor.shutdown(cancel_futures=True)


def write_compact(
    log: dict[str, Any],
    frames: Iterable[RunFrame],
    prepare_run: Callable[[dict[str, Any]], None],
    sink: GzipSink,
) -> None:
    """Write into ``sink`` the compact text of the SARIF log ``log`` (its ``runs`` empty) with
    the runs of ``frames``; ``prepare_run`` finishes each run's data before it is written.

    Raises ``NotPlain`` (or ``orjson.JSONEncodeError``) for data that would not be written as
    ``json.dumps`` writes it (see ``secgate.sarif.jsonout`` and ``results.result_text``)."""
    log_head, log_tail = _around(log, "runs")
    sink.write(log_head)
    for number, frame in enumerate(frames):
        prepare_run(frame.doc)
        run_head, run_tail = _around(frame.doc, "results")
        sink.write(b"," + run_head if number else run_head)
        findings = frame.findings
        for start in range(0, len(findings), CHUNK_RESULTS):
            if start:
                sink.write(b",")
            sink.write(frame.results_text(findings[start : start + CHUNK_RESULTS]))
        sink.write(run_tail)
    sink.write(log_tail + b"\n")


def _around(doc: dict[str, Any], key: str) -> tuple[bytes, bytes]:
    """The compact text of ``doc`` before and after the items of its list ``doc[key]``."""
    items, doc[key] = doc[key], [orjson.Fragment(_MARK)]
    try:
        if not jsonout.is_plain(doc):
            raise NotPlain(key)
        parts = orjson.dumps(doc).split(_MARK)
    finally:
        doc[key] = items
    if len(parts) != 2:
        raise NotPlain(key)
    return parts[0], parts[1]
