"""What the `:` command line runs: `:sev1 database down`, `:ack`, `:run 503`, `:note …` (the prompt is
`command_line_dialog.py`, the parsing `tessa_tui/incidents/command_mode.py`)."""

from __future__ import annotations

from typing import Any

from textual.app import App

from screens.commands.runbook_screen import RunbookScreen
from screens.context import context_of
from screens.dashboard.dashboard_screen import DashboardScreen
from screens.incident.incident_actions import IncidentActions
from screens.incident_desk import Command as BookCommand
from tessa_tui.base.errors import UserError
from tessa_tui.incidents.command_mode import Command, parse_command

CHANGES = {"declare", "ack", "note", "resolve", "handoff", "update"}


class CommandMode:
    """Does what a `:` line says, once the prompt is gone: through the console context and the incident
    actions; what only the App does (help, contacts, the war room) by running its action."""

    def __init__(self, app: App[Any], actions: IncidentActions) -> None:
        self.app = app
        self.actions = actions
        self.desk = actions.desk

    async def run(self, line: str) -> None:
        """Parse and do one command; a problem is a toast saying what is possible."""
        context = context_of(self.app)
        if context is None:
            return
        try:
            command = parse_command(line, list(context.config.severities))
        except UserError as exc:
            self.app.notify(exc.message, title="Command", severity="warning", markup=False)
            return
        if command.verb in CHANGES and context.readonly:
            self.app.notify(
                "read-only console: commands that change an incident are off", severity="warning", markup=False
            )
            return
        await self._dispatch(command)

    def _goto(self, typed: str) -> None:
        """`:goto TIME` on the dashboard's logs pane: its view at that time, or why not."""
        from screens.dashboard.logs_pane import LogsPane

        pane = next(self.app.screen.query(LogsPane).results(), None)
        if pane is None:
            self.app.notify(":goto moves the dashboard's logs: escape back to it first", markup=False)
            return
        reason = pane.goto(typed)
        if reason is not None:
            self.app.notify(reason, title=":goto", severity="warning", markup=False)

    async def _dispatch(self, command: Command) -> None:
        app, desk, verb = self.app, self.desk, command.verb
        if verb in {"help", "contacts"}:
            await app.run_action(verb)
            return
        if verb == "iam":
            try:
                who = desk.switch_actor(command.text)  # the desk announces it: every header shows who
            except UserError as exc:
                message = exc.message if exc.field is None else str(exc)
                app.notify(message, title="Command", severity="warning", markup=False)
                return
            app.notify(f"{who} is typing: what is done here from now on is recorded as {who}", markup=False)
            return
        if verb == "deploys":
            await app.run_action("deployments_view")
            return
        if verb == "metrics":
            await app.run_action("metrics_view")
            return
        if verb == "goto":
            self._goto(command.text)
            return
        if verb == "war":
            if not await app.run_action("screen.war_room"):
                app.notify("war-room mode is on the dashboard and the incident screen", markup=False)
            return
        book = desk.book
        if book is None:
            app.notify("the journal is still opening", severity="warning", markup=False)
            return
        if verb == "declare":
            self._record(
                ("declare", command.severity, command.text),
                lambda b: b.declare(command.severity, command.text),
                "declared",
                opens=True,
            )
            return
        if verb == "runbook":
            found = book.pack.search(command.text)
            if not found:
                app.notify(f"no runbook matches {command.text!r}", severity="warning", markup=False)
            else:
                self.open_runbook(found[0].id)
            return
        incident = desk.active()
        if incident is None:
            app.notify("no open incident (:sev1 <title> declares one)", severity="warning", markup=False)
        elif verb == "ack":
            self.actions.acknowledge(incident)
        elif verb == "note":
            self._record((verb, incident.id, command.text), lambda b: b.note(incident.id, command.text), "note added")
        elif verb == "handoff":
            self._record(
                (verb, incident.id, command.text), lambda b: b.handoff(incident.id, command.text), "hand-off recorded"
            )
        elif verb == "update":
            self._record(
                (verb, incident.id, command.text),
                lambda b: b.stakeholder_update(incident.id, command.text),
                "stakeholder update recorded",
            )
        elif verb == "resolve":
            if command.text:
                self._record(
                    (verb, incident.id, command.text), lambda b: b.resolve(incident.id, command.text), "resolved"
                )
            else:
                self.actions.resolve_or_reopen(incident)

    def open_runbook(self, runbook_id: str) -> None:
        """Attach to the open incident and show it; read-only consoles and no incident: read the runbook."""
        app, desk = self.app, self.desk
        book, context = desk.book, context_of(app)
        if book is None or context is None:
            return
        runbook = book.pack.get(runbook_id)
        incident = desk.active()
        if incident is None or context.readonly:

            def declare(chosen: bool | None) -> None:  # `d` on the runbook: declare with it attached
                dashboard = next((s for s in app.screen_stack if isinstance(s, DashboardScreen)), None)
                if chosen and dashboard is not None:
                    dashboard.declare(runbooks=[runbook.id])

            app.push_screen(RunbookScreen(runbook, can_declare=incident is None and not context.readonly), declare)
            return
        if runbook.id in incident.runbook_ids:
            self.actions.open(incident.id)
            return
        write = desk.request(
            ("command", "attach", incident.id, runbook.id), lambda b: b.attach(incident.id, runbook.id)
        )

        async def attach() -> None:
            if await desk.tell(write, lambda _event: f"{runbook.title} attached to {incident.id}") is not None:
                self.actions.open(incident.id)

        app.run_worker(attach(), name="attach a runbook from the palette", exit_on_error=False)

    def _record(self, key: tuple[object, ...], command: BookCommand, what: str, *, opens: bool = False) -> None:
        """Through the desk: a toast says it is done, or NOT SAVED (the same command again retries it)."""
        write = self.desk.request(("command", *key), command)

        async def save() -> None:
            event = await self.desk.tell(write, lambda event: f"{event.incident}: {what}")
            if event is not None and opens:
                self.actions.declared(event.incident)

        self.app.run_worker(save(), name=f"command: {what}", exit_on_error=False)
