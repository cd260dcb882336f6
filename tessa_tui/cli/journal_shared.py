"""`tessa-tui journal init-shared / status / sync`, and the shared-journal sync every `incident` command does.

`init-shared` creates the shared journal's schema (idempotent, versioned) with the configured DSN or the one in
`--dsn-env NAME` (an owner's: never a DSN on the command line, where `ps` shows it) and prints the grants a
console's role needs. `status` says what the header says, with counts. `sync` pushes and pulls once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
from pathlib import Path

import asyncpg

from tessa_tui.base import secret_registry
from tessa_tui.base.errors import UserError
from tessa_tui.base.redact import register_url
from tessa_tui.base.sanitize import sanitize
from tessa_tui.cli.loading import load_optional
from tessa_tui.config.model import SharedJournal
from tessa_tui.incidents.book import IncidentBook, open_book
from tessa_tui.incidents.journal import Journal
from tessa_tui.incidents.shared import replica
from tessa_tui.incidents.shared.presence import Presence
from tessa_tui.incidents.shared.remote import (
    SharedConnection,
    SharedUnavailable,
    clean_error,
    create_schema,
    transaction_pooler,
)
from tessa_tui.incidents.shared.replicator import Replicator
from tessa_tui.incidents.shared.schema import SHARED_SCHEMA_VERSION, grants
from tessa_tui.incidents.shared.status import SyncStatus


def shared_config(args: argparse.Namespace) -> SharedJournal:
    loaded = load_optional(args)
    shared = loaded.config.journal.shared if loaded else None
    if shared is None:
        raise UserError("no shared journal configured: add journal: shared: {dsn: ${TESSA_JOURNAL_DSN}}")
    return shared


def run_init(args: argparse.Namespace) -> int:
    """Create (or check) the schema; print the grants."""
    shared = shared_config(args)
    dsn = shared.dsn
    if args.dsn_env:
        dsn = os.environ.get(args.dsn_env, "")
        if not dsn:
            raise UserError(f"--dsn-env {sanitize(args.dsn_env)[:60]}: that environment variable is not set")
        secret_registry.register(dsn)
        register_url(dsn)
    pooler = transaction_pooler(dsn)
    if pooler is not None:
        raise UserError(f"refused: {pooler}; LISTEN needs a session-mode connection")
    created = asyncio.run(_init(dsn, shared))
    print(f"shared journal {shared.identity()}: schema version {SHARED_SCHEMA_VERSION}, {created}")
    print("a console's role needs only these privileges:")
    print(grants(shared.schema, args.role))
    return 0


async def _init(dsn: str, shared: SharedJournal) -> str:
    deadline = shared.connect_timeout.total_seconds()
    try:
        async with asyncio.timeout(deadline + 30):
            conn = await asyncpg.connect(dsn, timeout=deadline, server_settings={"application_name": "tessa-tui init"})
            try:
                return "already there (checked)" if await create_schema(conn, shared.schema) else "created"
            finally:
                await conn.close()
    except TimeoutError:
        raise UserError(f"shared journal: no answer within {deadline:g}s") from None
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise UserError(f"shared journal: {clean_error(exc, dsn)}") from None
    except ValueError:
        raise UserError("shared journal: the DSN could not be parsed (URL-encode special characters)") from None


def run_status(args: argparse.Namespace) -> int:
    """The sync's state with counts: 0 when live (or local only), 1 when offline or refused."""
    loaded = load_optional(args)
    book = open_book(loaded, readonly=True)
    shared = loaded.config.journal.shared if loaded else None
    try:
        events = len(book.journal.events_since(0))
        if shared is None:
            print(f"local only: {events} events in {book.journal.path}")
            return 0
        status, behind = asyncio.run(_status(book, shared))
        state = replica.state(book.journal)
        for line in status.lines():
            print(line)
        print(f"  local copy {book.journal.path}: {events} events, {status.waiting} waiting to be shared")
        pull = f"{behind} events to pull" if behind >= 0 else "not reached"
        print(f"  shared journal {shared.identity()}: {pull}")
        if state.get("contact"):
            print(f"  last reached {state['contact'][:19].replace('T', ' ')} UTC")
        for line in _stranded(book.journal.path):
            print(line)
        return 0 if status.mode == "live" else 1
    finally:
        book.journal.close()


def _stranded(current: Path) -> list[str]:
    """Other local copies beside this one that hold events never shared: a DSN spelled another way (a host's
    name for its address, the pooler for the direct host) is another shared journal by name, and starts a new
    copy; what waited in the old one must not be forgotten silently."""
    lines = []
    for other in sorted(current.parent.glob("journal-shared-*.sqlite3")):
        if other == current:
            continue
        try:
            journal = Journal(other, actor="status", readonly=True)
        except UserError:
            continue
        try:
            count, copies = replica.waiting(journal), journal.copies or "an unknown shared journal"
        except UserError:
            continue
        finally:
            journal.close()
        if count:
            lines.append(
                f"  warning: {other} holds {count} event{'s' if count != 1 else ''} never shared, made for the shared "
                f"journal {copies}: "
                "a DSN naming it that way (host and database as written there) sends them"
            )
    return lines


async def _status(book: IncidentBook, shared: SharedJournal) -> tuple[SyncStatus, int]:
    waiting = await asyncio.to_thread(replica.waiting, book.journal)
    conn = SharedConnection(shared, application="tessa-tui status")
    try:
        await conn.connect()
        last = await conn.last_seq()
        return SyncStatus("live", waiting), max(0, last - replica.cursor(book.journal))
    except SharedUnavailable as exc:
        since = replica.last_contact(replica.state(book.journal))
        return SyncStatus("refused" if exc.permanent else "offline", waiting, since, exc.reason), -1
    finally:
        await conn.close()


def run_sync(args: argparse.Namespace) -> int:
    """Push and pull once; 0 when the shared journal took everything, 1 when it could not be reached."""
    book = open_book(load_optional(args), readonly=bool(getattr(args, "readonly", False)))
    try:
        status = sync_book(book)
        for line in status.lines() if status else ["local only: no shared journal configured"]:
            print(line)
        return 0 if status is None or status.mode == "live" else 1
    finally:
        book.journal.close()


def sync_book(book: IncidentBook) -> SyncStatus | None:
    """One push and pull for a CLI command, folded into the book; None without a shared journal."""
    shared = book.shared
    if shared is None:
        return None
    readonly = book.read_only is not None
    presence = Presence(book.journal.node or "cli", book.actor, socket.gethostname()[:80], readonly)
    replicator = Replicator(book.journal, shared, presence, on_rows=book.absorb if readonly else None)
    status = asyncio.run(replicator.sync_once())
    book.sync()
    return status
