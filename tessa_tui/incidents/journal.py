"""The incident journal: append-only events in SQLite, durable before anyone is told they are saved.

WAL with `synchronous=FULL` makes a commit survive a crash or power loss the moment it returns; every write
is one `BEGIN IMMEDIATE` transaction, so several processes on one host queue for the write lock instead of
failing half-way. Each event carries a client-made id (UNIQUE): retrying a write whose outcome was unknown
can never record it twice. Triggers refuse UPDATE and DELETE, so the timeline is a true record.

Because nothing can be deleted, a bad row (another tool's INSERT, a damaged copy) must never stop the rest
from being read: a row that cannot become an `Event` is kept aside as `Unreadable` and reported. A journal
this process cannot write (or was told not to) opens read-only: every read works, every write is refused.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tessa_tui.base import secret_registry
from tessa_tui.base.errors import UserError
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now

BUSY_TIMEOUT_S = 10.0  # how long a writer waits for another process's transaction
SCHEMA_VERSION = 1
MAX_DATA_BYTES = 1 << 20  # an event's data; ours stay far below (texts are capped at 4,000 characters)
MAX_FIELD_BYTES = 512  # id, incident, time, actor, kind
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # outside this range a time is damage, not a moment, and
LATEST = datetime(9000, 1, 1, tzinfo=UTC)  # clock arithmetic near datetime.max would overflow
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
class Unreadable:
    """A journal row that could not be read or folded: shown by `tessa-tui journal check`, skipped elsewhere."""

    seq: int
    id: str
    incident: str
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event not yet committed; keeps its id so a retry after a failure is idempotent."""

    incident: str
    kind: str
    data: Mapping[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    actor: str | None = None
    """Who made it, stamped when it was planned (a retry after `:iam` keeps it); None: the journal's actor."""


def new_event(incident: str, kind: str, **data: Any) -> PendingEvent:
    """An event to append (data must be JSON-serialisable)."""
    return PendingEvent(incident, kind, data)


class JournalReadOnly(JournalError):
    """A write to a journal opened read-only; nothing was recorded."""


class Journal:
    """One connection to the journal file; thread-safe (one lock), so a worker thread can own the writes.

    `readonly=True` (spectator mode) opens it read-only; so does a file, folder or file system this process
    cannot write. `read_only` then says why, and every write raises `JournalReadOnly`.
    """

    def __init__(
        self,
        path: Path,
        *,
        actor: str,
        clock: Now = lambda: datetime.now(UTC),
        max_pages: int | None = None,
        readonly: bool = False,
    ) -> None:
        self.path = path
        self.actor = actor
        """Who is recorded for an event planned without one; the console's `:iam` changes it."""
        self._clock = clock
        self._lock = threading.Lock()
        self.read_only: str | None = "--readonly was given" if readonly else _not_writable(path)
        self.unreadable: dict[int, Unreadable] = {}
        """Rows seen by the last reads that could not become events, by seq."""
        self._waiting = ""  # read-only: "immutable" until a writer's -wal appears, "empty" until a journal does
        try:
            try:
                if self.read_only is None:
                    self._db = self._open_writable(max_pages)
                else:
                    self._db, self._waiting = _open_read_only(path)
            except sqlite3.OperationalError as exc:
                if self.read_only is not None or "readonly" not in str(exc):
                    raise
                self.read_only = _reason(exc)  # a refusal access() did not foresee: read what is there
                self._db, self._waiting = _open_read_only(path)
            self._db.text_factory = _text_or_bytes
        except (sqlite3.Error, OSError) as exc:
            raise JournalError(f"cannot open the journal: {_reason(exc)}", source=str(path)) from None

    def _open_writable(self, max_pages: int | None) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        if max_pages is not None:  # tests: a journal that fills up like a full disk does
            db.execute(f"PRAGMA max_page_count={int(max_pages)}")
        version = _version(db, self.path)
        if version < SCHEMA_VERSION:
            # One transaction (executescript would commit a surrounding one): all of the schema or none.
            db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version={SCHEMA_VERSION};COMMIT;")
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def append(self, pending: PendingEvent, *, at: datetime | None = None) -> Event:
        """Commit one event durably and return it; an event whose id is already there is returned as it was."""
        return self._write(lambda db: self._insert(db, pending, at))

    def declare(
        self, *, event_id: str | None = None, at: datetime | None = None, actor: str | None = None, **data: Any
    ) -> Event:
        """Commit a `declared` event under the next incident id (INC-1, INC-2, ...), allocated in the same
        transaction, so two processes declaring at once get two ids; `actor`: who declared (default `actor`)."""

        def insert(db: sqlite3.Connection) -> Event:
            count = db.execute("SELECT count(*) FROM events WHERE kind = 'declared'").fetchone()[0]
            number = count + 1
            # A row written by something else may already use that id: never merge two incidents.
            while db.execute("SELECT 1 FROM events WHERE incident = ? LIMIT 1", (f"INC-{number}",)).fetchone():
                number += 1
            pending = PendingEvent(
                f"INC-{number}", "declared", data, **({"id": event_id} if event_id else {}), actor=actor
            )
            return self._insert(db, pending, at)

        return self._write(insert)

    def require_writable(self) -> None:
        """Raise JournalReadOnly when this journal was opened read-only: the one check every write passes."""
        if self.read_only is not None:
            raise JournalReadOnly(f"journal {self.path} is read-only: {self.read_only}; nothing recorded")

    def _write(self, body: Callable[[sqlite3.Connection], Event]) -> Event:
        self.require_writable()
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
        existing = db.execute(f"{_SELECT} WHERE id = ?", (pending.id,)).fetchone()
        if existing is not None:
            row = _event(existing)
            if isinstance(row, Event):
                return row
            raise JournalError(f"event {pending.id} is in the journal but unreadable: {row.reason}")
        when = (at or self._clock()).astimezone(UTC)
        kept: dict[str, Any] = _storable(dict(pending.data))
        data = json.dumps(kept, ensure_ascii=False, sort_keys=True)
        actor = _storable(pending.actor or self.actor)
        cursor = db.execute(
            "INSERT INTO events (id, incident, at, actor, kind, data) VALUES (?, ?, ?, ?, ?, ?)",
            (pending.id, _storable(pending.incident), when.isoformat(), actor, pending.kind, data),
        )
        return Event(cursor.lastrowid or 0, pending.id, pending.incident, when, actor, pending.kind, kept)

    def read_since(self, seq: int = 0) -> tuple[list[Event], list[Unreadable]]:
        """Every row committed after `seq` (from any process), in order: the events, and the rows that
        could not be read (each with why)."""
        return self._read(f"{_SELECT} WHERE seq > ? ORDER BY seq", (seq,))

    def events_since(self, seq: int = 0) -> list[Event]:
        """Every readable event committed after `seq`, in order; unreadable rows land in `unreadable`."""
        return self.read_since(seq)[0]

    def events_of(self, incident: str) -> list[Event]:
        """One incident's readable events, in order."""
        return self._read(f"{_SELECT} WHERE incident = ? ORDER BY seq", (incident,))[0]

    def last_seq(self) -> int:
        """The newest event's sequence number (0 when empty): cheap enough to poll for other writers."""
        rows = self._read_raw("SELECT coalesce(max(seq), 0) FROM events", ())
        return int(rows[0][0])

    def integrity(self) -> str:
        """SQLite's own integrity check: `ok` for a healthy file."""
        return str(self._read_raw("PRAGMA integrity_check", ())[0][0])

    def _read(self, sql: str, params: tuple[Any, ...]) -> tuple[list[Event], list[Unreadable]]:
        events: list[Event] = []
        bad: list[Unreadable] = []
        for raw in self._read_raw(sql, params):
            row = _event(raw)
            if isinstance(row, Event):
                events.append(row)
            else:
                bad.append(row)
                self.unreadable[row.seq] = row
        return events, bad

    def _read_raw(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            try:
                if self._waiting and (_wal(self.path) if self._waiting == "immutable" else self.path).exists():
                    db, self._waiting = _open_read_only(self.path)  # a writer came: follow it
                    db.text_factory = _text_or_bytes
                    self._db.close()
                    self._db = db
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise JournalError(f"cannot read the journal: {_reason(exc)}", source=str(self.path)) from None


# Oversized values never leave SQLite: a 1 GB row is read as NULL (and reported), not into memory.
# The limits are MAX_FIELD_BYTES and MAX_DATA_BYTES.
_SELECT = """SELECT seq,
    CASE WHEN length(CAST(id AS BLOB)) > 512 THEN NULL ELSE id END,
    CASE WHEN length(CAST(incident AS BLOB)) > 512 THEN NULL ELSE incident END,
    CASE WHEN length(CAST(at AS BLOB)) > 512 THEN NULL ELSE at END,
    CASE WHEN length(CAST(actor AS BLOB)) > 512 THEN NULL ELSE actor END,
    CASE WHEN length(CAST(kind AS BLOB)) > 512 THEN NULL ELSE kind END,
    CASE WHEN length(CAST(data AS BLOB)) > 1048576 THEN NULL ELSE data END
FROM events"""


def _text_or_bytes(raw: bytes) -> str | bytes:
    """SQLite TEXT as str; text that is not UTF-8 stays bytes (one bad row must not fail the whole query)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _event(row: Any) -> Event | Unreadable:
    """A row as an Event, or as Unreadable with the reason (never an exception)."""
    seq, event_id, incident, at, actor, kind, data = row
    try:
        for name, value in (("id", event_id), ("incident", incident), ("time", at), ("actor", actor), ("kind", kind)):
            _need_text(name, value, MAX_FIELD_BYTES)
        _need_text("data", data, MAX_DATA_BYTES)
        moment = parse_time(at)
        if moment is None:
            raise ValueError(f"time {_shown(at)!r} is not an ISO 8601 time with a zone in 1970..9000")
        try:
            payload = _DECODER.decode(data)
        except json.JSONDecodeError as exc:
            raise ValueError(f"data is not JSON: {exc.msg} at character {exc.pos}") from None
        except RecursionError:
            raise ValueError("data is nested too deeply") from None
        if not isinstance(payload, dict):
            raise ValueError(f"data is a JSON {type(payload).__name__}, not an object")
    except (ValueError, TypeError) as exc:  # int-size limits are ValueErrors too
        return Unreadable(int(seq), _shown(event_id), _shown(incident), _shown(kind), str(exc)[:200])
    return Event(int(seq), event_id, incident, moment, actor, kind, payload)


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time with a zone, in UTC, between 1970 and 9000; None for anything else."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or moment.utcoffset() is None:
            return None
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment if EARLIEST <= moment < LATEST else None


def _need_text(name: str, value: object, limit: int) -> None:
    if value is None:
        raise ValueError(f"{name} is missing or over {limit} bytes")
    if isinstance(value, bytes):
        raise ValueError(f"{name} is not UTF-8 text (invalid bytes or a blob)")
    if not isinstance(value, str):
        raise ValueError(f"{name} is a {type(value).__name__}, not text")


def _no_constant(name: str) -> Any:
    raise ValueError(f"data holds {name}, which is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"data holds a number out of range ({text[:20]})")
    return number


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float)


def _shown(value: object) -> str:
    """A column's value fit for a report line: decoded, visible, short."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = "" if value is None else str(value)
    return sanitize(text[:80]) + ("…" if len(text) > 80 else "")


def _version(db: sqlite3.Connection, path: Path) -> int:
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"written by a newer tessa-tui (schema {version}; this one knows {SCHEMA_VERSION})", source=str(path)
        )
    return version


def _not_writable(path: Path) -> str | None:
    """Why this process cannot write the journal (None when it can): SQLite needs the file and, for its
    -wal and -shm files, the folder. Root passes access() checks, except on a read-only file system."""
    target = path if path.exists() else next((p for p in path.parents if p.exists()), None)
    if target is None:
        return None
    folder = target if target.is_dir() else target.parent
    for what, place in (("the file", path), ("the folder", folder)):
        if place.exists() and not os.access(place, os.W_OK | (os.X_OK if place.is_dir() else 0)):
            try:
                probe = os.statvfs(place)
                if probe.f_flag & os.ST_RDONLY:
                    return "the file system is read-only"
            except OSError:
                pass
            return f"{what} is not writable by this user"
    return None


def _open_read_only(path: Path) -> tuple[sqlite3.Connection, str]:
    """The journal for reading only, creating nothing: `immutable=1` while no writer has a -wal file (a
    `mode=ro` connection would create -wal and -shm), else `mode=ro` to follow the writer (falling back to
    immutable when even that cannot be opened). No file, or no schema yet, reads as an empty journal.
    Returns the connection and what it waits for: "immutable" (a writer's -wal), "empty" (a journal), or ""."""
    if path.exists():
        failure: sqlite3.Error | None = None
        modes = ("mode=ro", "immutable=1") if _wal(path).exists() else ("immutable=1",)
        for flags in modes:
            uri = f"{path.absolute().as_uri()}?{flags}"
            db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
            try:
                if _version(db, path) < SCHEMA_VERSION:
                    db.close()
                    break  # an empty file: no schema, so no events
                db.execute("SELECT count(*) FROM events").fetchone()
                return db, "immutable" if flags == "immutable=1" else ""
            except sqlite3.Error as exc:
                failure = exc
                db.close()
            except JournalError:
                db.close()
                raise
        else:
            raise failure or sqlite3.OperationalError("unable to open the journal for reading")
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.executescript(_SCHEMA)
    return db, "empty"


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


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


def _storable(value: Any) -> Any:
    """What the journal keeps of a value: every known secret masked (a note may quote one), and text SQLite can
    encode (a lone surrogate, say from a `$USER` with undecodable bytes, kept visibly as `\\udc80`)."""
    value = secret_registry.mask_data(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value
