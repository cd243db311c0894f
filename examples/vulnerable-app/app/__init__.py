"""Deliberately vulnerable demo package for secgate. Never deploy it."""
