"""Metrics read from a Supabase-style scrape and a Prometheus query API as they answer (every request and 2xx answer
checked against the published descriptions by tests/metrics_contract_servers.py): counters as rates, resets,
shares, thresholds above and below, NaN and +Inf, a series that disappears, and every way a read goes wrong as
that source's own state (401/403 naming the setting, 429 honoured and capped, 5xx, a stall past the deadline,
a 50 MB scrape cut at the cap, text that is no exposition, JSON that is no answer), the other source unharmed."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig, load_config
from tessa_tui.config.metric_selector import SelectorError, parse_selector
from tessa_tui.demo.metrics_sim import DatabaseLoad, error_rate_query, p95_query
from tessa_tui.metrics.exposition import Rates, Sample
from tessa_tui.metrics.model import MetricsUpdate, SeriesReading, SourceReading, value_text
from tessa_tui.metrics.poll import SourcePoller
from tessa_tui.metrics.report import sparkline, table
from tessa_tui.metrics.watch import read_all_once, watch_metrics
from tests.metrics_contract_servers import PROM_TOKEN, SECRET_KEY, MetricsServers

WriteConfig = Callable[..., Path]
CPU = {
    "name": "CPU",
    "source": "supabase",
    "select": 'node_cpu_seconds_total{mode!="idle"}',
    "per": "node_cpu_seconds_total",
    "scale": 100,
    "unit": "%",
    "warn-above": 50,
    "critical-above": 80,
    "role": "cpu",
}
CONNECTIONS = {
    "name": "Connections",
    "source": "supabase",
    "select": "pg_stat_database_num_backends",
    "role": "connections",
}
ERRORS = {
    "name": "Error rate",
    "source": "prom",
    "query": error_rate_query("5m"),
    "scale": 100,
    "unit": "%",
    "warn-above": 0.5,
    "critical-above": 1,
    "role": "error-rate",
}
P95 = {
    "name": "API p95",
    "source": "prom",
    "query": p95_query("5m"),
    "scale": 1000,
    "unit": "ms",
    "role": "latency-p95",
}


def configure(
    servers: MetricsServers, write_config: WriteConfig, *series: dict[str, Any], **settings: Any
) -> LoadedConfig:
    """tessa.yaml whose `metrics:` reads the contract servers (JSON is YAML)."""
    section = {"sources": servers.sources(), "series": list(series or (CPU, CONNECTIONS, ERRORS, P95)), "timeout": "2s"}
    path = write_config(f"platform: Tessa\nmetrics: {json.dumps({**section, **settings})}\n")
    return load_config(path, environ=servers.environ())


def read(loaded: LoadedConfig, *, gap: float = 0.2) -> MetricsUpdate:
    assert loaded.config.metrics is not None
    return asyncio.run(read_all_once(loaded.config.metrics, loaded.secrets, rate_gap_s=gap))


def series(update: MetricsUpdate, name: str) -> SeriesReading:
    return next(s for s in update.series if s.name == name)


def source(update: MetricsUpdate, name: str) -> SourceReading:
    return next(s for s in update.sources if s.name == name)


def no_secret_in(text: str) -> None:
    for secret in (SECRET_KEY, PROM_TOKEN):
        assert secret not in text


def poller(loaded: LoadedConfig, name: str) -> SourcePoller:
    settings = loaded.config.metrics
    assert settings is not None
    from tessa_tui.base.time_source import utc_now

    return SourcePoller(settings.source(name), settings, loaded.secrets, utc_now)


async def read_twice(sources: list[SourcePoller], between: Callable[[], None] = lambda: None) -> None:
    from tessa_tui.base.http_fetch import make_client

    async with make_client() as client:
        for one in sources:
            await one.read(client)
        between()
        await asyncio.sleep(0.05)
        for one in sources:
            await one.read(client)


# Reading


def test_a_scrape_and_a_query_api_are_read_into_named_series(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    for n in range(200):
        metrics_servers.state.requests.record(500 if n % 50 == 0 else 200, 0.1 if n % 10 else 2.5)
    update = read(configure(metrics_servers, write_config))
    assert update.all_read, table(update)
    cpu = series(update, "CPU")
    assert cpu.state == "ok" and cpu.value is not None and 0 < cpu.value < 50, cpu  # busy CPU seconds per second
    assert cpu.unit == "%" and cpu.role == "cpu" and cpu.read_at is not None
    assert series(update, "Connections").value == 8
    errors = series(update, "Error rate")
    assert errors.value == pytest.approx(2.0) and errors.state == "critical"  # 4 of 200 answered 5xx
    assert errors.why == "2 % is above 1 %"
    assert series(update, "API p95").value == pytest.approx(2500)
    assert len(errors.history) > 1, "the range query filled the trend at once"
    document = update.to_json()
    assert document["series"][2]["value"] == pytest.approx(2.0) and document["series"][2]["state"] == "critical"
    assert {s["name"]: s["state"] for s in document["sources"]} == {"supabase": "ok", "prom": "ok"}
    received = metrics_servers.received("prometheus")
    assert any(r.startswith("/api/v1/query_range?") for r in received)
    assert any(r.startswith("/api/v1/query?") for r in received)


def test_cpu_and_connections_follow_the_database_load(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    loaded = configure(metrics_servers, write_config)
    scrape = poller(loaded, "supabase")
    asyncio.run(read_twice([scrape]))
    calm = {s.name: s.value for s in scrape.readings()}
    metrics_servers.state.load = DatabaseLoad(connections=14, active=4, commits=100, size_bytes=1)
    asyncio.run(read_twice([scrape]))
    busy = {s.name: s for s in scrape.readings()}
    assert calm["CPU"] is not None and busy["CPU"].value is not None
    assert busy["CPU"].value > calm["CPU"] + 30, (calm, busy["CPU"])
    assert busy["CPU"].state in ("warn", "critical") and busy["Connections"].value == 14


def test_counters_are_rates_between_scrapes_and_a_reset_counts_from_zero() -> None:
    rates = Rates()
    one = Sample("requests_total", {"code": "200"}, 100.0, counter=True)
    assert rates.observe([one], at=0.0) == {one.key: None}  # the first sight has no rate
    later = Sample("requests_total", {"code": "200"}, 160.0, counter=True)
    assert rates.observe([later], at=10.0) == {one.key: 6.0}
    restarted = Sample("requests_total", {"code": "200"}, 20.0, counter=True)
    assert rates.observe([restarted], at=20.0) == {one.key: 2.0}  # reset: 20 since zero in 10 s
    assert rates.observe([], at=30.0) == {}
    assert rates.observe([restarted], at=40.0) == {one.key: None}  # forgotten while absent: first sight again


def test_a_counter_needs_two_scrapes_and_then_is_a_rate(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    values = iter([10.0, 70.0])
    metrics_servers.state.exposition = lambda: f'# TYPE jobs_total counter\njobs_total{{queue="a"}} {next(values)}\n'
    jobs = {"name": "Jobs", "source": "supabase", "select": "jobs_total", "unit": "/s"}
    loaded = configure(metrics_servers, write_config, jobs)
    scrape = poller(loaded, "supabase")
    from tessa_tui.base.http_fetch import make_client

    async def first() -> None:
        async with make_client() as client:
            await scrape.read(client)

    asyncio.run(first())
    waiting = scrape.readings()[0]
    assert waiting.state == "unknown" and "needs a second scrape" in waiting.why and scrape.needs_second_read
    asyncio.run(first())
    rate = scrape.readings()[0]
    assert rate.state == "ok" and rate.value is not None and rate.value > 0 and math.isfinite(rate.value)


def test_nan_and_inf_samples_are_shown_as_such_and_never_compared(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    metrics_servers.state.exposition = lambda: "# TYPE a gauge\na NaN\n# TYPE b gauge\nb +Inf\n# TYPE c gauge\nc -Inf\n"
    loaded = configure(
        metrics_servers,
        write_config,
        {"name": "A", "source": "supabase", "select": "a", "warn-above": 1, "critical-above": 2},
        {"name": "B", "source": "supabase", "select": "b", "warn-above": 1, "critical-above": 2},
        {"name": "C", "source": "supabase", "select": "c", "warn-below": 0},
    )
    update = read(loaded)
    a, b, c = series(update, "A"), series(update, "B"), series(update, "C")
    assert a.value is not None and math.isnan(a.value) and a.state == "unknown" and a.why == "the value is NaN"
    assert b.state == "critical" and value_text(b.value) == "+Inf" and c.state == "warn"
    document = update.to_json()
    assert [s["value"] for s in document["series"]] == [None, None, None]
    assert [s["value_text"] for s in document["series"]] == ["NaN", "+Inf", "-Inf"]
    json.dumps(document, allow_nan=False)  # strict JSON: no NaN leaks into the contract
    assert "NaN" in table(update) and "+Inf" in table(update)


def test_a_query_with_no_data_is_nan_from_prometheus_and_unknown(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    update = read(configure(metrics_servers, write_config, ERRORS))  # no request logged: 0/0
    errors = series(update, "Error rate")
    assert errors.state == "unknown" and errors.why == "the value is NaN" and errors.value is not None


def test_a_series_that_disappears_becomes_unknown_and_says_so(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    texts = iter(["# TYPE replication_lag_seconds gauge\nreplication_lag_seconds 3\n", "# TYPE other gauge\nother 1\n"])
    metrics_servers.state.exposition = lambda: next(texts)
    lag = {"name": "Lag", "source": "supabase", "select": "replication_lag_seconds", "unit": "s"}
    scrape = poller(configure(metrics_servers, write_config, lag), "supabase")
    asyncio.run(read_twice([scrape]))
    gone = scrape.readings()[0]
    assert gone.state == "unknown" and gone.value == 3 and not gone.current
    assert "no sample matches replication_lag_seconds (last 3 s at" in gone.why


def test_a_value_older_than_its_stale_limit_is_unknown() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    fresh = SeriesReading("CPU", "s", value=12.0, read_at=now, state="ok", why="", current=True)
    assert fresh.at(now + timedelta(minutes=2)).state == "ok"
    stale = fresh.at(now + timedelta(minutes=4))
    assert stale.state == "unknown" and stale.why == "stale: no new value for 240s"


def test_a_query_the_server_refuses_is_that_series_error_only(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    update = read(configure(metrics_servers, write_config, ERRORS, {"name": "Up", "source": "prom", "query": "up"}))
    assert source(update, "prom").state == "ok"
    up = series(update, "Up")
    assert up.state == "unknown" and up.why.startswith("bad_data: ")
    assert series(update, "Error rate").read_at is not None


# Faults: each the source's own state


@pytest.mark.parametrize(
    ("status", "check"), [(401, "`username` and `password` of `metrics.sources[supabase].scrape`"), (403, "`username`")]
)
def test_a_refused_scrape_names_the_setting_and_the_other_source_goes_on(
    metrics_servers: MetricsServers, write_config: WriteConfig, status: int, check: str
) -> None:
    metrics_servers.fail("supabase", status, times=4)
    update = read(configure(metrics_servers, write_config))
    scrape = source(update, "supabase")
    assert scrape.state == "refused" and f"HTTP {status}" in scrape.error and check in scrape.error
    assert series(update, "CPU").state == "unknown" and series(update, "CPU").why == "source supabase is refused"
    assert source(update, "prom").state == "ok" and series(update, "API p95").read_at is not None
    no_secret_in(json.dumps(update.to_json()) + table(update))


def test_a_refused_bearer_token_names_the_token(metrics_servers: MetricsServers, write_config: WriteConfig) -> None:
    metrics_servers.fail("prometheus", 401, times=4)
    update = read(configure(metrics_servers, write_config, ERRORS))
    assert "check `token` of `metrics.sources[prom].prometheus`" in source(update, "prom").error


@pytest.mark.parametrize(("header", "wait"), [("120", 120.0), ("99999", 600.0)])
def test_429_retry_after_is_honoured_and_capped(
    metrics_servers: MetricsServers, write_config: WriteConfig, header: str, wait: float
) -> None:
    metrics_servers.fail("supabase", 429, times=4, retry_after=header)
    update = read(configure(metrics_servers, write_config, CPU))
    scrape = source(update, "supabase")
    assert scrape.state == "rate-limited" and f"Retry-After {wait:g}s" in scrape.error
    assert scrape.retry_at is not None and scrape.failing_since is not None
    assert (scrape.retry_at - scrape.failing_since).total_seconds() == pytest.approx(wait, abs=1)


def test_a_5xx_a_stall_and_a_50_mb_scrape_are_failures_of_their_source(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    loaded = configure(metrics_servers, write_config, CPU, ERRORS, timeout="1s")
    metrics_servers.fail("supabase", 503, times=2)
    assert "HTTP 503" in source(read(loaded), "supabase").error
    metrics_servers.stall("prometheus", 3.0)
    stalled = source(read(loaded), "prom")
    assert stalled.state == "failing" and "within the 1s deadline" in stalled.error
    metrics_servers.huge("supabase", 50)
    huge = source(read(loaded), "supabase")
    assert huge.state == "failing" and "larger than 4 MiB; cut off there, not read" in huge.error


@pytest.mark.parametrize(
    "body",
    [
        b'node_load1{mode="idle" 3\n',
        b"# TYPE x counter\nx_total abc\n",
        b"\xff\xfe\x00garbage {{{\n",
        b"<html><body>502 Bad Gateway</body></html>",
    ],
)
def test_malformed_exposition_text_fails_the_scrape_in_one_line(
    metrics_servers: MetricsServers, write_config: WriteConfig, body: bytes
) -> None:
    metrics_servers.answer_raw("supabase", body)
    update = read(configure(metrics_servers, write_config, CPU, P95))
    scrape = source(update, "supabase")
    assert scrape.state == "failing" and "not a Prometheus text exposition" in scrape.error
    assert "\n" not in scrape.error and len(scrape.error) <= 300
    assert source(update, "prom").state == "ok"


def test_a_query_answer_that_is_not_json_fails_the_source(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    metrics_servers.answer_raw("prometheus", b"<html>proxy error</html>")
    metrics_servers.answer_raw("prometheus", b"<html>proxy error</html>")
    update = read(configure(metrics_servers, write_config, P95))
    assert source(update, "prom").state == "failing" and "not JSON" in source(update, "prom").error


def test_the_watcher_reads_each_source_on_its_cadence_and_stops_when_closed(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    loaded = configure(metrics_servers, write_config)
    assert loaded.config.metrics is not None
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(0)

    async def watch() -> list[MetricsUpdate]:
        assert loaded.config.metrics is not None
        updates = []
        stream = watch_metrics(loaded.config.metrics, loaded.secrets, sleep=sleep)
        async for update in stream:
            updates.append(update)
            if len(updates) == 3:
                break
        await stream.aclose()
        return updates

    first, *later = asyncio.run(watch())
    assert {s.state for s in first.sources} == {"reading"} and all(s.why == "not read yet" for s in first.series)
    assert {s.state for s in later[-1].sources} == {"ok"}
    assert all(wait >= 1.0 for wait in sleeps)  # never more often than once a second


# Config


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ({"name": "X", "source": "supabase"}, "give exactly one of `select`"),
        ({"name": "X", "source": "nowhere", "select": "up"}, "no source 'nowhere' (have: supabase, prom)"),
        ({"name": "X", "source": "supabase", "select": "up{job=}"}, "series[0].select: not a series selector"),
        ({"name": "X", "source": "supabase", "query": "up"}, "is a scrape: give `select`"),
        ({"name": "X", "source": "prom", "select": "up"}, "is a prometheus API: give `query`"),
        ({"name": "X", "source": "supabase", "select": "up", "warn-above": 5, "critical-above": 1}, "at most"),
        ({"name": "X", "source": "supabase", "select": "up", "role": "disk"}, "role"),
    ],
)
def test_bad_series_are_one_line_naming_the_place(
    metrics_servers: MetricsServers, write_config: WriteConfig, series: dict[str, Any], message: str
) -> None:
    with pytest.raises(UserError) as caught:
        configure(metrics_servers, write_config, series)
    assert message in str(caught.value) and "metrics" in str(caught.value)


def test_a_password_written_into_the_file_is_refused(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    sources = metrics_servers.sources(scrape={"password": "written-in-the-file"})
    path = write_config(f"platform: Tessa\nmetrics: {json.dumps({'sources': sources})}\n")
    with pytest.raises(UserError, match="a credential comes from the environment"):
        load_config(path, environ=metrics_servers.environ())


def test_selectors_parse_as_prometheus_reads_them() -> None:
    selector = parse_selector('node_cpu_seconds_total{mode!="idle", cpu=~"0|1", x!~"a.*",job="n\\"x"}')
    assert selector.matches("node_cpu_seconds_total", {"mode": "user", "cpu": "1", "x": "b", "job": 'n"x'})
    assert not selector.matches("node_cpu_seconds_total", {"mode": "idle", "cpu": "1", "job": 'n"x'})
    assert not selector.matches("node_cpu_seconds_total", {"mode": "user", "cpu": "10", "job": 'n"x'})  # anchored
    assert parse_selector("up").matches("up", {})
    for bad in ("", '{job="x"}', "up{job}", 'up{job="x"', "up{job=x}", 'up{job=~"("}', "up}"):
        with pytest.raises(SelectorError):
            parse_selector(bad)


def test_values_and_trends_for_a_person() -> None:
    assert [value_text(v, u) for v, u in ((37.25, "%"), (1204.0, "conn"), (0.0042, ""), (None, "ms"))] == [
        "37.25 %",
        "1,204 conn",
        "0.0042",
        "-",
    ]
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8) == "▁▂▃▄▅▆▇█"
    assert sparkline([float("nan"), 5, 5], 4) == "▄▄"
    assert sparkline([], 4) == ""


def test_the_watcher_reads_a_counters_scrape_again_in_seconds_for_its_first_rate(
    metrics_servers: MetricsServers, write_config: WriteConfig
) -> None:
    counts = iter(range(10, 10_000, 7))
    metrics_servers.state.exposition = lambda: f"# TYPE jobs_total counter\njobs_total {next(counts)}\n"
    loaded = configure(metrics_servers, write_config, {"name": "Jobs", "source": "supabase", "select": "jobs_total"})
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        await asyncio.sleep(seconds)

    async def until_known() -> SeriesReading:
        assert loaded.config.metrics is not None
        stream = watch_metrics(loaded.config.metrics, loaded.secrets, sleep=sleep)
        async for update in stream:
            if update.series[0].state == "ok":
                await stream.aclose()
                return update.series[0]
        raise AssertionError("the watcher ended")

    jobs = asyncio.run(until_known())
    assert jobs.value is not None and jobs.value > 0
    assert sum(asked) <= 3.0, asked  # the second scrape came after the 2 s rate gap, not the 15 s interval
