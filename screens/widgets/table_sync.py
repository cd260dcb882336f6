"""Keyed, diffed DataTable updates: change only the cells that changed, add and remove rows by key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Self

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from tessa_tui.database.snapshot import format_cell


class LiveTable(DataTable[Text]):
    """A DataTable whose cell updates repaint that cell's row, not the table (Textual's `update_cell` repaints
    every row: a live table changing one cell a second redrew all of them)."""

    _updating_row: RowKey | str | None = None
    _rendered_generation = -1

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._update_count != self._rendered_generation:
            # Every render cache of a DataTable keys its entries by the table's update count, so after an update
            # none of the old ones can be hit again; yet its LRUs keep up to 10,000 cells and 1,000 rows and
            # lines each until they fill (a live table updated every few seconds held megabytes of dead renders:
            # the soak's RSS crept between floods). Drop them as soon as they are stale.
            self._rendered_generation = self._update_count
            for cache in (
                self._cell_render_cache,
                self._row_render_cache,
                self._row_renderable_cache,
                self._line_cache,
            ):
                cache.clear()
        return super().render_lines(crop)

    def update_cell(
        self, row_key: RowKey | str, column_key: ColumnKey | str, value: Text, *, update_width: bool = False
    ) -> None:
        if update_width:  # a column may change width: every row moves
            super().update_cell(row_key, column_key, value, update_width=True)
            return
        self._updating_row = row_key
        try:
            super().update_cell(row_key, column_key, value)
        finally:
            self._updating_row = None

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        row = self._updating_row
        if row is not None and not regions and repaint and not layout and not recompose:
            return self.refresh_row(self.get_row_index(row))  # the whole-table repaint update_cell asks for
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class RowTable(LiveTable):
    """A table whose rows a key acts on: the row cursor is always drawn, and j/k move it like the arrows."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", show_cursor=True)


def cell_text(value: Any, column: str = "") -> Text:
    """A cell as plain Text (never markup: a `[/tmp]` string cell would crash a DataTable)."""
    if value is None:
        return Text("-", style="dim")
    return Text(format_cell(value, column))


def keyed_rows(rows: Sequence[Sequence[Any]], key: Callable[[Sequence[Any]], str]) -> dict[str, Sequence[Any]]:
    """`rows` by the row key `sync_table` gives them, so a key read from the table finds its row again."""
    keyed: dict[str, Sequence[Any]] = {}
    for row in rows:
        row_key = key(row)
        while row_key in keyed:  # two rows with one identity (same query text): keep both, distinctly
            row_key += "'"
        keyed[row_key] = row
    return keyed


def sync_table(
    table: DataTable[Text],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: Callable[[Sequence[Any]], str],
) -> None:
    """Make `table` show `rows` (in order), touching only what differs from what it shows now."""
    if tuple(str(c.key.value) for c in table.columns.values()) != tuple(columns):
        table.clear(columns=True)
        for name in columns:
            table.add_column(name.replace("_", " "), key=name)
    wanted = keyed_rows(rows, key)
    for existing in [str(k.value) for k in table.rows]:
        if existing not in wanted:
            table.remove_row(existing)
    present = {str(k.value) for k in table.rows}
    for row_key, row in wanted.items():
        if row_key not in present:
            table.add_row(*(cell_text(v, c) for c, v in zip(columns, row, strict=True)), key=row_key)
            continue
        current = table.get_row(row_key)
        for name, old, new in zip(columns, current, row, strict=True):
            fresh = cell_text(new, name)
            if old.plain != fresh.plain:
                table.update_cell(row_key, name, fresh)
    if [str(r.key.value) for r in table.ordered_rows] != list(wanted):
        _reorder(table, columns, wanted)


def _reorder(table: DataTable[Text], columns: Sequence[str], wanted: dict[str, Sequence[Any]]) -> None:
    """Lay the rows out again in `wanted`'s order (a new sort, a row moving up), the cursor staying on its row."""
    under_cursor = None
    if table.row_count and table.show_cursor:
        under_cursor = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
    table.clear()
    for row_key, row in wanted.items():
        table.add_row(*(cell_text(v, c) for c, v in zip(columns, row, strict=True)), key=row_key)
    if under_cursor in wanted:
        table.move_cursor(row=table.get_row_index(under_cursor))
