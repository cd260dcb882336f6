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


LEGEND = "▶ runs an action · ⚠ destructive"


class RunbookScreen(ModalScreen[bool]):
    """Read a runbook (from the palette when no incident is open); escape closes. With `can_declare`, `d` closes
    it with True: the caller declares an incident with this runbook attached."""

    BINDINGS = [bind("close", "dismiss(False)"), bind("declare", "dismiss(True)")]

    def __init__(self, runbook: Runbook, *, can_declare: bool = False) -> None:
        super().__init__()
        self.runbook = runbook
        self.can_declare = can_declare

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box"):
            with VerticalScroll():
                yield Static(runbook_text(self.runbook), id="runbook-text")
            declare = " · no open incident: d declares one with this runbook" if self.can_declare else ""
            yield Static(Text(f"{LEGEND}{declare} · escape closes", style="dim"), id="runbook-hint")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "dismiss" and parameters == (True,):  # `d`: declare
            return self.can_declare
        return True
