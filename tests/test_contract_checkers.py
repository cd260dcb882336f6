"""The contract checks can fail: each loopback server shaped by a vendor's description records a request that
description does not allow (the fixture would then fail the test; these clear what they caused on purpose). Without
this, a checker that accepted everything would pass every contract test."""

from __future__ import annotations

import httpx
import pytest

from tests.deployment_contract_servers import VERCEL_TOKEN, DeploymentServers
from tests.logs_contract_servers import SUPABASE_TOKEN, LogsServers
from tests.metrics_contract_servers import PROM_TOKEN, MetricsServers


def test_a_request_vercels_description_does_not_allow_is_caught(deployment_servers: DeploymentServers) -> None:
    """The contract check can fail: a limit that is not a number is refused by the description, not waved on."""
    headers = {"Authorization": f"Bearer {VERCEL_TOKEN}"}
    httpx.get(f"{deployment_servers.vercel_url}/v6/deployments", params={"limit": "many"}, headers=headers)
    (violation,) = deployment_servers.state.violations
    assert "GET /v6/deployments" in violation and "limit" in violation
    deployment_servers.state.violations.clear()  # caught on purpose: the fixture would fail the test otherwise


@pytest.mark.parametrize(
    ("service", "path", "params", "named"),
    [
        ("supabase", "/v1/projects/NOT-A-REF/analytics/endpoints/logs.all", {"sql": "select 1"}, "ref"),
        ("loki", "/loki/api/v1/query_range", {"query": '{app="x"}', "start": "-5"}, "start"),
    ],
)
def test_the_log_apis_descriptions_catch_a_request_they_do_not_allow(
    logs_servers: LogsServers, service: str, path: str, params: dict[str, str], named: str
) -> None:
    """The contract check can fail: what the vendor's description refuses is recorded, not waved on."""
    base = logs_servers.supabase_url if service == "supabase" else logs_servers.loki_url
    httpx.get(f"{base}{path}", params=params, headers={"Authorization": f"Bearer {SUPABASE_TOKEN}"})
    (violation,) = logs_servers.state.violations
    assert path in violation and named in violation
    logs_servers.state.violations.clear()  # caught on purpose: the fixture would fail the test otherwise


@pytest.mark.parametrize("service", ["supabase", "prometheus"])
def test_the_metrics_descriptions_catch_a_request_they_do_not_allow(
    metrics_servers: MetricsServers, service: str
) -> None:
    """The contract check can fail: a scrape without its Basic credentials and a query without `query` are
    recorded as breaking the descriptions, not waved on."""
    if service == "supabase":
        httpx.get(metrics_servers.scrape_url)
    else:
        httpx.get(f"{metrics_servers.prometheus_url}/api/v1/query", headers={"Authorization": f"Bearer {PROM_TOKEN}"})
    (violation,) = metrics_servers.state.violations
    assert violation.startswith("GET /") and ("serviceRoleBasic" in violation or "parameter: query" in violation)
    metrics_servers.state.violations.clear()  # caught on purpose: the fixture would fail the test otherwise
