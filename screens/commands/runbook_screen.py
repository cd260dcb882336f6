"""A runbook read in full: phases with their time boxes, numbered steps, which ones run an action."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.keys import bind
from tessa_tui.base.durations import format_duration
from tessa_tui.runbook.model import Runbook


def runbook_text(runbook: Runbook) -> Text:
    """The runbook as plain Text (its strings are config, never markup)."""
    text = Text()
    text.append(f"{runbook.title}", style="bold")
    text.append(f"  {runbook.kind}" + (f" · {runbook.severity}" if runbook.severity else ""), style="dim")
    if runbook.summary:
        text.append(f"\n{runbook.summary}")
    if runbook.symptoms:
        text.append("\nSymptoms: " + " · ".join(runbook.symptoms), style="dim")
    for warning in runbook.warnings:
        text.append(f"\n⚠ {warning}", style="bold yellow")
    number = 0
    for phase in runbook.phases:
        box = f" (within {format_duration(phase.within)})" if phase.within else ""
        text.append(f"\n\n{phase.name}{box}", style="bold underline")
        for step in phase.steps:
            number += 1
            marker = "⚠ " if step.destructive else "▶ " if step.action else ""
            text.append(f"\n{number:>3}. {marker}{step.text}")
            if step.action is not None:
                text.append(f"  [{step.action.kind}]", style="dim")
    return text


class RunbookScreen(ModalScreen[None]):
    """Read a runbook (from the palette when no incident is open); escape closes."""

    BINDINGS = [bind("close", "dismiss")]

    def __init__(self, runbook: Runbook, hint: str = "") -> None:
        super().__init__()
        self.runbook = runbook
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box"):
            with VerticalScroll():
                yield Static(runbook_text(self.runbook), id="runbook-text")
            hint = self.hint or "▶ runs an action · ⚠ destructive · escape closes"
            yield Static(Text(hint, style="dim"))
