"""Runbooks in the command palette, found by title or symptom ("503", "login", "slow"): with an incident open
the choice is attached to it and the incident opens; otherwise the runbook opens to read."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.dashboard import DashboardScreen
from screens.runbook_view import RunbookScreen
from tessa_tui.errors import UserError

if TYPE_CHECKING:
    from screens.app import TessaApp

MAX_HITS = 8


class RunbookCommands(Provider):
    """Search the runbook pack with its own ranking (symptoms count), not just fuzzy titles."""

    async def search(self, query: str) -> Hits:
        app: TessaApp = self.app  # type: ignore[assignment]
        book = app.desk.book
        if book is None or not query.strip():
            return
        for rank, runbook in enumerate(book.pack.search(query)[:MAX_HITS]):
            yield Hit(
                1.0 - rank * 0.01,  # the pack's order, above fuzzy matches of other commands
                Text(f"Runbook: {runbook.title}"),
                partial(open_runbook, app, runbook.id),
                text=f"Runbook: {runbook.title}",
                help=" · ".join(runbook.symptoms) or runbook.summary,
            )

    async def discover(self) -> Hits:
        app: TessaApp = self.app  # type: ignore[assignment]
        book = app.desk.book
        if book is None:
            return
        for runbook in sorted(book.pack.runbooks.values(), key=lambda r: r.title):
            if runbook.kind == "issue":
                yield DiscoveryHit(Text(f"Runbook: {runbook.title}"), partial(open_runbook, app, runbook.id),
                                   help=" · ".join(runbook.symptoms))  # fmt: skip


def open_runbook(app: TessaApp, runbook_id: str) -> None:
    """Attach to the open incident and show it; read-only consoles and no incident: read the runbook."""
    book = app.desk.book
    if book is None:
        return
    runbook = book.pack.get(runbook_id)
    incident = app.desk.active()
    if incident is None or app.readonly:

        def declare(chosen: bool | None) -> None:
            dashboard = next((s for s in app.screen_stack if isinstance(s, DashboardScreen)), None)
            if chosen and dashboard is not None:
                dashboard.declare(runbooks=[runbook.id])

        app.push_screen(RunbookScreen(runbook, can_declare=incident is None and not app.readonly), declare)
        return
    if runbook.id in incident.runbook_ids:
        app.action_open_incident(incident.id)
        return

    async def attach() -> None:
        try:
            await app.desk.record(app.desk.plan(lambda b: b.attach(incident.id, runbook.id)))
        except UserError as exc:  # JournalError included: nothing was attached
            app.notify(f"NOT SAVED: {exc.message}", severity="error", markup=False)
            return
        app.notify(f"{runbook.title} attached to {incident.id}", markup=False)
        app.action_open_incident(incident.id)

    app.run_worker(attach(), name="attach a runbook from the palette")
