"""Finding and loading the policy: ``--policy FILE``, else ``.secgate.yml`` (or ``.yaml``) at the
scanned path's root, else the shipped default."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from secgate.errors import PolicyError
from secgate.policy.model import Policy

DISCOVERED_NAMES = (".secgate.yml", ".secgate.yaml")


def shipped(name: str) -> str:
    """The text of a policy shipped in ``policies/`` (``default``, ``strict``...)."""
    resource = files("secgate.policies").joinpath(f"{name}.yml")
    if not resource.is_file():
        raise PolicyError(f"no shipped policy called {name!r}")
    return resource.read_text(encoding="utf-8")


def discover(explicit: Path | None, target: Path | None) -> tuple[str, str]:
    """The policy's text and where it came from."""
    if explicit is not None:
        if str(explicit).startswith("builtin:"):
            name = str(explicit).split(":", 1)[1]
            return shipped(name), f"builtin:{name}"
        try:
            return explicit.read_text(encoding="utf-8"), str(explicit)
        except FileNotFoundError:
            raise PolicyError("no such policy file", path=explicit) from None
        except OSError as exc:
            raise PolicyError(f"cannot read: {exc.strerror}", path=explicit) from None
    if target is not None and target.is_dir():
        for name in DISCOVERED_NAMES:
            candidate = target / name
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8"), str(candidate)
    return shipped("default"), "builtin:default"


def parse(text: str, source: str) -> Policy:
    """Validate a policy's YAML text."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"invalid YAML{where}", path=source) from None
    if not isinstance(data, dict):
        raise PolicyError("a policy is a mapping (version: 1, fail_on: ...)", path=source)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise PolicyError(f"{where}: {err['msg']}", path=source) from None
    policy.source = source
    return policy


def load(explicit: Path | None, target: Path | None) -> Policy:
    text, source = discover(explicit, target)
    return parse(text, source)
