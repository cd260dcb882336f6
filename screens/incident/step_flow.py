"""A checklist step's tick and its action, from the incident screen, each written through the desk.

A tick shows as `saving` until its event is committed, NOT SAVED with the reason if the write failed (space
retries that very event), and `[x]` only once the folded journal has it. An action (g) asks its values,
confirms a destructive step by its word, runs, and records its result: the result shows at once, the tick it
earns only once recorded; a result that could not be recorded is retried (g), never run again.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import App
from textual.dom import DOMNode
from textual.notifications import SeverityLevel

from screens.context import capabilities_of, context_of
from screens.incident.step_dialogs import MARKS, AskValues, ConfirmRun, names_to_ask, secret_names, shown_command
from screens.incident_desk import IncidentDesk, Write
from tessa_tui.base.errors import UserError
from tessa_tui.base.isolate import internal_reason
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.incident import Incident
from tessa_tui.incidents.journal import Event, JournalError
from tessa_tui.run.step_actions import ActionResult, confirm_word, run_step, values_for
from tessa_tui.runbook.model import Runbook, Step
from tessa_tui.runbook.placeholders import expand

StepKey = tuple[str, str]
"""(runbook id, step id)."""


@dataclass
class StepRun:
    """A step's action in this console: running (no result yet), its result on its way to the journal,
    one whose record failed (kept, with its event, for the retry), or one that could not be recorded."""

    result: ActionResult | None = None
    write: Write | None = None
    error: str | None = None
    """Why the result is not recorded at all (it could not be planned, or a bug met after the run)."""


class StepFlow:
    """The ticks and step actions of one incident screen (`owner`); `redraw` repaints its checklist."""

    def __init__(self, owner: DOMNode, desk: IncidentDesk, redraw: Callable[[], None]) -> None:
        self.owner = owner
        self.desk = desk
        self.redraw = redraw
        self.writes: dict[StepKey, Write] = {}
        """Ticks on their way to the journal, or NOT SAVED (kept, with their event, for the retry)."""
        self.runs: dict[StepKey, StepRun] = {}

    @property
    def app(self) -> App[Any]:
        return self.owner.app

    def clear(self) -> None:
        """Another incident on the screen: this one's ticks and runs are no longer shown."""
        self.writes.clear()
        self.runs.clear()

    def tick(self, incident: Incident, runbook: Runbook, step: Step) -> None:
        """Space: tick (or untick) the step; a NOT SAVED one is retried as the event first planned."""
        key = (runbook.id, step.id)
        write = self.writes.get(key)
        if write is not None and write.error is None:
            return  # already on its way
        if write is None:
            done, incident_id = incident.ticked(runbook.id, step.id) is None, incident.id
            try:  # planned now: a refusal is said at once, and the retry records this very event
                write = self.desk.prepare(Write(lambda b: b.tick(incident_id, f"{runbook.id}/{step.id}", done=done)))
            except UserError as exc:
                self.app.notify(exc.message, severity="warning", markup=False)
                return
        write.error = None
        self.writes[key] = write
        self.redraw()
        # On the screen: closing it ends the wait, not the commit (the desk shields it).
        self.owner.run_worker(
            self._save(key, write), group="journal-writes", description="record a tick", exit_on_error=False
        )

    async def _save(self, key: StepKey, write: Write) -> None:
        try:
            await self.desk.commit(write)
        except JournalError as exc:
            self.app.notify(f"NOT SAVED: {exc.message}", title="Journal", severity="error", markup=False)
        except UserError:
            pass  # the step's line says why (write.error), and space retries it
        else:
            del self.writes[key]
        self.redraw()

    def run(self, incident_id: str, runbook: Runbook, step: Step) -> None:
        """`g`: run the step's action, or retry the record of one that ran (never the command again)."""
        if step.action is None:
            self.app.notify(f"{step.text}: this step has no action to run; tick it by hand (space)", markup=False)
            return
        try:
            capabilities_of(self.app).require("act", step.text)
        except UserError as exc:
            self.app.notify(exc.message, severity="warning", markup=False)
            return
        key = (runbook.id, step.id)
        run = self.runs.get(key)
        if run is not None and run.result is None:
            self.app.notify(f"{step.text}: already running", markup=False)
            return
        if run is not None and run.write is not None and run.write.error is not None:
            run.write.error = None  # retry the record, never the command: it already ran
            self.redraw()
            self._start(self._record(key, step, run), f"record {runbook.id}/{step.id}")
            return
        self._start(self._run(incident_id, runbook, step), f"run {runbook.id}/{step.id}")

    def _start(self, work: Coroutine[Any, Any, None], description: str) -> None:
        # On the app, not the screen: closing the screen must not kill a command half-way or lose its record.
        self.app.run_worker(work, name=description, group="step-actions", description=description, exit_on_error=False)

    async def _run(self, incident_id: str, runbook: Runbook, step: Step) -> None:
        app, action, key = self.app, step.action, (runbook.id, step.id)
        assert action is not None
        context = context_of(app)
        config = context.config if context is not None else TessaConfig()
        secrets = context.secrets if context is not None else frozenset()
        values = values_for(config, {}, incident_id)
        capabilities = capabilities_of(app)
        masked: set[str] = set()  # typed secrets: masked in the command, the output and the journal
        run: StepRun | None = None
        try:
            capabilities.require("act", step.text)  # before any dialog: a read-only console asks for nothing
            names = names_to_ask(action, values)
            if names:
                hidden = secret_names(action, names, values, secrets)
                asked = await app.push_screen_wait(AskValues(step, names, values, hidden))
                if asked is None:
                    app.notify(f"{step.text}: not run", markup=False)
                    return
                values = values_for(config, asked, incident_id)
                masked = {asked[name] for name in hidden}
            expanded = expand(action, values)
            if expanded.kind == "copy":
                app.copy_to_clipboard(expanded.target)
                shown = shown_command(expanded.target, secrets | masked)
                app.notify(f"Copied: {shown}", title=step.text, markup=False)
                return
            confirmed: str | None = None
            if step.destructive:
                command = shown_command(expanded.display(), secrets | masked)
                confirmed = await app.push_screen_wait(ConfirmRun(step, command, confirm_word(step)))
                if confirmed is None:
                    app.notify(f"{step.text}: not run", markup=False)
                    return
            run = self.runs[key] = StepRun()
            self.redraw()
            book = self.desk.book
            run.result = await run_step(
                step,
                values,
                config,
                capabilities=capabilities,
                secrets=secrets,
                masked=masked,
                confirmed=confirmed,
                config_path=context.loaded.path if context is not None else None,
                incident=book.get(incident_id) if book else None,  # PagerDuty / Slack / Statuspage steps act on it
            )
            record = run.result.record()
            run.write = self.desk.prepare(
                Write(lambda b: b.action_output(incident_id, f"{runbook.id}/{step.id}", record))
            )
        except UserError as exc:
            if run is not None and run.result is not None:
                run.error = exc.message  # it ran; say why it is not in the timeline
            elif run is not None:
                del self.runs[key]
            app.notify(exc.message, title=step.text, severity="warning", markup=False)
            return
        except Exception as exc:  # a bug outside the step itself (which is its own boundary): said, logged
            reason = internal_reason(exc, f"console: step {runbook.id}/{step.id}", secrets | masked)
            if run is not None and run.result is not None:
                run.error = reason
            app.notify(reason, title=step.text, severity="error", markup=False)
            return
        finally:
            if run is not None and run.result is None:
                self.runs.pop(key, None)  # cancelled mid-run: the command's group is killed
            self.redraw()
        await self._record(key, step, run)

    async def _record(self, key: StepKey, step: Step, run: StepRun) -> None:
        """Commit the result's event; the tick it earns shows only once the fold has it."""
        assert run.write is not None and run.result is not None
        try:
            event = await self.desk.commit(run.write)
        except UserError as exc:
            self.app.notify(f"NOT SAVED: {exc.message}", title="Journal", severity="error", markup=False)
        else:
            if self.runs.get(key) is run:
                del self.runs[key]
            said = " ".join(part for part in (run.result.status, MARKS[run.result.ok][0]) if part)
            said += " · ticked" if event.data.get("ticks") else ""
            severity: SeverityLevel = "warning" if run.result.ok is False else "information"
            self.app.notify(said, title=step.text, severity=severity, markup=False)
        self.redraw()

    def status(self, key: StepKey, last: Event | None) -> Text:
        """The action's state in this console, else its last recorded result (from any console or the CLI)."""
        run = self.runs.get(key)
        text = Text()
        if run is not None and run.result is None:
            return text.append(" · running…", style="bold yellow")
        if run is not None and run.result is not None:
            status = run.result.status
            if run.write is not None and run.write.error is None:
                return text.append(f" · {status} · saving", style="yellow")
            if run.write is not None:
                return text.append(
                    f" · {status} · NOT SAVED: {run.write.error} (g retries the record)", style="bold red"
                )
            mark, style = MARKS[run.result.ok]
            text.append(f" · {status}").append(f" {mark}" if mark else "", style=style)
            return text.append(f" · not recorded: {run.error or 'unknown'}", style="dim")
        if last is not None:
            ok = last.data.get("ok")
            mark, style = MARKS[ok if isinstance(ok, bool) else None]
            text.append(f" · {sanitize(str(last.data.get('status', '')))}", style="dim")
            text.append(f" {mark}" if mark else "", style=style)
        return text

    def shown_here(self, key: StepKey) -> tuple[dict[str, Any], str] | None:
        """This console's result of the step (its record, and whether it is saved), if it has one."""
        run = self.runs.get(key)
        if run is None or run.result is None:
            return None
        if run.write is None:
            state = f"not recorded: {run.error or 'unknown'}"
        else:
            state = "saving" if run.write.error is None else f"NOT SAVED: {run.write.error}"
        return run.result.record(), f"this console · {state}"
