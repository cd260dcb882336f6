"""Services pane: every configured health check and vendor status page, one keyed row each."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from screens.panes.pane import Pane
from tessa_tui.config_model import ServiceCheck
from tessa_tui.durations import format_duration
from tessa_tui.redact import mask_url

EXAMPLE = "services:\n  - name: Frontend\n    url: https://example.com/health"


def check_target(check: ServiceCheck) -> str:
    """What a check polls, with any credential in the URL masked."""
    if check.statuspage:
        return f"status page {mask_url(check.statuspage)}"
    return f"{check.method} {mask_url(check.url or '')}"


def grouped(checks: list[ServiceCheck]) -> list[ServiceCheck]:
    """Checks grouped together, groups in the order they first appear in the config."""
    first_seen = {c.group: i for i, c in reversed(list(enumerate(checks)))}
    return sorted(checks, key=lambda c: first_seen[c.group])


class ServicesPane(Pane):
    """Rows in config order, grouped; state starts as `unknown` until a first result arrives."""

    def __init__(self, checks: list[ServiceCheck] | None) -> None:
        super().__init__("Services", 1, id="services-pane")
        self._checks = checks

    def compose(self) -> ComposeResult:
        if self._checks is None:
            yield self.not_configured("services", EXAMPLE)
            return
        table: DataTable[Text] = DataTable(id="services-table", cursor_type="row", zebra_stripes=True)
        table.add_column("State", key="state", width=11)
        table.add_column("Service", key="name")
        table.add_column("Group", key="group")
        table.add_column("Every", key="interval", width=6)
        table.add_column("Target", key="target")
        for check in grouped(self._checks):
            table.add_row(
                Text("? unknown", style="dim"),
                Text(check.name),
                Text(check.group),
                Text(format_duration(check.interval)),
                Text(check_target(check)),
                key=check.name,
            )
        yield table

    def on_mount(self) -> None:
        if self._checks is not None:
            self.border_subtitle = f"{len(self._checks)} checks · not yet checked"
