"""The database monitor against a real PostgreSQL with real activity, and its faults."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import msgspec
import pytest

from tessa_tui.config.model import DatabaseConfig, decode_hook
from tessa_tui.database.monitor import ACTIVITY_SECTIONS, PARTIAL, SIZE_SECTIONS, DbMonitor, report
from tessa_tui.demo.pg_server import PostgresServer


def db_config(dsn: str, **fields: Any) -> DatabaseConfig:
    data = {"dsn": dsn, "long-query-threshold": "1s", "connect-timeout": "2s", **fields}
    return msgspec.convert(data, DatabaseConfig, dec_hook=decode_hook)


@pytest.fixture
async def activity(pg_dsn: str) -> AsyncIterator[None]:
    """A long pg_sleep, a held lock and a session blocked behind it; all ended afterwards."""
    setup = await asyncpg.connect(pg_dsn)
    await setup.execute("CREATE TABLE IF NOT EXISTS locked (id int); CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    await setup.close()
    holder = await asyncpg.connect(pg_dsn, server_settings={"application_name": "holder"})
    waiter = await asyncpg.connect(pg_dsn, server_settings={"application_name": "waiter"})
    sleeper = await asyncpg.connect(pg_dsn, server_settings={"application_name": "sleeper"})
    # SHARE blocks writers only: the waiter's INSERT waits, the monitor's size queries do not.
    await holder.execute("BEGIN; LOCK TABLE locked IN SHARE MODE")
    tasks = [
        asyncio.create_task(sleeper.execute("SELECT pg_sleep(60)")),
        asyncio.create_task(waiter.execute("INSERT INTO locked VALUES (1)")),
    ]
    await asyncio.sleep(1.5)
    yield
    for conn in (holder, waiter, sleeper):
        conn.terminate()
    for task in tasks:
        with contextlib.suppress(BaseException):
            await task


async def test_every_section_with_real_activity(pg_dsn: str, activity: None) -> None:
    snapshot = await report(db_config(pg_dsn))
    assert snapshot.connected and snapshot.reason == ""
    sections = snapshot.sections
    assert set(sections) == {*ACTIVITY_SECTIONS, *SIZE_SECTIONS}
    long_apps = {row[3] for row in sections["long_queries"].rows}
    assert {"sleeper", "waiter"} <= long_apps
    assert "tessa-tui" not in long_apps  # the monitor never lists itself
    tree = [row[3] for row in sections["blocking"].rows]  # application, root blocker first
    assert tree == ["holder", "waiter"]
    states = dict(sections["connections"].rows)
    assert states.get("active", 0) >= 2 and states.get("idle in transaction", 0) >= 1
    assert sections["database_size"].rows[0][0] > 1_000_000
    assert sections["wraparound"].rows
    assert sections["top_tables"].columns[:3] == ("schema", "table", "total_bytes")
    slow = sections["slow_queries"]
    assert slow.rows or slow.note  # with the extension: rows; without: one clear line
    assert all(s.fetched_at is not None for s in sections.values())


async def test_the_session_is_read_only_and_named(pg_dsn: str) -> None:
    monitor = DbMonitor(db_config(pg_dsn))
    await monitor.connect()
    try:
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await monitor._conn.execute("CREATE TABLE must_not_exist (x int)")
        assert await monitor._conn.fetchval("SELECT current_setting('application_name')") == "tessa-tui"
    finally:
        await monitor.close()


async def test_a_table_under_access_exclusive_is_sized_without_waiting(pg_dsn: str) -> None:
    holder = await asyncpg.connect(pg_dsn)
    await holder.execute("CREATE TABLE IF NOT EXISTS migrating (id int)")
    await holder.execute("BEGIN; LOCK TABLE migrating IN ACCESS EXCLUSIVE MODE")
    try:
        # A size function would open the table and wait on the lock: its size comes from pg_class instead.
        snapshot = await report(db_config(pg_dsn, **{"lock-timeout": "300ms", "statement-timeout": "1s"}))
    finally:
        holder.terminate()
    assert snapshot.connected
    top = snapshot.sections["top_tables"]
    assert top.error == ""
    assert all(s.error == "" for s in snapshot.sections.values()), {n: s.error for n, s in snapshot.sections.items()}
    assert snapshot.sections["database_size"].rows
    blocking = snapshot.sections["blocking"]
    assert blocking.error == ""


async def test_without_pg_monitor_the_pane_says_partial(pg_dsn: str) -> None:
    admin = await asyncpg.connect(pg_dsn)
    await admin.execute("DROP ROLE IF EXISTS plain_user; CREATE ROLE plain_user LOGIN")
    await admin.close()
    snapshot = await report(db_config(pg_dsn.replace("tessa@", "plain_user@")))
    assert snapshot.sections["connections"].note == PARTIAL
    assert snapshot.sections["top_tables"].note == ""


async def test_server_down_at_start_is_a_reason_not_a_crash(pg_disposable: PostgresServer) -> None:
    dsn = pg_disposable.dsn
    pg_disposable.stop()
    snapshot = await report(db_config(dsn))
    assert not snapshot.connected
    assert "refused" in snapshot.reason.lower() or "connect" in snapshot.reason.lower()


async def test_killed_mid_session_then_reconnects(pg_disposable: PostgresServer) -> None:
    monitor = DbMonitor(db_config(pg_disposable.dsn))
    await monitor.poll(["database_size"])
    before = monitor.snapshot().sections["database_size"]
    pg_disposable.kill()
    with pytest.raises(ConnectionError):
        await monitor.poll(["database_size"])
    assert not monitor.connected and monitor.reason
    assert monitor.snapshot().sections["database_size"] == before  # the last data stays, with its age
    pg_disposable.start()
    await monitor.poll(["database_size"])
    after = monitor.snapshot().sections["database_size"]
    assert monitor.connected and monitor.reason == ""
    assert after.fetched_at is not None and before.fetched_at is not None and after.fetched_at > before.fetched_at
    await monitor.close()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


async def test_a_server_that_never_answers_hits_the_connect_deadline(silent_server: int) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    snapshot = await report(db_config(f"postgresql://tessa@127.0.0.1:{silent_server}/tessa"))
    assert loop.time() - started < 5
    assert not snapshot.connected
    assert snapshot.reason


async def test_a_password_never_appears_in_errors() -> None:
    dsn = "postgresql://tessa:s3cr#t-pa55word@127.0.0.1:1/tessa"
    snapshot = await report(db_config(dsn), secrets={dsn})
    assert "s3cr" not in repr(snapshot.to_json())
    assert snapshot.target == "postgresql://tessa:****@127.0.0.1:1/tessa"


async def test_hostile_values_are_sanitised(pg_dsn: str) -> None:
    hostile = "\x1b]0;pwned\x07[/tmp] [bold]x\x1b[2J"
    conn = await asyncpg.connect(pg_dsn, server_settings={"application_name": "hostile"})
    task = asyncio.create_task(conn.execute(f"SELECT pg_sleep(5), '{hostile}'"))
    await asyncio.sleep(1.5)
    try:
        snapshot = await report(db_config(pg_dsn))
    finally:
        conn.terminate()
        with contextlib.suppress(BaseException):
            await task
    texts = [str(v) for row in snapshot.sections["long_queries"].rows for v in row]
    shown = next(t for t in texts if "pwned" in t)
    assert "\x1b" not in shown and "\x07" not in shown
    assert "[/tmp] [bold]x" in shown


def test_db_report_cli_json_and_text(pg_dsn: str, write_config: Any) -> None:
    import json
    import subprocess
    import sys

    path = write_config(f"database:\n  dsn: '{pg_dsn}'\n")
    as_json = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(path), "db", "report", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["connected"] is True
    assert {"connections", "top_tables", "database_size"} <= set(document["sections"])
    assert document["sections"]["database_size"]["rows"][0]["bytes"] > 0
    text = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(path), "db", "report"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "== Top tables" in text.stdout and "== Connections by state" in text.stdout
    # Sizes as the pane shows them (`782.5 MB`), never raw bytes.
    size_lines = text.stdout.split("== Database size\n", 1)[1].splitlines()
    assert re.fullmatch(r"\s+\d+\.\d (KB|MB|GB)", size_lines[1]), size_lines[:2]
    down = write_config("database:\n  dsn: 'postgresql://tessa@127.0.0.1:1/tessa'\n", name="down.yaml")
    refused = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(down), "db", "report"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "NOT CONNECTED" in refused.stdout


async def test_named_queries_become_tiles_with_thresholds(pg_dsn: str) -> None:
    queries = [
        {"name": "backlog", "sql": "SELECT 420", "warn-above": 100, "critical-above": 500},
        {"name": "failed logins", "sql": "SELECT 7::numeric", "warn-above": 5, "critical-above": 50},
        {"name": "quiet", "sql": "SELECT count(*) FROM pg_class WHERE false", "warn-above": 1},
        {"name": "label", "sql": "SELECT '[bold]x\x1b[2J'"},
        {"name": "broken", "sql": "SELECT * FROM no_such_table"},
        {"name": "writes", "sql": "CREATE TABLE tile_write (id int)"},
    ]
    monitor = DbMonitor(db_config(pg_dsn, queries=queries))
    try:
        await monitor.poll(["named_queries"])
        rows = {row[0]: row for row in monitor.snapshot().sections["named_queries"].rows}
    finally:
        await monitor.close()
    assert rows["backlog"][1:] == (420, 500, "warn")
    assert rows["failed logins"][1:] == (7.0, 50, "warn")
    assert rows["quiet"][1:] == (0, 1, "ok")
    assert rows["label"][1] == "[bold]x\\e[2J" and rows["label"][3] == "-"
    assert rows["broken"][3].startswith('error: relation "no_such_table" does not exist')
    assert "read-only transaction" in rows["writes"][3]  # the monitor's session cannot write


async def test_top_tables_match_exact_sizes_beyond_fifty_tables(pg_dsn: str) -> None:
    """The cheap candidate pick (page counts) must still find the ten largest tables."""
    setup = await asyncpg.connect(pg_dsn)
    try:
        await setup.execute("CREATE SCHEMA IF NOT EXISTS sizes")
        # Sizes 1,000 rows (about four pages) apart: no ties at the edge of the top ten.
        await setup.execute(
            "DO $$ BEGIN FOR n IN 0..69 LOOP EXECUTE format("
            "'CREATE TABLE IF NOT EXISTS sizes.t%s AS SELECT g FROM generate_series(1, %s) g', n, n * 1000);"
            " END LOOP; END $$"
        )
        await setup.execute("ANALYZE")
        exact = await setup.fetch(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY pg_total_relation_size(c.oid) DESC, c.relname LIMIT 10"
        )
        monitor = DbMonitor(db_config(pg_dsn))
        try:
            await monitor.poll(["top_tables"])
            shown = monitor.snapshot().sections["top_tables"].rows
        finally:
            await monitor.close()
        assert {(r[0], r[1]) for r in shown} == {(r[0], r[1]) for r in exact}
    finally:
        await setup.execute("DROP SCHEMA sizes CASCADE")
        await setup.close()


async def test_a_password_literal_in_a_live_query_is_masked(pg_dsn: str) -> None:
    """A DBA's `CREATE ROLE ... PASSWORD '...'` sits idle in its transaction: the pane shows the statement, not the
    password (real pg_stat_activity text, not a string we made up)."""
    password = "Hunter2-live-literal"
    conn = await asyncpg.connect(pg_dsn, server_settings={"application_name": "dba"})
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute(f"CREATE ROLE masked_probe LOGIN PASSWORD '{password}'")
        await asyncio.sleep(1.5)  # past the 1 s long-query threshold
        snapshot = await report(db_config(pg_dsn))
    finally:
        await transaction.rollback()
        await conn.close()
    texts = [str(v) for section in snapshot.sections.values() for row in section.rows for v in row]
    shown = [t for t in texts if "masked_probe" in t]
    assert shown, "the idle-in-transaction session is listed"
    assert all(password not in t and "PASSWORD '****'" in t for t in shown)
    assert not any(password in t for t in texts)
