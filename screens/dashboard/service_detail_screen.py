"""Detail of one service check: every condition with its resolved values, the response, recent history."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from screens.keys import bind
from screens.widgets.state_style import age_text, latency_text, state_text
from tessa_tui.base.durations import format_duration
from tessa_tui.checks.service_check import describe_target
from tessa_tui.checks.service_state import ServiceState

HISTORY_ROWS = 20


class ServiceDetailScreen(ModalScreen[None]):
    """A snapshot of one check as of when it was opened."""

    BINDINGS = [bind("close", "dismiss")]

    def __init__(self, state: ServiceState, now: datetime) -> None:
        super().__init__(id="service-detail")
        self._state = state
        self._now = now

    def compose(self) -> ComposeResult:
        state, check, last = self._state, self._state.check, self._state.last
        theme = self.app.current_theme
        with Vertical(id="detail-box"):
            title = Text.assemble((check.name, "bold"), "  ", state_text(state.display_state(self._now), theme))
            yield Static(title, id="detail-title")
            facts = Text.assemble(
                ("target    ", "dim"),
                describe_target(check),
                "\n",
                ("every     ", "dim"),
                f"{format_duration(check.interval)}, timeout {format_duration(check.timeout)},"
                f" flips after {check.failure_threshold} failures / {check.success_threshold} successes",
                "\n",
                ("last      ", "dim"),
                self._last_line(),
                "\n",
                ("reason    ", "dim"),
                (last.reason if last and last.reason else "-"),
            )
            yield Static(facts, id="detail-facts")
            conditions: DataTable[Text] = DataTable(id="detail-conditions", cursor_type="row")
            conditions.add_column("", key="ok", width=2)
            conditions.add_column("Condition (resolved)", key="display")
            for result in last.conditions if last else ():
                mark = Text("✓", style=theme.success or "") if result.success else Text("✖", style=theme.error or "")
                conditions.add_row(mark, Text(result.display))
            if last and last.vendor is not None:
                for component in last.vendor.components:
                    conditions.add_row(Text("✖"), Text(f"component {component.name}: {component.status}"))
                for incident in last.vendor.incidents or ():
                    conditions.add_row(
                        Text("!"), Text(f"incident {incident.name} ({incident.status}): {incident.latest_update}")
                    )
                for work in last.vendor.maintenances:  # in progress first, then upcoming
                    when = " to ".join(t for t in (work.scheduled_for, work.scheduled_until) if t)
                    conditions.add_row(Text("◆"), Text(f"maintenance {work.name} ({work.status}): {when}"))
            yield conditions
            body = VerticalScroll(id="detail-body")
            body.border_title = "response body (start, sanitised)"
            with body:
                yield Static(Text(last.excerpt if last and last.excerpt else "(no response body)"), id="detail-excerpt")
            history: DataTable[Text] = DataTable(id="detail-history", cursor_type="row")
            for key, label in (("at", "At (UTC)"), ("state", "State"), ("latency", "Latency"), ("reason", "Reason")):
                history.add_column(label, key=key)
            for past in list(state.history)[-HISTORY_ROWS:][::-1]:
                history.add_row(
                    Text(f"{past.checked_at:%H:%M:%S}"),
                    state_text(past.state, theme),
                    Text(latency_text(past.latency_ms)),
                    Text(past.reason),
                )
            yield history

    def _last_line(self) -> str:
        last = self._state.last
        if last is None:
            return "not yet checked"
        ago = age_text((self._now - last.checked_at).total_seconds())
        status = f"HTTP {last.http_status}, " if last.http_status else ""
        return f"{status}{latency_text(last.latency_ms)}, {ago} ago"
