"""Runs the ``run:`` steps of a composite action (or of a workflow job) the way the GitHub Actions
runner does, for tests: in order, each as ``bash --noprofile --norc -eo pipefail FILE``, with its
``env:`` resolved, a fresh ``GITHUB_OUTPUT`` file per step, and the first failing step ending it.

Only the expressions this project uses inside ``env:``/``with:``/``outputs:`` are resolved:
``inputs.X``, ``github.action_path``, ``github.token``, ``steps.X.outputs.Y``, ``env.X`` and
``matrix.X``. Anything else, or any ``${{`` inside a ``run:`` script, fails the test. ``uses:``
steps cannot run here; they are recorded as skipped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"


def parse_outputs(text: str) -> dict[str, str]:
    """A ``GITHUB_OUTPUT`` file in both of its forms (``name=value`` and ``name<<DELIMITER``)."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        heredoc = re.fullmatch(rf"({_NAME})<<(.+)", line)
        if heredoc:
            value = []
            for item in lines:
                if item == heredoc.group(2):
                    break
                value.append(item)
            outputs[heredoc.group(1)] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


def actions_env(
    tmp_path: Path,
    workspace: Path,
    api_url: str,
    repo: str,
    sha: str,
    event_name: str = "pull_request",
) -> dict[str, str]:
    """The environment a runner gives a job: this process's, without its own GitHub variables,
    with the project's ``.venv`` first on PATH, and a ``pull_request`` (#7) or ``push`` event."""
    event = tmp_path / "event.json"
    pull = {
        "number": 7,
        "head": {"repo": {"full_name": repo, "fork": False}},
        "base": {"repo": {"full_name": repo}},
    }
    event.write_text(
        json.dumps(
            {"number": 7, "pull_request": pull}
            if event_name == "pull_request"
            else {"ref": "refs/heads/main"}
        )
    )
    summary = tmp_path / "step_summary.md"
    summary.touch()
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "SECGATE_"))
    }
    ref = "refs/pull/7/merge" if event_name == "pull_request" else "refs/heads/main"
    return {
        **keep,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{keep.get('PATH', '')}",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_API_URL": api_url,
        "GITHUB_REPOSITORY": repo,
        "GITHUB_SHA": sha,
        "GITHUB_REF": ref,
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "SECGATE_GITHUB_MAX_WAIT": "5",
        "SECGATE_GITHUB_POLL_INTERVAL": "0.05",
    }


@dataclass
class Context:
    """What expressions can see."""

    inputs: dict[str, str] = field(default_factory=dict)
    github: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    matrix: dict[str, str] = field(default_factory=dict)

    def value(self, expression: str) -> str:
        patterns: list[tuple[str, Any]] = [
            (rf"inputs\.({_NAME})", lambda m: self.inputs[m.group(1)]),
            (rf"github\.({_NAME})", lambda m: self.github[m.group(1)]),
            (
                rf"steps\.({_NAME})\.outputs\.({_NAME})",
                lambda m: self.steps.get(m.group(1), {}).get(m.group(2), ""),
            ),
            (rf"env\.({_NAME})", lambda m: self.env.get(m.group(1), "")),
            (rf"matrix\.({_NAME})", lambda m: self.matrix[m.group(1)]),
        ]
        for pattern, get in patterns:
            match = re.fullmatch(pattern, expression)
            if match:
                return str(get(match))
        raise AssertionError(f"expression the simulator does not know: ${{{{ {expression} }}}}")

    def resolve(self, text: Any) -> str:
        return _EXPRESSION.sub(lambda m: self.value(m.group(1)), str(text))


@dataclass
class StepRun:
    id: str
    exit_code: int | None
    """None for a skipped ``uses:`` step."""
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class Run:
    steps: list[StepRun]
    exit_code: int
    outputs: dict[str, str]

    def step(self, step_id: str) -> StepRun:
        return next(s for s in self.steps if s.id == step_id)

    @property
    def log(self) -> str:
        return "".join(s.stdout + s.stderr for s in self.steps)


def check_run_scripts(steps: list[dict[str, Any]]) -> None:
    """No expression inside any ``run:`` script; bash for each; ``if:`` only on ``uses:``."""
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"], f"step {step.get('id')}: expression inside run:"
            assert step.get("shell", "bash") == "bash"
            assert "if" not in step, f"step {step.get('id')}: the simulator cannot judge if:"


def run_steps(
    steps: list[dict[str, Any]],
    context: Context,
    env: dict[str, str],
    cwd: Path,
    workdir: Path,
    skip: frozenset[str] = frozenset(),
) -> list[StepRun]:
    """Run the steps in order; the first failing step ends the job, as on a runner. Steps whose
    id is in ``skip`` are recorded as skipped (e.g. one that would install from the network)."""
    check_run_scripts(steps)
    workdir.mkdir(parents=True, exist_ok=True)
    done: list[StepRun] = []
    for index, step in enumerate(steps):
        step_id = str(step.get("id", f"step{index}"))
        if "uses" in step or step_id in skip:
            done.append(StepRun(step_id, None))
            continue
        step_env = {**env, **context.env}
        step_env.update({k: context.resolve(v) for k, v in (step.get("env") or {}).items()})
        output_file = workdir / f"output-{index}-{step_id}"
        output_file.write_text("")
        step_env["GITHUB_OUTPUT"] = str(output_file)
        script = workdir / f"step-{index}-{step_id}.sh"
        script.write_text(step["run"])
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        outputs = parse_outputs(output_file.read_text())
        context.steps[step_id] = outputs
        done.append(StepRun(step_id, proc.returncode, proc.stdout, proc.stderr, outputs))
        if proc.returncode != 0:
            break
    return done


def run_action(
    action_file: Path,
    inputs: dict[str, str],
    env: dict[str, str],
    cwd: Path,
    workdir: Path,
    token: str = "",
) -> Run:
    """Run a composite action's steps with ``inputs`` (the rest take their defaults)."""
    action = yaml.safe_load(action_file.read_text())
    assert action["runs"]["using"] == "composite"
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    context = Context(github={"action_path": str(action_file.parent), "token": token})
    context.inputs = {
        name: context.resolve(spec.get("default", "")) for name, spec in declared.items()
    }
    context.inputs.update(inputs)
    workdir.mkdir(parents=True, exist_ok=True)
    steps = run_steps(action["runs"]["steps"], context, env, cwd, workdir)
    failed = [s.exit_code for s in steps if s.exit_code]
    outputs = {
        name: context.resolve(spec["value"]) for name, spec in (action.get("outputs") or {}).items()
    }
    return Run(steps, failed[0] if failed else 0, outputs)


def run_job(
    job: dict[str, Any],
    action_file: Path,
    env: dict[str, str],
    cwd: Path,
    workdir: Path,
    token: str = "",
    matrix: dict[str, str] | None = None,
    skip: frozenset[str] = frozenset(),
) -> list[StepRun]:
    """Run a workflow job: ``run:`` steps as ``run_steps`` does, and a step that uses this
    action (``./`` or ``secgate/secgate@...``) through ``run_action`` with its resolved ``with:``
    plus ``install: false``; other ``uses:`` steps are skipped."""
    context = Context(matrix=dict(matrix or {}))
    done: list[StepRun] = []
    for index, step in enumerate(job["steps"]):
        step_id = str(step.get("id", f"step{index}"))
        uses = str(step.get("uses", ""))
        if uses == "./" or uses.startswith("secgate/secgate@"):
            given = {k: context.resolve(v) for k, v in (step.get("with") or {}).items()}
            result = run_action(
                action_file, {**given, "install": "false"}, env, cwd, workdir / step_id, token
            )
            context.steps[step_id] = result.outputs
            done.append(StepRun(step_id, result.exit_code, result.log, "", result.outputs))
            if result.exit_code:
                break
            continue
        ran = run_steps([step], context, env, cwd, workdir / f"{index}", skip)[0]
        ran.id = step_id
        done.append(ran)
        if ran.exit_code:
            break
    return done
