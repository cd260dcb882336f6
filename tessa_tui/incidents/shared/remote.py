"""The shared journal's connection: one session-mode PostgreSQL connection per console, every call under a
deadline, and nothing of the DSN (its password above all) in any message.

Writes take the schema's advisory lock for their transaction: the identity sequence then hands out `seq` in
commit order, so a reader that pulls `seq > cursor` never skips a row committed late. The same transaction
numbers each new provisional incident (a `numbered` event), so numbers are allocated by the database once and
only once, and a declaration of a PagerDuty incident that already has a number joins it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

from tessa_tui.base.isolate import internal_reason
from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.model import SharedJournal
from tessa_tui.incidents.aliases import is_number
from tessa_tui.incidents.journal import PROVISIONAL
from tessa_tui.incidents.shared.replica import Row
from tessa_tui.incidents.shared.schema import (
    SHARED_SCHEMA_VERSION,
    checked_schema,
    create_sql,
    events_channel,
    lock_key,
    presence_channel,
)

CALL_S = 10.0  # a push or pull of one batch: generous for a slow link, short enough to notice a dead one
BATCH = 500
_COLUMNS = "id, incident, at, actor, kind, data, hlc, origin"


class SharedUnavailable(Exception):
    """The shared journal cannot be used now (unreachable, refused, no schema); the message says why in a
    person's words, without the DSN."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        """True when retrying cannot help until someone changes something (a pooler, a missing schema, a
        newer schema, a role without the privileges)."""


def transaction_pooler(dsn: str) -> str | None:
    """Why `dsn` names a transaction-mode pooler (None when it does not look like one): Supavisor's and
    Supabase's pooler port 6543, or the `pgbouncer=true` flag ORMs add for pgbouncer in transaction mode."""
    try:
        parts = urlsplit(dsn.strip())
        query = parse_qs(parts.query)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if query.get("pgbouncer", [""])[0].lower() == "true":
        return "the DSN says pgbouncer=true (transaction mode)"
    if port == 6543 and ("pooler.supabase.com" in host or "supabase" in host):
        return "port 6543 is Supabase's transaction-mode pooler (use the session pooler, port 5432, or the direct host)"
    return None


def clean_error(error: BaseException, dsn: str) -> str:
    """An error's first line, sanitised, with `dsn` and its password masked."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return redact_text(sanitize(text), {dsn})[:300]


async def create_schema(conn: asyncpg.Connection, schema: str) -> bool:
    """Create the shared journal's schema, or check it (idempotent), in one transaction under the writers'
    advisory lock; whether it was there already."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", lock_key(schema))
        existed = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{checked_schema(schema)}.events")
        await conn.execute(create_sql(schema))
    return bool(existed)


class SharedConnection:
    """One connection to the shared journal: push, pull, listen, announce."""

    def __init__(self, config: SharedJournal, *, application: str = "tessa-tui journal") -> None:
        self.config = config
        self.schema = checked_schema(config.schema)
        self._application = application
        self._conn: asyncpg.Connection | None = None

    @property
    def open(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    def clean(self, error: BaseException) -> str:
        """An error's first line, with the DSN and its password masked."""
        return clean_error(error, self.config.dsn)

    async def connect(self) -> None:
        """Connect, refuse a transaction-mode pooler, check the schema; SharedUnavailable says why not."""
        pooler = transaction_pooler(self.config.dsn)
        if pooler is not None:
            raise SharedUnavailable(f"refused: {pooler}; LISTEN needs a session-mode connection", permanent=True)
        deadline = self.config.connect_timeout.total_seconds()
        settings = {
            "application_name": self._application,
            "statement_timeout": "10000",
            "lock_timeout": "5000",
            "idle_in_transaction_session_timeout": "15000",
        }
        try:
            async with asyncio.timeout(deadline + 1):
                self._conn = await asyncpg.connect(self.config.dsn, timeout=deadline, server_settings=settings)
            async with asyncio.timeout(CALL_S):  # a server that shook hands and then fell silent
                await self._check()
        except SharedUnavailable:
            await self.close()
            raise
        except TimeoutError:
            waited = deadline if self._conn is None else CALL_S
            await self.close()
            raise SharedUnavailable(f"no answer within {waited:g}s") from None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self.close()
            raise SharedUnavailable(self.clean(exc)) from None
        except ValueError:  # asyncpg's DSN parse errors quote the DSN: say nothing of it
            await self.close()
            reason = "the DSN could not be parsed (URL-encode special characters)"
            raise SharedUnavailable(reason, permanent=True) from None
        except Exception as exc:  # a bug of ours or the driver's: one line, never the DSN
            await self.close()
            raise SharedUnavailable(internal_reason(exc, "shared journal connect", {self.config.dsn})) from None

    async def _check(self) -> None:
        conn = self._need()
        # Behind a transaction-mode pooler each statement may reach another server session: LISTEN would
        # silently hear nothing. Three statements on one session show one backend.
        pids = {await conn.fetchval("SELECT pg_backend_pid()") for _ in range(3)}
        if len(pids) > 1:
            raise SharedUnavailable(
                "refused: this DSN reaches a transaction-mode pooler (each statement met another server session); "
                "LISTEN needs a session-mode connection",
                permanent=True,
            )
        try:
            version = await conn.fetchval(f"SELECT value FROM {self.schema}.meta WHERE key = 'schema_version'")
        except asyncpg.UndefinedTableError:
            raise SharedUnavailable(
                f"no shared journal in schema {self.schema}: run `tessa-tui journal init-shared`", permanent=True
            ) from None
        except asyncpg.InsufficientPrivilegeError:
            raise SharedUnavailable(
                f"this role may not read schema {self.schema}: `tessa-tui journal init-shared` prints the grants",
                permanent=True,
            ) from None
        if not isinstance(version, str) or not version.isdigit() or int(version) > SHARED_SCHEMA_VERSION:
            raise SharedUnavailable(
                f"the shared journal's schema is {sanitize(str(version))[:20]!r}; this tessa-tui knows "
                f"{SHARED_SCHEMA_VERSION}: upgrade tessa-tui",
                permanent=True,
            )

    def _need(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            raise SharedUnavailable("the connection closed")
        return self._conn

    async def close(self, grace: float = 2.0) -> None:
        """Close politely within `grace` seconds, else drop the connection (a link gone silent never answers)."""
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                async with asyncio.timeout(grace):
                    await conn.close()
            except (Exception, asyncio.CancelledError) as exc:  # closing a dead connection: nothing to save
                conn.terminate()
                if isinstance(exc, asyncio.CancelledError):
                    raise

    @contextlib.asynccontextmanager
    async def _call(self, what: str) -> AsyncIterator[None]:
        """One call on the open connection under its deadline: a link gone silent, a connection lost, a role
        without the privilege or a refusal of the server become SharedUnavailable saying so (never the DSN)."""
        try:
            async with asyncio.timeout(CALL_S):
                yield
        except TimeoutError:
            raise SharedUnavailable(f"no answer within {CALL_S:g}s") from None
        except asyncpg.InsufficientPrivilegeError:
            raise SharedUnavailable(
                f"refused: this role may not {what} the shared journal in schema {self.schema}: "
                "`tessa-tui journal init-shared` prints the grants",
                permanent=True,
            ) from None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise SharedUnavailable(self.clean(exc)) from None

    async def push(self, rows: Sequence[Row]) -> None:
        """Append rows (already there: nothing happens) and number the provisional incidents they declare."""
        conn = self._need()
        columns = [[getattr(r, name) for r in rows] for name in _COLUMNS.split(", ")]
        s = self.schema
        async with self._call("append to"), conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", lock_key(s))
            await conn.execute(
                f"INSERT INTO {s}.events ({_COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
                "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) ON CONFLICT (id) DO NOTHING",
                *columns,
            )
            declared = [r for r in rows if r.kind == "declared" and PROVISIONAL.fullmatch(r.incident)]
            if declared:
                await self._number(conn, declared)

    async def _number(self, conn: asyncpg.Connection, declared: Sequence[Row]) -> None:
        s = self.schema
        # In the order the fold reads them, and only the numberings it takes (aliases.numbering): a malformed
        # one another writer put there (a negative number, text) must neither block an id's number nor move the
        # count to where the fold refuses every number.
        numbered = await conn.fetch(f"SELECT incident, data FROM {s}.events WHERE kind = 'numbered' ORDER BY seq")
        given: dict[str, int] = {}
        by_pagerduty: dict[str, int] = {}
        for record in numbered:
            known = _object(record["data"])
            number = known.get("number")
            if is_number(number) and PROVISIONAL.fullmatch(record["incident"]) and record["incident"] not in given:
                given[record["incident"]] = number
                if isinstance(known.get("pagerduty"), str):
                    by_pagerduty.setdefault(known["pagerduty"], number)
        top = max(given.values(), default=0)
        new = []
        for row in declared:
            if row.incident in given:
                continue  # numbered by an earlier push (a retry after a crash): once only
            pagerduty = _object(row.data).get("pagerduty_incident")
            joined = by_pagerduty.get(pagerduty) if isinstance(pagerduty, str) else None
            if joined is None:
                top += 1
            number = joined or top
            given[row.incident] = number
            data: dict[str, Any] = {"number": number}
            if isinstance(pagerduty, str):
                data["pagerduty"] = pagerduty
                by_pagerduty.setdefault(pagerduty, number)
            new.append(
                (f"numbered-{row.incident}", row.incident, row.at, "tessa-tui", "numbered", json.dumps(data), row.hlc)
            )
        if new:
            await conn.executemany(
                f"INSERT INTO {s}.events ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 'shared') "
                "ON CONFLICT (id) DO NOTHING",
                new,
            )

    async def pull(self, after: int, limit: int = BATCH) -> list[Row | int]:
        """Rows after `after`, in order (up to `limit`); a row whose columns are not all text is its seq alone
        (the cursor passes it, `refused` counts it)."""
        conn = self._need()
        async with self._call("read"):
            records = await conn.fetch(
                f"SELECT seq, {_COLUMNS} FROM {self.schema}.events WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit
            )
        out: list[Row | int] = []
        for r in records:
            values = [r[name] for name in _COLUMNS.split(", ")]
            if all(isinstance(v, str) for v in values):
                out.append(Row(int(r["seq"]), *values))
            else:
                out.append(int(r["seq"]))
        return out

    async def last_seq(self) -> int:
        conn = self._need()
        async with self._call("read"):
            return int(await conn.fetchval(f"SELECT coalesce(max(seq), 0) FROM {self.schema}.events"))

    async def listen(self, on_events: Callable[[], None], on_presence: Callable[[str], None]) -> None:
        """Hear every insert (any writer's) and every console's presence."""
        conn = self._need()
        async with self._call("listen to"):
            await conn.add_listener(events_channel(self.schema), lambda *_: on_events())
            await conn.add_listener(presence_channel(self.schema), lambda _c, _p, _ch, payload: on_presence(payload))

    async def announce(self, payload: str) -> None:
        """Tell every listening console who is here (`presence.py` makes and reads the payload)."""
        conn = self._need()
        async with self._call("announce on"):
            await conn.execute("SELECT pg_notify($1, $2)", presence_channel(self.schema), payload)

    async def ping(self) -> None:
        conn = self._need()
        async with self._call("read"):
            await conn.fetchval("SELECT 1")


def _object(text: object) -> dict[str, Any]:
    """A JSON object from a row's data, {} for anything else (a row another writer damaged)."""
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
