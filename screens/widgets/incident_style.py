"""How incidents look: severity badges, clock colours by level, one line per clock."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from tessa_tui.incidents.sla import SlaTimer

# State as word and symbol as well as colour: legible on a projector and for colour-blind readers.
LEVEL_STYLE = {"ok": "green", "warn": "bold yellow", "danger": "bold red", "breach": "bold white on red"}
LEVEL_MARK = {"ok": "●", "warn": "▲ 50%", "danger": "▲ 80%", "breach": "✖ BREACHED"}
SEVERITY_STYLE = {"SEV1": "bold white on red", "SEV2": "bold black on dark_orange", "SEV3": "bold black on yellow"}


def severity_badge(severity: str) -> Text:
    return Text(f" {severity} ", style=SEVERITY_STYLE.get(severity, "bold reverse"))


def clock_text(clock: SlaTimer, now: datetime, *, label: str | None = None) -> Text:
    """`Response (SEV1)  12:41 left ●`, coloured by level; a stopped clock says whether it was met."""
    level = clock.level(now)
    text = Text(f"{label or clock.label}  ", style="bold" if clock.running(now) else "dim")
    if clock.doubt(now):  # its times contradict each other: neither met nor missed, and never green
        return text.append(f"? {clock.text(now)}", style="bold magenta")
    if not clock.running(now):
        met = clock.remaining(now).total_seconds() >= 0
        return text.append(clock.text(now), style="green" if met else "red")
    text.append(clock.text(now), style=LEVEL_STYLE[level])
    if level != "ok":
        text.append(f" {LEVEL_MARK[level]}", style=LEVEL_STYLE[level])
    return text


COMPACT_MARK = {"ok": "", "warn": " ▲50%", "danger": " ▲80%", "breach": " ✖"}
COMPACT_LABEL = {"response": "Response", "update": "Next update"}
RUNBOOK_CLOCKS = {"resolution": "resolve", "escalate": "escalate"}
"""The runbook clocks shown together after their runbook's title when compact: `<title>: resolve … · escalate …`."""


def compact_value(clock: SlaTimer, now: datetime) -> Text:
    """`06:00 left`, `05:00 over ✖`; once stopped `met` or `missed`; `? suspect` when its times contradict."""
    if clock.doubt(now):
        return Text("? suspect", style="bold magenta")
    if not clock.running(now):
        met = clock.remaining(now).total_seconds() >= 0 and not clock.unmet
        return Text("met" if met else "missed", style="green" if met else "red")
    level = clock.level(now)
    return Text(clock.text(now) + COMPACT_MARK[level], style=LEVEL_STYLE[level])


def compact_clocks(clocks: list[SlaTimer], now: datetime, width: int) -> Text:
    """Every clock in as few lines of `width` as will hold them, for a short terminal: one cell per clock (a
    runbook's resolve and escalate clocks share one, after its title), cells never split across lines."""
    cells: list[Text] = []
    by_runbook: dict[str, Text] = {}
    for clock in clocks:
        word = RUNBOOK_CLOCKS.get(clock.kind)
        if word is None:
            label = COMPACT_LABEL.get(clock.kind, clock.label)
            cells.append(Text(f"{label} ", style="bold" if clock.running(now) else "dim"))
            cells[-1].append_text(compact_value(clock, now))
            continue
        title = clock.label.partition(" · ")[2] or clock.label
        cell = by_runbook.get(title)
        if cell is None:
            cell = by_runbook[title] = Text(f"{title}:", style="bold")
            cells.append(cell)
        else:
            cell.append(" ·", style="dim")
        cell.append(f" {word} ").append_text(compact_value(clock, now))
    text = Text()
    line_width = 0
    for cell in cells:
        if line_width and line_width + 3 + cell.cell_len > width:
            text.append("\n")
            line_width = 0
        elif line_width:
            text.append("   ")
            line_width += 3
        text.append_text(cell)
        line_width += cell.cell_len
    return text
