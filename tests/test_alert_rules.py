"""docs/alerts.yml, the example Prometheus rules: well-formed, and every metric (and every
label matched by value) they use is in what ``GET /metrics`` answers, so a renamed metric
cannot leave an alert that silently never fires."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.app import MakeUser
from tests.helpers.attendance_api import check_in, start

RULES = Path(__file__).parent.parent / "docs" / "alerts.yml"
SELECTOR = re.compile(r"\b(attn_[a-z0-9_]+)\s*(\{[^}]*\})?")
MATCHER = re.compile(r'([a-z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"')


def rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def test_every_rule_is_complete() -> None:
    found = rules()
    assert {rule["alert"] for rule in found} >= {
        "AttnRedisDown",
        "AttnDatabaseDown",
        "AttnPersistenceLag",
        "AttnHighErrorRate",
    }
    for rule in found:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"Attn[A-Za-z]+", rule["alert"])
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["summary"]
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s"))
        assert SELECTOR.search(rule["expr"]), rule["expr"]


@pytest.fixture
async def exported(api: httpx.AsyncClient, make_user: MakeUser) -> dict[str, list[dict[str, str]]]:
    """Each series name /metrics has (after a check-in, so the routes have samples) -> the
    label sets of its samples."""
    teacher, student = await make_user("teacher"), await make_user("student")
    attendance = await start(api, teacher)
    assert (await check_in(api, student, attendance["attendance_id"])).status_code == 201
    response = await api.get("/metrics")
    assert response.status_code == 200
    series: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(response.text):
        series.setdefault(family.name, [])
        for sample in family.samples:
            series.setdefault(sample.name, []).append(dict(sample.labels))
    return series


async def test_every_metric_and_label_used_is_exported(
    exported: dict[str, list[dict[str, str]]],
) -> None:
    for rule in rules():
        for name, selector in SELECTOR.findall(rule["expr"]):
            assert name in exported, f"{rule['alert']}: {name} is not in /metrics"
            for label, operator, wanted in MATCHER.findall(selector or ""):
                samples = exported[name]
                assert any(label in labels for labels in samples), (rule["alert"], label)
                if operator == "=":
                    values = {labels.get(label) for labels in samples}
                    assert wanted in values, f"{rule['alert']}: no {name}{{{label}={wanted!r}}}"
                else:
                    re.compile(wanted)  # a regular expression that compiles


def test_the_rules_doc_names_each_alert() -> None:
    operations = (RULES.parent / "operations.md").read_text(encoding="utf-8")
    for rule in rules():
        assert rule["alert"] in operations, f"{rule['alert']} is not explained in operations.md"
