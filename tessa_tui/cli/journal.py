"""`tessa-tui journal check`: every journal row that cannot be read or folded, and why.

The journal is append-only, so a bad row (another tool's INSERT, a damaged copy) stays; the console and
`incident` commands skip it with one line. This command lists them (id, incident, kind, reason) and runs
SQLite's integrity check, opening the journal read-only: it never writes. Exit 0 when all is readable, 1 if not.
"""

from __future__ import annotations

from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.load import LoadedConfig
from tessa_tui.incidents.actors import default_actor
from tessa_tui.incidents.incident import fold_checked
from tessa_tui.incidents.journal import Event, Journal, Unreadable
from tessa_tui.incidents.journal_location import journal_file


def run_check(loaded: LoadedConfig | None) -> int:
    """Print the unreadable rows and the integrity check's verdict; 0 when the journal is clean, 1 if not."""
    path = journal_file(loaded)
    journal = Journal(path, actor=default_actor(None), readonly=True)
    try:
        events, bad = journal.read_since(0)
        integrity = journal.integrity()
    finally:
        journal.close()
    rows = {u.seq: u for u in bad}
    grouped: dict[str, list[Event]] = {}
    for event in events:
        grouped.setdefault(event.incident, []).append(event)
    for group in grouped.values():
        rows.update((u.seq, u) for u in fold_checked(group)[1])
    unreadable = [rows[seq] for seq in sorted(rows)]
    total = len(events) + len(bad)
    if not unreadable and integrity == "ok":
        print(f"journal {path}: {total} events, all readable")
        return 0
    print(f"journal {path}: {total} events, {len(unreadable)} unreadable" + _integrity(integrity))
    for row in unreadable:
        print(_line(row))
    return 1


def _integrity(verdict: str) -> str:
    return "" if verdict == "ok" else f"; SQLite integrity check: {sanitize(verdict)[:200]}"


def _line(row: Unreadable) -> str:
    return sanitize(f"  id {row.id}  incident {row.incident}  kind {row.kind}  seq {row.seq}: {row.reason}")
