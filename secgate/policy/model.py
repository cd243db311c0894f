"""The policy as secgate holds it after loading (see ``policy/schema.json`` for the file format)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from secgate.model import Severity

Threshold = Severity | Literal["none"]


class ScannersPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required: list[str] = Field(default_factory=list)
    on_error: Literal["block", "warn"] = "block"
    timeout: float | None = None


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    fail_on: Threshold = Severity.HIGH
    warn_on: Threshold = Severity.MEDIUM
    scanners: ScannersPolicy = Field(default_factory=ScannersPolicy)
    source: str = "builtin:default"
    """Where the policy came from: a file path, or ``builtin:<name>``."""
