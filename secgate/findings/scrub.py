"""The one scrubber every text leaving secgate passes.

A run's scrubber (``start_run`` makes it, ``current`` returns it) knows every raw secret value met
in the run: the values adapters met while parsing (``ParseResult.secret_values``), the values
recovered from the scanned files where a tool had masked them (``secgate.findings.unmask``), and
partial ones: where a tool masked only part of a token (Trivy's match may start in the middle of
one), the visible rest of the token, 8 characters or more, counts when it is part of a known value.

What it scrubs:

- ``findings``: every text of every finding and scanner run: each string field of the models,
  found from the model classes themselves (so a field added later is scrubbed without anyone
  remembering to), strings inside lists and nested models, and the keys and values of
  ``properties``. A secret inside a file path, a rule id or name, a tag or a detector name is
  masked there too. Only secgate's own hashes are left alone. Nested models are replaced, never
  changed in place: some are shared between findings. A finding whose texts, gathered and joined,
  hold no known value is not visited field by field;
- ``line``: every line secgate prints itself (errors, notes, log lines).

Credentials secgate holds itself (the GitHub token) are registered with ``register_credential``:
``scrub_line`` masks them as the GitHub client masks its own messages (``scrub_credential``: in
any letter case, and any prefix of ``MIN_CREDENTIAL_PREFIX`` characters or more, as an error
message may echo one cut short), whichever run is under way.

Reports are rendered from scrubbed findings only, so what they write is scrubbed by construction.
"""

from __future__ import annotations

import operator
import re
import typing
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from secgate.findings.secrets import Redactor
from secgate.model import MODEL_TYPES, Finding, Record, ScannerRun, Source, field_types

UNSCRUBBED_FIELDS = frozenset({"hash", "fingerprint", "line_hash"})
"""Fields holding secgate's own hex digests (never a tool's text)."""
MIN_PARTIAL = 8
"""Shortest visible fragment of a masked token that counts as part of a secret."""

_STARS = re.compile(r"\*{4,}")
_DELIMITERS = frozenset(" \t\r\n*\"'`=:,;()[]{}<>")

_Plan = tuple[tuple[str, str], ...]
"""(field name, how to scrub it): ``text``, ``texts`` (a list of strings), ``model``,
``models`` (a list of models), ``value`` (free-form JSON)."""
_PLANS: dict[type, _Plan] = {}


class Scrubber:
    """Masks every raw secret value it knows, wherever it appears."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._redactor = Redactor(())
        self.add(values)

    def __bool__(self) -> bool:
        return bool(self._redactor)

    @property
    def values(self) -> frozenset[str]:
        return frozenset(self._values)

    def add(self, values: Iterable[str]) -> bool:
        """Learn more raw values; True when one was new."""
        new = {v.strip() for v in values if v and v.strip()} - self._values
        if not new:
            return False
        self._values |= new
        self._redactor = Redactor(self._values)
        return True

    def add_partials(self, texts: Iterable[str]) -> bool:
        """Learn the visible fragments next to a ``****`` mask in ``texts`` that are part of a
        known value (``MIN_PARTIAL`` characters at least); True when one was new."""
        known = [v for v in self._values if len(v) >= MIN_PARTIAL]
        if not known:
            return False
        found: set[str] = set()
        for text in texts:
            for run in _STARS.finditer(text):
                start, end = run.start(), run.end()
                while start > 0 and text[start - 1] not in _DELIMITERS:
                    start -= 1
                while end < len(text) and text[end] not in _DELIMITERS:
                    end += 1
                for fragment in (text[start : run.start()], text[run.end() : end]):
                    if len(fragment) >= MIN_PARTIAL and any(fragment in v for v in known):
                        found.add(fragment)
        return self.add(found)

    # --- texts ----------------------------------------------------------------------------
    def text(self, text: str) -> str:
        """``text`` with every known value masked (the same object when nothing changed)."""
        return self._redactor.text(text)

    def line(self, text: str) -> str:
        return self._redactor.text(text)

    def value(self, value: Any) -> Any:
        """The strings inside a JSON-like value scrubbed, keys included; the value itself when
        nothing changed."""
        return self._redactor.value(value, keys=True)

    # --- models ---------------------------------------------------------------------------
    def findings(self, findings: list[Finding], runs: list[ScannerRun]) -> None:
        """Scrub every text of ``findings`` and ``runs``, in place."""
        if not self:
            return
        for run in runs:
            self._model_in_place(run)
        for finding in findings:
            if self._may_hold_value(finding):
                self._model_in_place(finding)

    def _may_hold_value(self, finding: Finding) -> bool:
        """False when no text of ``finding`` can hold a known value: its texts, gathered as
        the scrub visits them (``_gather``) and joined, hold none (``Redactor.holds``); most
        findings hold none, and their dozens of fields then need not be scrubbed one by one."""
        texts: list[str] = []
        try:
            _gather(finding, texts)
            joined = "\x00".join(texts)
        except TypeError:  # a value of another type where text belongs: scrub field by field
            return True
        return self._redactor.holds(joined)

    def _model_in_place(self, model: BaseModel | Record) -> None:
        for name, scrubbed in self._changes(model):
            setattr(model, name, scrubbed)

    def _model(self, model: BaseModel | Record) -> BaseModel | Record:
        if isinstance(model, Source):  # shared by every finding of a rule: made anew
            rule_id, tool = self.text(model.rule_id), self.text(model.tool)
            if rule_id is model.rule_id and tool is model.tool:
                return model
            return Source.of(tool, rule_id)
        changes = dict(self._changes(model))
        return model.model_copy(update=changes) if changes else model

    def _changes(self, model: BaseModel | Record) -> list[tuple[str, Any]]:
        cls = type(model)
        plan = _PLANS.get(cls) or _plan(cls)
        redactor = self._redactor
        text, shortest = redactor.text, redactor.shortest
        changes = []
        for name, how in plan:
            value = getattr(model, name)
            if value is None:
                continue
            if how is _TEXT:  # most fields: a short text, or one already scrubbed once
                if type(value) is not str or len(value) < shortest:
                    continue
                scrubbed: Any = text(value)
            elif not value:
                continue
            elif how is _TEXTS:
                new = [text(v) if isinstance(v, str) else v for v in value]
                scrubbed = value if all(a is b for a, b in zip(new, value, strict=True)) else new
            elif how is _MODEL:
                scrubbed = self._model(value)
            elif how is _MODELS:
                new = [self._model(v) for v in value]
                scrubbed = value if all(a is b for a, b in zip(new, value, strict=True)) else new
            else:
                scrubbed = self.value(value)
            if scrubbed is not value:
                changes.append((name, scrubbed))
        return changes


_TEXT, _TEXTS, _MODEL, _MODELS, _VALUE = "text", "texts", "model", "models", "value"


def _plan(cls: type[BaseModel] | type[Record]) -> _Plan:
    plan = []
    for name, annotation in field_types(cls).items():
        if name in UNSCRUBBED_FIELDS:
            continue
        how = _how(annotation)
        if how is not None:
            plan.append((name, how))
    return _PLANS.setdefault(cls, tuple(plan))


def _how(annotation: Any) -> str | None:
    """How a field of this type is scrubbed; None for numbers, enumerations and flags."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if annotation is str:
        return _TEXT
    if isinstance(annotation, type) and issubclass(annotation, MODEL_TYPES):
        return _MODEL
    if origin is list:
        (item,) = args or (Any,)
        if item is str:
            return _TEXTS
        if isinstance(item, type) and issubclass(item, MODEL_TYPES):
            return _MODELS
        return _VALUE
    if origin is dict:
        return _VALUE
    if origin is typing.Literal or (isinstance(annotation, type) and not args):
        return None  # an enumeration, a number, a flag
    kinds = {_how(a) for a in args} - {None}
    if len(kinds) == 1:
        return kinds.pop()
    return _VALUE if kinds else None


def _gather(model: BaseModel | Record, texts: list[str]) -> None:
    """Append every text the scrub would visit in ``model`` (``_changes``) to ``texts``."""
    cls = type(model)
    text_fields, other_fields = _GATHERERS.get(cls) or _gatherer(cls)
    texts.extend(filter(None, text_fields(model)))
    for name, how in other_fields:
        value = getattr(model, name)
        if not value:
            continue
        if how is _TEXTS:
            texts.extend(value)
        elif how is _MODEL:
            _gather(value, texts)
        elif how is _MODELS:
            for item in value:
                _gather(item, texts)
        else:
            _gather_value(value, texts)


_Gatherer = tuple[Callable[[Any], tuple[Any, ...]], tuple[tuple[str, str], ...]]
_GATHERERS: dict[type, _Gatherer] = {}
"""Per class: its text fields' values read in one call, and its other fields of the plan."""


def _gatherer(cls: type[BaseModel] | type[Record]) -> _Gatherer:
    plan = _PLANS.get(cls) or _plan(cls)
    names = [name for name, how in plan if how is _TEXT]
    read = operator.attrgetter(*names) if names else None
    text_fields: Callable[[Any], tuple[Any, ...]] = (
        (lambda model: ())
        if read is None
        else (lambda model: (read(model),))
        if len(names) == 1
        else read
    )
    others = tuple((name, how) for name, how in plan if how is not _TEXT)
    return _GATHERERS.setdefault(cls, (text_fields, others))


def _gather_value(value: Any, texts: list[str]) -> None:
    """``_gather`` for a JSON-like value: its strings, and the keys of its objects."""
    if isinstance(value, str):
        texts.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                texts.append(key)
            _gather_value(item, texts)
    elif isinstance(value, list):
        for item in value:
            _gather_value(item, texts)


_CURRENT = Scrubber()


def start_run(values: Iterable[str] = ()) -> Scrubber:
    """A new scrubber for the run that starts, knowing ``values``; ``current`` returns it."""
    global _CURRENT
    _CURRENT = Scrubber(values)
    return _CURRENT


def current() -> Scrubber:
    """The scrubber of the run under way (one knowing nothing before any run)."""
    return _CURRENT


def scrub_line(text: str) -> str:
    """A line secgate prints itself, with every secret value of the run and every registered
    credential masked."""
    text = _CURRENT.line(text)
    for credential in _CREDENTIALS:
        text = scrub_credential(text, credential)
    return text


MIN_CREDENTIAL_PREFIX = 8
"""Shortest prefix of a credential masked (the whole credential when it is shorter)."""
_CREDENTIALS: list[str] = []


def register_credential(value: str) -> None:
    """Mask ``value`` in every line ``scrub_line`` cleans from now on (a value shorter than
    ``MIN_CREDENTIAL_PREFIX`` is no real credential and would mask ordinary words)."""
    if len(value) >= MIN_CREDENTIAL_PREFIX and value not in _CREDENTIALS:
        _CREDENTIALS.append(value)


def scrub_credential(text: str, credential: str) -> str:
    """``text`` with ``credential`` replaced by ``***`` wherever it appears in any letter case,
    and with every prefix of it at least ``MIN_CREDENTIAL_PREFIX`` characters long (or the whole
    credential, when shorter) replaced too."""
    if not credential:
        return text
    shortest = min(len(credential), MIN_CREDENTIAL_PREFIX)
    lowered, secret = text.lower(), credential.lower()
    start_of = secret[:shortest]
    out: list[str] = []
    i = 0
    while True:
        found = lowered.find(start_of, i)
        if found < 0:
            out.append(text[i:])
            return "".join(out)
        end = found + shortest
        while end < len(text) and end - found < len(secret) and lowered[end] == secret[end - found]:
            end += 1
        out.append(text[i:found])
        out.append("***")
        i = end
