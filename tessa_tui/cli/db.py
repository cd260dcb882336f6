"""`tessa-tui db report`: one database snapshot, the first update of the database pane's own watcher."""

from __future__ import annotations

import asyncio
import json

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig
from tessa_tui.database.snapshot import DbSnapshot, Section


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
    for section in snapshot.sections.values():
        lines += ["", *_section_lines(section)]
    return "\n".join(lines)


def _section_lines(section: Section) -> list[str]:
    lines = [f"== {section.title}"]
    if section.note:
        lines.append(f"   ({section.note})")
    if section.error:
        return [*lines, f"   error: {section.error}"]
    if not section.rows:
        return [*lines, "   (none)"]
    cells = [list(section.columns)] + [[_format(v) for v in row] for row in section.rows]
    widths = [min(max(len(row[i]) for row in cells), 60) for i in range(len(section.columns))]
    for row in cells:
        lines.append("   " + "  ".join(cell[:60].ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return lines


def _format(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value).replace("\n", " ")
