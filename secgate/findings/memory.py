"""Less memory per finding once a scan's findings are final.

Pydantic keeps, in every model instance, the set of the fields that were given when it was made
(``__pydantic_fields_set__``): about 2 KB for a ``Finding``, the largest part of one with its
location, sources and decision. secgate never asks
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


def share_field_sets(models: Iterable[BaseModel], *, late_fields: tuple[str, ...] = ()) -> None:
    """Give ``models`` (and the models inside them) their class's shared field set.

    ``late_fields``: for a model already sharing its set (done on an earlier pass), only these
    fields are visited: the only ones that can have received new models since (a finding's
    ``decision``, say)."""
    plans = _ALL_FIELDS
    stack: list[BaseModel] = list(models)
    while stack:  # a loop, not recursion: 100,000 findings hold ~700,000 models
        model = stack.pop()
        cls = type(model)
        plan = plans.get(cls) or _plan(cls)
        nested = plan[1]
        if model.__pydantic_fields_set__ is plan[0]:
            nested = tuple(name for name in late_fields if name in nested)
        else:
            object.__setattr__(model, "__pydantic_fields_set__", plan[0])
        values = model.__dict__
        for name in nested:
            value = values.get(name)
            if value is None:
                continue
            if isinstance(value, list):
                stack.extend(value)
            else:
                stack.append(value)


def _plan(cls: type[BaseModel]) -> tuple[set[str], tuple[str, ...]]:
    nested = tuple(name for name, info in cls.model_fields.items() if _holds_model(info.annotation))
    return _ALL_FIELDS.setdefault(cls, (set(cls.model_fields), nested))


def _holds_model(annotation: object) -> bool:
    """True when a field of this type holds models (``Location | None``, ``list[Source]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in typing.get_args(annotation))
