"""Paths are tidied as ``posixpath.normpath`` tidies them, and a path already tidy is told so
without normpath: checked over every path of up to eight of the characters that matter."""

from __future__ import annotations

import itertools
import posixpath
from pathlib import Path

from secgate.findings.normalize import _tidy, relative_path


def test_tidy_is_normpath_for_every_short_path() -> None:
    for length in range(9):
        for chars in itertools.product("/.a", repeat=length):
            text = "".join(chars)
            assert _tidy(text) == (posixpath.normpath(text) if text else text), text


def test_paths_under_the_root_become_relative(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert relative_path(f"{root}/src//app/./x.py", tmp_path) == "src/app/x.py"
    assert relative_path(f"file://{root}/a.py", tmp_path, root.as_posix()) == "a.py"
    assert relative_path("src\\win\\y.py", tmp_path) == "src/win/y.py"
    assert relative_path("/elsewhere/z.py", tmp_path) == "/elsewhere/z.py"
