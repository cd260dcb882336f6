"""A lock pile-up on the tests' PostgreSQL, for the monitor's tests and the pane's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest


async def waiting_on_a_lock(conn: asyncpg.Connection, pid: int) -> None:
    """Return once `pid` waits on a lock (every 20 ms, for at most 10 s: then the fixture fails)."""
    for _ in range(500):
        if await conn.fetchval("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited on a lock")


@pytest.fixture
async def pile_up(pg_dsn: str) -> AsyncIterator[dict[str, int]]:
    """An idle-in-transaction session holding a table, an ACCESS EXCLUSIVE request queued behind it (a
    migration), and a plain reader queued behind that: the incident the pane exists for."""
    setup = await asyncpg.connect(pg_dsn)
    await setup.execute(
        "DROP TABLE IF EXISTS piled; CREATE TABLE piled AS SELECT g AS id FROM generate_series(1, 50000) g;"
        " CREATE INDEX piled_id ON piled (id); ANALYZE piled"
    )
    # Connected in the reverse of the order their statements start: sorting by pid and by duration differ.
    reader = await asyncpg.connect(pg_dsn, server_settings={"application_name": "reader"})
    migration = await asyncpg.connect(pg_dsn, server_settings={"application_name": "migration"})
    holder = await asyncpg.connect(pg_dsn, server_settings={"application_name": "holder"})
    await holder.execute("BEGIN; SELECT count(*) FROM piled")
    tasks = [asyncio.create_task(migration.execute("ALTER TABLE piled ADD COLUMN note text"))]
    await waiting_on_a_lock(setup, migration.get_server_pid())  # queued first, or the reader would not queue
    tasks.append(asyncio.create_task(reader.execute("SELECT count(*) FROM piled")))
    await waiting_on_a_lock(setup, reader.get_server_pid())
    await setup.close()
    pids = {
        "holder": holder.get_server_pid(),
        "migration": migration.get_server_pid(),
        "reader": reader.get_server_pid(),
    }
    yield pids
    for conn in (holder, migration, reader):
        conn.terminate()
    for task in tasks:
        with contextlib.suppress(BaseException):
            await task
    cleanup = await asyncpg.connect(pg_dsn, server_settings={"lock_timeout": "10s"})
    try:
        await cleanup.execute("DROP TABLE IF EXISTS piled")  # once the ended sessions' locks are gone
    finally:
        await cleanup.close()
