"""War-room mode: the active incident for the shared screen, legible from across the room.

One large countdown (the clock that matters now), severity and title, the phase and checklist progress,
every service as a big light and the last timeline entries. It owns no timer: the dashboard's 1 Hz tick
calls `tick`, and each widget repaints only when its text changes. It has no actions, so a read-only
console shows it the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Digits, Static

from screens.context import context_of
from screens.dashboard.dashboard_screen import TickedScreen
from screens.dashboard.services_pane import ServicesPane
from screens.keys import bind
from screens.widgets.footer import KeysFooter
from screens.widgets.incident_style import severity_badge
from tessa_tui.base.durations import format_clock
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now
from tessa_tui.checks.result import STATE_SYMBOL
from tessa_tui.checks.service_state import ServiceState
from tessa_tui.incidents.incident import Incident, describe_event
from tessa_tui.incidents.sla import SlaTimer, clock_subject, current_phase

TIMELINE_ENTRIES = 6
PROGRESS_WIDTH = 30
# The level as a word and a symbol as well as a colour: readable by colour-blind viewers and in any theme.
LEVEL_WORDS = {"ok": "● ON TRACK", "warn": "▲ 50% USED", "danger": "▲ 80% USED", "breach": "✖ BREACHED"}
CLOCK_TITLES = {
    "response": "RESPONSE · acknowledge within",
    "phase": "PHASE TIME BOX",
    "resolution": "EXPECTED RESOLUTION",
    "escalate": "ESCALATE IF UNRESOLVED",
}


@dataclass(frozen=True)
class Countdown:
    """What the big digits show: a label, the digits, and the level (`open` for elapsed time)."""

    label: str
    digits: str
    level: str
    detail: str


def countdown(incident: Incident, clocks: list[SlaTimer], now: datetime) -> Countdown:
    """The clock the room should watch: the response until acknowledged, then the phase time box, then the
    expected resolution or escalation; with none running, how long the incident has been open.
    """
    running = [c for c in clocks if c.running(now)]
    chosen = next((c for c in running if c.kind == "response"), None) or current_phase(running, now)
    if chosen is None:
        later = [c for c in running if c.kind in ("resolution", "escalate")]
        chosen = min(later, key=lambda c: c.deadline, default=None)
    if chosen is None:
        return Countdown("OPEN FOR", format_clock(now - incident.declared_at), "open", "no clock running")
    remaining = chosen.remaining(now)
    digits = format_clock(remaining) if remaining >= timedelta(0) else "+" + format_clock(-remaining)
    title = CLOCK_TITLES.get(chosen.kind, chosen.kind.upper())
    label = title if chosen.kind == "response" else f"{title} · {clock_subject(chosen)}"
    level = chosen.level(now)
    overdue = "OVERDUE · " if remaining < timedelta(0) else ""
    detail = f"{LEVEL_WORDS[level]} · {overdue}target {format_clock(chosen.budget)}"
    doubt = chosen.doubt(now)
    if doubt:  # the room must not trust digits computed from contradicting times
        detail = f"SUSPECT · {doubt}"
    return Countdown(label, digits, level, detail)


class WarRoomScreen(TickedScreen):
    """Full screen, read-only: escape or `w` returns to the screen below."""

    BINDINGS = [bind("close", "close"), bind("war_room", "close")]
    HORIZONTAL_BREAKPOINTS = [(0, "-compact"), (180, "-wide")]
    DEFAULT_CSS = """
    WarRoomScreen { background: $background; align-vertical: middle; }
    #war-head { dock: top; height: auto; padding: 1 2; background: $panel; color: $foreground; text-style: bold; }
    #war-clock-box { height: auto; padding: 1 2; border: heavy $secondary; margin: 0 2; }
    #war-clock-box > Static { width: 100%; text-align: center; text-style: bold; color: $foreground; }
    #war-clock { width: 100%; text-align: center; text-style: bold; margin: 1 0; }
    #war-clock-box.-ok { border: heavy $success; }
    #war-clock-box.-ok #war-clock, #war-clock-box.-ok #war-clock-level { color: $success; }
    #war-clock-box.-warn { border: heavy $warning; }
    #war-clock-box.-warn #war-clock, #war-clock-box.-warn #war-clock-level { color: $warning; }
    #war-clock-box.-danger { border: thick $error; }
    #war-clock-box.-danger #war-clock, #war-clock-box.-danger #war-clock-level { color: $error; }
    #war-clock-box.-breach { border: thick $error; background: $error; }
    #war-clock-box.-breach > * { color: $background; }
    #war-clock-box.-idle { padding: 3 2; }
    #war-clock-box.-idle #war-clock, #war-clock-box.-idle #war-clock-level { display: none; }
    WarRoomScreen.-no-incident #war-progress, WarRoomScreen.-no-incident #war-timeline { display: none; }
    #war-progress { height: auto; padding: 1 2 0 2; color: $foreground; }
    #war-services { height: auto; grid-size: 5; grid-gutter: 0 1; grid-rows: 4; padding: 1 2 0 2; }
    .war-light {
        height: 4; border: round $secondary; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
        color: $foreground;
    }
    .war-light.-up { border: round $success; color: $success; }
    .war-light.-degraded, .war-light.-stale { border: heavy $warning; background: $warning; color: $background; }
    .war-light.-down { border: thick $error; background: $error; color: $background; }
    .war-light.-maintenance { border: round $primary; color: $primary; }
    #war-timeline {
        height: auto; border: round $secondary; border-title-style: bold; margin: 1 2 0 2; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis; color: $foreground;
    }
    /* A wall screen: the clock gets the room, everything else more air. */
    WarRoomScreen.-wide #war-head { padding: 1 4; }
    WarRoomScreen.-wide #war-clock-box { margin: 0 4; padding: 3 4; }
    WarRoomScreen.-wide #war-clock { margin: 2 0; }
    WarRoomScreen.-wide #war-services { grid-size: 6; grid-rows: 5; padding: 2 4 0 4; }
    WarRoomScreen.-wide .war-light { height: 5; padding: 1 2 0 2; }
    WarRoomScreen.-wide #war-progress { padding: 2 4 0 4; }
    WarRoomScreen.-wide #war-timeline { margin: 2 4 0 4; padding: 1 2; }
    """

    def __init__(self, clock: Now) -> None:
        super().__init__(id="war-room")
        self._clock = clock
        self._services: Mapping[str, ServiceState] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="war-head")
        with Vertical(id="war-clock-box"):
            yield Static(id="war-clock-label")
            yield Digits(id="war-clock")
            yield Static(id="war-clock-level")
        yield Static(id="war-progress")
        # The lights are the services pane's states: the same smoothing and staleness as the dashboard.
        self._services = next((pane.states for s in self.app.screen_stack for pane in s.query(ServicesPane)), {})
        with Grid(id="war-services"):
            for n in range(len(self._services)):
                yield Static(classes="war-light", id=f"war-light-{n}")
        yield Static(id="war-timeline")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#war-timeline", Static).border_title = "Timeline"
        self.query_one("#war-services").display = bool(self._services)
        self._draw()

    def _draw(self) -> None:
        now = self._clock()
        context = context_of(self)
        desk = context.desk if context is not None else None
        book = desk.book if desk else None
        incident = book.active() if book else None
        if desk is None or book is None or incident is None:
            error = desk.error if desk and book is None else None
            self._show("#war-head", Text(f"Journal unavailable: {error}" if error else "WAR ROOM"))
            self._show("#war-clock-label", Text("No active incident"))
            self._level("idle")
        else:
            clocks = desk.clocks(incident)
            shown = countdown(incident, clocks, now)
            here = desk.here(incident.id)
            self._show("#war-head", _head(incident).append(f"\n{sanitize(here)}" if here else ""))
            self._show("#war-clock-label", Text(shown.label))
            self._level(shown.level)
            digits = self.query_one("#war-clock", Digits)
            if digits.value != shown.digits:  # Digits relayouts only when the width changes
                digits.update(shown.digits)
            self._show("#war-clock-level", Text(shown.detail))
            rows = [(phase, bool(incident.ticked(r.id, s.id))) for r, phase, s in book.checklist(incident)]
            self._show("#war-progress", _progress(rows, clocks, now))
            self._show("#war-timeline", _timeline(incident))
        self._lights(now)

    def _level(self, level: str) -> None:
        if self._shown.get("level") != level:
            self._shown["level"] = level
            self.query_one("#war-clock-box").set_classes(f"-{level}")
            self.set_class(level == "idle", "-no-incident")

    def _lights(self, now: datetime) -> None:
        for n, (name, state) in enumerate(self._services.items()):
            shown = state.display_state(now)
            light = self.query_one(f"#war-light-{n}", Static)
            text = Text(f"{STATE_SYMBOL.get(shown, '?')} {shown.upper()}\n", style="bold").append(name)
            if self._shown.get(f"light-{n}") != text.markup:
                self._shown[f"light-{n}"] = text.markup
                light.set_classes(f"war-light -{shown}")
                light.update(text)

    def action_close(self) -> None:
        self.dismiss()


def _head(incident: Incident) -> Text:
    head = Text().append_text(severity_badge(incident.severity)).append(f"  {incident.id}  ")
    head.append(sanitize(incident.title))
    head.append(f"  · {incident.status.upper()}")
    return head


def _progress(rows: list[tuple[str, bool]], clocks: list[SlaTimer], now: datetime) -> Text:
    """`PHASE  Immediate actions  2 / 4 steps` and the checklist's (phase, ticked) rows as a bar and a count."""
    clock = current_phase(clocks, now)
    # Phases without a time box have no clock: the phase of the first unticked step is the one being worked.
    phase = clock.label if clock else next((p for p, done in rows if not done), "")
    done = sum(d for _, d in rows)
    text = Text()
    if phase:
        in_phase = [d for p, d in rows if p == phase]
        text.append(f"PHASE  {sanitize(phase)}", style="bold")
        text.append(f"  {sum(in_phase)} / {len(in_phase)} steps\n")
    filled = round(PROGRESS_WIDTH * done / len(rows)) if rows else 0
    text.append("CHECKLIST  ", style="bold").append("█" * filled + "░" * (PROGRESS_WIDTH - filled))
    text.append(f"  {done} / {len(rows)} ticked", style="bold")
    return text


def _timeline(incident: Incident) -> Text:
    """The last entries, oldest first; each one line (the full text is in the incident screen)."""
    lines = [
        f"{event.at:%H:%M:%S}  {sanitize(event.actor)}  {sanitize(describe_event(event, incident))}"
        for event in incident.events[-TIMELINE_ENTRIES:]
    ]
    return Text("\n".join(lines))
