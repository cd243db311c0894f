"""Tiny fake scanner programs for runner tests: real processes that hang, crash, print garbage
sleep or wait for each other, standing in for a scanner through ``SECGATE_<TOOL>_BIN``."""

from __future__ import annotations

import sys
from pathlib import Path

_HEADER = f"""#!{sys.executable}
import os, subprocess, sys, time
if "--version" in sys.argv[1:]:
    print(os.environ.get("FAKE_VERSION", "fake 1.0.0"))
    sys.exit(0)
"""

BODIES = {
    # starts a child that sleeps too, records its pid, and never ends
    "hang": """
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(os.environ["FAKE_PID_FILE"], "w") as f:
    f.write(str(child.pid))
time.sleep(600)
""",
    # the same, but parent and child ignore SIGTERM: only SIGKILL ends them
    "stubborn": """
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c",
                          "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                          "time.sleep(600)"])
with open(os.environ["FAKE_PID_FILE"], "w") as f:
    f.write(str(child.pid))
time.sleep(600)
""",
    "crash": """
print("fake scanner: cannot read its rules file", file=sys.stderr)
sys.exit(2)
""",
    "garbage": """
print("<html>this is not a scanner report</html>")
sys.exit(0)
""",
    # sleeps, then reports nothing found in Gitleaks' format (report file) or on stdout
    "sleep": """
time.sleep(float(os.environ.get("FAKE_SLEEP", "2")))
args = sys.argv[1:]
if "--report-path" in args:
    with open(args[args.index("--report-path") + 1], "w") as f:
        f.write("[]\\n")
sys.exit(0)
""",
    # announces itself in FAKE_MEET_DIR, waits (up to 60 s) until FAKE_MEET_COUNT fakes have,
    # writes whether it met them, then reports nothing found as "sleep" does: run one after
    # another, the first one waits alone
    "meet": """
meet = os.environ["FAKE_MEET_DIR"]
me = os.path.basename(sys.argv[0])
open(os.path.join(meet, me + ".here"), "w").close()
deadline = time.monotonic() + 60
count = int(os.environ["FAKE_MEET_COUNT"])
while sum(n.endswith(".here") for n in os.listdir(meet)) < count and time.monotonic() < deadline:
    time.sleep(0.05)
met = sum(n.endswith(".here") for n in os.listdir(meet)) >= count
with open(os.path.join(meet, me + ".result"), "w") as f:
    f.write("met" if met else "alone")
args = sys.argv[1:]
if "--report-path" in args:
    with open(args[args.index("--report-path") + 1], "w") as f:
        f.write("[]\\n")
sys.exit(0)
""",
    # exits 1 with nothing on stdout, as truffleHog v2 does when it crashes
    "exit1": """
print("git.exc.GitCommandError: Cmd('git') failed due to: exit code(128)", file=sys.stderr)
sys.exit(1)
""",
}


def write_fake(directory: Path, kind: str, name: str | None = None) -> Path:
    """An executable fake scanner of ``kind`` in ``directory``."""
    path = directory / (name or f"fake-{kind}")
    path.write_text(_HEADER + BODIES[kind], encoding="utf-8")
    path.chmod(0o755)
    return path
