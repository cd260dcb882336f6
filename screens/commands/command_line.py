"""The `:` command line at the bottom of the screen: `:sev1 database down`, `:ack`, `:run 503`, `:note …`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from screens.incident.incident_actions import Command as BookCommand
from screens.keys import bind
from tessa_tui.base.errors import UserError
from tessa_tui.incidents.command_mode import Command, complete, parse_command, usage

if TYPE_CHECKING:
    from screens.app import TessaApp

CHANGES = {"declare", "ack", "note", "resolve", "handoff", "update"}


class NameSuggester(Suggester):
    """`:iam al` suggests `:iam alice` from the contacts (right arrow takes it); `:han` suggests `:handoff `."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self.names)


class CommandLine(ModalScreen[str | None]):
    """A one-line prompt docked at the bottom; enter runs it, escape cancels."""

    DEFAULT_CSS = """
    CommandLine { align: left bottom; background: $background 0%; }
    CommandLine > Vertical { height: auto; width: 100%; background: $panel; }
    /* Three rows and a border in every state: Input's own `:focus` border would eat a one-row field. */
    CommandLine #command-input, CommandLine #command-input:focus { border: tall $accent; height: 3; padding: 0 1; }
    """
    BINDINGS = [bind("close", "dismiss(None)")]

    def __init__(self, severities: list[str], names: list[str] | None = None) -> None:
        super().__init__()
        self.severities = severities
        self.names = names or []
        """The contacts' names: `:iam` and `:handoff` complete from them."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(usage(self.severities), style="dim"), id="command-usage")
            yield Input(placeholder=":", id="command-input", suggester=NameSuggester(self.names))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)


def run_command_line(app: TessaApp, line: str) -> None:
    """Parse and do one command; a problem is a toast saying what is possible."""
    try:
        command = parse_command(line, list(app.config.severities))
    except UserError as exc:
        app.notify(exc.message, title="Command", severity="warning", markup=False)
        return
    if command.verb in CHANGES and app.readonly:
        app.notify("read-only console: commands that change an incident are off", severity="warning", markup=False)
        return
    _dispatch(app, command)


def _dispatch(app: TessaApp, command: Command) -> None:
    from screens.commands.runbook_commands import open_runbook

    verb = command.verb
    if verb == "help":
        app.action_help()
        return
    if verb == "contacts":
        app.action_contacts()
        return
    if verb == "iam":
        try:
            who = app.desk.switch_actor(command.text)
        except UserError as exc:
            app.notify(
                exc.message if exc.field is None else str(exc), title="Command", severity="warning", markup=False
            )
            return
        app.actor_changed(who)
        app.notify(f"{who} is typing: what is done here from now on is recorded as {who}", markup=False)
        return
    if verb == "war":
        action = getattr(app.screen, "action_war_room", None)
        if action is None:
            app.notify("war-room mode is on the dashboard and the incident screen", markup=False)
        else:
            action()
        return
    book = app.desk.book
    if book is None:
        app.notify("the journal is still opening", severity="warning", markup=False)
        return
    if verb == "declare":
        _record(app, lambda b: b.declare(command.severity, command.text), "declared", open_after=True)
        return
    if verb == "runbook":
        found = book.pack.search(command.text)
        if not found:
            app.notify(f"no runbook matches {command.text!r}", severity="warning", markup=False)
        else:
            open_runbook(app, found[0].id)
        return
    incident = app.desk.active()
    if incident is None:
        app.notify("no open incident (:sev1 <title> declares one)", severity="warning", markup=False)
    elif verb == "ack":
        app.incident_actions.acknowledge(incident)
    elif verb == "note":
        _record(app, lambda b: b.note(incident.id, command.text), "note added")
    elif verb == "handoff":
        _record(app, lambda b: b.handoff(incident.id, command.text), "hand-off recorded")
    elif verb == "update":
        _record(app, lambda b: b.stakeholder_update(incident.id, command.text), "stakeholder update recorded")
    elif verb == "resolve":
        if command.text:
            _record(app, lambda b: b.resolve(incident.id, command.text), "resolved")
        else:
            app.incident_actions.resolve_or_reopen(incident)


def _record(app: TessaApp, plan: BookCommand, what: str, *, open_after: bool = False) -> None:
    async def save() -> None:
        try:
            event = await app.desk.record(app.desk.plan(plan))
        except UserError as exc:  # JournalError included: nothing was recorded
            app.notify(f"NOT SAVED: {exc.message}", severity="error", markup=False)
            return
        app.notify(f"{event.incident}: {what}", markup=False)
        if open_after:
            app.incident_declared(event.incident)

    app.run_worker(save(), name=f"command: {what}")
