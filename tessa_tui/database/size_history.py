"""Database size over time, kept locally: the growth the seed's weekly review asks about.

One sample per size poll (at most one a minute per database), in SQLite beside the journal, so growth
survives restarts; samples older than 400 days are dropped.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

MIN_GAP = timedelta(minutes=1)
KEEP = timedelta(days=400)
WINDOWS = (("1h", timedelta(hours=1)), ("24h", timedelta(days=1)), ("7d", timedelta(days=7)))


@dataclass(frozen=True)
class Growth:
    """Size change over one window, from the newest sample at least that old."""

    window: str
    bytes: int
    since: datetime


class SizeHistory:
    """Samples of one or more databases' sizes, by target (the masked DSN)."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        """`readonly` (a spectator): read what others recorded, create and write nothing, not even -wal or -shm
        (sqlite3.Error when there is nothing to read yet)."""
        self.readonly = readonly
        if readonly:
            # A writer's -wal present: follow it read-only; none: the file as it is, creating nothing beside it.
            flags = "mode=ro" if path.with_name(path.name + "-wal").exists() else "mode=ro&immutable=1"
            uri = f"{path.absolute().as_uri()}?{flags}"
            self._db = sqlite3.connect(uri, uri=True, timeout=5, isolation_level=None, check_same_thread=False)
            self._db.execute("SELECT count(*) FROM sizes").fetchone()
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS sizes (target TEXT NOT NULL, at TEXT NOT NULL, bytes INTEGER)")
        self._db.execute("CREATE INDEX IF NOT EXISTS sizes_by_target ON sizes (target, at)")

    def close(self) -> None:
        self._db.close()

    def record(self, target: str, at: datetime, size: int) -> None:
        """Keep a sample (unless one was kept less than a minute ago) and drop the oldest; read-only: nothing."""
        if self.readonly:
            return
        at = at.astimezone(UTC)  # one offset in every stored time: they compare as text
        last = self._db.execute("SELECT max(at) FROM sizes WHERE target = ?", (target,)).fetchone()[0]
        if last is not None and at - datetime.fromisoformat(last) < MIN_GAP:
            return
        self._db.execute("INSERT INTO sizes VALUES (?, ?, ?)", (target, at.isoformat(), int(size)))
        self._db.execute("DELETE FROM sizes WHERE target = ? AND at < ?", (target, (at - KEEP).isoformat()))

    def growth(self, target: str, now: datetime, size: int) -> list[Growth]:
        """For each window with a sample old enough (but under twice the window): `size` minus that sample."""
        result = []
        now = now.astimezone(UTC)
        for label, window in WINDOWS:
            row = self._db.execute(
                "SELECT at, bytes FROM sizes WHERE target = ? AND at <= ? ORDER BY at DESC LIMIT 1",
                (target, (now - window).isoformat()),
            ).fetchone()
            # A sample far older than the window would pass off a week's growth as the last hour's.
            if row is not None and now - datetime.fromisoformat(row[0]) <= 2 * window:
                result.append(Growth(label, size - int(row[1]), datetime.fromisoformat(row[0])))
        return result
