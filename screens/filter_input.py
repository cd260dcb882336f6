"""The `/` field every list shares: type to narrow, enter keeps the filter and returns to the list, escape
clears it (before escape would close the screen or restore a zoomed pane)."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
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
