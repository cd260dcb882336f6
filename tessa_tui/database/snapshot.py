"""Database snapshots: what the database pane and `tessa-tui db report` show, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Section:
    """One section of the pane: its rows, or why it has none, and when it was read."""

    name: str
    title: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    note: str = ""
    """A caveat that stays with the data, e.g. `partial: needs pg_monitor`."""
    error: str = ""
    """Why there is no data this time (one line, secrets masked)."""
    fetched_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The section as `db report --json` prints it: rows as objects keyed by column."""
        return {
            "title": self.title,
            "rows": [dict(zip(self.columns, row, strict=True)) for row in self.rows],
            "note": self.note,
            "error": self.error,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
        }


@dataclass(frozen=True)
class DbSnapshot:
    """Everything the monitor knows, as of its last polls."""

    target: str
    """The DSN with its password masked."""
    connected: bool
    reason: str = ""
    """Why it is not connected (one line), and when it retries."""
    server: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "connected": self.connected,
            "reason": self.reason,
            "server": self.server,
            "sections": {name: section.to_json() for name, section in self.sections.items()},
        }


def human_bytes(value: float) -> str:
    """`2.4 MB`-style sizes."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def format_cell(value: Any, column: str = "") -> str:
    """A value as the pane and `db report` both show it: sizes as `782.5 MB`, byte rates as `1.2 MB/s`,
    other numbers with one decimal, nothing as `-`."""
    if value is None:
        return "-"
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:  # NaN is not a size
        if column.endswith("bytes"):
            return human_bytes(value)
        if column.endswith("bytes_per_s"):
            return f"{human_bytes(value)}/s"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value).replace("\n", " ")


def signed_bytes(delta: float) -> str:
    """A size change: `+2.4 MB`, `-512 B`."""
    return ("+" if delta >= 0 else "-") + human_bytes(abs(delta))
