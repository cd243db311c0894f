"""A ``secgate.policy.loader.PassedChecks`` in memory, for the policy tests."""

from __future__ import annotations

from secgate.policy.loader import SCHEMA_CHECK


class CountingChecks:
    """A ``PassedChecks`` in memory that counts what it is asked."""

    def __init__(self) -> None:
        self.passed_digests: set[str] = set()
        self.asked = 0

    def passed(self, kind: str, digest: str) -> bool:
        assert kind == SCHEMA_CHECK
        self.asked += 1
        return digest in self.passed_digests

    def remember(self, kind: str, digest: str) -> None:
        assert kind == SCHEMA_CHECK
        self.passed_digests.add(digest)
