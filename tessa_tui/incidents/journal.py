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

import contextlib
import json
import math
import os
import re
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from tessa_tui.base import secret_registry
from tessa_tui.base.errors import UserError
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now
from tessa_tui.incidents.hlc import Stamp, horizon, legacy_stamp, next_stamp, parse_stamp

BUSY_TIMEOUT_S = 10.0  # how long a writer waits for another process's transaction
SCHEMA_VERSION = 2  # 2: hybrid-logical-clock stamps, origins, and the shared journal's sync tables
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
# Schema 2. `hlc` orders the fold (NULL in rows of schema 1: their time stands in); `origin` is the node that
# made the event. `sync_pushed` holds the ids the shared journal is known to have (what is not there is the
# outbox); `sync_state` the pull cursor, this journal's node id and which shared journal it copies.
_SCHEMA_2 = """
ALTER TABLE events ADD COLUMN hlc TEXT;
ALTER TABLE events ADD COLUMN origin TEXT;
CREATE INDEX IF NOT EXISTS events_by_hlc ON events (hlc);
CREATE TABLE IF NOT EXISTS sync_pushed (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
PROVISIONAL = re.compile(r"INC-[A-Z][A-Z0-9]{5}")
"""An incident id made offline in a shared journal, until the shared journal numbers it (it stays an alias)."""
_PROVISIONAL_LETTERS = "ABCDEFGHJKMNPQRSTVWXYZ"
_PROVISIONAL_CHARS = _PROVISIONAL_LETTERS + "23456789"


T = TypeVar("T")


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
    hlc: str = ""
    """Its hybrid-logical-clock stamp (`hlc.py`); empty for an event of schema 1."""
    origin: str = ""
    """The node (journal) that made it; empty for an event of schema 1."""

    def order(self) -> tuple[str, int, str]:
        """Where it folds: by stamp, the same on every machine (an unstamped row of schema 1, or another tool's,
        only exists in one journal: by its time, then as committed there)."""
        return (self.hlc, 0, self.id) if self.hlc else (legacy_stamp(self.at), self.seq, self.id)


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
        shared: str | None = None,
    ) -> None:
        """`shared`: the identity of the shared journal this file is the local copy of (`SharedJournal.identity`);
        a file that copies another, or holds local-only incidents, is refused."""
        self.path = path
        self.actor = actor
        """Who is recorded for an event planned without one; the console's `:iam` changes it."""
        self._clock = clock
        self._lock = threading.Lock()
        self.read_only: str | None = "--readonly was given" if readonly else _not_writable(path)
        self.unreadable: dict[int, Unreadable] = {}
        """Rows seen by the last reads that could not become events, by seq."""
        self._waiting = ""  # read-only: "immutable" until a writer's -wal appears, "empty" until a journal does
        self._seen = ""  # the latest stamp read or written within the drift horizon: `causal_now` without a query
        self.node = ""
        """This journal's node id (stamped into its events' `origin` and stamps); empty before schema 2."""
        self.copies: str | None = None
        """The shared journal this file is the local copy of (its identity), None for a local-only journal."""
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
            self._columns = _columns(self._db)
            state = dict(self._db.execute("SELECT key, value FROM sync_state").fetchall()) if self._columns else {}
            self.node, self.copies = str(state.get("node", "")), state.get("shared")
            if shared is not None and self.copies != shared:
                self._bind(shared)
        except (sqlite3.Error, OSError) as exc:
            raise JournalError(f"cannot open the journal: {_reason(exc)}", source=str(path)) from None
        except JournalError:
            if hasattr(self, "_db"):
                self._db.close()
            raise

    def _bind(self, shared: str) -> None:
        """Make this file the local copy of `shared`, unless it copies another or holds incidents of its own."""
        if self.copies is not None:
            raise JournalError(
                f"this journal is the local copy of the shared journal {self.copies}, not {shared}: "
                "give journal.path a new file (or none: the default is one file per shared journal)",
                source=str(self.path),
            )
        if self._db.execute("SELECT 1 FROM events WHERE kind = 'declared' LIMIT 1").fetchone():
            raise JournalError(
                "this journal holds incidents numbered on this machine, which would clash with the shared journal's "
                "numbers: give journal.path a new file (or none: the default is one file per shared journal)",
                source=str(self.path),
            )
        if self.read_only is None:
            self._db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES ('shared', ?)", (shared,))
        self.copies = shared

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
            node = "".join(secrets.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(10))
            steps = (_SCHEMA if version < 1 else "") + _SCHEMA_2
            db.executescript(
                f"BEGIN IMMEDIATE;{steps}INSERT OR IGNORE INTO sync_state (key, value) VALUES ('node', '{node}');"  # noqa: S608 - node: [0-9a-z] made above
                f"PRAGMA user_version={SCHEMA_VERSION};COMMIT;"
            )
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
        transaction, so two processes declaring at once get two ids; `actor`: who declared (default `actor`).
        In a shared journal's copy the id is provisional (`INC-K7Q2MX`): the shared journal numbers it."""

        def insert(db: sqlite3.Connection) -> Event:
            if self.copies is not None:
                incident = _provisional(db)
            else:
                count = db.execute("SELECT count(*) FROM events WHERE kind = 'declared'").fetchone()[0]
                number = count + 1
                # A row written by something else may already use that id: never merge two incidents.
                while db.execute("SELECT 1 FROM events WHERE incident = ? LIMIT 1", (f"INC-{number}",)).fetchone():
                    number += 1
                incident = f"INC-{number}"
            pending = PendingEvent(incident, "declared", data, **({"id": event_id} if event_id else {}), actor=actor)
            return self._insert(db, pending, at)

        return self._write(insert)

    def require_writable(self) -> None:
        """Raise JournalReadOnly when this journal was opened read-only: the one check every write passes."""
        if self.read_only is not None:
            raise JournalReadOnly(f"journal {self.path} is read-only: {self.read_only}; nothing recorded")

    def transaction(self, body: Callable[[sqlite3.Connection], T], *, copy: bool = False) -> T:
        """Run `body` in one write transaction (`BEGIN IMMEDIATE`): all of it is committed, or none; JournalError
        when it cannot be. The shared journal's sync writes through this.

        `copy`: what it writes is a copy of what is durable elsewhere (rows pulled from the shared journal, with
        their cursor): committed atomically but without waiting for the disk (`synchronous=NORMAL`); a power
        cut loses the rows and the cursor together, and the next pull brings both back. This journal's own
        events are always committed with `synchronous=FULL`."""
        if not copy:
            return self._write(body)
        self.require_writable()
        with self._lock:
            self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                return self._write(body, locked=True)
            finally:
                self._db.execute("PRAGMA synchronous=FULL")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Raw rows of a read (the sync's outbox and state); JournalError when it cannot be read."""
        return self._read_raw(sql, params)

    def _write(self, body: Callable[[sqlite3.Connection], T], *, locked: bool = False) -> T:
        self.require_writable()
        with contextlib.nullcontext() if locked else self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = body(self._db)
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise JournalError(f"not saved: {_reason(exc)}", source=str(self.path)) from None
            return result

    def _insert(self, db: sqlite3.Connection, pending: PendingEvent, at: datetime | None) -> Event:
        existing = db.execute(f"{self._select()} WHERE id = ?", (pending.id,)).fetchone()
        if existing is not None:
            row = _event(existing)
            if isinstance(row, Event):
                return row
            raise JournalError(f"event {pending.id} is in the journal but unreadable: {row.reason}")
        wall = self._clock().astimezone(UTC)
        stamp = next_stamp(_latest(db, wall), wall, self.node)
        # The event's time is its stamp's: the clock's (to the millisecond), unless this journal already holds a
        # later one (another machine's clock is ahead), so times never run backwards along what was seen. Not the
        # clock's microseconds: an answer stamped in the same millisecond would read as before what it answers.
        when = (at or stamp.moment()).astimezone(UTC)
        kept: dict[str, Any] = _storable(dict(pending.data))
        data = json.dumps(kept, ensure_ascii=False, sort_keys=True)
        actor = _storable(pending.actor or self.actor)
        incident = _storable(pending.incident)
        cursor = db.execute(
            "INSERT INTO events (id, incident, at, actor, kind, data, hlc, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (pending.id, incident, when.isoformat(), actor, pending.kind, data, stamp.text(), self.node),
        )
        self._saw(stamp.text(), wall)
        seq = cursor.lastrowid or 0
        return Event(seq, pending.id, incident, when, actor, pending.kind, kept, stamp.text(), self.node)

    def causal_now(self, wall: datetime, within: timedelta) -> datetime:
        """`wall` (now by this machine's clock), or the latest event time this journal has read or written when
        that is later by at most `within`: a command checked against another machine's events is checked
        against their clock, so a clock seconds behind cannot record an action before what it answers (a clock
        further behind is wrong, and the command's checks say so)."""
        wall = wall.astimezone(UTC)
        seen = parse_stamp(self._seen)
        if seen is None or seen.moment() > wall + within:
            return wall
        return max(wall, seen.moment())

    def _saw(self, stamp: str, wall: datetime) -> None:
        if stamp > self._seen and stamp <= horizon(wall):
            self._seen = stamp

    def read_since(self, seq: int = 0) -> tuple[list[Event], list[Unreadable]]:
        """Every row committed after `seq` (from any process), in order: the events, and the rows that
        could not be read (each with why)."""
        return self._read(f"{self._select()} WHERE seq > ? ORDER BY seq", (seq,))

    def events_since(self, seq: int = 0) -> list[Event]:
        """Every readable event committed after `seq`, in order; unreadable rows land in `unreadable`."""
        return self.read_since(seq)[0]

    def events_of(self, incident: str) -> list[Event]:
        """One incident's readable events, in order."""
        return self._read(f"{self._select()} WHERE incident = ? ORDER BY seq", (incident,))[0]

    def last_seq(self) -> int:
        """The newest event's sequence number (0 when empty): cheap enough to poll for other writers."""
        rows = self._read_raw("SELECT coalesce(max(seq), 0) FROM events", ())
        return int(rows[0][0])

    def _select(self) -> str:
        return _SELECT if self._columns else _SELECT_1

    def integrity(self) -> str:
        """SQLite's own integrity check: `ok` for a healthy file."""
        return str(self._read_raw("PRAGMA integrity_check", ())[0][0])

    def _read(self, sql: str, params: tuple[Any, ...]) -> tuple[list[Event], list[Unreadable]]:
        events: list[Event] = []
        bad: list[Unreadable] = []
        wall = self._clock().astimezone(UTC)
        for raw in self._read_raw(sql, params):
            row = _event(raw)
            if isinstance(row, Event):
                events.append(row)
                if row.hlc:
                    self._saw(row.hlc, wall)
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
                    self._columns = _columns(db)
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
    CASE WHEN length(CAST(data AS BLOB)) > 1048576 THEN NULL ELSE data END,
    CASE WHEN length(CAST(hlc AS BLOB)) > 64 THEN NULL ELSE hlc END,
    CASE WHEN length(CAST(origin AS BLOB)) > 64 THEN NULL ELSE origin END
FROM events"""
SELECT_EVENTS = _SELECT
"""Every column of `events`, oversized values read as NULL: what `parse_row` takes."""
_SELECT_1 = _SELECT.split("CASE WHEN length(CAST(hlc")[0] + "NULL, NULL\nFROM events"  # a schema-1 file, read-only


def _columns(db: sqlite3.Connection) -> bool:
    """Whether the file has schema 2's columns (a schema-1 file opened read-only has not)."""
    return any(row[1] == "hlc" for row in db.execute("PRAGMA table_info(events)").fetchall())


def _latest(db: sqlite3.Connection, wall: datetime) -> Stamp | None:
    """The latest stamp this journal holds that this clock may advance to (see `hlc.MAX_DRIFT`)."""
    row = db.execute("SELECT max(hlc) FROM events WHERE hlc <= ?", (horizon(wall),)).fetchone()
    return parse_stamp(row[0]) if row else None


def _provisional(db: sqlite3.Connection) -> str:
    """A provisional incident id no event of this journal uses."""
    while True:
        tail = "".join(secrets.choice(_PROVISIONAL_CHARS) for _ in range(5))
        incident = f"INC-{secrets.choice(_PROVISIONAL_LETTERS)}{tail}"
        if not db.execute("SELECT 1 FROM events WHERE incident = ? LIMIT 1", (incident,)).fetchone():
            return incident


def _text_or_bytes(raw: bytes) -> str | bytes:
    """SQLite TEXT as str; text that is not UTF-8 stays bytes (one bad row must not fail the whole query)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def parse_row(row: Any) -> Event | Unreadable:
    """A row of `SELECT_EVENTS` as an Event, or as Unreadable with the reason (never an exception)."""
    return _event(row)


def _event(row: Any) -> Event | Unreadable:
    """A row as an Event, or as Unreadable with the reason (never an exception)."""
    seq, event_id, incident, at, actor, kind, data, hlc, origin = row
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
    stamp = hlc if parse_stamp(hlc) is not None else ""  # a damaged stamp: ordered by its time instead
    # Who and which incident are shown everywhere; another machine's (or tool's) row may hold escape sequences.
    shown_actor, shown_incident = sanitize(actor), sanitize(incident)
    origin = origin if _text(origin) else ""
    return Event(int(seq), event_id, shown_incident, moment, shown_actor, kind, payload, stamp, origin)


def _text(value: object) -> bool:
    return isinstance(value, str)


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
                if _version(db, path) < 1:
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
    db.executescript(_SCHEMA + _SCHEMA_2)
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
