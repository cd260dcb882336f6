"""The incident screen: the checklist by runbook and phase, the clocks, and the timeline.

A step shows as ticked only once its event is committed to the journal: while the write is on its way the
step says `saving`, and if the write fails it says NOT SAVED with the reason until space retries it.
A step's action (g, `step_flow.py`) follows the same rule: its result is shown at once, the tick it earns
only once recorded.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, RichLog, Static
from textual.widgets.option_list import Option

from screens.context import capabilities_of
from screens.dashboard.war_room_screen import WarRoomScreen
from screens.incident.incident_actions import IncidentActions
from screens.incident.step_dialogs import StepOutputScreen
from screens.incident.step_flow import StepFlow
from screens.incident_desk import IncidentDesk
from screens.keys import bind
from screens.widgets.filter_input import FilterHost, FilterInput, words_match
from screens.widgets.footer import KeysFooter
from screens.widgets.incident_style import clock_text, compact_clocks, severity_badge
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now
from tessa_tui.incidents.incident import Incident, describe_event
from tessa_tui.incidents.journal import Event
from tessa_tui.runbook.model import Runbook, Step


class TimelineLog(RichLog):
    """The timeline: lines wrap inside the pane (a RichLog renders at least 78 columns wide by default, so a
    narrow pane cut them sideways) and wrap again when the pane's width changes."""

    class Rewrap(Message):
        """The width changed after lines were written."""

    _wrapped_at = 0

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if width != self._wrapped_at:
            if self._wrapped_at:
                self.post_message(self.Rewrap())
            self._wrapped_at = width


class IncidentScreen(FilterHost, Screen[None]):
    """Work one incident from the keyboard: j/k move, space ticks, g runs a step, n m s r + t e for the rest."""

    FILTER_FIELD = "checklist-filter"

    BINDINGS = [
        bind("close", "close"),
        bind("tick", "tick"),
        bind("run_step", "run_step"),
        bind("step_output", "step_output", show=False),  # the footer is full; the step's notes say `v`
        bind("acknowledge", "acknowledge"),
        bind("note", "note"),
        bind("milestone", "milestone"),
        bind("severity", "severity"),
        bind("attach", "attach"),
        bind("assign_role", "assign_role", show=False),  # the footer is full; `?` lists it
        bind("resolve", "resolve"),
        bind("stakeholder_update", "stakeholder_update", show=False),  # the footer is full; `?` lists it
        bind("verify", "verify", show=False),
        bind("timeline", "timeline", show=False),
        bind("war_room", "war_room", show=False),  # a full footer: `?` and the dashboard list it
        bind("export", "export"),
        bind("list_filter", "filter", show=False),  # the footer is full; `?` lists it
        Binding("j", "cursor('down')", "Down", show=False),
        Binding("k", "cursor('up')", "Up", show=False),
        Binding("G", "cursor('last')", "Last", show=False),
    ]

    def __init__(self, incident_id: str, desk: IncidentDesk, actions: IncidentActions, clock: Now) -> None:
        super().__init__(id="incident-screen")
        self.incident_id = incident_id
        self._desk = desk
        self._actions = actions
        self._clock = clock
        self.steps = StepFlow(self, desk, self._redraw_checklist)
        self.runs = self.steps.runs
        self._drawn_events = 0
        self._drawn_last = ""
        self._shown_clocks = ""

    def compose(self) -> ComposeResult:
        yield Static(id="incident-head")
        yield Static(id="incident-clocks")
        with Horizontal(id="incident-body"):
            with Vertical(id="checklist-box"):
                yield OptionList(id="checklist")
                field = FilterInput(
                    placeholder="words in a step's text or id, its runbook or phase", id="checklist-filter"
                )
                field.display = False
                yield field
                yield Static(id="step-notes")
            yield TimelineLog(id="timeline", markup=False, wrap=True, auto_scroll=True, min_width=1)
        yield KeysFooter()

    def on_timeline_log_rewrap(self, _message: TimelineLog.Rewrap) -> None:
        """The timeline's width changed: its lines wrapped at the old width are written again at the new."""
        if not self.query("#incident-head"):
            return
        self.query_one("#timeline", RichLog).clear()
        self._drawn_events = 0
        self._draw_timeline(self.incident)

    def show_incident(self, incident_id: str) -> None:
        """Show another incident here (the console has one incident screen; see TessaApp.action_open_incident)."""
        if incident_id == self.incident_id:
            return
        self.incident_id = incident_id
        self._desk.looking_at(incident_id)
        self.steps.clear()
        self._drawn_events = 0
        self._shown_clocks = ""
        self.filter_query = ""  # another incident, another checklist: words typed for this one would hide its steps
        for field in self.query("#checklist-filter").results(FilterInput):
            field.value, field.display = "", False
        self.query_one("#timeline", RichLog).clear()
        self.redraw()

    @property
    def incident(self) -> Incident:
        book = self._desk.book
        assert book is not None
        return book.get(self.incident_id)

    def on_unmount(self) -> None:
        self._desk.looking_at("")

    def on_mount(self) -> None:
        self._desk.looking_at(self.incident_id)
        self.query_one("#timeline", RichLog).border_title = "Timeline"
        self.query_one("#checklist", OptionList).border_title = "Checklist"
        self.redraw()
        self.set_interval(1.0, self._draw_clocks, name="incident-clocks")
        self.query_one("#checklist", OptionList).focus()

    def redraw(self) -> None:
        """Everything from the folded incident (after a commit here or an event from another process)."""
        if not self.query("#incident-head"):  # an event arrived before the screen was composed: on_mount draws
            return
        incident = self.incident
        head = Text().append_text(severity_badge(incident.severity))
        head.append(f" {incident.id} ", style="bold").append(incident.title, style="bold")
        head.append(f" · {incident.status}", style="bold green" if not incident.is_open else "bold")
        if incident.roles:
            head.append(" · " + " · ".join(f"{role}: {who}" for role, who in incident.roles.items()), style="dim")
        here = self._desk.here(incident.id)
        if here:
            head.append(f" · {sanitize(here)}", style="dim")
        self.query_one("#incident-head", Static).update(head)
        self._draw_checklist(incident)
        self._draw_timeline(incident)
        self._draw_clocks()
        self.refresh_bindings()

    def _draw_checklist(self, incident: Incident) -> None:
        book = self._desk.book
        assert book is not None
        listing = self.query_one("#checklist", OptionList)
        # Kept by id, not index: the filter and attached runbooks move a step to another index.
        highlighted = listing.highlighted_option.id if listing.highlighted_option is not None else None
        options: list[Option] = []
        results = _last_results(incident)
        runbook_id, phase_name = "", ""
        steps = book.checklist(incident)
        for runbook, phase, step in steps:
            if not words_match(self.filter_query, step.text, step.id, runbook.title, phase):
                continue  # headers are added with a runbook's or phase's first matching step, so none is empty
            if runbook.id != runbook_id:
                runbook_id, phase_name = runbook.id, ""
                title = Text(f"━━ {runbook.title}", style="bold")
                for warning in runbook.warnings:
                    title.append(f"\n   ⚠ {warning}", style="bold yellow")
                options.append(Option(title, id=f"runbook:{runbook.id}", disabled=True))
            if phase != phase_name:
                phase_name = phase
                options.append(
                    Option(Text(f" {phase}", style="bold underline"), id=f"phase:{runbook.id}:{phase}", disabled=True)
                )
            line = self._step_line(incident, runbook, step, results.get((runbook.id, step.id)))
            options.append(Option(line, id=f"step:{runbook.id}:{step.id}"))
        listing.clear_options()
        listing.add_options(options)
        step_rows = [i for i, option in enumerate(options) if not option.disabled]
        kept = next((i for i in step_rows if options[i].id == highlighted), None)
        listing.highlighted = kept if kept is not None else (step_rows[0] if step_rows else None)
        query = self.filter_query.strip()
        listing.border_subtitle = Text(f"{query!r}: {len(step_rows)} of {len(steps)} steps" if query else "")
        self._show_step_notes()

    def _step_line(self, incident: Incident, runbook: Runbook, step: Step, last: Event | None) -> Text:
        write = self.steps.writes.get((runbook.id, step.id))
        tick = incident.ticked(runbook.id, step.id)
        line = Text(" ")
        if step.action is None:
            line.append(" ")
        else:  # the marker says `g` does something here, and whether it changes a system
            line.append("⚠" if step.destructive else "▶", style="bold red" if step.destructive else "cyan")
        line.append(" ")
        run_status = self.steps.status((runbook.id, step.id), last)
        if write is not None and write.error:
            line.append("[!] ", style="bold red").append(step.text)
            line.append(f" · NOT SAVED: {write.error} (space retries)", style="bold red")
            return line.append_text(run_status)
        if write is not None:
            line.append("[…] ", style="yellow").append(step.text).append(" · saving", style="yellow")
            return line.append_text(run_status)
        if tick:
            line.append("[x] ", style="bold green").append(step.text, style="dim")
            line.append(f" · {tick.at:%H:%M:%S} {tick.actor}", style="dim")
        else:
            line.append("[ ] ", style="bold").append(step.text)
            untick = incident.unticked.get((runbook.id, step.id))
            if untick is not None:  # ticked, then unticked (perhaps on another console): who, and when
                line.append(f" · unticked {untick.at:%H:%M:%S} by {untick.actor}", style="dim")
        if step.destructive:
            line.append(" · destructive", style="bold red")
        if step.link:
            line.append(f" · → {step.link}", style="cyan")
        return line.append_text(run_status)

    def _draw_timeline(self, incident: Incident) -> None:
        log = self.query_one("#timeline", RichLog)
        events = incident.events
        drawn = self._drawn_events
        # Another machine's event folds where its clock puts it, perhaps before the last line drawn: redraw.
        if len(events) < drawn or (drawn and events[drawn - 1].id != self._drawn_last):
            log.clear()
            self._drawn_events = 0
        for event in events[self._drawn_events :]:
            line = Text(f"{event.at:%H:%M:%S} ", style="dim").append(f"{sanitize(event.actor)} ", style="cyan")
            log.write(line.append(_clip(describe_event(event, incident))))
        self._drawn_events = len(events)
        self._drawn_last = events[-1].id if events else ""

    def _draw_clocks(self) -> None:
        incident = self.incident
        now = self._clock()
        clocks = self._desk.clocks(incident)
        size = self.app.size
        if size.height < COMPACT_BELOW:  # a short terminal: the checklist needs the lines
            text = compact_clocks(clocks, now, size.width - 2)  # the clocks' padding
        else:
            text = Text()
            for n, clock in enumerate(clocks):
                if n:
                    text.append("\n" if n % 2 == 0 else "   ")
                text.append_text(clock_text(clock, now))
        if not text:
            text = Text("no clocks", style="dim")
        if text.markup != self._shown_clocks:
            self._shown_clocks = text.markup
            self.query_one("#incident-clocks", Static).update(text)

    def on_resize(self, _event: events.Resize) -> None:
        if self.query("#incident-head"):
            self._draw_clocks()  # compact or not, and how many fit on a line, depend on the size

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_step_notes()
        self.refresh_bindings()

    def _selected_step(self) -> tuple[Runbook, Step] | None:
        try:
            listing = self.query_one("#checklist", OptionList)
        except NoMatches:  # not composed yet (check_action asks early)
            return None
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
                does = ACTION_DOES.get(step.action.kind, step.action.kind)
                text.append(f"\n{'⚠' if step.destructive else '▶'} g {does} · v shows its last result", style="dim")
            if step.destructive:
                text.append("\ndestructive: changes a system", style="bold red")
        self.query_one("#step-notes", Static).update(text)

    def action_filter(self) -> None:
        self.query_one("#checklist-box").display = True  # a full-width timeline (t) would hide the field
        super().action_filter()

    def filtered_list(self) -> OptionList:
        return self.query_one("#checklist", OptionList)

    def apply_filter(self) -> None:
        self._draw_checklist(self.incident)

    def action_cursor(self, where: str) -> None:
        listing = self.query_one("#checklist", OptionList)
        {
            "down": listing.action_cursor_down,
            "up": listing.action_cursor_up,
            "first": listing.action_first,
            "last": listing.action_last,
        }[where]()

    def action_tick(self) -> None:
        selected = self._selected_step()
        if selected is not None:
            self.steps.tick(self.incident, *selected)

    def action_run_step(self) -> None:
        """Run the highlighted step's action: ask its values, confirm a destructive one, run, record."""
        selected = self._selected_step()
        if selected is not None:
            self.steps.run(self.incident_id, *selected)

    def _redraw_checklist(self) -> None:
        if self.is_attached:  # the screen may have closed while the action ran
            self._draw_checklist(self.incident)

    def action_step_output(self) -> None:
        """The highlighted step's last result in full: this console's, else the journal's latest."""
        selected = self._selected_step()
        if selected is None:
            return
        runbook, step = selected
        title = f"{runbook.id}/{step.id}: {step.text}"
        here = self.steps.shown_here((runbook.id, step.id))
        if here is not None:
            self.app.push_screen(StepOutputScreen(title, *here))
            return
        last = _last_results(self.incident).get((runbook.id, step.id))
        if last is None:
            hint = "g runs it" if step.action is not None else "it has no action"
            self.notify(f"{step.text}: no result yet ({hint})", markup=False)
            return
        self.app.push_screen(StepOutputScreen(title, last.data, f"{last.at:%H:%M:%S} {last.actor}"))

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

    def action_stakeholder_update(self) -> None:
        self._actions.stakeholder_update(self.incident)

    def action_verify(self) -> None:
        self._actions.verify(self.incident)

    def action_war_room(self) -> None:
        self.app.push_screen(WarRoomScreen(self._clock))

    def action_timeline(self) -> None:
        self.query_one("#checklist-box").display = not self.query_one("#checklist-box").display

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "acknowledge" and "acknowledged" in self.incident.milestones:
            return None
        if action == "run_step":
            return capabilities_of(self).allows("act")  # read-only: g offers nothing
        if action == "verify" and (self.incident.is_open or "verified_resolved" in self.incident.milestones):
            return None
        if action == "stakeholder_update" and not self.incident.is_open:
            return None
        return not (capabilities_of(self).readonly and action in READONLY_HIDDEN)


COMPACT_BELOW = 30
"""Terminal rows under which the clocks are drawn compact (80x24: they took 7 of the checklist's lines)."""

# Everything that writes: the journal, or files (the post-mortem export).
READONLY_HIDDEN = {
    "tick",
    "acknowledge",
    "note",
    "milestone",
    "severity",
    "attach",
    "assign_role",
    "resolve",
    "export",
    "stakeholder_update",
    "verify",
}


ACTION_DOES = {
    "run": "runs a command",
    "http": "sends an HTTP request",
    "sql": "runs a database query",
    "check": "runs a service check",
    "copy": "copies to the clipboard",
}


def _last_results(incident: Incident) -> dict[tuple[str, str], Event]:
    """Each step's latest recorded action result."""
    return {
        (str(e.data.get("runbook")), str(e.data.get("step"))): e for e in incident.events if e.kind == "action_output"
    }


def _clip(text: str, limit: int = 400) -> str:
    """Timeline lines stay readable; the full text is in the journal and the post-mortem."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
