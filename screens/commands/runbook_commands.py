"""Runbooks in the command palette, found by title or symptom ("503", "login", "slow"): with an incident open
the choice is attached to it and the incident opens; otherwise the runbook opens to read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.context import context_of
from screens.messages import RunbookChosen

if TYPE_CHECKING:
    from tessa_tui.incidents.book import IncidentBook

MAX_HITS = 8


class RunbookCommands(Provider):
    """Search the runbook pack with its own ranking (symptoms count), not just fuzzy titles."""

    def _book(self) -> IncidentBook | None:
        context = context_of(self.app)
        return context.desk.book if context is not None else None

    async def search(self, query: str) -> Hits:
        book = self._book()
        if book is None or not query.strip():
            return
        for rank, runbook in enumerate(book.pack.search(query)[:MAX_HITS]):
            yield Hit(
                1.0 - rank * 0.01,  # the pack's order, above fuzzy matches of other commands
                Text(f"Runbook: {runbook.title}"),
                lambda runbook_id=runbook.id: self.app.post_message(RunbookChosen(runbook_id)),
                text=f"Runbook: {runbook.title}",
                help=" · ".join(runbook.symptoms) or runbook.summary,
            )

    async def discover(self) -> Hits:
        book = self._book()
        if book is None:
            return
        for runbook in sorted(book.pack.runbooks.values(), key=lambda r: r.title):
            if runbook.kind == "issue":
                yield DiscoveryHit(
                    Text(f"Runbook: {runbook.title}"),
                    lambda runbook_id=runbook.id: self.app.post_message(RunbookChosen(runbook_id)),
                    help=" · ".join(runbook.symptoms),
                )
