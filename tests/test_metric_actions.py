"""The platform's figures in runbook steps and reviews, against the contract servers: the performance runbooks'
`metrics:` steps record the value, its state, the series' source and when it was read, and are ticked only when
the figure was read now (not known is said so, never ticked); the daily review's error-rate and p95 items read the
series with those roles, in the units their `expect` uses, and fall back to logs and checks without one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runbooks import pack_dir
from tessa_tui.base.capabilities import READ_WRITE
from tessa_tui.config.load import LoadedConfig, load_config
from tessa_tui.demo.metrics_sim import DatabaseLoad, error_rate_query, p95_query
from tessa_tui.run.review_probes import ProbeContext, ProbeError, api_p95, error_rate
from tessa_tui.run.step_actions import ActionResult, run_step, values_for
from tessa_tui.runbook.load import load_pack
from tessa_tui.runbook.model import Step
from tests.metrics_contract_servers import PROM_TOKEN, SECRET_KEY, MetricsServers

WriteConfig = Callable[..., Path]
SERIES: list[dict[str, Any]] = [
    {"name": "CPU", "source": "supabase", "select": "node_load1", "unit": "%", "warn-above": 0.5, "role": "cpu"},
    {
        "name": "Memory available",
        "source": "supabase",
        "select": "node_memory_MemAvailable_bytes",
        "per": "node_memory_MemTotal_bytes",
        "scale": 100,
        "unit": "%",
        "warn-below": 20,
        "role": "memory",
    },
    {"name": "Connections", "source": "supabase", "select": "pg_stat_database_num_backends", "role": "connections"},
    {
        "name": "Error rate",
        "source": "prom",
        "query": error_rate_query("5m"),
        "scale": 100,
        "unit": "%",
        "role": "error-rate",
    },
    {"name": "p95", "source": "prom", "query": p95_query("5m"), "unit": "s", "role": "latency-p95"},
]


def configure(
    servers: MetricsServers, write_config: WriteConfig, series: list[dict[str, Any]] = SERIES
) -> LoadedConfig:
    section = {"sources": servers.sources(), "series": series, "timeout": "2s"}
    path = write_config(f"platform: Tessa\nmetrics: {json.dumps(section)}\n")
    return load_config(path, environ=servers.environ())


def step(runbook: str, step_id: str) -> Step:
    found = load_pack([pack_dir()]).get(runbook)
    return next(s for phase in found.phases for s in phase.steps if s.id == step_id)


def run(loaded: LoadedConfig, runbook: str, step_id: str) -> ActionResult:
    values = values_for(loaded.config)
    return asyncio.run(
        run_step(step(runbook, step_id), values, loaded.config, capabilities=READ_WRITE, secrets=loaded.secrets)
    )


def test_the_cpu_memory_and_pool_steps_record_value_state_source_and_time(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    metrics_servers.state.load = DatabaseLoad(connections=12, active=2, commits=5, size_bytes=1)
    loaded = configure(metrics_servers, write_config)
    cpu = run(loaded, "perf-high-cpu", "cpu-usage")
    assert cpu.ok is True and cpu.kind == "metrics"
    assert cpu.status.startswith("CPU: ") and "(▲ warn: " in cpu.status and "from supabase, read " in cpu.status
    memory = run(loaded, "perf-high-memory", "memory-usage")
    assert memory.ok is True and memory.status.startswith("Memory available: ") and "(● ok)" in memory.status
    pool = run(loaded, "perf-high-memory", "pool-usage")
    assert pool.ok is True and pool.status.startswith("Connections: 12 (● ok) from supabase, read ")
    assert pool.record()["kind"] == "metrics"


def test_a_step_whose_figure_is_not_known_says_so_and_is_not_ticked(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    metrics_servers.fail("supabase", 401, times=4)
    result = run(configure(metrics_servers, write_config), "perf-high-cpu", "cpu-usage")
    assert result.ok is False
    assert result.status == "CPU: not known (source supabase is refused) from supabase"
    for secret in (SECRET_KEY, PROM_TOKEN):
        assert secret not in json.dumps(result.record())


def test_without_a_series_of_the_role_the_step_says_where_it_would_come_from(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    result = run(configure(metrics_servers, write_config, SERIES[1:]), "perf-high-cpu", "cpu-usage")
    assert result.ok is False and "no `metrics:` series has `role: cpu`" in result.status


async def test_the_daily_reviews_error_rate_and_p95_read_the_metrics_in_their_units(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    for n in range(200):
        metrics_servers.state.requests.record(500 if n % 100 == 0 else 200, 3.0 if n % 10 == 0 else 0.2)
    loaded = configure(metrics_servers, write_config)
    context = ProbeContext(loaded.config, secrets=loaded.secrets)
    rate = await error_rate(context)
    assert rate.value == pytest.approx(0.01)  # 1 % as the share the item's `< 0.01` compares
    assert rate.why.startswith("1 %: metrics series 'Error rate' from prom, read ")
    assert rate.details["from"] == "metrics" and rate.details["read_at"]
    p95 = await api_p95(context)
    assert p95.value == pytest.approx(3000)  # seconds as milliseconds
    assert p95.why.startswith("3 s: metrics series 'p95' from prom")


async def test_a_review_item_not_known_from_metrics_is_manual_and_a_wrong_unit_is_an_error(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    loaded = configure(metrics_servers, write_config)
    nothing_yet = await error_rate(ProbeContext(loaded.config, secrets=loaded.secrets))  # no request: NaN
    assert nothing_yet.value is None and nothing_yet.why.startswith("not known from metrics: Error rate: not known")
    wrong = [{**SERIES[4], "unit": "req"}]
    loaded = configure(metrics_servers, write_config, wrong)
    metrics_servers.state.requests.record(200, 0.5)
    with pytest.raises(ProbeError, match="its unit 'req' is not a latency"):
        await api_p95(ProbeContext(loaded.config, secrets=loaded.secrets))
