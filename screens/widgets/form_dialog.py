"""One dialog for every incident form: an optional list to choose from, an optional line of text, a submit.

The dialog stays open until its submit succeeds: a write that fails (disk full, read-only journal) shows
NOT SAVED with the reason and keeps everything typed, so enter retries it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from screens.keys import bind
from tessa_tui.base.isolate import internal_reason

Submit = Callable[[str | None, str], Awaitable[str | None]]  # (choice id, text) -> error, or None when done


@dataclass(frozen=True)
class FormSpec:
    """What a dialog asks for."""

    title: str
    choices: Sequence[tuple[str, str]] = ()  # (id, label)
    text_label: str | None = None  # None: no text field
    text_value: str = ""
    placeholder: str = ""
    hint: str = ""
    filter_choices: bool = False  # typing narrows the list (runbook search)
    digit_picks: bool = False  # 1-9 choose (and submit) the nth choice
    highlight: str | None = None


class FormDialog(ModalScreen[bool]):
    """Dismissed with True once submitted and saved, False when closed."""

    BINDINGS = [
        bind("close", "close", show=True),
        # Priority: the app moves focus as it reads the tab, so the keys typed after it go to the new field even
        # when they arrive together with it (without, they were handed to the old field and lost).
        Binding("tab", "switch", "Next field", show=False, priority=True),
        # Bindings, not on_key: a digit typed right after the key that opened the dialog arrives before
        # the dialog has focused anything, and only the screen's bindings see it then.
        *(Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, spec: FormSpec, submit: Submit) -> None:
        super().__init__(classes="form-dialog")
        self.spec = spec
        self._submit = submit
        self._busy = False
        self._early_pick: int | None = None

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Vertical(id="form-box"):
            yield Static(Text(spec.title, style="bold"), id="form-title")
            if spec.choices:
                yield _FormList(*self._options(""), id="form-choices")
            if spec.text_label is not None:
                yield Static(Text(spec.text_label), classes="form-label")
                yield Input(spec.text_value, placeholder=spec.placeholder, id="form-text")
            yield Static(Text(spec.hint, style="dim"), id="form-hint")
            yield Static("", id="form-error")

    def on_mount(self) -> None:
        choices = self.query("#form-choices").results(OptionList)
        listing = next(choices, None)
        if listing is not None:
            if self.spec.highlight is not None:
                try:
                    listing.highlighted = listing.get_option_index(self.spec.highlight)
                except Exception:
                    listing.highlighted = 0
            else:
                listing.highlighted = 0
        self._first_field(listing).focus()
        if self._early_pick is not None:
            self.action_pick(self._early_pick)

    def _first_field(self, listing: OptionList | None) -> OptionList | Input:
        """Where a person types first: the text field (up/down still move the list's highlight), unless the
        list is picked by digit (declare: 1-4) or there is no text field."""
        if listing is None or (self.spec.text_label is not None and not self.spec.digit_picks):
            return self.query_one("#form-text", Input)
        return listing

    def _options(self, query: str) -> list[Option]:
        words = query.lower().split()
        return [
            Option(Text(label), id=choice)
            for choice, label in self.spec.choices
            if not self.spec.filter_choices or all(w in label.lower() for w in words)
        ]

    @on(Input.Changed, "#form-text")
    def _filter(self, event: Input.Changed) -> None:
        if self.spec.filter_choices:
            listing = self.query_one("#form-choices", OptionList)
            listing.clear_options()
            listing.add_options(self._options(event.value))
            listing.highlighted = 0 if listing.option_count else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick":  # digits are text while the text field has focus
            return self.spec.digit_picks and not isinstance(self.focused, Input)
        return True

    def action_pick(self, number: int) -> None:
        """Choose the nth entry and submit it."""
        if number > len(self.spec.choices):
            return
        listing = next(self.query("#form-choices").results(OptionList), None)
        if listing is None or not listing.option_count:
            self._early_pick = number  # not composed yet: picked on mount
            return
        listing.highlighted = number - 1
        self._submit_once()

    def on_key(self, event: events.Key) -> None:
        key = event.key
        listing = next(self.query("#form-choices").results(OptionList), None)
        if listing is not None and key in {"down", "up"} and isinstance(self.focused, Input):
            event.stop()  # the text field has focus; the arrows choose from the list above it
            listing.action_cursor_down() if key == "down" else listing.action_cursor_up()
        elif self._is_text(event):
            # A character no field took (typed before the dialog focused its field): it is text, never lost.
            event.stop()
            field = self.query_one("#form-text", Input)
            field.select_on_focus = False  # the focus event arrives after this character: it must not select it
            self.set_focus(field)
            field.insert_text_at_cursor(event.character or "")

    def _is_text(self, event: events.Key) -> bool:
        """A character for the text field: printable, and not one of the list's digit picks."""
        return (
            self.spec.text_label is not None
            and event.is_printable
            and bool(event.character)
            and not self._digit_pick(event.key)
        )

    def _type_on_list(self, event: events.Key) -> None:
        """A character typed while the list has focus: it goes to the text field, and focus with it, here, as the
        app hands the key over, so the keys after it follow it in order."""
        field = self.query_one("#form-text", Input)
        field.select_on_focus = False  # the focus event arrives before this character: it must not select it
        self.set_focus(field)
        field._forward_event(event)

    def _digit_pick(self, key: str) -> bool:
        """A digit the list's picks take (a binding: it must reach the bindings, not the text field)."""
        return self.spec.digit_picks and key.isdigit() and 0 < int(key) <= len(self.spec.choices)

    @on(OptionList.OptionSelected, "#form-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.spec.text_label is not None and not self.spec.filter_choices:
            self.query_one("#form-text", Input).focus()  # choice made; the text comes next
            return
        self._submit_once()

    @on(Input.Submitted, "#form-text")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit_once()

    def _submit_once(self) -> None:
        """Start a save unless one is running: a second enter must not record the same thing twice."""
        if self._busy:
            return
        self._busy = True  # set here, synchronously: the next key sees it
        self.run_worker(self._send(), name=f"submit {self.spec.title}", exit_on_error=False)

    def action_switch(self) -> None:
        self.focus_next()

    def action_close(self) -> None:
        if not self._busy:
            self.dismiss(False)

    async def _send(self) -> None:
        choice: str | None = None
        listing = next(self.query("#form-choices").results(OptionList), None)
        if listing is not None:
            if listing.highlighted is None:
                self._show_error("choose one from the list")
                self._busy = False
                return
            choice = listing.get_option_at_index(listing.highlighted).id
        text = self.query_one("#form-text", Input).value if self.spec.text_label is not None else ""
        self._show_error("saving…", style="dim")
        try:
            error = await self._submit(choice, text)
        except Exception as exc:  # a bug in a submit: said here (and logged), the dialog stays open
            error = internal_reason(exc, f"console: {self.spec.title}")
        finally:
            self._busy = False
        if error is None:
            self.dismiss(True)
        else:
            self._show_error(error)

    def _show_error(self, message: str, style: str = "bold red") -> None:
        self.query_one("#form-error", Static).update(Text(message, style=style))


class _FormList(OptionList):
    """The dialog's list. The app hands each key to the focused widget's own queue as it reads it; a character
    typed on the list is turned to the text field at that moment (not later, when the list reads it), so the
    characters typed right after it, already on their way, are not handed to the list and lost or reordered."""

    def _forward_event(self, event: events.Event) -> None:
        dialog = self.screen
        if isinstance(event, events.Key) and isinstance(dialog, FormDialog) and dialog._is_text(event):
            dialog._type_on_list(event)
            return
        super()._forward_event(event)
