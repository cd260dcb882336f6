"""The demo's shared journal: a database of its own (`journal`) in the demo's PostgreSQL, with the schema
`tessa-tui journal init-shared` makes, so a second console (`tessa-tui demo --join`) works the same incident.

A demo state dir kept from before the journal was shared holds a journal of local incidents, which a shared
journal's copy must not (their numbers would clash): it is moved aside once, with a line saying where.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import asyncpg

from tessa_tui.incidents.shared.remote import create_schema

DATABASE = "journal"


async def serve_shared_journal(cluster_dsn: str) -> str:
    """Create the journal database and schema (idempotent); its DSN."""
    conn = await asyncpg.connect(cluster_dsn, timeout=10)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await conn.close()
    dsn = cluster_dsn.rsplit("/", 1)[0] + f"/{DATABASE}"
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await create_schema(conn, "tessa")
    finally:
        await conn.close()
    return dsn


def set_aside_local_journal(path: Path) -> None:
    """Move a journal of local incidents (a demo dir from before the shared journal) out of the copy's way."""
    if not path.exists():
        return
    try:
        with sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            bound = "sync_state" in tables and db.execute("SELECT 1 FROM sync_state WHERE key = 'shared'").fetchone()
        db.close()
    except sqlite3.Error:
        return  # not for us to judge here: the console says what is wrong with it
    if not bound:
        aside = path.with_name("journal-before-sharing.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            source = path.with_name(path.name + suffix)
            if source.exists():
                source.replace(aside.with_name(aside.name + suffix))
        sys.stderr.write(f"demo: the journal of this demo's earlier incidents is now {aside}\n")
