"""Less memory per finding once a scan's findings are final.

Pydantic keeps, in every model instance, the set of the fields that were given when it was made
(``__pydantic_fields_set__``): about 2 KB for a ``Finding``, the largest part of one (measured at
100,000 findings, ~3 KB of ~6.5 KB with its location, sources and decision). secgate never asks
which fields were given (no ``exclude_unset``, no ``model_fields_set``), so every instance of a
class can share one set naming all the class's fields: a later assignment adds a name already in
it, so the shared set never changes.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

from pydantic import BaseModel

_ALL_FIELDS: dict[type[BaseModel], tuple[set[str], tuple[str, ...]]] = {}
"""Per model class: the shared field set, and the fields that can hold models."""


def share_field_sets(models: Iterable[BaseModel]) -> None:
    """Give ``models`` (and the models inside them) their class's shared field set."""
    for model in models:
        _share(model)


def _share(model: BaseModel) -> None:
    cls = type(model)
    known = _ALL_FIELDS.get(cls)
    if known is None:
        nested = tuple(name for name, info in cls.model_fields.items()
                       if _holds_model(info.annotation))
        known = _ALL_FIELDS.setdefault(cls, (set(cls.model_fields), nested))
    object.__setattr__(model, "__pydantic_fields_set__", known[0])
    for name in known[1]:
        value = model.__dict__.get(name)
        if isinstance(value, list):
            for item in value:
                _share(item)
        elif value is not None:
            _share(value)


def _holds_model(annotation: object) -> bool:
    """True when a field of this type holds models (``Location | None``, ``list[Source]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in typing.get_args(annotation))
