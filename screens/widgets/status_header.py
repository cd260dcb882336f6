"""The top bar: platform, environment coloured by risk, on-call name and the UTC / local clock."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from screens.context import context_of
from tessa_tui.base.time_source import Now
from tessa_tui.config.model import TessaConfig


class StatusHeader(Horizontal):
    """One-line header; only the clock redraws, once a second."""

    def __init__(self, config: TessaConfig, clock: Now, *, readonly: bool) -> None:
        super().__init__(id="status-header")
        self._config = config
        self._clock = clock
        self._readonly = readonly

    def compose(self) -> ComposeResult:
        config = self._config
        yield Static(Text(f" {config.platform} "), id="header-platform")
        risk = config.environment_risk()
        yield Static(Text(f" {config.environment.upper()} "), id="header-environment", classes=f"risk-{risk}")
        if self._readonly:
            yield Static(Text(" READ-ONLY "), id="header-readonly")
        on_call = config.contacts.on_call()
        yield Static(Text(f" on-call: {on_call.name if on_call else 'not configured'} "), id="header-oncall")
        context = context_of(self)
        yield Static(_typing(context.actor if context is not None else ""), id="header-actor")
        if self._config.journal.shared is not None:  # the desk says how the sync stands once the journal is open
            yield Static(Text(" shared: connecting "), id="header-shared")
        yield HeaderClock(self._clock, id="header-clock")

    def show_shared(self, text: str) -> None:
        """The shared journal's state: `shared: live`, `shared: 12 events waiting (offline since 14:02 UTC)`."""
        for field in self.query("#header-shared").results(Static):
            field.update(Text(f" {text} ") if text else Text(""))
            field.set_class(not text.startswith("shared: live"), "-not-live")

    def show_actor(self, who: str) -> None:
        """Who is typing on this terminal now (`:iam` changed it)."""
        self.query_one("#header-actor", Static).update(_typing(who))


def _typing(who: str) -> Text:
    return Text(f" typing: {who} " if who else "")


class HeaderClock(Widget):
    """UTC and local time, repainted once a second without a layout pass (Static.update would relayout)."""

    def __init__(self, clock: Now, *, id: str) -> None:
        super().__init__(id=id)
        self._clock = clock

    def tick(self) -> None:
        """Called once a second by the dashboard's tick."""
        self.refresh()

    def render(self) -> Text:
        now = self._clock()
        local = now.astimezone()
        if local.utcoffset() == now.utcoffset():  # local is UTC: one time, not the same one twice
            return Text(f" {now:%H:%M:%S} UTC ")
        return Text(f" {now:%H:%M:%S} UTC │ {local:%H:%M:%S} {local:%Z} ")
