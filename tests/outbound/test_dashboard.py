"""The Grafana dashboard in docs/ is well-formed and built on what secgate emits: every
Prometheus query names only metrics secgate writes (and every metric is shown somewhere), every
Loki query selects only the labels secgate pushes. (``test_metrics.py`` has a real Prometheus
answer each query.)"""

from __future__ import annotations

import json
import re
from typing import Any

from secgate.outbound.metrics import METRICS
from tests.support.paths import ROOT

DASHBOARD = ROOT / "docs" / "grafana-dashboard.json"
_METRIC = re.compile(r"\b(secgate_[a-z0-9_]+)\b")
_LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
LOKI_LABELS = {"job", "repository", "branch", "verdict"}


def _dashboard() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return doc


def _queries(kind: str) -> list[str]:
    return [
        t["expr"]
        for p in _dashboard()["panels"]
        for t in p.get("targets", [])
        if t["datasource"]["type"] == kind
    ]


def test_the_dashboard_is_well_formed() -> None:
    doc = _dashboard()
    assert doc["title"] and doc["uid"] and isinstance(doc["schemaVersion"], int)
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    assert {"prometheus", "loki", "repository", "branch"} <= set(variables)
    for panel in doc["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]) and panel["gridPos"]["w"] <= 24
        if panel["type"] == "row":
            continue
        assert panel["title"] and panel["targets"]
        assert panel["datasource"]["uid"] in ("${prometheus}", "${loki}")
        for target in panel["targets"]:
            assert target["refId"] and target["expr"]
            assert target["datasource"] == panel["datasource"]


def test_every_prometheus_query_names_a_metric_secgate_emits() -> None:
    used: set[str] = set()
    for expr in _queries("prometheus"):
        names = set(_METRIC.findall(expr))
        assert names, f"no secgate metric in {expr!r}"
        assert names <= set(METRICS), f"{expr!r} names {sorted(names - set(METRICS))}"
        used |= names
        assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}")
    for variable in _dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            assert set(_METRIC.findall(variable["definition"])) <= set(METRICS)
    assert used == set(METRICS), f"metrics no panel shows: {sorted(set(METRICS) - used)}"


def test_every_loki_query_selects_pushed_labels() -> None:
    queries = _queries("loki")
    assert queries
    for expr in queries:
        selector = expr[expr.index("{") + 1 : expr.index("}")]
        assert set(_LABEL.findall(selector)) <= LOKI_LABELS, expr
        assert 'job="secgate"' in selector
