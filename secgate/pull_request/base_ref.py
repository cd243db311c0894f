"""Reading the gate's own files from a git commit instead of the working tree (``secgate scan
--base REF``): finding the commit, fetching it into a shallow checkout, and reading one file of
its tree.

Only regular files are read (a blob of mode 100644 or 100755): a symlink in the commit is
refused, as a symlink in the working tree is; a blob larger than an input file may be
(``SECGATE_MAX_INPUT_MB``) is refused before it is read. What is read is decoded and parsed
exactly as the same file on disk would be (``secgate.files.reading``, then the policy loader, the
ignore-file and baseline parsers, the VEX reader). Paths are relative to the scanned directory,
which may be a subdirectory of the repository.

In GitHub Actions on a ``pull_request`` (or ``pull_request_target``) event the base defaults to
the pull request's base branch, ``origin/$GITHUB_BASE_REF``. ``actions/checkout`` makes a
shallow clone of the merge commit that holds no other branch, so a base that is not in the
repository is fetched (``git fetch --depth=1 origin``) when the checkout is shallow or the base
was taken from the event; one that still cannot be found is a usage error (exit 2), never a
scan judged by the pull request's own configuration.
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from secgate.errors import SecgateError, UsageError
from secgate.files.reading import check_size, decode_text

PR_EVENTS = ("pull_request", "pull_request_target")
REMOTE = "origin"
_GIT_TIMEOUT = 60.0
_FETCH_TIMEOUT = 300.0
_SHA = re.compile(r"[0-9a-fA-F]{7,40}")
_REGULAR_MODES = ("100644", "100755")


@dataclass(frozen=True)
class BaseRef:
    """The commit whose files configure the gate."""

    ref: str
    """As given (``origin/main``, a sha...)."""
    commit: str
    """The full sha it resolved to."""
    top: Path
    """The repository's top directory."""
    prefix: str
    """The scanned directory relative to ``top``: ``""`` or ``"sub/dir/"``."""
    fetched: bool = False
    """True when secgate fetched the commit first (a shallow checkout)."""

    @property
    def label(self) -> str:
        """``origin/main (1a2b3c4d5e6f)``: how reports name the base."""
        return f"{self.ref} ({self.commit[:12]})"

    def source(self, path: str) -> str:
        """How a file of the base is named in messages: ``origin/main:.secgate.yml``."""
        return f"{self.ref}:{self.prefix}{path}"


def default_base(environ: Mapping[str, str] | None = None) -> str | None:
    """The pull request's base branch (``origin/<GITHUB_BASE_REF>``) inside GitHub Actions on a
    pull request event; else None."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") != "true" or env.get("GITHUB_EVENT_NAME") not in PR_EVENTS:
        return None
    branch = env.get("GITHUB_BASE_REF", "").strip()
    return f"{REMOTE}/{branch}" if branch else None


def git_environment() -> dict[str, str]:
    """The environment secgate runs git in: no prompt for credentials, no optional locks."""
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


def run_git(
    top: Path, *args: str, timeout: float = _GIT_TIMEOUT
) -> subprocess.CompletedProcess[bytes]:
    """``git -C TOP ARGS`` in ``git_environment()``; a timeout answers exit 124 and a git that
    cannot start 127, as a shell would, so callers read one result either way."""
    env = git_environment()
    try:
        return subprocess.run(
            ["git", "-C", str(top), *args],
            capture_output=True,
            check=False,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, b"", b"git timed out")
    except OSError as exc:
        return subprocess.CompletedProcess(args, 127, b"", str(exc).encode())


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").strip()


def _last_line(data: bytes) -> str:
    lines = _text(data).splitlines()
    return lines[-1] if lines else "no output"


def resolve(target: Path, ref: str, *, from_event: bool = False) -> BaseRef:
    """Find ``ref`` in the repository holding ``target``, fetching it when the checkout is
    shallow (or ``from_event``: the base came from the pull request event). ``UsageError``
    names the ref and why it cannot be used."""
    where = run_git(target, "rev-parse", "--show-toplevel", "--show-prefix")
    if where.returncode != 0:
        raise UsageError(f"--base {ref}: {target} is not inside a git repository")
    lines = where.stdout.decode("utf-8", "surrogateescape").splitlines()
    top = Path(lines[0])
    prefix = lines[1] if len(lines) > 1 else ""
    if ref.startswith("-") or not ref.strip():
        raise UsageError(f"--base {ref!r}: not a git revision")
    commit = _commit(top, ref)
    fetched = False
    if commit is None:
        shallow = _text(run_git(top, "rev-parse", "--is-shallow-repository").stdout) == "true"
        if not (shallow or from_event):
            raise UsageError(f"--base {ref}: no such commit in {top}")
        problem = _fetch(top, ref, shallow)
        commit = _commit(top, ref) or (_commit(top, "FETCH_HEAD") if problem is None else None)
        if commit is None:
            why = problem or "the fetch did not bring it"
            hint = (
                " (GITHUB_BASE_REF, the pull request's base branch; give --base REF or "
                "check out with fetch-depth: 0)"
                if from_event
                else ""
            )
            raise UsageError(
                f"--base {ref}{hint}: not in this "
                f"{'shallow ' if shallow else ''}checkout, and fetching it from "
                f"{REMOTE} failed: {why}"
            )
        fetched = True
    return BaseRef(ref=ref, commit=commit, top=top, prefix=prefix, fetched=fetched)


def _commit(top: Path, ref: str) -> str | None:
    done = run_git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    text = _text(done.stdout)
    return text if done.returncode == 0 and text else None


def _fetch(top: Path, ref: str, shallow: bool) -> str | None:
    """Fetch ``ref`` from the remote; None on success, else git's last line of error."""
    if ref.startswith(f"{REMOTE}/"):
        branch = ref[len(REMOTE) + 1 :]
        spec = f"+refs/heads/{branch}:refs/remotes/{REMOTE}/{branch}"
    elif _SHA.fullmatch(ref):
        spec = ref
    else:
        spec = f"+refs/heads/{ref}:refs/remotes/{REMOTE}/{ref}"
    depth = ["--depth=1"] if shallow else []
    done = run_git(
        top, "fetch", "--no-tags", "--quiet", *depth, REMOTE, spec, timeout=_FETCH_TIMEOUT
    )
    return None if done.returncode == 0 else _last_line(done.stderr)


def read(base: BaseRef, path: str) -> bytes | None:
    """The content of ``path`` (relative to the scanned directory) in the base commit; None
    when the commit has no such file. A symlink, a submodule or a directory there is a
    ``UsageError``: only regular files configure the gate."""
    full = posixpath.normpath(f"{base.prefix}{path}")
    if full.startswith("../") or full == ".." or posixpath.isabs(full):
        raise UsageError(f"{base.source(path)}: outside the repository")
    listed = run_git(base.top, "ls-tree", "-z", "-l", "--full-tree", base.commit, "--", full)
    if listed.returncode != 0:
        raise UsageError(f"{base.source(path)}: cannot list it: {_last_line(listed.stderr)}")
    entry = listed.stdout.split(b"\0", 1)[0]
    if not entry:
        return None
    meta, _, _ = entry.partition(b"\t")
    mode, kind, blob, size = meta.decode("ascii", "replace").split()
    if kind != "blob" or mode not in _REGULAR_MODES:
        what = "a symlink" if mode == "120000" else f"a {kind}"
        raise UsageError(
            f"{base.source(path)}: is {what}, not a regular file; secgate reads "
            "only regular files for its configuration"
        )
    check_size(int(size), base.source(path), UsageError)  # the input files' limit
    shown = run_git(base.top, "cat-file", "blob", blob)
    if shown.returncode != 0:
        raise UsageError(f"{base.source(path)}: cannot read it: {_last_line(shown.stderr)}")
    return shown.stdout


def read_text(base: BaseRef, path: str, error: type[SecgateError] = UsageError) -> str | None:
    """``read`` decoded as UTF-8 text as the reading layer decodes a file (``error`` when it
    is not)."""
    data = read(base, path)
    return None if data is None else decode_text(data, base.source(path), error)
