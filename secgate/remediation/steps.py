"""The two steps a scan takes here (``secgate.gate``): judge the reachability of its Python
dependency findings before the policy judges them, and plan the upgrades of the blocking ones
after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from secgate.advisories import pins
from secgate.advisories.imported import open_store
from secgate.advisories.vex import VexIndex
from secgate.model import Action, Category, Finding
from secgate.policy import accept
from secgate.policy.evaluate import decide
from secgate.policy.model import Policy
from secgate.remediation.environments import EnvironmentIndex, read_index
from secgate.remediation.model import UpgradePlan
from secgate.remediation.plan import PlanInputs, make_plan
from secgate.remediation.reachability import (
    ReachabilityJudge,
    annotate,
    is_python_dependency,
    read_imports,
)


@dataclass(frozen=True)
class Prepared:
    """What the reachability step learned of the project, for the plan."""

    environments: EnvironmentIndex
    judge: ReachabilityJudge | None


def judge_reachability(findings: list[Finding], target: Path | None, policy: Policy) -> Prepared:
    """Set ``reachable`` on the Python dependency findings (the tree's imports are read only
    when there are some)."""
    if not any(is_python_dependency(f) for f in findings):
        return Prepared(EnvironmentIndex(), None)
    settings = policy.scanners.settings
    root = target.resolve() if target is not None else None
    environments = read_index(root, settings) if root is not None else EnvironmentIndex()
    judge = ReachabilityJudge(read_imports(root) if root is not None else None, environments)
    annotate(findings, judge)
    return Prepared(environments, judge)


def plan_upgrades(
    findings: list[Finding],
    root: Path,
    policy: Policy,
    vex: VexIndex | None,
    today: date,
    prepared: Prepared,
    allow_major: bool = False,
) -> UpgradePlan | None:
    """The upgrade plan for the judged ``findings`` (None when nothing blocks), with the pins
    of the project at ``root``."""
    blocking = [f for f in findings if f.decision is not None and f.decision.action is Action.BLOCK]
    if not blocking:
        return None
    acceptances = accept.states(policy, today)

    def action(finding: Finding) -> Action:
        return decide(finding, policy, acceptances, vex).action

    # the project's pins and the advisory data serve the blocking dependencies alone: a plan
    # without any only lists what blocks, and need not walk the tree for requirement files
    upgradable = any(f.package is not None and f.category is Category.DEPENDENCY for f in blocking)
    store = open_store() if upgradable else None
    try:
        return make_plan(
            PlanInputs(
                findings=findings,
                target=root,
                pins=pins.read(root) if upgradable else pins.ProjectPins(),
                decide=action,
                store=store,
                environments=prepared.environments,
                reachability=prepared.judge,
                allow_major=allow_major,
            )
        )
    finally:
        if store is not None:
            store.close()
