"""This machine's side of the shared journal, in the local SQLite journal: the outbox (events the shared
journal is not known to have), rows pulled from it committed together with the cursor, and the sync's state.

Pulled rows and the cursor are one transaction, and a row already here (by id) is left as it is: a crash
mid-pull, a pull repeated or a row delivered twice never doubles an event. An event is marked pushed only
after the shared journal committed it; pushing it again is harmless, its id is unique there too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tessa_tui.incidents.aliases import NUMBERED
from tessa_tui.incidents.hlc import parse_stamp
from tessa_tui.incidents.journal import SELECT_EVENTS, Event, Journal, parse_row
from tessa_tui.incidents.state_flips import MONITOR

# Monitor evidence (service state flips) is each machine's own observation: it stays local.
_UNSHARED = f"hlc IS NOT NULL AND incident != '{MONITOR}' AND kind != '{NUMBERED}'"
_NOT_PUSHED = "id NOT IN (SELECT id FROM sync_pushed)"


@dataclass(frozen=True, slots=True)
class Row:
    """One shared journal row as text columns, ready for the local journal."""

    seq: int
    id: str
    incident: str
    at: str
    actor: str
    kind: str
    data: str
    hlc: str
    origin: str


def outbox(journal: Journal, after: int = 0, limit: int = 500) -> tuple[list[Row], list[int]]:
    """Up to `limit` local events after seq `after` that the shared journal is not known to have, oldest first,
    as they are stored; and the seqs of rows held back because they cannot be read (`journal check`)."""
    raw = journal.rows(
        f"{SELECT_EVENTS} WHERE seq > ? AND {_UNSHARED} AND {_NOT_PUSHED} ORDER BY seq LIMIT ?", (after, limit)
    )
    rows: list[Row] = []
    held: list[int] = []
    for values in raw:
        if isinstance(parse_row(values), Event) and all(isinstance(v, str) for v in values[1:]):
            rows.append(Row(*values))
        else:
            held.append(int(values[0]))
    return rows, held


def waiting(journal: Journal) -> int:
    """How many local events the shared journal is not known to have."""
    return int(journal.rows(f"SELECT count(*) FROM events WHERE {_UNSHARED} AND {_NOT_PUSHED}")[0][0])


def mark_pushed(journal: Journal, ids: Iterable[str]) -> None:
    """Record that the shared journal has committed these events."""
    batch = [(i,) for i in ids]

    def mark(db: sqlite3.Connection) -> None:
        db.executemany("INSERT OR IGNORE INTO sync_pushed (id) VALUES (?)", batch)
        _set(db, "contact", datetime.now(UTC).isoformat())

    if batch:
        journal.transaction(mark)


def apply_pulled(journal: Journal, rows: Sequence[Row | int], cursor: int) -> int:
    """Commit pulled rows and the new cursor in one transaction; how many events were new here. A row that is
    not all text (an int: its seq) only moves the cursor on."""

    def apply(db: sqlite3.Connection) -> int:
        added = 0
        for row in rows:
            if isinstance(row, int):
                continue
            stamp = row.hlc if parse_stamp(row.hlc) is not None else None
            cursor_ = db.execute(
                "INSERT OR IGNORE INTO events (id, incident, at, actor, kind, data, hlc, origin) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (row.id, row.incident, row.at, row.actor, row.kind, row.data, stamp, row.origin),
            )
            added += cursor_.rowcount
            db.execute("INSERT OR IGNORE INTO sync_pushed (id) VALUES (?)", (row.id,))
        _set(db, "cursor", str(cursor))
        _set(db, "contact", datetime.now(UTC).isoformat())
        return added

    return journal.transaction(apply, copy=True)


def state(journal: Journal) -> dict[str, str]:
    """The sync's state: `cursor` (the last shared seq pulled), `contact` (when the shared journal last
    answered), `node`, `shared`."""
    return {str(k): str(v) for k, v in journal.rows("SELECT key, value FROM sync_state")}


def cursor(journal: Journal) -> int:
    value = state(journal).get("cursor", "0")
    return int(value) if value.isdigit() else 0


def note_contact(journal: Journal) -> None:
    """Record that the shared journal answered now (a sync with nothing to push or pull is a contact too)."""
    journal.transaction(lambda db: _set(db, "contact", datetime.now(UTC).isoformat()))


def last_contact(state_: dict[str, str]) -> datetime | None:
    """When the shared journal last answered, from `state`; None when never (or the record is damaged)."""
    try:
        moment = datetime.fromisoformat(state_.get("contact", ""))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _set(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", (key, value))
