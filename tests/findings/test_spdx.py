"""License names as scanners print them -> SPDX expressions (secgate.findings.spdx)."""

from __future__ import annotations

import pytest

from secgate.findings.spdx import (
    choices,
    combine,
    is_known,
    known_ids,
    license_ids,
    licensing,
    normalize,
    normalize_all,
    parse_expression,
    read_expression,
    single_key,
)
from secgate.model import License


@pytest.mark.parametrize(
    ("raw", "spdx"),
    [
        # trove classifiers (pip-licenses' default), with and without their prefix
        ("MIT License", "MIT"),
        ("License :: OSI Approved :: MIT License", "MIT"),
        ("BSD License", "BSD-3-Clause"),
        ("Apache Software License", "Apache-2.0"),
        ("Python Software Foundation License", "PSF-2.0"),
        ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
        ("GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"),
        ("GNU Library or Lesser General Public License (LGPL)", "LGPL-2.0-or-later"),
        ("GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later"),
        ("GNU Affero General Public License v3", "AGPL-3.0-only"),
        ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
        ("ISC License (ISCL)", "ISC"),
        ("The Unlicense (Unlicense)", "Unlicense"),
        # free text from package metadata
        ("MIT", "MIT"),
        ("BSD", "BSD-3-Clause"),
        ("new BSD License", "BSD-3-Clause"),
        ("Simplified BSD", "BSD-2-Clause"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("apache license 2.0", "Apache-2.0"),
        ("LGPL", "LGPL-2.0-or-later"),
        ("GPLv3+", "GPL-3.0-or-later"),
        ("GPLv2 or later", "GPL-2.0-or-later"),
        ("LGPL 2.1+", "LGPL-2.1-or-later"),
        ("PSF", "PSF-2.0"),
        ("MIT Licence", "MIT"),
        # SPDX ids and expressions, in canonical spelling; deprecated ids updated
        ("mit", "MIT"),
        ("apache-2.0 or mit", "Apache-2.0 OR MIT"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("LGPL-2.1", "LGPL-2.1-only"),
        ("MIT AND PSF-2.0", "MIT AND PSF-2.0"),
        ("MIT AND Apache-2.0 AND MIT", "MIT AND Apache-2.0"),
        (
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
        ),
        ("LicenseRef-Proprietary", "LicenseRef-Proprietary"),
        # lists and choices in free text
        ("Apache Software License; BSD License", "Apache-2.0 AND BSD-3-Clause"),
        ("BSD or Apache License, Version 2.0", "BSD-3-Clause OR Apache-2.0"),
        ("MIT/Apache-2.0", "MIT OR Apache-2.0"),
        ("MIT and BSD-3-Clause", "MIT AND BSD-3-Clause"),
        ("DFSG approved; MIT License", "MIT"),
    ],
)
def test_known_names_become_spdx(raw: str, spdx: str) -> None:
    result = normalize(raw)
    assert result == License(raw=raw, spdx=spdx)
    assert is_known(result.spdx or "")


@pytest.mark.parametrize(
    "raw",
    [
        "UNKNOWN",
        "",
        "Other/Proprietary License",
        "Public Domain",
        "Foo Bar License 3",
        "Apache Software License; Some Custom Terms",
        "DFSG approved",
        "Copyright (c) 2020 Someone\n\nPermission is hereby granted, free of charge...",
        "GPL-2.0-only WITH not-an-exception",
        "MIT AND",
    ],
)
def test_unknown_names_stay_visible(raw: str) -> None:
    result = normalize(raw)
    assert result.spdx is None
    assert result.raw == raw


def test_several_names_that_all_apply_join_with_and() -> None:
    assert normalize_all(["Apache-2.0", "BSD-3-Clause"]) == License(
        raw="Apache-2.0; BSD-3-Clause", spdx="Apache-2.0 AND BSD-3-Clause"
    )
    assert normalize_all(["MIT", "MIT License"]).spdx == "MIT"
    assert normalize_all(["MIT", "Something Else"]).spdx is None
    assert normalize_all(["Apache-2.0 OR MIT", "ISC"]).spdx == "(Apache-2.0 OR MIT) AND ISC"


def test_combine() -> None:
    assert combine(["MIT", "ISC"], "OR") == "MIT OR ISC"
    assert combine(["MIT", None]) is None
    assert combine([]) is None


def test_choices_give_the_ways_to_comply() -> None:
    assert choices("MIT OR (Apache-2.0 AND BSD-3-Clause)") == [
        frozenset({"MIT"}),
        frozenset({"Apache-2.0", "BSD-3-Clause"}),
    ]
    assert choices("(MIT OR ISC) AND Zlib") == [
        frozenset({"MIT", "Zlib"}),
        frozenset({"ISC", "Zlib"}),
    ]
    assert choices("GPL-2.0-only WITH Classpath-exception-2.0") == [
        frozenset({"GPL-2.0-only WITH Classpath-exception-2.0"})
    ]
    assert choices("MIT OR MIT") == [frozenset({"MIT"})]


def test_license_ids_in_order_without_exceptions() -> None:
    assert license_ids("(MIT OR ISC) AND (GPL-2.0-only WITH Classpath-exception-2.0 OR 0BSD)") == [
        "MIT",
        "ISC",
        "GPL-2.0-only",
        "0BSD",
    ]


def test_parse_expression_rejects_what_is_not_spdx() -> None:
    assert parse_expression("mit OR apache-2.0").render() == "MIT OR Apache-2.0"
    for bad in ("MIT License", "Foo-1.0", "MIT AND", ""):
        with pytest.raises(ValueError, match="SPDX"):
            parse_expression(bad)
    assert not is_known("BSD")
    assert is_known("LicenseRef-Mine")


def test_the_known_ids_are_the_ids_the_parser_knows() -> None:
    """The policy check reads the ids from the license index; the parser builds its symbols
    from the same index: the two must agree, spelling included."""
    assert known_ids() == {str(s).lower(): str(s) for s in licensing().known_symbols}


def test_a_lone_id_reads_as_the_parser_reads_it() -> None:
    """``single_key`` answers for the parser on expressions of one id: every known id in three
    spellings, unknown ids and ``LicenseRef-`` ids; it leaves the rest to the parser."""
    spellings = [
        text for canonical in known_ids().values() for text in (canonical, canonical.lower())
    ]
    spellings += [s.upper() for s in known_ids().values()]
    spellings += ["LicenseRef-internal", "Nope-1.0", "mit.", "a-b", "0", "-", "1.0"]
    spellings += ["foo-with-bar", "Apache-2.0-and-MIT", "MIT-or-later"]  # operators inside ids
    for text in spellings:
        assert single_key(text) == read_expression(text).key, text
    for compound in ["MIT OR Apache-2.0", "GPL-2.0+", "(MIT)", "and", "OR", "with", "MIT AND"]:
        assert single_key(compound) is None, compound
