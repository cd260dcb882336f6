"""The database monitor at pg_activity grade, against the tests' own PostgreSQL: a lock pile-up where every
section still answers, other databases' sessions, rates from known commits, a provoked deadlock, a vacuum in
progress, a statistics reset, and the monitor never counting or listing itself."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import asyncpg
import pytest

from tessa_tui.database.host_processes import REMOTE, BackendProcesses
from tessa_tui.database.monitor import ACTIVITY_SECTIONS, SIZE_SECTIONS, DbMonitor, report
from tessa_tui.database.sessions import session_view
from tests.test_db_monitor import db_config


def in_database(dsn: str, name: str) -> str:
    return dsn.rsplit("/", 1)[0] + "/" + name


async def fresh_database(dsn: str, name: str) -> str:
    """A database of the test's own (dropped and made again), so no other test's counters mix in."""
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return in_database(dsn, name)


async def drop_tables(dsn: str, *names: str) -> None:
    """Drop what a test made in the shared database (waiting up to 10 s for its ended sessions' locks)."""
    conn = await asyncpg.connect(dsn, server_settings={"lock_timeout": "10s"})
    try:
        for name in names:
            await conn.execute(f'DROP TABLE IF EXISTS "{name}"')
    finally:
        await conn.close()


def rows_of(monitor: DbMonitor, name: str) -> list[dict[str, Any]]:
    section = monitor.snapshot().sections[name]
    assert not section.error, section.error
    return [dict(zip(section.columns, row, strict=True)) for row in section.rows]


def figure(monitor: DbMonitor, name: str) -> dict[str, Any]:
    return next(row for row in rows_of(monitor, "database_stats") if row["figure"] == name)


async def test_under_a_lock_pile_up_every_section_answers(pg_dsn: str, pile_up: dict[str, int]) -> None:
    snapshot = await report(db_config(pg_dsn, **{"lock-timeout": "300ms", "statement-timeout": "1s"}))
    assert snapshot.connected
    sections = snapshot.sections
    assert set(sections) == {*ACTIVITY_SECTIONS, *SIZE_SECTIONS}
    assert {name: s.error for name, s in sections.items() if s.error} == {}
    top = {row[1]: dict(zip(sections["top_tables"].columns, row, strict=True)) for row in sections["top_tables"].rows}
    assert top["piled"]["size_source"] == "estimate: lock queue"
    assert top["piled"]["total_bytes"] > 1_000_000 and top["piled"]["estimated_rows"] == 50000
    assert "lock queue" in sections["top_tables"].note
    tree = [dict(zip(sections["blocking"].columns, row, strict=True)) for row in sections["blocking"].rows]
    assert [row["pid"] for row in tree] == [pile_up["holder"], pile_up["migration"], pile_up["reader"]]
    assert tree[0]["tree"] == str(pile_up["holder"]) and "holds the lock" in tree[0]["waits_for"]
    assert tree[1]["waits_for"].startswith("AccessExclusiveLock on piled")
    assert tree[2]["waits_for"] == f"AccessShareLock on piled, behind {pile_up['migration']}"
    assert tree[2]["tree"].index("└") > tree[1]["tree"].index("└")  # the reader is under the migration
    waiting = session_view(sections["sessions"], states="waiting")
    assert {row[0] for row in waiting.rows} == {pile_up["migration"], pile_up["reader"]}


async def test_sessions_of_another_database_are_labelled(pg_dsn: str) -> None:
    other = await fresh_database(pg_dsn, "elsewhere")
    conn = await asyncpg.connect(other, server_settings={"application_name": "other-db-sleeper"})
    task = asyncio.create_task(conn.execute("SELECT pg_sleep(30)"))
    await asyncio.sleep(1.5)
    try:
        snapshot = await report(db_config(pg_dsn))
    finally:
        conn.terminate()
        with contextlib.suppress(BaseException):
            await task
    long = snapshot.sections["long_queries"]
    found = [dict(zip(long.columns, row, strict=True)) for row in long.rows]
    sleeper = next(row for row in found if row["application"] == "other-db-sleeper")
    assert sleeper["database"] == "elsewhere"
    assert snapshot.server["database"] == "tessa"


async def test_transactions_per_second_from_a_known_number_of_commits(pg_dsn: str) -> None:
    dsn = await fresh_database(pg_dsn, "rates_probe")
    monitor = DbMonitor(db_config(dsn))
    client = await asyncpg.connect(dsn)
    try:
        await monitor.poll(["database_stats"])
        assert figure(monitor, "commits")["count"] is None  # the first read has nothing to compare with
        for _ in range(200):
            await client.execute("SELECT 1")
        for _ in range(30):
            await client.execute("BEGIN; SELECT 1; ROLLBACK")
        await client.execute("SELECT pg_stat_force_next_flush()")  # the 201st commit, and every count flushed
        await monitor.poll(["database_stats"])
        assert figure(monitor, "commits")["count"] == 201
        assert figure(monitor, "rollbacks")["count"] == 30
        assert figure(monitor, "transactions")["count"] == 231
        assert figure(monitor, "rollback ratio")["last_poll"] == pytest.approx(100 * 30 / 231, abs=0.01)
        assert figure(monitor, "transactions")["last_poll"] > 0
        await monitor.poll(["sessions", "database_stats"])  # nothing but the monitor in between: it counts nothing
        assert figure(monitor, "transactions")["count"] == 0
        assert figure(monitor, "transactions")["trend"] == "█▁"
    finally:
        await client.close()
        await monitor.close()


async def test_a_provoked_deadlock_is_counted(pg_dsn: str) -> None:
    dsn = await fresh_database(pg_dsn, "deadlock_probe")
    setup = await asyncpg.connect(dsn)
    await setup.execute("CREATE TABLE pair (id int PRIMARY KEY, n int); INSERT INTO pair VALUES (1, 0), (2, 0)")
    await setup.close()
    monitor = DbMonitor(db_config(dsn))
    first, second = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        await monitor.poll(["database_stats"])
        await first.execute("BEGIN; UPDATE pair SET n = 1 WHERE id = 1")
        await second.execute("BEGIN; UPDATE pair SET n = 1 WHERE id = 2")
        crossing = [
            asyncio.create_task(first.execute("UPDATE pair SET n = 2 WHERE id = 2")),
            asyncio.create_task(second.execute("UPDATE pair SET n = 2 WHERE id = 1")),
        ]
        results = await asyncio.gather(*crossing, return_exceptions=True)
        assert sum(isinstance(r, asyncpg.DeadlockDetectedError) for r in results) == 1
        for conn in (first, second):
            await conn.execute("ROLLBACK")
            await conn.execute("SELECT pg_stat_force_next_flush()")
        await monitor.poll(["database_stats"])
        assert figure(monitor, "deadlocks")["count"] == 1
        assert figure(monitor, "deadlocks")["since_reset"] == 1
    finally:
        for conn in (first, second):
            conn.terminate()
        await monitor.close()


async def test_a_vacuum_in_progress_is_shown(pg_dsn: str) -> None:
    setup = await asyncpg.connect(pg_dsn)
    await setup.execute(
        "DROP TABLE IF EXISTS swept; CREATE TABLE swept WITH (autovacuum_enabled = off) AS"
        " SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 100000) g; DELETE FROM swept WHERE id % 2 = 0"
    )
    await setup.close()
    vacuumer = await asyncpg.connect(pg_dsn, server_settings={"application_name": "slow-vacuum"})
    # The slowest vacuum the server allows: it sleeps 100 ms after every page, so it is seen running.
    await vacuumer.execute("SET vacuum_cost_delay = 100; SET vacuum_cost_limit = 1")
    task = asyncio.create_task(vacuumer.execute("VACUUM swept"))
    monitor = DbMonitor(db_config(pg_dsn))
    try:
        for _ in range(100):
            await monitor.poll(["vacuum_progress"])
            if rows_of(monitor, "vacuum_progress"):
                break
            await asyncio.sleep(0.1)
        row = next(r for r in rows_of(monitor, "vacuum_progress") if r["pid"] == vacuumer.get_server_pid())
        assert row["table"] == "swept" and row["kind"] == "vacuum" and row["database"] == "tessa"
        assert row["phase"] in {"scanning heap", "initializing", "vacuuming indexes", "vacuuming heap"}
        assert row["scanned_pct"] is not None and 0 <= row["scanned_pct"] < 100
    finally:
        # A closed socket would not stop it (a vacuum does not read from its client): cancel it on the server.
        admin = await asyncpg.connect(pg_dsn)
        await admin.execute("SELECT pg_cancel_backend($1)", vacuumer.get_server_pid())
        await admin.close()
        with contextlib.suppress(BaseException):
            await task
        vacuumer.terminate()
        await monitor.close()
        await drop_tables(pg_dsn, "swept")  # its page count is stale: it would skew other tests' top tables


async def test_after_a_stats_reset_dead_rows_are_not_all_rows(pg_dsn: str) -> None:
    dsn = await fresh_database(pg_dsn, "reset_probe")
    setup = await asyncpg.connect(dsn)
    monitor = DbMonitor(db_config(dsn))
    try:
        await setup.execute(
            "CREATE TABLE big WITH (autovacuum_enabled = off) AS SELECT g AS id FROM generate_series(1, 50000) g;"
            " ANALYZE big"
        )
        await monitor.poll(["database_stats"])
        await setup.execute("SELECT pg_stat_reset()")  # as a crash restart leaves them: n_live_tup 0
        await setup.execute("DELETE FROM big WHERE id <= 100")
        await setup.execute("SELECT pg_stat_force_next_flush()")
        await monitor.poll(["database_stats", "vacuum"])
        stats = monitor.snapshot().sections["database_stats"]
        assert stats.note.startswith("statistics were reset between polls: since stats reset at ")
        assert all(row[1] is None for row in stats.rows)  # no rate across the reset
        big = next(row for row in rows_of(monitor, "vacuum") if row["table"] == "big")
        assert big["dead_rows"] == 100
        assert big["dead_pct"] == pytest.approx(0.2, abs=0.05)  # 100 of 50,000, not 100 %
        assert monitor.snapshot().sections["vacuum"].note.startswith("dead rows counted since stats reset at ")
        await monitor.poll(["database_stats"])
        assert monitor.snapshot().sections["database_stats"].note.startswith("since stats reset at ")
    finally:
        await setup.close()
        await monitor.close()


async def test_the_monitor_lists_and_counts_none_of_its_own(pg_dsn: str) -> None:
    """Another console's monitor is connected and polling too: neither its session nor any statement of a
    monitor shows up."""
    other, monitor = DbMonitor(db_config(pg_dsn)), DbMonitor(db_config(pg_dsn))
    try:
        await other.poll(ACTIVITY_SECTIONS)
        await monitor.poll((*ACTIVITY_SECTIONS, *SIZE_SECTIONS))
        await other.poll(ACTIVITY_SECTIONS)
        await monitor.poll(ACTIVITY_SECTIONS)
        sessions = rows_of(monitor, "sessions")
        assert sessions == [] or all(row["application"] != "tessa-tui" for row in sessions)
        assert other.server["backend_pid"] not in {row["pid"] for row in sessions}
        slow = monitor.snapshot().sections["slow_queries"]
        assert not any("tessa-tui monitor" in str(row) or "pg_stat_activity" in str(row) for row in slow.rows)
    finally:
        await other.close()
        await monitor.close()


async def test_backend_cpu_and_memory_on_this_machine(pg_dsn: str) -> None:
    busy = await asyncpg.connect(pg_dsn, server_settings={"application_name": "cpu-burner"})
    task = asyncio.create_task(busy.execute("SELECT count(*) FROM generate_series(1, 300000000)"))
    monitor = DbMonitor(db_config(pg_dsn))
    try:
        await monitor.poll(["sessions"])
        await asyncio.sleep(0.5)
        await monitor.poll(["sessions"])
        section = monitor.snapshot().sections["sessions"]
        assert "from this machine" in section.note
        burner = next(row for row in rows_of(monitor, "sessions") if row["application"] == "cpu-burner")
        assert burner["memory_bytes"] > 1_000_000
        assert burner["cpu_percent"] > 20  # it spins a core
    finally:
        admin = await asyncpg.connect(pg_dsn)  # a closed socket would leave it spinning until it has counted
        await admin.execute("SELECT pg_cancel_backend($1)", busy.get_server_pid())
        await admin.close()
        with contextlib.suppress(BaseException):
            await task
        busy.terminate()
        await monitor.close()


def test_a_server_that_is_not_on_this_machine_says_remote() -> None:
    host = BackendProcesses()
    # Our own pid is a real process here, but not a postgres backend that started with the session.
    assert not host.probe(os.getpid(), 0.0)
    assert host.note == REMOTE
    assert host.sample([os.getpid()]) == {}
    assert not host.probe("12", None)  # what a hostile or odd server row would give: not a crash


async def test_a_lock_queue_formed_while_sizing_gives_estimates_not_an_error(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the lock check cannot close (a queue forming between reading pg_locks and sizing a table),
    played by a statement that sizes every candidate whatever pg_locks says: it waits, its lock timeout
    fires, and the section answers with page-count estimates and says why."""
    from tessa_tui.database import monitor as db_monitor
    from tessa_tui.database import queries as db_sql

    blind = db_sql.TOP_TABLES.replace("CASE WHEN locked THEN", "CASE WHEN false THEN")
    monkeypatch.setattr(db_sql, "TOP_TABLES", blind)
    holder = await asyncpg.connect(pg_dsn)
    await holder.execute("CREATE TABLE IF NOT EXISTS raced (id int); INSERT INTO raced SELECT generate_series(1, 5000)")
    await holder.execute("ANALYZE raced; BEGIN; LOCK TABLE raced IN ACCESS EXCLUSIVE MODE")
    monitor = DbMonitor(db_config(pg_dsn, **{"lock-timeout": "200ms", "statement-timeout": "1s"}))
    try:
        await monitor.poll(["top_tables", "database_size"])
        top = monitor.snapshot().sections["top_tables"]
        assert top.error == "" and top.note == db_monitor.LOCK_QUEUE_NOTE
        assert top.rows and {row[-1] for row in top.rows} == {"estimate: lock queue"}
        assert monitor.snapshot().sections["database_size"].rows  # the poll's transaction went on
    finally:
        holder.terminate()
        await monitor.close()
        await drop_tables(pg_dsn, "raced")
