"""Finding, reading and validating the policy.

Discovery: ``--policy FILE`` (or ``builtin:NAME``), else ``.secgate.yml`` (or ``.yaml``) at the
scanned path's root, else the shipped default. Validation is the JSON Schema shipped beside this
module (``schema.json``); an error names the place inside the file and its line:
``policy.yml:14: rules[2].match.severity: 'hihg' is not one of [...]``.

A scan passes its result cache as ``checks``: a policy text that passed the schema once (the
same text, schema and secgate version: ``schema_digest``) is not checked against it again, and
jsonschema is then not even imported (30 to 40 ms of a warm re-scan's ~0.5 s). The YAML, glob and
license checks and the model's own validation still run every time, so a remembered check that
no longer holds (a memo forged by someone who has the cache's key) can at worst make an error
message less precise: the model still refuses what the schema would.
"""

from __future__ import annotations

import hashlib
import json
import math
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml
from pydantic import ValidationError as ModelError

from secgate import __version__
from secgate.errors import PolicyError
from secgate.files.reading import read_text
from secgate.findings.paths import problem as glob_problem
from secgate.policy import licenses
from secgate.policy.model import Policy

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

DISCOVERED_NAMES = (".secgate.yml", ".secgate.yaml")
BUILTIN_PREFIX = "builtin:"
DEFAULT = "default"


SCHEMA_CHECK = "policy-schema"
"""The kind of check ``PassedChecks`` remembers for a policy text."""


class PassedChecks(Protocol):
    """Checks remembered across runs by digest (a scan's result cache, whose files nobody else
    can write: ``secgate.scanning.result_cache.ResultCache``)."""

    def passed(self, kind: str, digest: str) -> bool: ...

    def remember(self, kind: str, digest: str) -> None: ...


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return files("secgate.policy").joinpath("schema.json").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of a policy file."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded


def schema_digest(text: str) -> str:
    """What a schema check of the policy ``text`` depends on, as one SHA-256: the text, the
    schema, and secgate's version (its checks around the schema may change with it)."""
    digest = hashlib.sha256()
    for part in (SCHEMA_CHECK, __version__, _schema_text(), text):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def builtin_names() -> list[str]:
    """The names of the shipped policies (``default``, ``strict``, ``report-only``)."""
    return sorted(
        item.name[:-4] for item in files("secgate.policies").iterdir() if item.name.endswith(".yml")
    )


def shipped(name: str) -> str:
    """The text of a policy shipped in ``policies/``."""
    resource = files("secgate.policies").joinpath(f"{name}.yml")
    if not resource.is_file():
        raise PolicyError(
            f"no shipped policy called {name!r} (shipped: {', '.join(builtin_names())})"
        )
    return resource.read_text(encoding="utf-8")


def discover(explicit: Path | str | None, target: Path | None) -> tuple[str, str]:
    """The policy's text and where it came from (a path, or ``builtin:<name>``)."""
    if explicit is not None:
        if str(explicit).startswith(BUILTIN_PREFIX):
            name = str(explicit)[len(BUILTIN_PREFIX) :]
            return shipped(name), f"{BUILTIN_PREFIX}{name}"
        return read_file(Path(explicit)), str(explicit)
    if target is not None and target.is_dir():
        for name in DISCOVERED_NAMES:
            candidate = target / name
            if candidate.exists() or candidate.is_symlink():  # a symlink out is refused
                return read_file(candidate, root=target), str(candidate)
    return shipped(DEFAULT), f"{BUILTIN_PREFIX}{DEFAULT}"


def read_file(path: Path, root: Path | None = None) -> str:
    """The text of a policy file, through the reading layer (regular files only, bounded;
    ``root``: the scanned directory holding it, which it must not leave)."""
    if not path.exists() and not path.is_symlink():
        raise PolicyError("no such policy file", path=path)
    return read_text(path, "a policy file", PolicyError, root=root)


def load(
    explicit: Path | str | None, target: Path | None, checks: PassedChecks | None = None
) -> Policy:
    """Discover, read and validate the policy."""
    text, source = discover(explicit, target)
    return parse(text, source, checks)


def parse(text: str, source: str, checks: PassedChecks | None = None) -> Policy:
    """Validate a policy's YAML text; a PolicyError names the place and line of a problem.
    ``checks``: where a schema check that passed is remembered (see the module docstring)."""
    data, root = _read_yaml(text, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(
            f"a policy is a mapping (version: 1, fail_on: ...), not {_kind(data)}", path=source
        )
    _check_plain(data, root, source)
    digest = schema_digest(text) if checks is not None else ""
    if checks is None or not checks.passed(SCHEMA_CHECK, digest):
        _check_schema(data, root, source)
        if checks is not None:
            checks.remember(SCHEMA_CHECK, digest)
    _check_licenses(data, root, source)
    _check_globs(data, root, source)
    try:
        policy = Policy.model_validate(data)
    except ModelError as exc:  # the schema should have caught it; still never a traceback
        err = exc.errors()[0]
        raise PolicyError(
            f"{dotted(list(err['loc'])) or 'policy'}: {err['msg']}", path=source
        ) from None
    return policy.model_copy(update={"source": source})


def _check_schema(data: dict[str, Any], root: yaml.Node | None, source: str) -> None:
    """A PolicyError naming the place and line of the schema's most relevant complaint."""
    import jsonschema
    from jsonschema.exceptions import best_match

    validator = jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    error = best_match(validator.iter_errors(data))
    if error is not None:
        where = list(error.absolute_path)
        message = describe(error)
        line = _line_of(root, where, error)
        place = f"{source}:{line}" if line else source
        raise PolicyError(f"{dotted(where) or 'policy'}: {message}", path=place)


def _check_plain(data: dict[str, Any], root: yaml.Node | None, source: str) -> None:
    """Refuse what would validate and break later: values that are not plain JSON (bytes,
    sets, timestamps written with an explicit tag), keys that are not text, numbers that are
    not finite (``.nan``, ``.inf``) or beyond 53 bits."""
    stack: list[tuple[Any, list[str | int]]] = [(data, [])]
    while stack:
        value, where = stack.pop()
        problem = None
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    problem = f"the key {key!r} is not text"
                    break
                stack.append((item, [*where, key]))
        elif isinstance(value, list):
            stack.extend((item, [*where, index]) for index, item in enumerate(value))
        elif isinstance(value, bool) or value is None or isinstance(value, str):
            pass
        elif isinstance(value, int):
            if abs(value) > _MAX_INT:
                problem = f"{value} is too large a number"
        elif isinstance(value, float):
            if not math.isfinite(value):
                problem = f"{value} is not a finite number"
        else:
            problem = (
                f"a {type(value).__name__} is not a plain YAML value (text, number, "
                "true/false, list or mapping)"
            )
        if problem is not None:
            line = _line_at(root, where)
            place = f"{source}:{line}" if line else source
            raise PolicyError(f"{dotted(where) or 'policy'}: {problem}", path=place)


_MAX_INT = 2**53


def _check_globs(data: dict[str, Any], root: yaml.Node | None, source: str) -> None:
    """A path glob that cannot be compiled would fail the first scan that uses it."""
    places: list[tuple[list[str | int], Any]] = []
    for index, rule in enumerate(data.get("rules") or []):
        match = rule.get("match") if isinstance(rule, dict) else None
        if isinstance(match, dict):
            places.append((["rules", index, "match", "path"], match.get("path")))
    for index, acceptance in enumerate(data.get("accept") or []):
        if isinstance(acceptance, dict):
            places.append((["accept", index, "path"], acceptance.get("path")))
    for where, value in places:
        items = value if isinstance(value, list) else [value]
        for position, pattern in enumerate(items):
            if not isinstance(pattern, str):
                continue
            why = glob_problem(pattern)
            if why is not None:
                place_path = [*where, position] if isinstance(value, list) else where
                line = _line_at(root, place_path)
                place = f"{source}:{line}" if line else source
                raise PolicyError(f"{dotted(place_path)}: {why}", path=place)


def _check_licenses(data: dict[str, Any], root: yaml.Node | None, source: str) -> None:
    """An allow or deny entry that is no SPDX id would silently never match: refuse it."""
    section = data.get("licenses") or {}
    for key in ("allow", "deny"):
        for index, entry in enumerate(section.get(key) or []):
            problem = licenses.entry_problem(entry)
            if problem:
                where: list[str | int] = ["licenses", key, index]
                line = _line_at(root, where)
                place = f"{source}:{line}" if line else source
                raise PolicyError(f"{dotted(where)}: {problem}", path=place)


def dotted(path: list[str | int]) -> str:
    """``['rules', 2, 'match', 'severity']`` as ``rules[2].match.severity``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe_alternatives(error: ValidationError) -> str:
    """``describe`` for an ``anyOf``/``oneOf`` error: what was expected, or the closest
    alternative's own message."""
    from jsonschema.exceptions import best_match  # loaded already: an error came from it

    if all(e.validator == "required" for e in error.context):
        names = [str(next(iter(_value(e)))) for e in error.context]
        return f"needs at least one of: {', '.join(names)}"
    consts = [e for e in error.context if e.validator == "const" and not e.path]
    others = [e for e in error.context if e.validator == "type"]
    if consts and others:
        kinds = [_type_name(_value(e)) for e in others]
        return f"{error.instance!r} is not {_value(consts[0])!r} or " + " or ".join(kinds)
    typed = [e for e in error.context if e.validator != "type" and not e.path]
    if typed:
        best = best_match(typed)
        if best is not None:
            return describe(best)
    deeper = [e for e in error.context if e.path]
    if deeper:
        best = best_match(deeper)
        if best is not None:
            return describe(best)
    kinds = [_type_name(_value(e)) for e in error.context if e.validator == "type"]
    return f"{error.instance!r} is not " + " or ".join(kinds or ["valid here"])


def describe(error: ValidationError) -> str:
    """A readable message for a schema error (``anyOf`` errors say what was expected)."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        return _describe_alternatives(error)
    if (
        error.validator == "oneOf"
        and not error.context
        and all(isinstance(s, dict) and list(s) == ["required"] for s in _value(error))
    ):
        names = [str(s["required"][0]) for s in _value(error)]
        return f"give only one of: {', '.join(names)}"
    if error.validator == "pattern" and _value(error) == "^https?://":
        return "is not an http:// or https:// URL"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(_properties(error))
        extra = sorted(str(k) for k in error.instance if k not in known)
        return f"unknown key {', '.join(repr(k) for k in extra)} (known: {', '.join(known)})"
    if error.validator == "format" and _value(error) == "date":
        return f"{error.instance!r} is not a date (YYYY-MM-DD)"
    if error.validator == "const":
        return f"{error.instance!r} is not {_value(error)!r}"
    if error.validator == "pattern" and "cwe" in str(_value(error)):
        return f"{error.instance!r} is not a CWE id (CWE-78, or 78)"
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in _value(error) if k not in error.instance]
        return f"missing required key {', '.join(repr(k) for k in missing)}"
    if error.validator == "type":
        return f"{error.instance!r} is not {_type_name(_value(error))}"
    if error.validator == "minProperties":
        return "is empty: give at least one field"
    return error.message


def _type_name(json_type: Any) -> str:
    """A JSON Schema type as a YAML writer thinks of it: ``array`` is a list."""
    names = {
        "array": "a list",
        "object": "a mapping",
        "string": "a string",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
    }
    return names.get(str(json_type), str(json_type))


def _value(error: ValidationError) -> Any:
    """The schema value of the failing keyword (``Any``: it depends on the keyword)."""
    value: Any = error.validator_value
    return value


def _properties(error: ValidationError) -> dict[str, Any]:
    """The ``properties`` of the schema an error is about."""
    schema_: Any = error.schema
    props: dict[str, Any] = schema_.get("properties", {}) if isinstance(schema_, dict) else {}
    return props


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit dates (``expires`` stays text the schema checks, so
    ``2027-02-30`` is an error with a place, not a crash) and with duplicate keys refused."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_BOOL_TAG = "tag:yaml.org,2002:bool"


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        # keys are names: YAML 1.1 reads a plain ``on``/``yes``/``off`` as a boolean, but
        # ``notify: [{on: block}]`` means the key "on"
        key = (
            key_node.value
            if key_node.tag == _BOOL_TAG and isinstance(key_node.value, str)
            else loader.construct_object(key_node, deep=True)
        )
        try:
            duplicate = key in result
        except TypeError:  # a mapping or list as a key (YAML's "? key"): no name of anything
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                "a key is a mapping or a list, not a name",
                key_node.start_mark,
            ) from None
        if duplicate:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(key, line)
        self.key = key
        self.line = line


def _read_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree (for line numbers) of a YAML text, parsed once: the tree is
    composed, its aliases checked (``_check_expansion``), and only then the data built from it
    through ``_Loader``, a ``yaml.SafeLoader`` (plain types only)."""
    loader = _Loader(text)
    try:
        root: yaml.Node | None = loader.get_single_node()
        _check_expansion(root, source)
        data = loader.construct_document(root) if root is not None else None
    except RecursionError:
        raise PolicyError("invalid YAML: nested too deeply", path=source) from None
    except _DuplicateKey as dup:
        raise PolicyError(f"key {dup.key!r} given twice", path=f"{source}:{dup.line}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        place = f"{source}:{mark.line + 1}" if mark is not None else source
        raise PolicyError(f"invalid YAML: {problem}", path=place) from None
    finally:
        loader.dispose()
    return data, root


MAX_DEPTH = 64
"""Deepest nesting of lists and mappings in a policy file."""
ALIAS_BUDGET = 10_000
"""How many nodes YAML aliases may add to a policy in all, once expanded: a few aliases that
refer to each other in turn ("billion laughs") expand to more than memory holds."""


def _check_expansion(root: yaml.Node | None, source: str) -> None:
    """Refuse a node tree nested deeper than ``MAX_DEPTH``, an alias inside the node it refers
    to, and aliases that expand beyond ``ALIAS_BUDGET`` nodes. The size of each node once
    expanded is worked out once per node, so this is linear in the file's own size."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            line = int(node.start_mark.line) + 1
            raise PolicyError(
                "invalid YAML: an alias refers to a node that holds it", path=f"{source}:{line}"
            )
        if depth > MAX_DEPTH:
            line = int(node.start_mark.line) + 1
            raise PolicyError(
                f"invalid YAML: nested deeper than {MAX_DEPTH} levels", path=f"{source}:{line}"
            )
        open_nodes.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) in open_nodes:
                line = int(child.start_mark.line) + 1
                raise PolicyError(
                    "invalid YAML: an alias refers to a node that holds it", path=f"{source}:{line}"
                )
            stack.append((child, depth + 1, False))
    expanded = sizes[id(root)]
    if expanded - len(sizes) > ALIAS_BUDGET:
        raise PolicyError(
            f"invalid YAML: aliases expand to {expanded:,} nodes, more than the "
            f"{ALIAS_BUDGET:,} extra nodes secgate allows",
            path=source,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _line_at(root: yaml.Node | None, path: list[str | int]) -> int | None:
    """The 1-based line of ``path`` in the node tree."""
    node = _node_at(root, path)
    return None if node is None else int(node.start_mark.line) + 1


def _node_at(root: yaml.Node | None, path: list[str | int]) -> yaml.Node | None:
    node = root
    for part in path:
        node = _child(node, part)
        if node is None:
            return None
    return node


def _line_of(root: yaml.Node | None, path: list[str | int], error: ValidationError) -> int | None:
    """The 1-based line of ``path`` in the node tree (of the offending key when one is named)."""
    node = _node_at(root, path)
    if node is None:
        return None
    if error.validator == "additionalProperties" and isinstance(node, yaml.MappingNode):
        known = _properties(error)
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value not in known:
                return int(key_node.start_mark.line) + 1
    return int(node.start_mark.line) + 1


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                found: yaml.Node = value_node
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None
