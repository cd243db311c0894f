"""Hostile input to the remediation steps, fuzzed: any bytes as a Python file, any text around a
pin. The import reader never raises (a file it cannot read is unparsable, so ``unknown``), and a
rewrite either changes exactly the pinned version or is refused."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secgate.advisories import pins
from secgate.remediation import rewrite
from secgate.remediation.reachability import read_imports

_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(st.binary(max_size=400))
def test_any_bytes_as_python_source(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "x.py").write_bytes(data)
        found = read_imports(root)
        assert found.files + len(found.unparsable) == 1


_LINE = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    max_size=40,
)


@_SETTINGS
@given(before=st.lists(_LINE, max_size=4), suffix=_LINE, after=st.lists(_LINE, max_size=4))
def test_a_rewrite_changes_the_version_or_is_refused(
    before: list[str], suffix: str, after: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        text = "\n".join([*before, f"requests==2.19.1{suffix}", *after]) + "\n"
        (root / "requirements.txt").write_text(text, encoding="utf-8")
        targets = [
            p for p in pins.read(root).pins if p.name == "requests" and p.version == "2.19.1"
        ]
        if not targets:
            return
        changed = rewrite.plan_edits(root, [rewrite.Edit(targets[0], "2.31.0")])
        if changed.refused:
            assert not changed.texts
            return
        old, new = changed.texts["requirements.txt"]
        assert old == text
        (root / "requirements.txt").write_text(new, encoding="utf-8")
        after_pins = {(p.name, p.version, p.line) for p in pins.read(root).pins}
        assert ("requests", "2.31.0", targets[0].line) in after_pins
        assert len(new) == len(old)  # only the version text changed (same length here)
