"""The `/` field every list shares: type to narrow, enter keeps the filter and returns to the list, escape
clears it (before escape would close the screen or restore a zoomed pane).

Every hand-over of the keyboard here happens as the app reads the key that asks for it (priority bindings and
`set_focus` at once, never a scheduled `focus()`): the app hands each key to the widget that has focus when it
reads it, so keys typed in one burst right after `/`, enter or escape (a person typing fast, a paste, tmux) would
otherwise reach the old focus: `/e` on the checklist ran Export instead of typing `e`, and the `g` after enter
was typed into the filter."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar, cast

from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input


class FilterInput(Input):
    """Hidden until `/`; `Input.Changed` carries the text as it is typed."""

    BINDINGS = [
        Binding("escape", "clear_filter", "Clear filter", show=False, priority=True),
        Binding("enter", "keep_filter", "Keep filter", show=False, priority=True),
    ]

    class Cleared(Message):
        """The filter was cleared with escape."""

    _came_from: Widget | None = None

    def focus(self, scroll_visible: bool = True) -> FilterInput:
        """Take the keyboard now, not when the app gets round to it: the keys typed right after the one that
        opened the field are already on their way, and the app hands each to whatever has focus as it reads it."""
        self.refresh()
        screen = self.screen
        if screen.focused is not self:
            self._came_from = screen.focused
        screen.set_focus(self, scroll_visible=scroll_visible)
        return self

    def _hand_back(self) -> None:
        """Give the keyboard back to the list (a FilterOwner's, else whatever had it before `/`), at once."""
        owner = next((node for node in self.ancestors if isinstance(node, FilterOwner)), None)
        target = owner.filtered_list() if owner is not None else self._came_from
        if target is not None and target.is_attached and target.screen is self.screen and target.focusable:
            self.screen.set_focus(target)

    async def action_keep_filter(self) -> None:
        """Enter: back to the list keeping the words (the field stays shown while it holds any)."""
        self.display = bool(self.value.strip())
        self._hand_back()
        await self.action_submit()

    def action_clear_filter(self) -> None:
        self._hand_back()
        self.value = ""
        self.display = False
        self.post_message(self.Cleared())


def open_filter(field: FilterInput) -> None:
    """The `filter` action of a list with a `/` field (bound with priority=True: the app runs it as it reads the
    key, so the field has focus before the next key is handed out). In a text field `/` is a character: skipped."""
    if isinstance(field.app.focused, Input):
        raise SkipAction()  # typed in a text field (this filter or another): it types `/` there
    field.display = True
    field.focus()


def words_match(query: str, *texts: str) -> bool:
    """Every word of `query` appears (any case) in one of `texts`; an empty query matches everything."""
    haystack = " ".join(texts).lower()
    return all(word in haystack for word in query.lower().split())


class FilterOwner:
    """A widget or screen with a FilterInput: when the field closes (enter, escape) it hands the keyboard to
    `filtered_list()` at once, as the app reads the key. Its own handlers of the field's messages must not move
    focus again: they run later, and a `/` typed in between would lose its field."""

    def filtered_list(self) -> Widget:
        """The list that gets the keyboard back."""
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FilterInput):
            event.stop()  # the field has already handed the keyboard back (FilterInput.action_keep_filter)

    def on_filter_input_cleared(self, event: FilterInput.Cleared) -> None:
        event.stop()  # the owner's business: the screen above has nothing to undo


class FilterHost(FilterOwner):
    """The `/` behaviour of a screen or pane with one FilterInput (id FILTER_FIELD) over one list: `/` shows
    the field, typing narrows (`apply_filter` reads `filter_query`), enter returns to the list keeping the
    words, escape clears them. Mixed into a Widget or Screen, before it in the bases.

    The host's binding to the `filter` action is made a priority binding: the app runs it as it reads the key,
    so the field has focus before the next key is handed out (a `/` typed in any text field still types `/`)."""

    FILTER_FIELD: ClassVar[str]
    BINDINGS: ClassVar[list[BindingType]]  # the Widget's or Screen's it is mixed into
    filter_query: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        bindings = cls.__dict__.get("BINDINGS")
        if bindings is not None:
            cls.BINDINGS = [
                replace(b, priority=True) if isinstance(b, Binding) and b.action == "filter" else b for b in bindings
            ]
        super().__init_subclass__(**kwargs)

    def apply_filter(self) -> None:
        """Show only what matches `filter_query`."""
        raise NotImplementedError

    def action_filter(self) -> None:
        """Show the `/` field (what is typed there stays until escape)."""
        open_filter(cast(Widget, self).query_one(f"#{self.FILTER_FIELD}", FilterInput))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == self.FILTER_FIELD:
            event.stop()
            self.filter_query = event.value
            self.apply_filter()

    def on_filter_input_cleared(self, event: FilterInput.Cleared) -> None:
        event.stop()
        self.filter_query = ""
        self.apply_filter()
