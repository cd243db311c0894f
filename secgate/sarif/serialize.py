"""Turning sarif-om's attrs objects into SARIF JSON (property names as the schema spells them).

attrs is imported on the first sarif-om object met, not with this module: a scan that writes
no SARIF (a warm re-scan writing the JSON report, say) never loads it (~15 ms of start-up)."""

from __future__ import annotations

from typing import Any

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


_SCALARS = (str, int, float, bool)
_SCALAR_TYPES = frozenset(_SCALARS)


_FIELDS: dict[type, tuple[tuple[str, str], ...] | None] = {}


def _fields(cls: type) -> tuple[tuple[str, str], ...] | None:
    """The (attribute, SARIF property) names of a sarif-om class; None for other types."""
    if cls not in _FIELDS:
        import attr

        is_run = cls.__name__ == "Run"
        _FIELDS[cls] = (
            tuple(
                (fld.name, fld.metadata.get("schema_property_name", fld.name))
                for fld in attr.fields(cls)
                if not (is_run and fld.name in _RUN_DEFAULTS_OMITTED)
            )
            if attr.has(cls)
            else None
        )
    return _FIELDS[cls]


def to_json(obj: Any) -> Any:
    """A JSON-compatible value for a sarif-om object, dict, list or scalar."""
    if obj is None or isinstance(obj, _SCALARS):  # the common case, first: it is most values
        return obj
    fields = _fields(type(obj))
    if fields is not None:
        out: dict[str, Any] = {}
        for name, prop in fields:
            value = getattr(obj, name)
            if value is None:
                continue
            if name in _OMITTED_DEFAULTS and value == _OMITTED_DEFAULTS[name]:
                continue
            out[prop] = to_json(value)
        return out
    if isinstance(obj, dict):
        return {
            k if type(k) is str else str(k): v if type(v) in _SCALAR_TYPES else to_json(v)
            for k, v in obj.items()
            if v is not None
        }
    if isinstance(obj, (list, tuple)):
        return [v if type(v) in _SCALAR_TYPES else to_json(v) for v in obj]
    return obj
