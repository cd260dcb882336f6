"""Running a checklist step's action: the values it asks for, the typed confirmation of a destructive step,
and its result in full.

Everything shown here is plain `Text`: commands hold values a person typed, and output comes from the
outside world (already sanitised by the engine; sanitised again, as it may come from another process's journal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from screens.keys import bind
from tessa_tui.base import secret_registry
from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.runbook.model import Action, Step
from tessa_tui.runbook.placeholders import BUILTIN, STANDARD, names_in, needed

MARKS: dict[bool | None, tuple[str, str]] = {True: ("✔", "bold green"), False: ("✖", "bold red"), None: ("", "")}
"""A result's expectations held, failed, or there were none: its mark and style."""


def names_to_ask(action: Action, values: Mapping[str, str]) -> list[str]:
    """The action's `ask` placeholders, then any it uses without a value: asked now rather than failing later."""
    missing = [name for name in needed(action) if name not in values]
    return list(dict.fromkeys([*action.ask, *missing]))


def shown_command(display: str, secrets: Iterable[str]) -> str:
    """A command as the confirmation shows it: exact, but control bytes visible and known secrets masked."""
    return redact_text(sanitize(display, keep_newlines=True), secrets)


SECRET_NAME = re.compile(r"token|password|passwd|secret|api_?key|private", re.IGNORECASE)


def secret_names(action: Action, names: Iterable[str], values: Mapping[str, str], secrets: Iterable[str]) -> set[str]:
    """Placeholders that are secrets: the value came from `${ENV}`, the name says it is a credential, or it goes
    into a request header (Authorization, apikey). They are typed masked, and never prefilled: a prefilled
    secret could be sent wherever the other fields point."""
    hidden = set(secrets)
    in_headers = {n for value in (action.http.headers.values() if action.http else ()) for n in names_in(value)}
    return {name for name in names if values.get(name) in hidden or SECRET_NAME.search(name) or name in in_headers}


class AskValues(ModalScreen[dict[str, str] | None]):
    """The placeholders a step asks for, prefilled; dismissed with the values, or None (escape: nothing runs).

    A secret is typed in a masked field and never prefilled: the screen may be shared in a war room."""

    DEFAULT_CSS = "AskValues { align: center middle; }"
    BINDINGS = [bind("close", "close", show=True)]

    def __init__(self, step: Step, names: list[str], prefill: Mapping[str, str], hidden: set[str]) -> None:
        super().__init__()
        self.step = step
        self.names = names
        self.prefill = prefill
        self.hidden = hidden

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static(Text(f"Run: {self.step.text}", style="bold"), id="form-title")
            for name in self.names:
                about = BUILTIN.get(name) or STANDARD.get(name) or "a value this step asks for"
                yield Static(Text(f"{{{name}}}: {about}"), classes="form-label")
                secret = name in self.hidden
                yield Input("" if secret else self.prefill.get(name, ""), password=secret, id=f"ask-{name}")
            hint = (
                "each value is taken literally: it cannot change the command's shape (one starting with - where it "
                "would be an option is refused) · enter: next, then run"
            )
            yield Static(Text(hint + " · escape: do not run", style="dim"), id="form-hint")
            yield Static("", id="form-error")

    def on_mount(self) -> None:
        self.query_one(f"#ask-{self.names[0]}", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        values = {name: self.query_one(f"#ask-{name}", Input).value for name in self.names}
        empty = next((name for name, value in values.items() if not value.strip()), None)
        if event.input.id != f"ask-{self.names[-1]}" and empty is not None:
            self.focus_next(Input)  # enter moves on until every field has something
            return
        if empty is not None:
            self.query_one(f"#ask-{empty}", Input).focus()
            self.query_one("#form-error", Static).update(Text(f"{{{empty}}} needs a value", style="bold red"))
            return
        for name in self.hidden & set(values):  # typed in a masked field: masked wherever it shows up later
            secret_registry.register(values[name])
        self.dismiss(values)

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmRun(ModalScreen[str | None]):
    """A destructive step's exact command, run only when its confirm word is typed; dismissed with the word,
    or None (escape: nothing runs)."""

    DEFAULT_CSS = """
    ConfirmRun { align: center middle; }
    #confirm-box {
        width: 100; max-width: 95%; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    #confirm-title { text-style: bold; padding-bottom: 1; }
    #confirm-command { height: auto; max-height: 14; border: round $error; padding: 0 1; }
    #confirm-ask { padding-top: 1; }
    #confirm-error { height: auto; }
    """
    BINDINGS = [bind("close", "close", show=True)]

    def __init__(self, step: Step, command: str, word: str) -> None:
        super().__init__()
        self.step = step
        self.command = command
        self.word = word

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(f"⚠ Destructive: {self.step.text}", style="bold red"), id="confirm-title")
            yield Static(Text("It runs exactly this, once:"))
            with VerticalScroll(id="confirm-command"):
                yield Static(Text(self.command), id="confirm-command-text")
            if self.step.notes:
                yield Static(Text(self.step.notes, style="dim"))
            ask = (
                Text("Type ").append(self.word, style="bold").append(" and press enter to run it · escape: do not run")
            )
            yield Static(ask, id="confirm-ask")
            yield Input(id="confirm-word")
            yield Static("", id="confirm-error")

    def on_mount(self) -> None:
        self.query_one("#confirm-word", Input).focus()

    @on(Input.Submitted, "#confirm-word")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.word:
            self.dismiss(self.word)
            return
        said = Text("Nothing ran: type exactly ", style="bold red").append(self.word, style="bold")
        self.query_one("#confirm-error", Static).update(said.append(" to run it, or escape", style="bold red"))

    def action_close(self) -> None:
        self.dismiss(None)


class StepOutputScreen(ModalScreen[None]):
    """A step's last result: status, time taken, the command, its expectations and the whole output."""

    DEFAULT_CSS = """
    StepOutputScreen { align: center middle; }
    #output-facts { height: auto; padding-bottom: 1; }
    """
    BINDINGS = [bind("close", "dismiss", show=True)]

    def __init__(self, title: str, record: Mapping[str, Any], provenance: str = "") -> None:
        """`record` is an ActionResult.record(), from this console or read back from the journal."""
        super().__init__()
        self.heading = title
        self.record = record
        self.provenance = provenance

    def compose(self) -> ComposeResult:
        record = self.record
        with Vertical(id="detail-box"):
            yield Static(Text(self.heading, style="bold"), id="detail-title")
            yield Static(self._facts(record), id="output-facts")
            with VerticalScroll(id="detail-body"):
                output = _clean(record.get("output")) or "(no output)"
                yield Static(Text(output), id="output-text")
            hint = "escape closes"
            if record.get("truncated"):
                hint = "output cut: the first 64 KiB are kept · " + hint
            yield Static(Text(hint, style="dim"))

    def _facts(self, record: Mapping[str, Any]) -> Text:
        ok = record.get("ok")
        mark, style = MARKS.get(ok if isinstance(ok, bool) else None, MARKS[None])
        facts = Text(_clean(record.get("status")), style="bold")
        if mark:
            facts.append(f" {mark}", style=style)
        duration = record.get("duration_ms")
        if isinstance(duration, int | float):
            facts.append(f" · {duration:.0f} ms", style="dim")
        if self.provenance:
            facts.append(f" · {self.provenance}", style="dim")
        facts.append("\n$ ", style="dim").append(_clean(record.get("command")))
        why = _clean(record.get("why"))
        if why:
            facts.append("\nexpected: " if ok is not None else "\n", style="dim").append(why, style=style or None)
        return facts


def _clean(value: object) -> str:
    return sanitize(str(value), keep_newlines=True) if value is not None else ""
