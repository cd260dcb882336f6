"""What the shared-journal tests share: "machines" (each its own folder, config, journal file, state dir and
processes) on one test-owned PostgreSQL, each test in a schema of its own; the CLI run as a separate process;
an in-process book on a machine's journal with an injected clock; and the fold as plain data to compare."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tessa_tui.base.time_source import Now
from tessa_tui.cli.journal_shared import sync_book
from tessa_tui.config.load import load_config
from tessa_tui.incidents.book import IncidentBook, open_book
from tessa_tui.incidents.incident import Incident
from tessa_tui.incidents.shared.status import SyncStatus

REPO = Path(__file__).resolve().parents[1]
CLI_TIMEOUT_S = 60


def fresh_schema() -> str:
    """A schema name no other test uses: tests on the session cluster never see each other's rows."""
    return f"t_{uuid.uuid4().hex[:16]}"


def with_user(dsn: str, user: str, password: str = "") -> str:
    """`dsn` for another role (the test clusters trust every local connection, so a password is only text)."""
    parts = urlsplit(dsn)
    host = parts.netloc.rpartition("@")[2]
    who = f"{user}:{password}" if password else user
    return urlunsplit(parts._replace(netloc=f"{who}@{host}"))


class HandClock:
    """Clocks moved by hand (no test waits on a real one): `behind(5)` is another machine's, 5 s behind."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 1.0) -> None:
        self.now += timedelta(seconds=seconds)

    def behind(self, seconds: float) -> Now:
        return lambda: self.now - timedelta(seconds=seconds)


@dataclass
class Machine:
    """One responder's laptop: its own folder, config, journal file, state dir (crash log) and environment."""

    name: str
    folder: Path
    config: Path
    env: dict[str, str]

    @property
    def journal(self) -> Path:
        return self.folder / "journal.sqlite3"

    @property
    def state(self) -> Path:
        return self.folder / "xdg-state"

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`tessa-tui --config ... ARGS` as a process of its own, this machine's environment (and `env`)."""
        argv = [sys.executable, "-m", "tessa_tui", "--config", str(self.config), *args]
        environ = self.env | (env or {})
        return subprocess.run(argv, capture_output=True, text=True, env=environ, cwd=REPO, timeout=CLI_TIMEOUT_S)

    def book(self, clock: Now | None = None) -> IncidentBook:
        """An in-process book on this machine's journal (its shared config, no CLI): `clock` injected."""
        loaded = load_config(self.config, environ=self.env)
        return open_book(loaded, clock) if clock is not None else open_book(loaded)

    def sync(self, book: IncidentBook) -> SyncStatus:
        """One push and pull of `book`'s journal (what `journal sync` does), folded into the book."""
        status = sync_book(book)
        assert status is not None
        return status


MachineFactory = Callable[..., Machine]


@pytest.fixture
def machines(tmp_path: Path) -> MachineFactory:
    """`machines(name, dsn=..., schema=...)`: a machine; `schema` shared by the machines of one test."""
    default_schema = fresh_schema()

    def make(name: str, dsn: str | None, *, schema: str | None = None, timeout: str = "2s") -> Machine:
        folder = tmp_path / name
        folder.mkdir()
        shared = ""
        if dsn is not None:
            shared = (
                "  shared:\n    dsn: ${TESSA_JOURNAL_DSN}\n"
                f"    schema: {schema or default_schema}\n    connect-timeout: {timeout}\n"
            )
        config = folder / "tessa.yaml"
        config.write_text(f"journal:\n  path: {folder / 'journal.sqlite3'}\n  actor: {name}\n{shared}", "utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("TESSA_")}
        env |= {
            "PYTHONPATH": str(REPO),
            "TZ": "UTC",
            "XDG_STATE_HOME": str(folder / "xdg-state"),
            "XDG_DATA_HOME": str(folder / "xdg-data"),
            "XDG_CONFIG_HOME": str(folder / "xdg-config"),
        }
        if dsn is not None:
            env["TESSA_JOURNAL_DSN"] = dsn
        return Machine(name, folder, config, env)

    return make


def init_shared(machine: Machine) -> None:
    run = machine.cli("journal", "init-shared")
    assert run.returncode == 0, run.stderr


def shared_rows(dsn: str, schema: str) -> list[asyncpg.Record]:
    """Every row of the shared table, in order."""

    async def read() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            return list(await conn.fetch(f"SELECT * FROM {schema}.events ORDER BY seq"))  # noqa: S608 - a test's
        finally:
            await conn.close()

    return asyncio.run(read())


def owner_execute(dsn: str, sql: str, *args: Any) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            await conn.execute(sql, *args)
        finally:
            await conn.close()

    asyncio.run(run())


def local_ids(book: IncidentBook) -> list[str]:
    """Every event id in a machine's journal (duplicates would show twice)."""
    return [str(row[0]) for row in book.journal.rows("SELECT id FROM events ORDER BY seq")]


def fold_view(incident: Incident) -> dict[str, Any]:
    """What a person sees of an incident, as data: two machines agree when these are equal."""
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "severity_history": incident.severity_history,
        "status": incident.status,
        "declared": (incident.declared_at, incident.declared_by),
        "runbooks": incident.runbook_ids,
        "ticks": dict(sorted(incident.ticks.items())),
        "notes": incident.notes,
        "roles": incident.roles,
        "milestones": incident.milestones,
        "aliases": incident.aliases,
        "timeline": [(e.id, e.at, e.actor, e.kind) for e in incident.events],
        "joined": [e.id for e in incident.joined],
        "unreadable": [(u.id, u.reason) for u in incident.unreadable],
    }


def book_view(book: IncidentBook) -> dict[str, dict[str, Any]]:
    return {key: fold_view(incident) for key, incident in sorted(book.incidents.items())}


class SilentLink:
    """A loopback TCP relay (on the test's event loop) in front of PostgreSQL that can go silent: bytes stop
    flowing both ways and nothing is closed or refused, as when a network drops packets."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.silent = False
        self.down = False
        """New connections are closed at once (the database is unreachable)."""
        self.port = 0

    def dsn(self, dsn: str) -> str:
        """`dsn` through this link."""
        return dsn.replace(f":{self.target_port}/", f":{self.port}/")

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                while self.silent:
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        with contextlib.suppress(OSError, asyncio.CancelledError):
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[SilentLink]:
        server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()


def dsn_port(dsn: str) -> int:
    match = re.search(r":(\d+)/", dsn)
    assert match
    return int(match[1])
