"""The incident journal: append-only events in SQLite, durable before anyone is told they are saved.

WAL with `synchronous=FULL` makes a commit survive a crash or power loss the moment it returns; every write
is one `BEGIN IMMEDIATE` transaction, so several processes on one host queue for the write lock instead of
failing half-way. Each event carries a client-made id (UNIQUE): retrying a write whose outcome was unknown
can never record it twice. Triggers refuse UPDATE and DELETE, so the timeline is a true record.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tessa_tui.errors import UserError

BUSY_TIMEOUT_S = 10.0  # how long a writer waits for another process's transaction
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    incident TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_incident ON events (incident, seq);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
"""


class JournalError(UserError):
    """The journal could not be opened, read or written; the message says why in a person's words."""


@dataclass(frozen=True, slots=True)
class Event:
    """One committed journal entry."""

    seq: int
    id: str
    incident: str
    at: datetime
    actor: str
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event not yet committed; keeps its id so a retry after a failure is idempotent."""

    incident: str
    kind: str
    data: Mapping[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def new_event(incident: str, kind: str, **data: Any) -> PendingEvent:
    """An event to append (data must be JSON-serialisable)."""
    return PendingEvent(incident, kind, data)


class Journal:
    """One connection to the journal file; thread-safe (one lock), so a worker thread can own the writes."""

    def __init__(
        self,
        path: Path,
        *,
        actor: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_pages: int | None = None,
    ) -> None:
        self.path = path
        self.actor = actor
        self._clock = clock
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            if max_pages is not None:  # tests: a journal that fills up like a full disk does
                self._db.execute(f"PRAGMA max_page_count={int(max_pages)}")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise JournalError(
                    f"written by a newer tessa-tui (schema {version}; this one knows {SCHEMA_VERSION})",
                    source=str(path),
                )
            if version < SCHEMA_VERSION:
                # One transaction (executescript would commit a surrounding one): all of the schema or none.
                self._db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version={SCHEMA_VERSION};COMMIT;")
        except (sqlite3.Error, OSError) as exc:
            raise JournalError(f"cannot open the journal: {_reason(exc)}", source=str(path)) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def append(self, pending: PendingEvent, *, at: datetime | None = None) -> Event:
        """Commit one event durably and return it; an event whose id is already there is returned as it was."""
        return self._write(lambda db: self._insert(db, pending, at))

    def declare(self, *, event_id: str | None = None, at: datetime | None = None, **data: Any) -> Event:
        """Commit a `declared` event under the next incident id (INC-1, INC-2, ...), allocated in the same
        transaction, so two processes declaring at once get two ids."""

        def insert(db: sqlite3.Connection) -> Event:
            count = db.execute("SELECT count(*) FROM events WHERE kind = 'declared'").fetchone()[0]
            pending = PendingEvent(f"INC-{count + 1}", "declared", data, **({"id": event_id} if event_id else {}))
            return self._insert(db, pending, at)

        return self._write(insert)

    def _write(self, body: Callable[[sqlite3.Connection], Event]) -> Event:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    event = body(self._db)
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise JournalError(f"not saved: {_reason(exc)}", source=str(self.path)) from None
            return event

    def _insert(self, db: sqlite3.Connection, pending: PendingEvent, at: datetime | None) -> Event:
        existing = db.execute("SELECT * FROM events WHERE id = ?", (pending.id,)).fetchone()
        if existing is not None:
            return _event(existing)
        when = (at or self._clock()).astimezone(UTC)
        data = json.dumps(dict(pending.data), ensure_ascii=False, sort_keys=True)
        cursor = db.execute(
            "INSERT INTO events (id, incident, at, actor, kind, data) VALUES (?, ?, ?, ?, ?, ?)",
            (pending.id, pending.incident, when.isoformat(), self.actor, pending.kind, data),
        )
        return Event(cursor.lastrowid or 0, pending.id, pending.incident, when, self.actor, pending.kind, pending.data)

    def events_since(self, seq: int = 0) -> list[Event]:
        """Every event committed after `seq`, in order (from any process)."""
        return self._read("SELECT * FROM events WHERE seq > ? ORDER BY seq", (seq,))

    def events_of(self, incident: str) -> list[Event]:
        """One incident's events, in order."""
        return self._read("SELECT * FROM events WHERE incident = ? ORDER BY seq", (incident,))

    def last_seq(self) -> int:
        """The newest event's sequence number (0 when empty): cheap enough to poll for other writers."""
        rows = self._read_raw("SELECT coalesce(max(seq), 0) FROM events", ())
        return int(rows[0][0])

    def integrity(self) -> str:
        """SQLite's own integrity check: `ok` for a healthy file."""
        return str(self._read_raw("PRAGMA integrity_check", ())[0][0])

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[Event]:
        return [_event(row) for row in self._read_raw(sql, params)]

    def _read_raw(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise JournalError(f"cannot read the journal: {_reason(exc)}", source=str(self.path)) from None


def _event(row: Any) -> Event:
    seq, event_id, incident, at, actor, kind, data = row
    return Event(seq, event_id, incident, datetime.fromisoformat(at), actor, kind, json.loads(data))


def _reason(exc: BaseException) -> str:
    """SQLite's message in the words an operator needs (the full-disk case above all)."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "full" in text:
        return "the disk is full (database or disk is full)"
    if "readonly" in text or "read-only" in text:
        return "the journal file is read-only"
    if "locked" in text:
        return f"another tessa-tui held the journal for over {BUSY_TIMEOUT_S:g}s (database is locked)"
    return text
