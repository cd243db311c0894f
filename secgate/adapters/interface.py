"""The contract every scanner adapter fulfils.

An adapter knows one tool: its name and categories, how to recognise the tool's output from its
content alone, how to run it offline-safe, which exit codes mean "ran fine", how to read its
version, and how to turn its output into findings. Parsing is a pure function of bytes, tested
against outputs captured from real runs without any process.
"""

from __future__ import annotations

import abc
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal

from secgate.errors import InputError
from secgate.files.reading import decode_json, decode_json_lines
from secgate.model import Category, Finding, ScannerRun

InputKind = Literal["tracked-sources", "git-head", "requirements", "environment"]
"""What a tool's result can depend on, for secgate's result cache
(``secgate.scanning.result_cache``): ``tracked-sources`` the content of the project's files (``git
ls-files`` with untracked files not ignored; a walk of the tree outside git), ``git-head`` the
commit and refs a history scan reads, ``requirements`` the requirement files, ``environment`` the
packages installed in the target's Python environments."""


@dataclass(frozen=True)
class CacheInputs:
    """What a tool's result depends on besides its version, command line and settings (files
    named on its command line count by themselves)."""

    kinds: frozenset[InputKind]
    suffixes: frozenset[str] | None = None
    """For ``tracked-sources``: only files whose names end so count; None means every file."""
    files: tuple[str, ...] = ()
    """Further files, relative to the target, that the tool finds by itself (a configuration
    file it reads from its working directory)."""


class _NotJson:
    """Marks a sample whose bytes are not one JSON document."""

    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON: Any = _NotJson()


@dataclass
class Sample:
    """An input file's bytes, decoded once and shared by every adapter's ``detect``."""

    data: bytes

    @cached_property
    def text(self) -> str | None:
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None

    @cached_property
    def json(self) -> Any:
        """The decoded JSON document, or ``NOT_JSON``."""
        if self.text is None:
            return NOT_JSON
        try:
            return decode_json(self.data)
        except InputError:
            return NOT_JSON

    @cached_property
    def json_lines(self) -> list[Any]:
        """The first lines decoded as JSON objects (for JSON-lines formats); stops at a bad line."""
        rows: list[Any] = []
        if self.text is None:
            return rows
        for line in self.text.splitlines()[:20]:
            if not line.strip():
                continue
            try:
                rows.extend(decode_json_lines(line.encode("utf-8", "surrogatepass")))
            except InputError:
                break
        return rows


@dataclass
class ParseResult:
    """What an adapter read from one output."""

    findings: list[Finding] = field(default_factory=list)
    tool_version: str | None = None
    notes: list[str] = field(default_factory=list)
    """Things the tool could not do that are not findings (a skipped dependency, say)."""
    incomplete: bool = False
    """True when the output shows the tool examined nothing it was meant to."""
    skipped: int = 0
    """How many of the tool's reports could not be read (each is named in ``notes``): the rest
    of the file is read rather than refusing it whole."""
    runs: list[ScannerRun] = field(default_factory=list)
    """Scanner runs the file itself records (secgate's own SARIF does); usually empty."""
    secret_values: set[str] = field(default_factory=set, repr=False)
    """Raw secret values met while parsing. Kept in memory only, to scrub every output."""


@dataclass(frozen=True)
class RunContext:
    """What an adapter needs to build its command line."""

    target: Path
    """The directory being scanned (absolute)."""
    work_dir: Path
    """A private temporary directory for this run's output files."""
    executable: str
    """The resolved path of the tool's program."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """Per-scanner settings from the policy (``scanners.settings.<tool>``)."""
    unsafe: tuple[str, ...] = ()
    """Entries of the target that no tool may read: symlinks leaving it, FIFOs, devices
    (``secgate.files.scanned_tree``), relative POSIX paths. Most tools skip them by themselves; an
    adapter whose tool would open them leaves them out of its command line."""
    history_since: str | None = None
    """Pull-request mode: the commit the pull request branched from (full id). A scanner of git
    history then reads only the commits after it up to HEAD (``git log SINCE..HEAD``)."""


@dataclass(frozen=True)
class Invocation:
    """One process to start: never through a shell."""

    argv: list[str]
    output: Path | None = None
    """The file the tool writes its report to; None means its standard output is the report."""
    cwd: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables added to the inherited environment."""


class Adapter(abc.ABC):
    """One scanner. Subclasses set the class attributes and implement ``detect`` and ``parse``."""

    name: ClassVar[str]
    """The tool's name as secgate spells it everywhere: ``bandit``, ``pip-audit``..."""
    categories: ClassVar[frozenset[Category]]
    executable: ClassVar[str | None] = None
    """The program to look for on PATH; None for ingest-only adapters (generic SARIF)."""
    install_hint: ClassVar[str] = ""
    """One line telling a user how to install the tool."""
    ok_exit_codes: ClassVar[frozenset[int]] = frozenset({0})
    """Exit codes that mean the tool ran to the end (many exit 1 when they find something)."""
    version_args: ClassVar[tuple[str, ...]] = ("--version",)
    distribution: ClassVar[str | None] = None
    """The Python distribution of a tool installed with pip: its version is then read from the
    installed metadata beside the console script, without starting the tool
    (``secgate.scanning.tool_versions``); None for other tools."""
    version_in_output: ClassVar[bool] = False
    """True when the tool's report names its version: a scan then skips the separate
    ``<tool> --version`` process (and runs it only when the report did not say). An adapter whose
    ``preflight`` needs the version must leave this False."""
    starts_first: ClassVar[bool] = False
    """True for a tool that is usually the last to finish (a large engine to start, or every
    source file parsed), or that spends most of its time waiting for a service: a scan starts
    it before the others, so that it is not the one still running alone at the end, and a
    wait overlaps the others' work instead of following it."""
    limitations: ClassVar[str] = ""
    """What the tool cannot do on a machine without network access, shown by ``doctor``."""
    config_files: ClassVar[tuple[str, ...]] = ()
    """Files, relative to the target (the tool's working directory), that the tool reads by
    itself when they exist. They count in its cache key, and a run is refused when one of them
    is a FIFO, a device or a symlink leaving the target (the tool would hang on it, or read
    outside the tree)."""

    # --- ingest ---------------------------------------------------------------------------
    @abc.abstractmethod
    def detect(self, sample: Sample) -> bool:
        """True when ``sample`` is this tool's output, judged from content alone."""

    @abc.abstractmethod
    def parse(self, data: bytes) -> ParseResult:
        """Read this tool's output. Raises ``InputError`` (without a path) when it is malformed."""

    # --- run ------------------------------------------------------------------------------
    def find_executable(self) -> str | None:
        """The tool's program: ``SECGATE_<TOOL>_BIN`` when set, else the first on PATH."""
        override = os.environ.get(self.env_var)
        if override:
            return override if Path(override).is_file() and os.access(override, os.X_OK) else None
        return shutil.which(self.executable) if self.executable else None

    def missing_reason(self) -> str:
        """Why the tool is skipped when ``find_executable`` found nothing."""
        where = f"${self.env_var}" if os.environ.get(self.env_var) else "PATH"
        hint = f"; {self.install_hint}" if self.install_hint else ""
        return f"{self.executable} not found on {where}{hint}"

    @property
    def env_var(self) -> str:
        return "SECGATE_" + self.name.upper().replace("-", "_") + "_BIN"

    def skip_reason(self, target: Path) -> str | None:
        """None when the tool has something to examine in ``target``, else why it is skipped."""
        return None

    def skip_reason_with(self, target: Path, config: Mapping[str, Any]) -> str | None:
        """``skip_reason``, for tools whose policy settings (``scanners.settings.<tool>``) say
        where to look; by default the settings change nothing."""
        return self.skip_reason(target)

    def preflight(self, ctx: RunContext, version: str | None) -> str | None:
        """None when the installed tool (``version``) can run with this configuration, else why
        it cannot (the run is then skipped with that reason as its error)."""
        return None

    def output_problem(self, exit_code: int | None, parsed: ParseResult) -> str | None:
        """Why a run that exited with an ok code and parsed cleanly still failed, else None.

        For tools whose "found something" exit code is also their crash code (truffleHog v2
        exits 1 for both), an ok code with no findings at all is a crash, not a pass."""
        return None

    def explain_failure(self, exit_code: int | None, stderr: str) -> str | None:
        """A clear reason for a run that exited with a failing code, when the tool's error
        output shows one (Trivy's missing vulnerability database, say); else None, and the
        error is the exit code and the end of the error output."""
        return None

    def cache_inputs(self, ctx: RunContext) -> CacheInputs | None:
        """What this tool's result depends on, for the result cache; None when a result must
        never be reused. By default from the categories: secrets read the files and the git
        history, code and configuration scanners the files, dependency and license scanners the
        requirement files and installed environments."""
        kinds: set[InputKind] = set()
        if self.categories & {Category.SAST, Category.MISCONFIG, Category.SECRET}:
            kinds.add("tracked-sources")
        if Category.SECRET in self.categories:
            kinds.add("git-head")
        if self.categories & {Category.DEPENDENCY, Category.LICENSE}:
            kinds.update(("requirements", "environment"))
        return CacheInputs(kinds=frozenset(kinds), files=self.config_files) if kinds else None

    def invocation(self, ctx: RunContext) -> Invocation:
        """The offline-safe command that scans ``ctx.target``."""
        raise NotImplementedError(f"{self.name} is ingest-only")

    def parse_version(self, output: str) -> str | None:
        """The version from the output of ``<tool> --version``."""
        import re

        match = re.search(r"(\d+\.\d+(?:\.\d+)?(?:[.\-+][0-9A-Za-z.]+)?)", output)
        return match.group(1) if match else None
