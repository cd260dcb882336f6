"""The demo's PostgreSQL side: Tessa's tables, steady application load, and the database drills."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from tessa_tui.demo.drills import DrillBoard

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id bigserial PRIMARY KEY, email text UNIQUE NOT NULL, display_name text,
    created_at timestamptz NOT NULL DEFAULT now(), last_login_at timestamptz);
CREATE TABLE IF NOT EXISTS failed_login_attempts (
    id bigserial PRIMARY KEY, email text NOT NULL, ip inet, reason text,
    attempted_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS failed_login_attempts_at ON failed_login_attempts (attempted_at);
-- No index on chat_messages.user_id, on purpose: the database pane's missing-index hint has a real case.
CREATE TABLE IF NOT EXISTS chat_messages (
    id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, role text NOT NULL,
    content text NOT NULL, tokens int, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS sync_queue (
    id bigserial PRIMARY KEY, user_id bigint NOT NULL, entity text NOT NULL, payload jsonb,
    status text NOT NULL DEFAULT 'pending', attempts int NOT NULL DEFAULT 0, last_error text,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS sync_queue_status ON sync_queue (status);
CREATE TABLE IF NOT EXISTS audit_log (
    id bigserial PRIMARY KEY, actor text NOT NULL, action text NOT NULL, target text, detail jsonb,
    at timestamptz NOT NULL DEFAULT now());
"""

SEED = """
INSERT INTO users (email, display_name, last_login_at)
SELECT 'user' || g || '@example.com', 'User ' || g, now() - (g || ' minutes')::interval
FROM generate_series(1, 5000) g;
INSERT INTO chat_messages (user_id, role, content, tokens, created_at)
SELECT 1 + (g % 5000), CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END,
       repeat('Tessa helps with your study plan. ', 3 + g % 5), 20 + g % 300, now() - (g || ' seconds')::interval
FROM generate_series(1, 40000) g;
INSERT INTO sync_queue (user_id, entity, payload, status, attempts, updated_at)
SELECT 1 + (g % 5000), 'note', jsonb_build_object('rev', g), 'done', 1, now() - (g || ' seconds')::interval
FROM generate_series(1, 3000) g;
INSERT INTO audit_log (actor, action, target, detail)
SELECT 'user' || (1 + g % 5000) || '@example.com', 'login', 'session', jsonb_build_object('n', g)
FROM generate_series(1, 20000) g;
INSERT INTO failed_login_attempts (email, ip, reason, attempted_at)
SELECT 'user' || (1 + g % 5000) || '@example.com', ('203.0.113.' || (g % 250 + 1))::inet, 'invalid_password',
       now() - (g || ' minutes')::interval
FROM generate_series(1, 300) g;
"""

APP_SETTINGS = {"application_name": "tessa-app", "statement_timeout": "5000", "lock_timeout": "3000"}


async def connect(dsn: str, **settings: str) -> Any:
    """One connection with a deadline and server settings."""
    return await asyncpg.connect(dsn, timeout=10, server_settings={**APP_SETTINGS, **settings})


async def seed(dsn: str) -> bool:
    """Create Tessa's tables and fill them once (a few MB); return True when data was inserted."""
    conn = await connect(dsn, application_name="tessa-seed", statement_timeout="0")
    try:
        await conn.execute(SCHEMA)
        if await conn.fetchval("SELECT count(*) FROM users") > 0:
            return False
        await conn.execute(SEED)
        await conn.execute("ANALYZE")
        return True
    finally:
        await conn.close()


class DatabaseActivity:
    """Application load on a few connections, and the long queries, locks and rows the drills need."""

    def __init__(self, dsn: str, board: DrillBoard, *, workers: int = 4) -> None:
        self.dsn = dsn
        self.board = board
        self.workers = workers
        self._drill_tasks: dict[str, list[asyncio.Task[None]]] = {}
        self._probe_conn: Any = None

    async def run(self) -> None:
        """Run the steady load and keep the drill sessions in step with the board, until cancelled."""
        async with asyncio.TaskGroup() as group:
            for n in range(self.workers):
                group.create_task(self._worker(n))
            group.create_task(self._follow_board())

    async def _worker(self, n: int) -> None:
        rng = random.Random(n)
        while True:
            try:
                conn = await connect(self.dsn)
                try:
                    while True:
                        await self._one_request(conn, rng)
                        await asyncio.sleep(rng.uniform(0.2, 0.6))
                finally:
                    await conn.close(timeout=2)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                await asyncio.sleep(1)  # the database may be down (a test killed it); keep trying

    async def _one_request(self, conn: Any, rng: random.Random) -> None:
        user = rng.randint(1, 5000)
        choice = rng.random()
        if choice < 0.35:
            await conn.fetch("SELECT id, email, last_login_at FROM users WHERE id = $1", user)
        elif choice < 0.6:
            await conn.fetch("SELECT content FROM chat_messages WHERE user_id = $1 ORDER BY id DESC LIMIT 20", user)
        elif choice < 0.8:
            await conn.execute(
                "INSERT INTO chat_messages (user_id, role, content, tokens) VALUES ($1, 'user', $2, $3)",
                user,
                "How do I plan my week?",
                rng.randint(5, 50),
            )
        elif choice < 0.95:
            await conn.execute(
                "INSERT INTO audit_log (actor, action, target) VALUES ($1, 'view', 'dashboard')",
                f"user{user}@example.com",
            )
        else:
            # The occasional slow report the seed's "slow query count" is about.
            await conn.fetch("SELECT role, count(*), pg_sleep(1.2) FROM chat_messages GROUP BY role")

    async def _follow_board(self) -> None:
        while True:
            for name, start in self._drills().items():
                running = name in self._drill_tasks
                if name in self.board and not running:
                    self._drill_tasks[name] = [asyncio.create_task(self._keep(job)) for job in start]
                elif name not in self.board and running:
                    for task in self._drill_tasks.pop(name):
                        task.cancel()
                    await self._after_drill(name)
            await asyncio.sleep(0.25)

    async def _keep(self, job: Callable[[], Awaitable[None]]) -> None:
        """Run a drill session until cancelled, starting it again if the database drops it."""
        while True:
            try:
                await job()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                await asyncio.sleep(1)

    def _drills(self) -> dict[str, list[Callable[[], Awaitable[None]]]]:
        return {
            "db-slow": [self._hold_lock, self._long_query, self._long_query, self._blocked_update],
            "login-failures": [self._failed_logins],
            "sync-failures": [self._sync_backlog],
        }

    async def _session(self, name: str, *statements: str) -> None:
        """Run statements on a connection of its own that lives until the drill ends."""
        # The server notices a dropped client only when it checks: make it check every second.
        conn = await connect(
            self.dsn,
            application_name=name,
            statement_timeout="0",
            lock_timeout="0",
            client_connection_check_interval="1000",
        )
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            conn.terminate()  # cancelling mid-query: drop the session, releasing its locks at once

    async def _hold_lock(self) -> None:
        await self._session(
            "tessa-migration", "BEGIN", "LOCK TABLE chat_messages IN ACCESS EXCLUSIVE MODE", "SELECT pg_sleep(3600)"
        )

    async def _long_query(self) -> None:
        await self._session("tessa-report", "SELECT pg_sleep(3600)")

    async def _blocked_update(self) -> None:
        await asyncio.sleep(0.5)  # after the lock is taken, so this one waits on it
        await self._session("tessa-writer", "UPDATE chat_messages SET tokens = tokens WHERE id = 1")

    async def _failed_logins(self) -> None:
        await self._repeat(
            "tessa-auth",
            "INSERT INTO failed_login_attempts (email, ip, reason) "
            "SELECT 'user' || (random() * 5000)::int || '@example.com', '198.51.100.7', "
            "'invalid_password' FROM generate_series(1, 20)",
        )

    async def _sync_backlog(self) -> None:
        await self._repeat(
            "tessa-sync",
            "INSERT INTO sync_queue (user_id, entity, payload, status, attempts, "
            "last_error) SELECT (random() * 5000)::int + 1, 'note', '{}', 'failed', 3, "
            "'conflict: stale revision' FROM generate_series(1, 40)",
        )

    async def _repeat(self, application_name: str, statement: str, every_s: float = 0.5) -> None:
        """Run `statement` every `every_s` seconds on a connection of its own, until cancelled."""
        conn = await connect(self.dsn, application_name=application_name)
        try:
            while True:
                await conn.execute(statement)
                await asyncio.sleep(every_s)
        finally:
            conn.terminate()

    async def _after_drill(self, name: str) -> None:
        """All clear: what a drill left behind is repaired, as the runbook's resolution would."""
        repairs = {
            "sync-failures": "UPDATE sync_queue SET status = 'done', updated_at = now() WHERE status <> 'done'",
            # Sessions stuck in pg_sleep would hold their lock for an hour: end them now.
            "db-slow": "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name IN ('tessa-migration', 'tessa-report', 'tessa-writer')",
        }
        if name not in repairs:
            return
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            conn = await connect(self.dsn, application_name="tessa-ops")
            try:
                await conn.execute(repairs[name])
            finally:
                await conn.close(timeout=2)

    async def database_probe(self) -> tuple[bool, str]:
        """What /health/database reports: a read of chat_messages within 1.5 s."""
        started = time.perf_counter()
        try:
            if self._probe_conn is None or self._probe_conn.is_closed():
                self._probe_conn = await connect(
                    self.dsn, application_name="tessa-health", statement_timeout="1500", lock_timeout="1500"
                )
            await self._probe_conn.fetchval("SELECT count(*) FROM (SELECT 1 FROM chat_messages LIMIT 1) s")
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            return False, type(exc).__name__ if not str(exc) else str(exc).splitlines()[0]
        return True, f"{(time.perf_counter() - started) * 1000:.1f}"

    async def sync_backlog(self) -> int:
        """Rows in sync_queue that are not done."""
        try:
            conn = await connect(self.dsn, application_name="tessa-health")
            try:
                return int(await conn.fetchval("SELECT count(*) FROM sync_queue WHERE status <> 'done'"))
            finally:
                await conn.close(timeout=2)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            return -1
