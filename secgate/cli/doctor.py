"""``secgate doctor``: which scanners this machine has, their versions, and how to get the rest."""

from __future__ import annotations

from typing import TextIO

from secgate.adapters import registry
from secgate.scanning.tool_versions import read_version


def report(stream: TextIO) -> int:
    """Print one block per supported scanner; returns the exit code (0: doctor itself worked)."""
    for adapter in registry.scanners():
        executable = adapter.find_executable()
        if executable:
            version = read_version(adapter, executable) or "version unknown"
            print(f"{adapter.name:<13} found    {version:<12} {executable}", file=stream)
        else:
            print(
                f"{adapter.name:<13} missing  {'-':<12} install: {adapter.install_hint}",
                file=stream,
            )
        print(
            f"{'':<13} categories: {', '.join(sorted(c.value for c in adapter.categories))};"
            f" override the program with ${adapter.env_var}",
            file=stream,
        )
        if adapter.limitations:
            print(f"{'':<13} note: {adapter.limitations}", file=stream)
    return 0
