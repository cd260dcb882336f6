"""The `/` field every list shares: type to narrow, enter keeps the filter and returns to the list, escape
clears it (before escape would close the screen or restore a zoomed pane)."""

from __future__ import annotations

from typing import ClassVar, cast

from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input


class FilterInput(Input):
    """Hidden until `/`; `Input.Changed` carries the text as it is typed."""

    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", show=False)]

    class Cleared(Message):
        """The filter was cleared with escape."""

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.post_message(self.Cleared())


def words_match(query: str, *texts: str) -> bool:
    """Every word of `query` appears (any case) in one of `texts`; an empty query matches everything."""
    haystack = " ".join(texts).lower()
    return all(word in haystack for word in query.lower().split())


class FilterHost:
    """The `/` behaviour of a screen or pane with one FilterInput (id FILTER_FIELD) over one list: `/` shows
    the field, typing narrows (`apply_filter` reads `filter_query`), enter returns to the list keeping the
    words, escape clears them. Mixed into a Widget or Screen, before it in the bases."""

    FILTER_FIELD: ClassVar[str]
    filter_query: str = ""

    def filtered_list(self) -> Widget:
        """The list that gets the keyboard back."""
        raise NotImplementedError

    def apply_filter(self) -> None:
        """Show only what matches `filter_query`."""
        raise NotImplementedError

    def action_filter(self) -> None:
        """Show the `/` field (what is typed there stays until escape)."""
        field = cast(Widget, self).query_one(f"#{self.FILTER_FIELD}", FilterInput)
        field.display = True
        field.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == self.FILTER_FIELD:
            event.stop()
            self.filter_query = event.value
            self.apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == self.FILTER_FIELD:
            event.stop()
            event.input.display = bool(event.value.strip())
            self.filtered_list().focus()

    def on_filter_input_cleared(self, event: FilterInput.Cleared) -> None:
        event.stop()
        self.filter_query = ""
        self.apply_filter()
        self.filtered_list().focus()
