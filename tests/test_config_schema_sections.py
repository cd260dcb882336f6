"""`tessa-tui config schema` documents the platform sections: deployments, metrics and the remote log kinds
(their keys, and which come from the environment)."""

from __future__ import annotations

import json

from tessa_tui.config.load import config_json_schema


def test_the_config_schema_documents_deployments() -> None:
    schema = config_json_schema()
    assert "deployments" in schema["properties"]
    defs = schema["$defs"]
    assert {"Deployments", "DeploymentSource", "Vercel", "Netlify", "GitRepository"} <= set(defs)
    assert set(defs["Vercel"]["properties"]) == {"project", "token", "team-id", "api-url"}
    assert "from the environment" in defs["Netlify"]["properties"]["token"]["description"]
    assert set(defs["Deployments"]["properties"]) == {"sources", "interval", "timeout", "limit", "recent"}


def test_the_config_schema_documents_metrics() -> None:
    schema = config_json_schema()
    assert "metrics" in schema["properties"]
    defs = schema["$defs"]
    assert {"Metrics", "MetricSource", "MetricSeries", "Scrape", "Prometheus"} <= set(defs)
    assert set(defs["Metrics"]["properties"]) == {"sources", "series", "timeout", "history", "stale-after"}
    assert set(defs["Scrape"]["properties"]) == {"url", "username", "password", "token"}
    assert "from the environment" in json.dumps(defs["Scrape"]["properties"]["password"])
    series = defs["MetricSeries"]["properties"]
    assert {"select", "per", "query", "warn-above", "critical-below", "role", "unit", "scale"} <= set(series)
    assert "latency-p95" in json.dumps(series["role"])


def test_the_config_schema_covers_the_remote_kinds() -> None:
    schema = json.dumps(config_json_schema())
    for key in ("project-ref", "max-window", "org-id", "overlap", "backfill"):
        assert f'"{key}"' in schema
    assert "LokiLogs" in schema and "SupabaseLogs" in schema
