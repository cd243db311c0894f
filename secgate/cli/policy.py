"""``secgate policy ...``: check a policy file, print the effective policy, its schema, the
shipped ones."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
import yaml

from secgate.errors import ExitCode, SecgateError
from secgate.model import Severity
from secgate.policy import accept, loader
from secgate.policy.model import Policy


@click.group("policy")
def policy_group() -> None:
    """Check, show and explain policies."""


@policy_group.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...]) -> None:
    """Check policy files (or builtin:NAME) against the policy schema.

    Exit 0 when every file is valid, 2 when one is not (the message names the place in the
    file). Acceptances that have expired or expire soon are reported (dates from the clock or
    SECGATE_TODAY)."""
    today = accept.today()
    failed = False
    for name in files:
        try:
            text, source = loader.discover(name, None)
            policy = loader.parse(text, source)
        except SecgateError as exc:
            click.echo(f"secgate: error: {exc.render()}", err=True)
            failed = True
            continue
        click.echo(f"{source}: valid ({_summary(policy)})")
        for line in _acceptance_lines(policy, today):
            click.echo(f"  {line}")
    sys.exit(ExitCode.USAGE.value if failed else ExitCode.PASS.value)


@policy_group.command("show")
@click.argument("policy", required=False, metavar="[FILE|builtin:NAME]")
@click.option(
    "--path",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Discover the policy as a scan of this directory would "
    "(.secgate.yml there, else the shipped default).",
)
def show(policy: str | None, target: Path | None) -> None:
    """Print the effective policy as YAML: every key with its value, defaults filled in.

    Without arguments: the policy a scan of the current directory would use."""
    loaded = loader.load(policy, None) if policy else loader.load(None, target or Path.cwd())
    click.echo(f"# effective policy from {loaded.source}")
    click.echo(render(loaded), nl=False)


@policy_group.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of a policy file (for editors and check-jsonschema)."""
    click.echo(json.dumps(loader.schema(), indent=2))


@policy_group.command("list")
def list_command() -> None:
    """List the shipped policies (use one with --policy builtin:NAME)."""
    for name in loader.builtin_names():
        first = next(
            (
                line.lstrip("# ").strip()
                for line in loader.shipped(name).splitlines()
                if line.startswith("#")
            ),
            "",
        )
        click.echo(f"builtin:{name:<12} {first}")


def render(policy: Policy) -> str:
    """The policy as YAML, in the file's key order, defaults included."""
    data = policy.model_dump(mode="json", exclude={"source"}, exclude_none=True)
    text: str = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)
    return text


def _summary(policy: Policy) -> str:
    fail = policy.fail_on.value if isinstance(policy.fail_on, Severity) else policy.fail_on
    return f"fail_on {fail}, {len(policy.rules)} rule(s), {len(policy.accept)} acceptance(s)"


def _acceptance_lines(policy: Policy, today: date) -> list[str]:
    lines = []
    for state in accept.states(policy, today):
        expires = state.acceptance.expires
        if expires is None:
            lines.append(f"note: acceptance {state.summary} never expires")
        elif state.expired:
            lines.append(f"note: acceptance {state.summary} expired on {expires.isoformat()}")
        elif state.days_left is not None and state.days_left <= policy.accept_warn_days:
            lines.append(
                f"note: acceptance {state.summary} expires on {expires.isoformat()} "
                f"(in {state.days_left} day(s))"
            )
    return lines
