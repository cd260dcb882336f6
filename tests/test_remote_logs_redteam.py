"""Red-team findings on remote log sources, each a case that failed before its fix: a credential's beginning in a
fault line cut before it was masked, a future-stamped entry or a clock stepping back that stopped a source for
good, a server that answers every page with the same full page driving a tight poll loop."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from tessa_tui.config.load import load_config
from tessa_tui.config.remote_logs import LokiLogs, SupabaseLogs
from tessa_tui.logs.ingest import Batch
from tessa_tui.logs.loki_logs import LokiApi
from tessa_tui.logs.parse import LogRecord
from tessa_tui.logs.remote_cursor import MAX_SEEN, NS, Cursor, Event
from tessa_tui.logs.remote_watch import RemoteReading, watch_remote
from tessa_tui.logs.supabase_logs import SupabaseApi
from tests.logs_contract_servers import LOKI_TOKEN, SUPABASE_TOKEN, LogsServers
from tests.test_remote_logs import T0, Poller, WriteConfig, configure, function_at, ns

_FUNCTIONS = "select id, timestamp, event_message, metadata from function_logs"


def test_a_token_echoed_near_the_cut_of_an_error_message_shows_none_of_its_characters(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source())
    poller = Poller(loaded, "platform")
    for pad in range(90, 125, 3):  # the token straddles the message's 120-character cut
        message = "x" * pad + " " + SUPABASE_TOKEN + " rejected"
        logs_servers.fail("supabase", 401, body=json.dumps({"message": message}).encode())
        poller.poll()
        assert poller.status.state == "failing"
        assert SUPABASE_TOKEN[:8] not in poller.status.text(), pad


def test_a_token_echoed_near_the_cut_of_a_query_error_shows_none_of_its_characters(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    token = "sbp_" + "0123456789abcdef" * 4  # as long as a real one: it can straddle the cut and show 8 characters
    path = write_config(f"platform: Tessa\nlogs: {json.dumps([logs_servers.supabase_source()])}\n")
    poller = Poller(load_config(path, environ={"SUPABASE_ACCESS_TOKEN": token}), "platform")
    for pad in range(240, 300, 2):  # the token straddles the error's 300-character cut
        error = "x" * pad + " " + token + " rejected"
        logs_servers.answer_raw("supabase", json.dumps({"result": [], "error": error}).encode())
        poller.poll()
        assert poller.status.state == "failing"
        assert token[:8] not in poller.status.text(), pad


def test_an_entry_stamped_in_the_future_does_not_stop_the_source(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    source = logs_servers.loki_source(token="${LOKI_TOKEN}")
    poller = Poller(configure(logs_servers, write_config, source), "loki")
    # A server that answers outside the window asked for: one entry from a clock a century ahead.
    values = [[str(ns(T0 - timedelta(seconds=30))), "before"], [str(ns(T0 + timedelta(days=36500))), "skewed"]]
    page = {"status": "success", "data": {"resultType": "streams", "result": [{"stream": {}, "values": values}]}}
    logs_servers.answer_raw("loki", json.dumps(page).encode())
    assert [r.full for r in poller.poll()] == ["before", "skewed"]
    for n in range(3):
        poller.now = T0 + timedelta(seconds=10 + 10 * n)
        logs_servers.loki.add(ns(poller.now - timedelta(seconds=2)), f"after {n}", app="tessa")
        assert [r.full for r in poller.poll()] == [f"after {n}"], poller.status.text()
        assert poller.status.state == "live", poller.status.text()


def test_a_clock_stepping_back_neither_stops_the_source_nor_drops_its_events(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source(sql=_FUNCTIONS))
    poller = Poller(loaded, "platform", now=T0 + timedelta(hours=1))  # the console's clock an hour fast
    logs_servers.add(function_at(T0 + timedelta(minutes=59), "first"))
    assert poller.messages() == ["chat: first"]
    poller.now = T0 + timedelta(seconds=10)  # corrected: an hour back
    logs_servers.add(function_at(T0 + timedelta(seconds=5), "after the step"))
    assert poller.messages() == ["chat: after the step"], poller.status.text()
    assert poller.status.state == "live"
    for query in (r.query for r in logs_servers.received("supabase")):
        assert query["iso_timestamp_start"] < query["iso_timestamp_end"]


async def test_a_server_answering_every_page_with_the_same_full_page_is_not_asked_in_a_tight_loop(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    source = logs_servers.loki_source(token="${LOKI_TOKEN}", limit=10, interval="5s")
    loaded = configure(logs_servers, write_config, source)
    entries = [[str(ns(T0 - timedelta(minutes=1)) + n), f"same {n}"] for n in range(10)]
    page = {"status": "success", "data": {"resultType": "streams", "result": [{"stream": {}, "values": entries}]}}
    for _ in range(200):
        logs_servers.answer_raw("loki", json.dumps(page).encode())
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    config_source = (loaded.config.logs or [])[0]
    reading = RemoteReading(line_filter=lambda: None, sleep=sleep, clock=lambda: T0)
    batches = watch_remote(config_source, reading, loaded.secrets)
    shown: list[Batch] = []
    try:
        async with asyncio.timeout(20):
            async for batch in batches:
                shown.append(batch)
                if len(waits) >= 4:
                    break
    finally:
        await batches.aclose()
    rows = [row for batch in shown for row in batch.rows]
    assert len(rows) == 10  # each shown once
    assert min(waits[1:4]) >= 5, waits  # no new event, no progress: asked again after the interval, not at once
    assert LOKI_TOKEN not in repr(shown)


def test_the_keys_a_source_remembers_are_bounded_when_it_never_catches_up() -> None:
    # A busy source, always behind (no poll reads its window to the end, so no key is ever let go by the horizon).
    cursor = Cursor(overlap_ns=24 * 3600 * NS, backfill_ns=60 * NS, window_ns=24 * 3600 * NS)
    record = LogRecord("info", "10:00:00", "line", "line", 0.0, "s")
    at = ns(T0)
    shown = 0
    for batch in range(260):
        events = [Event(f"{batch}-{n}", at + (batch * 1000 + n) * 1000, record) for n in range(1000)]
        shown += len(cursor.admit(events))
        assert cursor.remembered <= MAX_SEEN
        if batch % 50 == 0:
            assert cursor.admit(events) == []  # the latest page read again: nothing twice
    assert shown == 260_000
    assert cursor.admit([Event("0-0", at, record)]) == []  # a forgotten key's old event is not news again


def test_a_page_with_more_rows_than_asked_for_is_read_to_its_limit_only() -> None:
    supabase = SupabaseApi("p", SupabaseLogs(project_ref="a" * 20, token="token-1234", limit=100), frozenset())
    start = ns(T0) // 1000
    rows = [{"id": f"r{n}", "timestamp": start + n, "event_message": "m"} for n in range(20_000)]
    page = supabase.read_page({"result": rows})
    assert page.full and [e.key for e in page.events] == [f"r{n}" for n in range(100)]
    loki = LokiApi("l", LokiLogs(url="http://127.0.0.1:1", query='{a="b"}', token="token-1234", limit=100), frozenset())
    streams = [
        {"stream": {"pod": str(s)}, "values": [[str(ns(T0) + 2 * n + s), f"{s}-{n}"] for n in range(10_000)]}
        for s in range(2)
    ]
    page = loki.read_page({"status": "success", "data": {"resultType": "streams", "result": streams}})
    assert page.full and len(page.events) == 100
    assert [e.record.full for e in sorted(page.events, key=lambda e: e.at_ns)][:4] == ["0-0", "1-0", "0-1", "1-1"]
