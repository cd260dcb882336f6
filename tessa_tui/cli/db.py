"""`tessa-tui db report`: one database snapshot, the first update of the database pane's own watcher."""

from __future__ import annotations

import asyncio
import json

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig
from tessa_tui.database.snapshot import DbSnapshot, Section, format_cell


def run_db_report(loaded: LoadedConfig, *, as_json: bool) -> int:
    """Print the snapshot; exit 0 when the database answered, 1 when it could not be reached."""
    from tessa_tui.database.watch import first_update  # loaded only by the commands that use it

    database = loaded.config.database
    if database is None:
        raise UserError("no database configured: add a `database:` section", source=str(loaded.path))
    snapshot = asyncio.run(first_update(database, secrets=loaded.secrets)).snapshot
    print(json.dumps(snapshot.to_json(), indent=2) if as_json else _text(snapshot))
    return 0 if snapshot.connected or snapshot.sections else 1


def _text(snapshot: DbSnapshot) -> str:
    lines = [f"database {snapshot.target}"]
    if snapshot.reason:
        lines.append(f"NOT CONNECTED: {snapshot.reason}")
    server = snapshot.server
    if server:
        lines.append(f"PostgreSQL {server.get('version')}, max_connections {server.get('max_connections')}")
    from tessa_tui.database.sessions import session_view

    for section in snapshot.sections.values():
        shown = session_view(section) if section.name == "sessions" and not section.error else section
        lines += ["", *_section_lines(shown)]
    return "\n".join(lines)


def _section_lines(section: Section) -> list[str]:
    lines = [f"== {section.title}"]
    if section.note:
        lines.append(f"   ({section.note})")
    if section.error:
        return [*lines, f"   error: {section.error}"]
    if not section.rows:
        return [*lines, "   (none)"]
    cells = [list(section.columns)]
    cells += [[format_cell(v, c) for c, v in zip(section.columns, row, strict=True)] for row in section.rows]
    widths = [min(max(len(row[i]) for row in cells), 60) for i in range(len(section.columns))]
    for row in cells:
        lines.append("   " + "  ".join(cell[:60].ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return lines
