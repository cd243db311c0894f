"""secgate: one security gate over many scanners."""

__version__ = "0.1.0"
"""The one place the version is written (pyproject.toml reads it from here)."""
