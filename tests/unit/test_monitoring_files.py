"""The Prometheus rules and the Grafana dashboard in deploy/ watch metrics the services really expose.

A rule on a misspelt metric never fires and nobody notices; so every expression is parsed as PromQL
and every metric it names must be one the code registers. Where ``promtool`` is installed, it checks
the rules file too (templates included).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client import REGISTRY

import ingest.custody.backlog
import ingest.metrics
import ingest.ops.queue_metrics
import notifier.metrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "releasewatch-rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "releasewatch-dashboard.json"
_MODULES_THAT_REGISTER = (ingest.metrics, ingest.custody.backlog, ingest.ops.queue_metrics, notifier.metrics)

# What the rules must keep watching: an operator's first questions.
WATCHED = {
    "releasewatch_stream_group_lag",
    "releasewatch_stream_group_oldest_pending_seconds",
    "releasewatch_dead_letters_open",
    "releasewatch_notifier_feeds",
    "releasewatch_notifier_webhook_deliveries_total",
}


def _exposed_names() -> set[str]:
    """Every series name our processes can expose, with the suffixes Prometheus adds per type."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    names: set[str] = set()
    for family in REGISTRY.collect():
        if family.name.startswith("releasewatch_"):
            names.update(family.name + suffix for suffix in suffixes.get(family.type, ("",)))
    return names


def _metric_names(expression: str) -> set[str]:
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            found.add(node.name)

    promql_parser.walk(promql_parser.parse(expression), visit)
    return found


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_services_register_their_metrics() -> None:
    assert _MODULES_THAT_REGISTER  # importing them registered their metrics
    assert "releasewatch_stream_group_lag" in _exposed_names()


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_each_rule_parses_and_names_only_exposed_metrics(rule: dict[str, Any]) -> None:
    names = _metric_names(rule["expr"])

    assert names, "a rule that watches no metric"
    assert names <= _exposed_names(), names - _exposed_names()
    assert rule["annotations"]["summary"]
    assert rule["annotations"]["description"]
    assert rule["labels"]["severity"] in {"page", "ticket"}


def test_the_rules_watch_lag_pending_age_dead_letters_feeds_and_webhooks() -> None:
    watched = set().union(*(_metric_names(rule["expr"]) for rule in _rules()))

    assert watched >= WATCHED


@pytest.mark.parametrize("expression", _dashboard_expressions())
def test_each_dashboard_panel_parses_and_names_only_exposed_metrics(expression: str) -> None:
    names = _metric_names(expression)

    assert names
    assert names <= _exposed_names(), names - _exposed_names()


def test_the_dashboard_asks_for_its_data_source_and_has_no_duplicate_panel_ids() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]

    assert len(ids) == len(set(ids))
    assert {variable["type"] for variable in dashboard["templating"]["list"]} == {"datasource"}
    assert all(panel["datasource"]["uid"] == "${datasource}" for panel in dashboard["panels"])


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (Debian: prometheus)")
def test_promtool_accepts_the_rules() -> None:
    checked = subprocess.run(
        ["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60, check=False
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
