"""The daily or weekly health review in the console: each item shown as it is judged, then saved.

The same engine as `tessa-tui check --review` (tessa_tui/run/review.py), so the screen and the command can never
disagree; the error rate is the headless probe's too, not the logs pane's counts, for the same reason. Every
text shown is a `Text`: statuses quote outside text (check reasons, query text, incident titles).
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.keys import bind
from screens.messages import ItemJudged, ReviewDone
from tessa_tui.base.errors import UserError
from tessa_tui.base.isolate import internal_reason
from tessa_tui.config.load import LoadedConfig
from tessa_tui.incidents.actors import default_actor
from tessa_tui.incidents.journal_location import journal_file
from tessa_tui.run.review import Review, item_line, review_runbook, run_review, save_review, summary_line
from tessa_tui.runbook.model import Runbook

STYLE = {"passed": "green", "failed": "bold red", "manual": "dim"}


class ReviewScreen(ModalScreen[None]):
    """Runs a review on open; escape closes it (a review still running is abandoned, nothing saved)."""

    DEFAULT_CSS = """
    ReviewScreen { align: center middle; }
    #review-box {
        width: 120; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    #review-title { text-style: bold; padding-bottom: 1; }
    #review-items { height: auto; max-height: 24; }
    #review-summary { padding-top: 1; height: auto; }
    """
    BINDINGS = [bind("close", "dismiss", show=True)]

    def __init__(self, loaded: LoadedConfig, which: str) -> None:
        super().__init__(id=f"review-{which}")
        self.loaded = loaded
        self.which = which
        self.review: Review | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="review-box"):
            yield Static(Text(f"{self.which.capitalize()} review", style="bold"), id="review-title")
            yield VerticalScroll(id="review-items")
            yield Static(Text("loading the runbook…", style="dim"), id="review-summary")
            yield Static(Text("escape closes", style="dim"))

    def on_mount(self) -> None:
        self.run_worker(self._run(), name=f"{self.which} review", exclusive=True, exit_on_error=False)

    async def _run(self) -> None:
        try:
            await self._review()
        except Exception as exc:  # a bug: said in the summary line (and logged), the console goes on
            self.post_message(ReviewDone(None, internal_reason(exc, f"console: {self.which} review")))

    async def _review(self) -> None:
        loaded = self.loaded
        try:
            runbook = await asyncio.to_thread(review_runbook, loaded, self.which)
        except UserError as exc:
            self.post_message(ReviewDone(None, str(exc)))
            return
        await self._show_steps(runbook)
        journal = journal_file(loaded)
        review = await run_review(
            runbook,
            loaded.config,
            secrets=loaded.secrets,
            journal=journal,
            on_item=lambda index, item: self.post_message(ItemJudged(index, item)),
        )
        try:  # a commit waits for the disk: off the event loop
            await asyncio.to_thread(save_review, review, journal, default_actor(loaded.config.journal.actor))
        except UserError as exc:
            self.post_message(ReviewDone(review, str(exc)))
            return
        self.post_message(ReviewDone(review))

    async def _show_steps(self, runbook: Runbook) -> None:
        """Every step as pending, in checklist order, before any is judged."""
        self.query_one("#review-title", Static).update(Text(runbook.title, style="bold"))
        rows = [
            Static(Text(f"… {step.id}: {step.text}", style="dim"), id=f"review-item-{n}")
            for n, (_, step) in enumerate(runbook.steps())
        ]
        await self.query_one("#review-items", VerticalScroll).mount_all(rows)
        self.query_one("#review-summary", Static).update(Text("measuring…", style="dim"))

    def on_item_judged(self, message: ItemJudged) -> None:
        row = self.query(f"#review-item-{message.index}").first(Static)
        row.update(Text(item_line(message.item), style=STYLE[message.item.state]))

    def on_review_done(self, message: ReviewDone) -> None:
        self.review = message.review
        summary = Text()
        if message.review is not None:
            passed = message.review.passed
            summary.append(summary_line(message.review), style="bold green" if passed else "bold red")
        if message.error:
            summary.append(("\n" if summary else "") + message.error, style="bold red")
        self.query_one("#review-summary", Static).update(summary)
