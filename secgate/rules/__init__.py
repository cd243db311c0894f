"""Semgrep rules shipped with secgate."""
