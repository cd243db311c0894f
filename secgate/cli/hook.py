"""``secgate hook install|uninstall|run``: the commands of the pre-push hook
(``secgate.scanning.pre_push``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from secgate.scanning.pre_push import LOCAL_NAME, install, run, uninstall


@click.group("hook")
def hook() -> None:
    """Run the gate before every git push (a pre-push hook)."""


@hook.command("install")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The git repository.",
)
def install_command(repo: Path) -> None:
    """Write the pre-push hook, keeping an existing hook as pre-push.local (run first)."""
    path, kept = install(repo)
    click.echo(f"secgate: installed {path}", err=True)
    if kept is not None:
        click.echo(f"secgate: the earlier hook is now {kept} and runs first", err=True)


@hook.command("uninstall")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The git repository.",
)
def uninstall_command(repo: Path) -> None:
    """Remove secgate's pre-push hook (putting a kept pre-push.local back)."""
    removed, restored = uninstall(repo)
    if not removed:
        click.echo("secgate: no secgate pre-push hook is installed", err=True)
        return
    click.echo(
        "secgate: removed the pre-push hook"
        + (f" and restored the earlier one from {LOCAL_NAME}" if restored else ""),
        err=True,
    )


@hook.command("run", hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run_command(args: tuple[str, ...]) -> None:
    """What the installed hook calls (git's arguments; the pushed refs on standard input)."""
    refs = b"" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.buffer.read()
    sys.exit(run(Path.cwd(), args, refs))
