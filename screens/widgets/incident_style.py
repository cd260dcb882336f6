"""How incidents look: severity badges, clock colours by level, one line per clock."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from tessa_tui.incidents.sla import Clock

# State as word and symbol as well as colour: legible on a projector and for colour-blind readers.
LEVEL_STYLE = {"ok": "green", "warn": "bold yellow", "danger": "bold red", "breach": "bold white on red"}
LEVEL_MARK = {"ok": "●", "warn": "▲ 50%", "danger": "▲ 80%", "breach": "✖ BREACHED"}
SEVERITY_STYLE = {"SEV1": "bold white on red", "SEV2": "bold black on dark_orange", "SEV3": "bold black on yellow"}


def severity_badge(severity: str) -> Text:
    return Text(f" {severity} ", style=SEVERITY_STYLE.get(severity, "bold reverse"))


def clock_text(clock: Clock, now: datetime, *, label: str | None = None) -> Text:
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
