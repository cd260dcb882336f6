"""The incident screen: the checklist by runbook and phase, the clocks, and the timeline.

A step shows as ticked only once its event is committed to the journal: while the write is on its way the
step says `saving`, and if the write fails it says NOT SAVED with the reason until space retries it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, RichLog, Static
from textual.widgets.option_list import Option

from screens.incident_actions import IncidentActions
from screens.incident_desk import IncidentDesk
from screens.incident_style import clock_text, severity_badge
from screens.keys import bind
from tessa_tui.errors import UserError
from tessa_tui.incident import Incident, describe_event
from tessa_tui.journal import JournalError, PendingEvent
from tessa_tui.runbook_model import Runbook, Step


@dataclass
class StepWrite:
    """A tick on its way to the journal, or one that failed (kept, with its event id, for the retry)."""

    pending: PendingEvent
    error: str | None = None


class IncidentScreen(Screen[None]):
    """Work one incident from the keyboard: j/k move, space ticks, n m s r + t e for the rest."""

    BINDINGS = [
        bind("close", "close"),
        bind("tick", "tick"),
        bind("acknowledge", "acknowledge"),
        bind("note", "note"),
        bind("milestone", "milestone"),
        bind("severity", "severity"),
        bind("attach", "attach"),
        bind("assign_role", "assign_role"),
        bind("resolve", "resolve"),
        bind("timeline", "timeline"),
        bind("export", "export"),
        Binding("j", "cursor('down')", "Down", show=False),
        Binding("k", "cursor('up')", "Up", show=False),
        Binding("g", "cursor('first')", "First", show=False),
        Binding("G", "cursor('last')", "Last", show=False),
    ]

    def __init__(
        self, incident_id: str, desk: IncidentDesk, actions: IncidentActions, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(id="incident-screen")
        self.incident_id = incident_id
        self._desk = desk
        self._actions = actions
        self._clock = clock
        self.writes: dict[tuple[str, str], StepWrite] = {}
        self._drawn_events = 0
        self._shown_clocks = ""

    def compose(self) -> ComposeResult:
        yield Static(id="incident-head")
        yield Static(id="incident-clocks")
        with Horizontal(id="incident-body"):
            with Vertical(id="checklist-box"):
                yield OptionList(id="checklist")
                yield Static(id="step-notes")
            yield RichLog(id="timeline", markup=False, wrap=True, auto_scroll=True)
        yield Footer()

    @property
    def incident(self) -> Incident:
        book = self._desk.book
        assert book is not None
        return book.get(self.incident_id)

    def on_mount(self) -> None:
        self.query_one("#timeline", RichLog).border_title = "Timeline"
        self.query_one("#checklist", OptionList).border_title = "Checklist"
        self.redraw()
        self.set_interval(1.0, self._draw_clocks, name="incident-clocks")
        self.query_one("#checklist", OptionList).focus()

    def redraw(self) -> None:
        """Everything from the folded incident (after a commit here or an event from another process)."""
        incident = self.incident
        head = Text().append_text(severity_badge(incident.severity))
        head.append(f" {incident.id} ", style="bold").append(incident.title, style="bold")
        head.append(f" · {incident.status}", style="bold green" if not incident.is_open else "bold")
        if incident.roles:
            head.append(" · " + " · ".join(f"{role}: {who}" for role, who in incident.roles.items()), style="dim")
        self.query_one("#incident-head", Static).update(head)
        self._draw_checklist(incident)
        self._draw_timeline(incident)
        self._draw_clocks()
        self.refresh_bindings()

    def _draw_checklist(self, incident: Incident) -> None:
        book = self._desk.book
        assert book is not None
        listing = self.query_one("#checklist", OptionList)
        highlighted = listing.highlighted
        options: list[Option] = []
        runbook_id, phase_name = "", ""
        for runbook, phase, step in book.checklist(incident):
            if runbook.id != runbook_id:
                runbook_id, phase_name = runbook.id, ""
                title = Text(f"━━ {runbook.title}", style="bold")
                for warning in runbook.warnings:
                    title.append(f"\n   ⚠ {warning}", style="bold yellow")
                options.append(Option(title, id=f"runbook:{runbook.id}", disabled=True))
            if phase != phase_name:
                phase_name = phase
                options.append(Option(Text(f" {phase}", style="bold underline"), id=f"phase:{runbook.id}:{phase}",
                                      disabled=True))  # fmt: skip
            options.append(Option(self._step_line(incident, runbook, step), id=f"step:{runbook.id}:{step.id}"))
        listing.clear_options()
        listing.add_options(options)
        first_step = next((i for i, o in enumerate(options) if not o.disabled), None)
        listing.highlighted = highlighted if highlighted is not None and highlighted < len(options) else first_step
        self._show_step_notes()

    def _step_line(self, incident: Incident, runbook: Runbook, step: Step) -> Text:
        write = self.writes.get((runbook.id, step.id))
        tick = incident.ticked(runbook.id, step.id)
        line = Text("   ")
        if write is not None and write.error:
            line.append("[!] ", style="bold red").append(step.text)
            line.append(f" · NOT SAVED: {write.error} (space retries)", style="bold red")
            return line
        if write is not None:
            line.append("[…] ", style="yellow").append(step.text).append(" · saving", style="yellow")
            return line
        if tick:
            line.append("[x] ", style="bold green").append(step.text, style="dim")
            line.append(f" · {tick.at:%H:%M:%S} {tick.actor}", style="dim")
        else:
            line.append("[ ] ", style="bold").append(step.text)
        if step.destructive:
            line.append(" · destructive", style="bold red")
        if step.link:
            line.append(f" · → {step.link}", style="cyan")
        return line

    def _draw_timeline(self, incident: Incident) -> None:
        log = self.query_one("#timeline", RichLog)
        events = incident.events
        if len(events) < self._drawn_events:
            log.clear()
            self._drawn_events = 0
        for event in events[self._drawn_events :]:
            line = Text(f"{event.at:%H:%M:%S} ", style="dim").append(f"{event.actor} ", style="cyan")
            log.write(line.append(_clip(describe_event(event))))
        self._drawn_events = len(events)

    def _draw_clocks(self) -> None:
        incident = self.incident
        now = self._clock()
        text = Text()
        for n, clock in enumerate(self._desk.clocks(incident)):
            if n:
                text.append("\n" if n % 2 == 0 else "   ")
            text.append_text(clock_text(clock, now))
        if not text:
            text = Text("no clocks", style="dim")
        if text.markup != self._shown_clocks:
            self._shown_clocks = text.markup
            self.query_one("#incident-clocks", Static).update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_step_notes()

    def _selected_step(self) -> tuple[Runbook, Step] | None:
        listing = self.query_one("#checklist", OptionList)
        if listing.highlighted is None:
            return None
        option_id = listing.get_option_at_index(listing.highlighted).id or ""
        kind, _, rest = option_id.partition(":")
        if kind != "step":
            return None
        runbook_id, _, step_id = rest.partition(":")
        book = self._desk.book
        assert book is not None
        runbook = book.pack.runbooks[runbook_id]
        step = runbook.step(step_id)
        return (runbook, step) if step else None

    def _show_step_notes(self) -> None:
        selected = self._selected_step()
        text = Text()
        if selected is not None:
            step = selected[1]
            if step.notes:
                text.append(step.notes)
            if step.link:
                text.append(f"\n→ leads to runbook {step.link}: + attaches it", style="cyan")
            if step.action is not None:
                text.append(f"\nruns: {step.action.kind}", style="dim")
            if step.destructive:
                text.append("\ndestructive: changes a system", style="bold red")
        self.query_one("#step-notes", Static).update(text)

    def action_cursor(self, where: str) -> None:
        listing = self.query_one("#checklist", OptionList)
        {"down": listing.action_cursor_down, "up": listing.action_cursor_up,
         "first": listing.action_first, "last": listing.action_last}[where]()  # fmt: skip

    def action_tick(self) -> None:
        selected = self._selected_step()
        if selected is None:
            return
        runbook, step = selected
        key = (runbook.id, step.id)
        write = self.writes.get(key)
        if write is not None and write.error is None:
            return  # already on its way
        if write is None:
            done = self.incident.ticked(runbook.id, step.id) is None
            try:
                pending = self._desk.plan(lambda b: b.tick(self.incident_id, f"{runbook.id}/{step.id}", done=done))
            except UserError as exc:
                self.notify(exc.message, severity="warning", markup=False)
                return
            write = StepWrite(pending)
        write.error = None
        self.writes[key] = write
        self._draw_checklist(self.incident)
        self._save(key, write)

    @work(group="journal-writes")
    async def _save(self, key: tuple[str, str], write: StepWrite) -> None:
        try:
            await self._desk.record(write.pending)
        except JournalError as exc:
            write.error = exc.message
            self.notify(f"NOT SAVED: {exc.message}", title="Journal", severity="error", markup=False)
        except UserError as exc:
            write.error = exc.message
        else:
            del self.writes[key]
        self._draw_checklist(self.incident)

    def action_close(self) -> None:
        self.dismiss()

    def action_acknowledge(self) -> None:
        self._actions.acknowledge(self.incident)

    def action_note(self) -> None:
        self._actions.note(self.incident)

    def action_milestone(self) -> None:
        self._actions.milestone(self.incident)

    def action_severity(self) -> None:
        self._actions.severity(self.incident)

    def action_attach(self) -> None:
        selected = self._selected_step()
        self._actions.attach(self.incident, selected[1].link if selected else None)

    def action_assign_role(self) -> None:
        self._actions.assign_role(self.incident)

    def action_resolve(self) -> None:
        self._actions.resolve_or_reopen(self.incident)

    def action_export(self) -> None:
        self._actions.export(self.incident)

    def action_timeline(self) -> None:
        self.query_one("#checklist-box").display = not self.query_one("#checklist-box").display

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "acknowledge" and "acknowledged" in self.incident.milestones:
            return None
        return not (getattr(self.app, "readonly", False) and action in READONLY_HIDDEN)


# Everything that writes: the journal, or files (the post-mortem export).
READONLY_HIDDEN = {"tick", "acknowledge", "note", "milestone", "severity", "attach", "assign_role", "resolve", "export"}


def _clip(text: str, limit: int = 400) -> str:
    """Timeline lines stay readable; the full text is in the journal and the post-mortem."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
