"""The database monitor: one read-only connection, sections polled on two cadences, honest about privileges.

It never holds more than one connection, never writes (default_transaction_read_only), bounds every
query by a server-side statement_timeout and a client-side deadline, and switches a section off for
the session when it fails for lack of privilege instead of failing it again on every poll. One poll is one
read-only transaction (a failed section rolls it back and the next starts another), so the monitor's own
share of the database's transaction counts is known and taken out of the rates.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import asyncpg

from tessa_tui.base.errors import UserError
from tessa_tui.base.isolate import internal_reason
from tessa_tui.base.redact import mask_url, redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now, utc_now
from tessa_tui.config.model import DatabaseConfig
from tessa_tui.database import queries as db_sql
from tessa_tui.database import sessions as db_sessions
from tessa_tui.database.host_processes import BackendProcesses
from tessa_tui.database.rates import DatabaseRates
from tessa_tui.database.snapshot import DbSnapshot, Section

PARTIAL = "partial: needs pg_monitor (other sessions' details are hidden, counts undercount)"
FAST_SECTIONS = ("sessions", "connections", "long_queries", "blocking", "database_stats")
"""Read on every activity poll (2 s by default): what moves second by second in a pile-up."""
CONTEXT_SECTIONS = ("vacuum_progress", "slow_queries", "replication", "replication_slots", "checkpoints")
"""Read every CONTEXT_EVERY_S at most: each statement costs the server about as much as the sessions read
(benchmarks/db_poll.py), and none of these moves much in two seconds."""
CONTEXT_EVERY_S = 10.0
ACTIVITY_SECTIONS = (*FAST_SECTIONS, *CONTEXT_SECTIONS)
DERIVED = frozenset({"connections", "long_queries", "blocking"})
"""Sections read from the sessions section rather than from the server (database/sessions.py)."""
LOCK_QUEUE_NOTE = "sizes estimated from page counts: a lock queue formed while they were read"
SIZE_SECTIONS = ("database_size", "top_tables", "vacuum", "missing_indexes", "wraparound")
TITLES = {
    "sessions": "Sessions",
    "database_stats": "Database activity (between polls)",
    "vacuum_progress": "Vacuum in progress",
    "replication_slots": "Replication slots",
    "checkpoints": "Checkpoints",
    "connections": "Connections by state",
    "long_queries": "Long-running queries",
    "blocking": "Blocking locks",
    "slow_queries": "Slow queries (pg_stat_statements)",
    "replication": "Replication",
    "database_size": "Database size",
    "top_tables": "Top tables",
    "vacuum": "Vacuum and analyze",
    "missing_indexes": "Missing-index hints",
    "wraparound": "Transaction-id wraparound",
    "named_queries": "Named queries",
}
# Sections whose rows describe other sessions: without pg_read_all_stats they silently shrink.
NEEDS_STATS_ROLE = {"sessions", "connections", "long_queries", "blocking", "slow_queries", "vacuum_progress"}


def activity_sections(config: DatabaseConfig) -> tuple[str, ...]:
    """The sections polled on the activity cadence and the context one (named queries when the config has any)."""
    return (*ACTIVITY_SECTIONS, "named_queries") if config.queries else ACTIVITY_SECTIONS


def fast_sections(config: DatabaseConfig) -> tuple[str, ...]:
    """The sections read on every activity poll (named queries, the user's tiles, among them)."""
    return (*FAST_SECTIONS, "named_queries") if config.queries else FAST_SECTIONS


def _cell(value: Any) -> Any:
    """Values as they may be shown: text sanitised and redacted (query text quotes `PASSWORD '...'`
    literals and registered secrets), everything else plain JSON types."""
    if isinstance(value, str):
        return redact_text(sanitize(value))
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(sanitize(str(value)))


class DbMonitor:
    """Polls one PostgreSQL database for the pane; safe to call from the UI's event loop."""

    def __init__(self, config: DatabaseConfig, *, secrets: Iterable[str] = (), clock: Now = utc_now) -> None:
        self.config = config
        self.target = mask_url(config.dsn)
        self._secrets = frozenset(secrets)
        self._clock = clock
        self._conn: Any = None
        self.server: dict[str, Any] = {}
        self.disabled: dict[str, str] = {}
        self.sections: dict[str, Section] = {}
        self.reason = ""
        self._host = BackendProcesses()
        self._rates = DatabaseRates()
        self._own = [0, 0]
        """The monitor's own commits and rollbacks since the last database_stats read."""
        self._aborted = False
        """A statement failed inside the poll's transaction: roll it back before the next section."""
        self._stats_reset: Any = None

    def _clean(self, error: BaseException) -> str:
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        return redact_text(sanitize(text), self._secrets | {self.config.dsn})[:300]

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def connect(self) -> None:
        """Open the monitor connection (read-only session, timeouts, application_name tessa-tui)."""
        settings = {
            "application_name": db_sql.MONITOR_APP,
            "default_transaction_read_only": "on",
            "statement_timeout": str(int(self.config.statement_timeout.total_seconds() * 1000)),
            "lock_timeout": str(int(self.config.lock_timeout.total_seconds() * 1000)),
            "idle_in_transaction_session_timeout": "10000",
        }
        deadline = self.config.connect_timeout.total_seconds()
        try:
            async with asyncio.timeout(deadline + 1):
                self._conn = await asyncpg.connect(
                    self.config.dsn,
                    timeout=deadline,
                    server_settings=settings,
                    # A transaction-mode pooler hands each statement to any server: no prepared statements.
                    statement_cache_size=0 if self.config.behind_pooler else 100,
                )
            self.server = dict(await self._fetchrow(db_sql.SERVER))
            self.reason = ""
            self._rates = DatabaseRates()  # counts from another connection's reads are not ours to subtract
            self._own = [0, 0]
            if self.server.get("can_flush_stats"):  # the connection's first commits counted before the first read
                await self._execute("SELECT pg_stat_force_next_flush()")
            await asyncio.to_thread(
                self._host.probe, self.server.get("backend_pid"), self.server.get("backend_start_epoch")
            )
        except TimeoutError:
            await self.close()
            self.reason = f"no answer within {deadline:g}s"
            raise ConnectionError(self.reason) from None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # First: TLS verification errors and asyncpg's client-configuration errors are ValueErrors too,
            # and must say what they are, not pass for a DSN that does not parse.
            await self.close()
            self.reason = self._clean(exc)
            raise ConnectionError(self.reason) from None
        except ValueError:
            # asyncpg's DSN parse errors quote pieces of the DSN, password included: say nothing of it.
            await self.close()
            self.reason = "the DSN could not be parsed (URL-encode special characters in the password: # is %23)"
            raise ConnectionError(self.reason) from None
        except Exception as exc:  # a bug of ours or a driver's: the pane shows it and retries, never stops
            await self.close()
            self.reason = internal_reason(exc, "database connect", self._secrets | {self.config.dsn})
            raise ConnectionError(self.reason) from None

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()  # never wait on a server that stopped answering

    async def run_query(
        self, sql: str, params: list[str], timeout_s: float, max_rows: int
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """A runbook step's query in a read-only transaction limited to `timeout_s`: column names and at most
        `max_rows` rows, values sanitised. ValueError with the server's one-line reason when it fails."""
        try:
            async with asyncio.timeout(timeout_s + 2), self._conn.transaction(readonly=True):
                await self._conn.execute(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
                statement = await self._conn.prepare(db_sql.OWN_MARK + sql)
                columns = [attribute.name for attribute in statement.get_attributes()]
                records = await statement.fetch(*params)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise ValueError(self._clean(exc)) from None
        return columns, [tuple(_cell(v) for v in record.values()) for record in records[:max_rows]]

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        try:
            async with asyncio.timeout(self.config.statement_timeout.total_seconds() + 2):
                return list(await self._conn.fetch(db_sql.OWN_MARK + sql, *args))
        except asyncpg.PostgresError:
            self._aborted = True
            raise

    async def _execute(self, sql: str) -> None:
        async with asyncio.timeout(self.config.statement_timeout.total_seconds() + 2):
            await self._conn.execute(db_sql.OWN_MARK + sql)

    async def _recover(self) -> None:
        """Roll back the poll's failed transaction and start the next (a rollback the rates take out)."""
        if self._aborted:
            self._aborted = False
            await self._execute("ROLLBACK")
            self._own[1] += 1
            await self._execute("BEGIN READ ONLY")

    async def _fetchrow(self, sql: str) -> Any:
        rows = await self._fetch(sql)
        return rows[0]

    def _statement(self, name: str) -> tuple[str, tuple[Any, ...]] | None:
        """The SQL for a section (None when it does not apply to this server)."""
        if name == "slow_queries":
            version = self.server.get("pgss_version")
            if not version:
                return None
            old = tuple(int(p) for p in str(version).split(".")[:2]) < (1, 8)
            names = ("mean_time", "total_time") if old else ("mean_exec_time", "total_exec_time")
            return db_sql.SLOW_QUERIES.format(mean=names[0], total=names[1]), ()
        if name == "replication" and self.server.get("in_recovery"):
            return None
        if name == "replication_slots" and int(self.server.get("version_num") or 0) < 100000:
            return None
        if name == "checkpoints" and int(self.server.get("version_num") or 0) >= 170000:
            return db_sql.CHECKPOINTS_17, ()
        return getattr(db_sql, name.upper()), ()

    def _absent(self, name: str) -> str:
        if name == "slow_queries":
            return "pg_stat_statements is not installed: CREATE EXTENSION pg_stat_statements (and preload it)"
        if name == "replication_slots":
            return "not shown before PostgreSQL 10"
        return "not applicable on a standby"

    async def poll(self, names: Iterable[str]) -> None:
        """Read the named sections in one read-only transaction; a lost connection stops the poll and is
        reported, never raised. Connections, long queries and blocking are read from the sessions section."""
        if not self.connected:
            await self.connect()
        partial = not (self.server.get("superuser") or self.server.get("read_all_stats"))
        wanted = list(dict.fromkeys(names))
        if DERIVED & set(wanted) and "sessions" not in wanted:
            wanted.insert(0, "sessions")
        wanted.sort(key=lambda name: name != "sessions")  # what the derived sections read comes first
        try:
            await self._execute("BEGIN READ ONLY")
            self._aborted = False
            for name in wanted:
                await self._poll_one(name, partial)
                await self._recover()
            await self._execute(
                "SELECT pg_stat_force_next_flush(); COMMIT" if self.server.get("can_flush_stats") else "COMMIT"
            )
            self._own[0] += 1
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, TimeoutError) as exc:
            raise ConnectionError(await self._lost(exc)) from None
        except asyncpg.PostgresError as exc:  # BEGIN or COMMIT refused: the poll is gone, the connection too
            raise ConnectionError(await self._lost(exc)) from None

    async def _poll_one(self, name: str, partial: bool) -> None:
        # Each section is its own fault boundary: one that fails (a view this server lacks, a bug of
        # ours) shows its error and the others are still read. Only a lost connection stops the poll.
        try:
            if name in DERIVED:
                self.sections[name] = self._derived(name, partial)
            else:
                self.sections[name] = await self._section(name, partial)
        except ConnectionError:
            raise
        except asyncpg.PostgresError as exc:
            if isinstance(exc, asyncpg.PostgresConnectionError):
                raise ConnectionError(await self._lost(exc)) from None
            self.sections[name] = self._failed(name, self._clean(exc))
        except Exception as exc:
            reason = internal_reason(exc, f"database section {name}", self._secrets | {self.config.dsn})
            self.sections[name] = self._failed(name, reason)

    def _derived(self, name: str, partial: bool) -> Section:
        sessions = self.sections.get("sessions") or self._failed("sessions", "not read")
        sessions = dataclasses.replace(sessions, note=PARTIAL if partial else "")  # not the host's note
        if name == "connections":
            return db_sessions.connections(sessions)
        if name == "long_queries":
            return db_sessions.long_queries(sessions, self.config.long_query_threshold.total_seconds())
        return db_sessions.blocking_tree(sessions)

    def _failed(self, name: str, reason: str) -> Section:
        return Section(name, TITLES.get(name, name), error=reason, fetched_at=self._clock())

    async def _lost(self, exc: BaseException) -> str:
        """Close the connection after `exc` and return the one-line reason the snapshot carries."""
        self.reason = "no answer from the server" if isinstance(exc, TimeoutError) else self._clean(exc)
        await self.close()
        return self.reason

    async def _section(self, name: str, partial: bool) -> Section:
        """Read one section; ConnectionError when the connection is gone."""
        if name in self.disabled:
            return self._failed(name, self.disabled[name])
        if name == "named_queries":
            return await self._named_queries()
        statement = self._statement(name)
        if statement is None:
            return Section(name, TITLES[name], note=self._absent(name), fetched_at=self._clock())
        sql, args = statement
        note = PARTIAL if partial and name in NEEDS_STATS_ROLE else ""
        try:
            rows = await self._fetch(sql, *args)
        except asyncpg.InsufficientPrivilegeError as exc:
            self.disabled[name] = f"switched off for this session: {self._clean(exc)}"
            return self._failed(name, self.disabled[name])
        except (asyncpg.QueryCanceledError, asyncpg.LockNotAvailableError) as exc:
            if name != "top_tables":
                return self._failed(name, self._clean(exc))
            # A lock queue formed on a table between reading pg_locks and sizing it: no size functions at all.
            await self._recover()
            rows, note = await self._fetch(db_sql.TOP_TABLES_ESTIMATED), LOCK_QUEUE_NOTE
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, TimeoutError) as exc:
            raise ConnectionError(await self._lost(exc)) from None
        if name == "database_stats":
            return self._database_stats(rows)
        queued = sum(1 for row in rows if name == "top_tables" and row["size_source"] != "exact")
        if queued and not note:
            note = f"{queued} sized from page counts: a lock queue on them (a size function would wait in it)"
        if name == "vacuum" and self._stats_reset is not None:
            note = f"dead rows counted since stats reset at {self._stats_reset.isoformat(sep=' ', timespec='seconds')}"
        columns = tuple(rows[0].keys()) if rows else db_sessions.SESSION_COLUMNS if name == "sessions" else ()
        section = Section(
            name,
            TITLES[name],
            columns=columns,
            rows=tuple(tuple(_cell(v) for v in row.values()) for row in rows),
            note=note,
            fetched_at=self._clock(),
        )
        return await self._with_host(section) if name == "sessions" else section

    def _database_stats(self, rows: list[Any]) -> Section:
        if not rows:
            return self._failed("database_stats", "pg_stat_database has no row for this database")
        own, self._own = (self._own[0], self._own[1]), [0, 0]
        self._stats_reset = rows[0]["stats_reset"]
        return self._rates.section(dict(rows[0]), own, self._clock())

    async def _with_host(self, sessions: Section) -> Section:
        """The sessions with each backend's CPU, memory and I/O from this machine (or a note why not)."""
        pids = [int(row[0]) for row in sessions.rows]
        samples = await asyncio.to_thread(self._host.sample, pids)
        empty = (None,) * len(db_sessions.HOST_COLUMNS)
        note = "; ".join(part for part in (sessions.note, self._host.note) if part)
        return Section(
            sessions.name,
            sessions.title,
            (*sessions.columns, *db_sessions.HOST_COLUMNS),
            tuple((*row, *samples.get(int(row[0]), empty)) for row in sessions.rows),
            note=note,
            fetched_at=sessions.fetched_at,
        )

    async def _named_queries(self) -> Section:
        """Each configured query's first value against its thresholds; one failing query fails alone."""
        rows = []
        for query in self.config.queries:
            limit = query.critical_above if query.critical_above is not None else query.warn_above
            try:
                found = await self._fetch(query.sql)
            except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, TimeoutError) as exc:
                raise ConnectionError(await self._lost(exc)) from None
            except asyncpg.PostgresError as exc:
                rows.append((query.name, None, limit, f"error: {self._clean(exc)}"))
                await self._recover()  # the poll's transaction goes on for the next query
                continue
            first = found[0][0] if found and len(found[0]) else None
            value = _cell(float(first) if isinstance(first, Decimal) else first)
            rows.append((query.name, value, limit, _tile_state(value, query.warn_above, query.critical_above)))
        return Section(
            "named_queries",
            TITLES["named_queries"],
            columns=("query", "value", "limit", "state"),
            rows=tuple(rows),
            fetched_at=self._clock(),
        )

    async def signal_backend(self, pid: int, *, terminate: bool) -> bool:
        """Cancel a backend's query (or end its session); True when the server sent the signal.

        Allowed in the read-only session: a signal writes nothing. The server refuses it without
        superuser or pg_signal_backend; that refusal comes back as a UserError in its own words.
        """
        if not self.connected:
            await self.connect()
        function = "pg_terminate_backend" if terminate else "pg_cancel_backend"
        try:
            rows = await self._fetch(f"SELECT {function}($1::int) AS sent", pid)
        except asyncpg.PostgresError as exc:
            raise UserError(f"{function}({pid}): {self._clean(exc)}") from None
        except (OSError, asyncpg.InterfaceError, TimeoutError) as exc:
            self.reason = "no answer from the server" if isinstance(exc, TimeoutError) else self._clean(exc)
            await self.close()
            raise ConnectionError(self.reason) from None
        return bool(rows[0]["sent"])

    def snapshot(self) -> DbSnapshot:
        """What is known now (sections keep their last data and its age while disconnected)."""
        return DbSnapshot(self.target, self.connected, self.reason, dict(self.server), dict(self.sections))


async def report(config: DatabaseConfig, *, secrets: Iterable[str] = ()) -> DbSnapshot:
    """One full snapshot (the `tessa-tui db report` twin of the pane)."""
    monitor = DbMonitor(config, secrets=secrets)
    with contextlib.suppress(ConnectionError):  # the snapshot carries the reason
        await monitor.poll((*activity_sections(config), *SIZE_SECTIONS))
    snapshot = monitor.snapshot()
    await monitor.close()
    return snapshot


async def signal_backend(config: DatabaseConfig, pid: int, *, terminate: bool, secrets: Iterable[str] = ()) -> bool:
    """Cancel / terminate `pid` on a short-lived connection of its own (the pane's poll keeps its one)."""
    monitor = DbMonitor(config, secrets=secrets)
    try:
        return await monitor.signal_backend(pid, terminate=terminate)
    finally:
        await monitor.close()


def _tile_state(value: Any, warn: float | None, critical: float | None) -> str:
    """`critical`, `warn` or `ok` for a numeric value; `-` when the value is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "-"
    if critical is not None and value > critical:
        return "critical"
    if warn is not None and value > warn:
        return "warn"
    return "ok"
