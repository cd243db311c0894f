"""Less memory per finding once a scan's findings are final.

Pydantic keeps, in every model instance, the set of the fields that were given when it was made
(``__pydantic_fields_set__``): several hundred bytes for a model the size of a ``Decision``.
secgate never asks which fields were given (no ``exclude_unset``, no ``model_fields_set``), so
every instance of a class can share one set naming all the class's fields: a later assignment
adds a name already in it, so the shared set never changes. A finding and its location are
records (``secgate.model.Record``), which keep no such set: only the models inside them (its
decision, secret, package...) are visited.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

from pydantic import BaseModel

from secgate.model import MODEL_TYPES, Record, field_types

_ALL_FIELDS: dict[type, tuple[set[str] | None, tuple[str, ...]]] = {}
"""Per model class: the shared field set (None for a record), and the fields that can hold
models."""


def share_field_sets(
    models: Iterable[BaseModel | Record], *, late_fields: tuple[str, ...] = ()
) -> None:
    """Give ``models`` (and the models inside them) their class's shared field set.

    ``late_fields``: for a model already sharing its set (done on an earlier pass), only these
    fields are visited: the only ones that can have received new models since (a finding's
    ``decision``, say). A record keeps no mark of an earlier pass: its fields are all visited."""
    plans = _ALL_FIELDS
    stack: list[BaseModel | Record] = list(models)
    while stack:  # a loop, not recursion: 100,000 findings hold ~500,000 models
        model = stack.pop()
        cls = type(model)
        shared, nested = plans.get(cls) or _plan(cls)
        if isinstance(model, BaseModel):
            if model.__pydantic_fields_set__ is shared:
                nested = tuple(name for name in late_fields if name in nested)
            else:
                object.__setattr__(model, "__pydantic_fields_set__", shared)
        for name in nested:
            value = getattr(model, name)
            if value is None:
                continue
            if isinstance(value, list):
                stack.extend(value)
            else:
                stack.append(value)


def _plan(cls: type[BaseModel] | type[Record]) -> tuple[set[str] | None, tuple[str, ...]]:
    types = field_types(cls)
    nested = tuple(name for name, annotation in types.items() if _holds_model(annotation))
    shared = set(types) if issubclass(cls, BaseModel) else None
    return _ALL_FIELDS.setdefault(cls, (shared, nested))


def _holds_model(annotation: object) -> bool:
    """True when a field of this type holds models (``Location | None``, ``list[Source]``)."""
    if isinstance(annotation, type) and issubclass(annotation, MODEL_TYPES):
        return True
    return any(_holds_model(arg) for arg in typing.get_args(annotation))
