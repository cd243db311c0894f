"""Turning sarif-om's attrs objects into SARIF JSON (property names as the schema spells them)."""

from __future__ import annotations

from typing import Any

import attr

# sarif-om marks "absent" with these defaults; SARIF output leaves such properties out.
_OMITTED_DEFAULTS = {
    "rank": -1.0,
    "rule_index": -1,
    "byte_offset": -1,
    "char_offset": -1,
    "index": -1,
    "parent_index": -1,
    "nesting_level": -1,
    "execution_order": -1,
}
_RUN_DEFAULTS_OMITTED = {"language", "newline_sequences"}


def to_json(obj: Any) -> Any:
    """A JSON-compatible value for a sarif-om object, dict, list or scalar."""
    if attr.has(type(obj)):
        out: dict[str, Any] = {}
        is_run = type(obj).__name__ == "Run"
        for fld in attr.fields(type(obj)):
            value = getattr(obj, fld.name)
            if value is None:
                continue
            if fld.name in _OMITTED_DEFAULTS and value == _OMITTED_DEFAULTS[fld.name]:
                continue
            if is_run and fld.name in _RUN_DEFAULTS_OMITTED:
                continue
            out[fld.metadata.get("schema_property_name", fld.name)] = to_json(value)
        return out
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    return obj
