"""Remote log sources read incrementally from the loopback Supabase and Loki servers (every request and 2xx answer
checked against the APIs' descriptions by tests/logs_contract_servers.py): overlap without duplicates, a late event
shown once, a gap while the API was away filled on its return (and what lies beyond the API's window said), page
limits, and every fault as the source's own state with the credential never in it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tessa_tui.config.load import LoadedConfig, load_config
from tessa_tui.demo.supabase_api_sim import LogEvent, edge_event, function_event, postgres_event
from tessa_tui.logs.ingest import Batch
from tessa_tui.logs.parse import LogRecord
from tessa_tui.logs.remote_cursor import NS
from tessa_tui.logs.remote_status import RemoteStatus
from tessa_tui.logs.remote_watch import _cursor, poll_once, remote_api
from tessa_tui.logs.watch import Reading, watch_log
from tests.conftest import REPO
from tests.logs_contract_servers import (
    LOKI_ORG,
    LOKI_PASSWORD,
    LOKI_TOKEN,
    LOKI_USER,
    SECRETS,
    SUPABASE_TOKEN,
    LogsServers,
)

WriteConfig = Callable[..., Path]
T0 = datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC)


def configure(servers: LogsServers, write_config: WriteConfig, *sources: dict[str, Any]) -> LoadedConfig:
    path = write_config(f"platform: Tessa\nlogs: {json.dumps(list(sources))}\n")
    return load_config(path, environ=servers.environ())


def us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def ns(moment: datetime) -> int:
    return int(moment.timestamp()) * NS + moment.microsecond * 1000


class Poller:
    """One source polled by hand on a clock the test moves."""

    def __init__(self, loaded: LoadedConfig, name: str, now: datetime = T0) -> None:
        self.source = next(s for s in loaded.config.logs or [] if s.name == name)
        self.remote = remote_api(self.source, loaded.secrets)
        self.cursor = _cursor(self.source)
        self.now = now
        self.status = RemoteStatus(name, "connecting", now)

    def clock(self) -> datetime:
        return self.now

    def poll(self) -> list[LogRecord]:
        from tessa_tui.base.http_fetch import make_client

        async def once() -> list[LogRecord]:
            async with make_client(max_connections=2) as client:
                assert self.source.remote is not None
                timeout = self.source.remote.timeout.total_seconds()
                records, self.status = await poll_once(
                    self.remote, client, self.cursor, self.status, self.clock, timeout
                )
                return records

        return asyncio.run(once())

    def messages(self) -> list[str]:
        return [record.summary for record in self.poll()]


def no_secret_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert base64.b64encode(f"{LOKI_USER}:{LOKI_PASSWORD}".encode()).decode() not in text


def function_at(moment: datetime, message: str, level: str = "info", **ids: str) -> LogEvent:
    return function_event("chat", level, message, us(moment), **ids)


# Supabase: the first poll, and what it asks


def test_supabase_first_poll_reads_the_backfill_forward_with_levels_from_the_metadata(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    logs_servers.add(function_at(T0 - timedelta(minutes=20), "too old: before the backfill"))
    logs_servers.add(function_at(T0 - timedelta(minutes=10), "upstream timeout after 30000ms", "error"))
    logs_servers.add(edge_event("GET", "/health", 503, us(T0 - timedelta(minutes=2)), error="no healthy upstream"))
    logs_servers.add(
        postgres_event("ERROR", "canceling statement due to statement timeout", us(T0 - timedelta(minutes=1)))
    )
    logs_servers.add(function_at(T0 - timedelta(seconds=30), "POST /functions/v1/chat 200 182ms"))
    sql = (
        "select id, timestamp, event_message, metadata from function_logs union all "
        "select id, timestamp, event_message, metadata from edge_logs union all "
        "select id, timestamp, event_message, metadata from postgres_logs"
    )
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source(sql=sql))
    poller = Poller(loaded, "platform", T0 + timedelta(seconds=10))
    records = poller.poll()
    assert [(r.level, r.summary) for r in records] == [
        ("error", "chat: upstream timeout after 30000ms"),
        ("error", "GET | 503 | /health | no healthy upstream"),
        ("error", "canceling statement due to statement timeout"),
        ("info", "chat: POST /functions/v1/chat 200 182ms"),
    ]
    assert records[0].time_of_day == "09:50:00" and records[0].source == "platform"
    assert json.loads(records[0].full)["metadata"][0]["level"] == "error"  # the whole row for the detail view
    assert poller.status.state == "live" and poller.status.text().startswith("● platform live since 10:00 UTC")
    asked = logs_servers.received("supabase")[0]
    # Whole minutes (the API rounds to the nearest one): the start floored, the end ceiled.
    assert asked.query["iso_timestamp_start"] == "2026-12-07T09:45:00Z"
    assert asked.query["iso_timestamp_end"] == "2026-12-07T10:01:00Z"
    assert asked.query["sql"] == f"{sql} order by timestamp asc limit 1000"
    assert asked.headers["authorization"] == f"Bearer {SUPABASE_TOKEN}"


def test_supabase_overlap_duplicates_and_a_late_event_are_each_shown_once(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source(sql=_FUNCTIONS))
    poller = Poller(loaded, "platform")
    for n in range(3):
        logs_servers.add(function_at(T0 - timedelta(seconds=50 - n * 10), f"before {n}"))
    assert poller.messages() == ["chat: before 0", "chat: before 1", "chat: before 2"]
    # Ten seconds on: one new event, and one that happened 40 s ago but reached the store only now (late).
    poller.now = T0 + timedelta(seconds=10)
    logs_servers.add(function_at(T0 + timedelta(seconds=5), "new"))
    logs_servers.add(function_at(T0 - timedelta(seconds=40), "late", id="late-event-1"))
    assert poller.messages() == ["chat: late", "chat: new"]
    # The overlap read them all again: nothing is shown twice.
    poller.now = T0 + timedelta(seconds=20)
    assert poller.messages() == []
    second = logs_servers.received("supabase")[1].query
    assert second["iso_timestamp_start"] <= "2026-12-07T09:58:00Z"  # two minutes of overlap behind the newest


def test_supabase_gap_while_the_api_was_away_is_filled_on_its_return(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source(sql=_FUNCTIONS))
    poller = Poller(loaded, "platform")
    logs_servers.add(function_at(T0 - timedelta(seconds=5), "before the outage"))
    assert poller.messages() == ["chat: before the outage"]
    logs_servers.set_down("supabase")
    for minute in range(1, 6):
        poller.now = T0 + timedelta(minutes=minute)
        logs_servers.add(function_at(poller.now - timedelta(seconds=3), f"during {minute}", "error"))
        assert poller.poll() == []
        assert poller.status.state == "failing"
    assert poller.status.since == T0 + timedelta(minutes=1)  # since the first failure, not the latest
    assert poller.status.text().startswith("✖ platform failing since 10:01 UTC: Supabase: ")
    logs_servers.set_down("supabase", False)
    poller.now = T0 + timedelta(minutes=6)
    assert poller.messages() == [f"chat: during {m}" for m in range(1, 6)]
    assert poller.status.state == "live" and poller.status.since == T0 + timedelta(minutes=6)


def test_supabase_a_gap_longer_than_the_apis_24_hours_is_read_from_its_window_and_the_rest_said(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source(sql=_FUNCTIONS))
    poller = Poller(loaded, "platform")
    logs_servers.add(function_at(T0 - timedelta(seconds=5), "before"))
    assert poller.messages() == ["chat: before"]
    poller.now = T0 + timedelta(hours=26)
    logs_servers.add(function_at(T0 + timedelta(hours=1), "lost: older than the API keeps queryable"))
    logs_servers.add(function_at(T0 + timedelta(hours=25), "within the window"))
    assert poller.messages() == ["chat: within the window"]
    asked = logs_servers.received("supabase")[-1].query
    assert (asked["iso_timestamp_start"], asked["iso_timestamp_end"]) == (
        "2026-12-07T12:00:00Z",
        "2026-12-08T12:00:00Z",
    )
    assert "of the gap lay beyond the API's window and was not read" in poller.status.text()


def test_supabase_full_pages_go_on_and_a_poll_past_its_page_budget_is_behind_until_the_next(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    source = logs_servers.supabase_source(sql=_FUNCTIONS, limit=10, backfill="45m")
    poller = Poller(configure(logs_servers, write_config, source), "platform")
    for n in range(150):  # one every 12 s for half an hour: five a minute, fifteen pages of ten
        logs_servers.add(function_at(T0 - timedelta(minutes=31) + timedelta(seconds=12 * n), f"event {n:03d}"))
    first = poller.messages()
    assert poller.status.state == "behind" and "behind by" in poller.status.text()
    second = poller.messages()
    while poller.status.state == "behind":
        second += poller.messages()
    assert first + second == [f"chat: event {n:03d}" for n in range(150)]  # every one, once, in order
    assert poller.status.state == "live"


def test_supabase_more_events_in_one_minute_than_a_page_holds_is_said(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source(sql=_FUNCTIONS, limit=10))
    poller = Poller(loaded, "platform")
    crowd = T0 - timedelta(minutes=5)
    for n in range(15):
        logs_servers.add(function_at(crowd + timedelta(seconds=n), f"crowd {n:02d}"))
    logs_servers.add(function_at(T0 - timedelta(minutes=1), "after"))
    shown = poller.messages()
    assert shown[:10] == [f"chat: crowd {n:02d}" for n in range(10)] and shown[-1] == "chat: after"
    assert "more events at 09:55:00 UTC than a page holds: not all shown" in poller.status.text()


_FUNCTIONS = "select id, timestamp, event_message, metadata from function_logs"


# Loki


def test_loki_pages_forward_by_nanoseconds_with_its_tenant_and_token(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    logs_servers.require_loki(authorization=f"Bearer {LOKI_TOKEN}", org=LOKI_ORG)
    for n in range(25):
        line = json.dumps({"level": "error" if n % 5 == 0 else "info", "msg": f"entry {n:02d}"})
        logs_servers.loki.add(ns(T0 - timedelta(minutes=5)) + n * 1000, line, app="tessa", pod=f"p{n % 2}")
    logs_servers.loki.add(ns(T0 - timedelta(minutes=4)), "another app", app="other")
    logs_servers.loki.add(ns(T0 - timedelta(minutes=3)), "plain line", app="tessa", level="warn")
    settings: dict[str, Any] = {"token": "${LOKI_TOKEN}", "org-id": LOKI_ORG, "limit": 10}
    source = logs_servers.loki_source(**settings)
    poller = Poller(configure(logs_servers, write_config, source), "loki")
    records = poller.poll()
    assert [r.summary for r in records[:25]] == [f"entry {n:02d}" for n in range(25)]
    assert records[0].level == "error" and records[1].level == "info"
    assert (records[-1].full, records[-1].level) == ("plain line", "warn")  # the stream's level label
    assert len(records) == 26 and poller.status.state == "live"
    first, second = logs_servers.received("loki")[:2]
    assert first.query["direction"] == "forward" and first.query["limit"] == "10"
    assert first.query["query"] == '{app="tessa"}'
    assert int(first.query["end"]) - int(first.query["start"]) == 15 * 60 * NS
    assert second.query["start"] == str(ns(T0 - timedelta(minutes=5)) + 9 * 1000)  # from the last entry, inclusive
    assert first.headers["x-scope-orgid"] == LOKI_ORG


def test_loki_basic_auth_overlap_late_entries_and_a_gap(logs_servers: LogsServers, write_config: WriteConfig) -> None:
    basic = base64.b64encode(f"{LOKI_USER}:{LOKI_PASSWORD}".encode()).decode()
    logs_servers.require_loki(authorization=f"Basic {basic}")
    source = logs_servers.loki_source(username=LOKI_USER, password="${LOKI_PASSWORD}")
    poller = Poller(configure(logs_servers, write_config, source), "loki")
    logs_servers.loki.add(ns(T0 - timedelta(seconds=30)), "one", app="tessa")
    logs_servers.loki.add(ns(T0 - timedelta(seconds=30)), "one at the same instant, another line", app="tessa")
    assert [r.full for r in poller.poll()] == ["one", "one at the same instant, another line"]
    poller.now = T0 + timedelta(seconds=10)
    logs_servers.loki.add(ns(T0 - timedelta(seconds=20)), "late", app="tessa")
    assert [r.full for r in poller.poll()] == ["late"]
    logs_servers.set_down("loki")
    poller.now = T0 + timedelta(minutes=3)
    assert poller.poll() == [] and poller.status.state == "failing"
    logs_servers.loki.add(ns(T0 + timedelta(minutes=1)), "during the outage", app="tessa")
    logs_servers.set_down("loki", False)
    poller.now = T0 + timedelta(minutes=4)
    assert [r.full for r in poller.poll()] == ["during the outage"]
    assert poller.poll() == []  # everything again in the overlap; nothing twice


def test_loki_metric_query_answer_is_a_failure_that_names_the_query(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    poller = Poller(configure(logs_servers, write_config, logs_servers.loki_source()), "loki")
    body = {"status": "success", "data": {"resultType": "matrix", "result": []}}
    logs_servers.answer_raw("loki", json.dumps(body).encode())
    assert poller.poll() == []
    assert "a matrix answer, not log lines; `logs[loki].loki.query` must be a log query" in poller.status.detail


# Faults: each the source's own state, the credential never in it


@pytest.mark.parametrize(
    ("service", "status", "expected"),
    [
        (
            "supabase",
            401,
            "HTTP 401: the credential was not accepted (upstream unavailable); check `logs[platform].supabase.token`",
        ),
        ("supabase", 403, "check `logs[platform].supabase.token` and `logs[platform].supabase.project-ref`"),
        ("supabase", 404, "HTTP 404: not found (upstream unavailable); check `logs[platform].supabase.project-ref`"),
        ("supabase", 502, "Supabase: HTTP 502 (upstream unavailable)"),
        ("loki", 401, "check `logs[loki].loki.token`"),
        ("loki", 503, "Loki: HTTP 503 (upstream unavailable)"),
    ],
)
def test_refusals_and_server_errors_are_one_line_naming_the_setting(
    logs_servers: LogsServers, write_config: WriteConfig, service: str, status: int, expected: str
) -> None:
    sources = [logs_servers.supabase_source(), logs_servers.loki_source(token="${LOKI_TOKEN}")]
    loaded = configure(logs_servers, write_config, *sources)
    poller = Poller(loaded, "platform" if service == "supabase" else "loki")
    logs_servers.fail(service, status)
    assert poller.poll() == []
    failed = poller.status
    assert failed.state == "failing" and expected in failed.detail
    no_secret_in(failed.text())
    assert poller.poll() == [] and poller.status.state == "live"  # the next poll reads again


def test_rate_limit_is_honoured_and_its_retry_after_capped(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source())
    poller = Poller(loaded, "platform")
    logs_servers.fail("supabase", 429, retry_after="30")
    poller.poll()
    assert poller.status.state == "rate-limited"
    assert poller.status.retry_at == T0 + timedelta(seconds=30)
    assert "rate-limited since 10:00 UTC (asking again at 10:00:30 UTC): Supabase: HTTP 429" in poller.status.text()
    logs_servers.fail("supabase", 429, retry_after="86400")
    poller.poll()
    assert poller.status.retry_at == T0 + timedelta(seconds=300)  # capped at five minutes


async def test_the_watcher_waits_out_a_rate_limit_and_reads_on(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source(interval="5s"))
    source = (loaded.config.logs or [])[0]
    logs_servers.fail("supabase", 429, retry_after="42")
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    states = await _states(watch_log(source, Reading(sleep=sleep)), 3)
    assert [s.state for s in states] == ["connecting", "rate-limited", "live"]
    assert 40 <= waits[0] <= 42  # the Retry-After, not the 5 s interval


@pytest.mark.parametrize("fault", ["stall", "huge", "not json", "error in answer", "wrong shape"])
def test_stalls_huge_bodies_and_malformed_answers_fail_the_source(
    logs_servers: LogsServers, write_config: WriteConfig, fault: str
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source(timeout="1s"))
    poller = Poller(loaded, "platform")
    expected = {
        "stall": "no complete answer within the 1s deadline",
        "huge": "the answer is larger than 16 MiB; cut off there, not read",
        "not json": "HTTP 200: the answer is not JSON",
        "error in answer": "the query failed: syntax error near `form`; check `logs[platform].supabase.sql`",
        "wrong shape": "`result` is not a list",
    }[fault]
    if fault == "stall":
        logs_servers.stall("supabase", 3)
    elif fault == "huge":
        logs_servers.huge("supabase", 50)
    elif fault == "not json":
        logs_servers.answer_raw("supabase", b"<html>gateway</html>")
    elif fault == "error in answer":
        logs_servers.answer_raw("supabase", b'{"result": null, "error": "syntax error near `form`"}')
    else:
        logs_servers.answer_raw("supabase", b'{"result": "rows"}')
    assert poller.poll() == []
    assert poller.status.state == "failing" and expected in poller.status.detail


async def test_one_failing_source_never_stops_another(logs_servers: LogsServers, write_config: WriteConfig) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source(), logs_servers.loki_source())
    logs_servers.set_down("supabase")
    logs_servers.loki.add(ns(datetime.now(UTC) - timedelta(minutes=1)), "loki still reads", app="tessa")
    supabase, loki = loaded.config.logs or []
    reading = Reading(sleep=lambda _s: asyncio.sleep(0))
    failing, reading_loki = await asyncio.gather(
        _states(watch_log(supabase, reading), 2), _batches(watch_log(loki, reading), 2)
    )
    assert failing[-1].state == "failing"
    assert [row[2] for row in reading_loki[-1].rows] == ["loki still reads"]


async def _batches(batches: Any, count: int) -> list[Batch]:
    got: list[Batch] = []
    async with contextlib.aclosing(batches):
        async for batch in batches:
            got.append(batch)
            if len(got) == count:
                break
    return got


async def _states(batches: Any, count: int) -> list[RemoteStatus]:
    got = await _batches(batches, count)
    return [b.remote for b in got if b.remote is not None]


# Config


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ({"supabase": {"project-ref": "Tessa", "token": "${SUPABASE_ACCESS_TOKEN}"}}, "20 lower-case letters"),
        (
            {"supabase": {"project-ref": "a" * 20, "token": "${SUPABASE_ACCESS_TOKEN}", "sql": "select 1 limit 5"}},
            "leave out `order by` and `limit`",
        ),
        (
            {"supabase": {"project-ref": "a" * 20, "token": "${SUPABASE_ACCESS_TOKEN}", "backfill": "2d"}},
            "fit in the API's window (24h)",
        ),
        ({"supabase": {"project-ref": "a" * 20, "token": "sbp_written_in_the_file"}}, "comes from the environment"),
        ({"loki": {"url": "http://127.0.0.1:1", "query": 'rate({a="b"}[5m])'}}, "a `{...}` stream selector first"),
        ({"loki": {"url": "http://127.0.0.1:1", "query": '{a="b"}', "username": "u"}}, "go together"),
        ({"path": "/tmp/x.log", "loki": {"url": "http://127.0.0.1:1", "query": '{a="b"}'}}, "give exactly one of"),
    ],
)
def test_bad_remote_settings_are_one_line_naming_the_field(
    write_config: WriteConfig, section: dict[str, Any], problem: str
) -> None:
    from tessa_tui.base.errors import UserError

    path = write_config(f"platform: Tessa\nlogs: [{json.dumps({'name': 'x', **section})}]\n")
    with pytest.raises(UserError) as raised:
        load_config(path, environ={"SUPABASE_ACCESS_TOKEN": SUPABASE_TOKEN})
    assert problem in str(raised.value) and "logs" in str(raised.value)
    no_secret_in(str(raised.value))


# The headless twin: `tessa-tui logs NAME`


def run_cli(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **env, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "tessa_tui", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=60, check=False)


def test_logs_command_reads_a_remote_source_like_a_file(logs_servers: LogsServers, write_config: WriteConfig) -> None:
    now = datetime.now(UTC)
    logs_servers.add(function_event("chat", "error", "upstream timeout", us(now - timedelta(minutes=3))))
    logs_servers.add(function_event("chat", "info", "POST 200", us(now - timedelta(minutes=2))))
    path = write_config(f"platform: Tessa\nlogs: {json.dumps([logs_servers.supabase_source(sql=_FUNCTIONS)])}\n")
    plain = run_cli(path, logs_servers.environ(), "logs", "platform", "--level", "error")
    assert plain.returncode == 0, plain.stderr
    assert [json.loads(line)["event_message"] for line in plain.stdout.splitlines()] == ["chat: upstream timeout"]
    as_json = run_cli(path, logs_servers.environ(), "logs", "platform", "--json")
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [(r["level"], r["message"]) for r in records] == [
        ("error", "chat: upstream timeout"),
        ("info", "chat: POST 200"),
    ]
    assert records[0]["time"].startswith(f"{now - timedelta(minutes=3):%Y-%m-%dT%H:%M}")
    logs_servers.fail("supabase", 401)
    refused = run_cli(path, logs_servers.environ(), "logs", "platform")
    assert refused.returncode == 1 and refused.stdout == ""
    assert (
        "tessa-tui: ✖ platform failing since" in refused.stderr and "`logs[platform].supabase.token`" in refused.stderr
    )
    no_secret_in(refused.stderr)


def test_the_readme_example_loads(write_config: WriteConfig) -> None:
    """The README's Remote logs section: its YAML loads as it is, with the credentials from the environment."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Remote logs\n", 1)[1].split("\n## ", 1)[0]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    loaded = load_config(
        write_config(example), environ={"SUPABASE_ACCESS_TOKEN": "sbp_readme_1", "LOKI_TOKEN": "glc_2"}
    )
    sources = loaded.config.logs or []
    assert [(s.name, s.supabase is not None, s.loki is not None) for s in sources] == [
        ("app", False, False),
        ("functions", True, False),
        ("k8s", False, True),
    ]
    assert sources[2].loki is not None and sources[2].loki.org_id == "tessa"
