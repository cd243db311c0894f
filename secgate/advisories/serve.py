"""Run one command with the imported OSV data served on loopback for it:

    python -m secgate.advisories.serve --db STORE -- pip-audit -r requirements.txt ...

The command gets ``PIP_AUDIT_VULNERABILITY_SERVICE=osv`` and ``PIP_AUDIT_OSV_URL`` (pip-audit
reads both as the defaults of ``--vulnerability-service`` and ``--osv-url``) pointing at a
``LocalOsvService`` on 127.0.0.1, and ``NO_PROXY`` naming 127.0.0.1, so a proxy configured for
the network never sees the queries. Its standard streams are the wrapper's; the wrapper exits
with its exit code (3 when the store cannot be served or the command cannot start). The port,
picked by the system, stays out of the command line, so a recorded command is the same run
after run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from secgate.errors import ExitCode, SecgateError

SERVED_MARKER = "secgate.advisories.serve"
"""This module's name: it appears in the recorded command line of a tool run with the data
served, which is how a report knows the tool read the imported data."""
_LOOPBACK = "127.0.0.1"


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[0] != "--db" or argv[2] != "--":
        print("usage: python -m secgate.advisories.serve --db STORE -- COMMAND...", file=sys.stderr)
        return ExitCode.USAGE.value
    from secgate.advisories.service import LocalOsvService  # the server only where it serves

    store, command = Path(argv[1]), argv[3:]
    if not store.is_file():
        print(f"secgate: error: {store}: no advisory data to serve", file=sys.stderr)
        return ExitCode.SCANNER_ERROR.value
    try:
        with LocalOsvService(store) as service:
            env = {
                **os.environ,
                "PIP_AUDIT_VULNERABILITY_SERVICE": "osv",
                "PIP_AUDIT_OSV_URL": service.query_url,
            }
            for name in ("NO_PROXY", "no_proxy"):
                listed = [h for h in env.get(name, "").split(",") if h.strip()]
                env[name] = ",".join([*listed, _LOOPBACK])
            try:
                done = subprocess.run(command, env=env, check=False)
            except OSError as exc:
                print(
                    f"secgate: error: {command[0]}: could not start: {exc.strerror}",
                    file=sys.stderr,
                )
                return ExitCode.SCANNER_ERROR.value
            return done.returncode
    except (OSError, SecgateError) as exc:
        print(f"secgate: error: cannot serve {store}: {exc}", file=sys.stderr)
        return ExitCode.SCANNER_ERROR.value


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
