"""How a check state looks: symbol + word always, colour from the current theme on top."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.theme import Theme

from tessa_tui.checks.result import STATE_SYMBOL

SPARK = "▁▂▃▄▅▆▇█"


def state_text(state: str, theme: Theme) -> Text:
    """`● up`, `✖ down` ...: readable without colour, coloured for those who see it."""
    colour = {
        "up": theme.success,
        "degraded": theme.warning,
        "down": theme.error,
        "maintenance": theme.primary,
        "stale": theme.warning,
    }.get(state)
    style = Style(color=colour, bold=state in {"down", "degraded", "stale"}) if colour else Style(dim=True)
    return Text(f"{STATE_SYMBOL.get(state, '?')} {state}", style=style)


def sparkline(values: list[float], width: int = 12, *, from_zero: bool = False) -> str:
    """Latest `width` values as block characters, scaled between their own min (or 0) and max."""
    recent = values[-width:]
    if not recent:
        return ""
    low, high = (0.0 if from_zero else min(recent)), max(recent)
    span = high - low or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int((v - low) / span * (len(SPARK) - 1)))] for v in recent)


def latency_text(latency_ms: float | None) -> str:
    if latency_ms is None:
        return "-"
    return f"{latency_ms:.0f} ms" if latency_ms < 10_000 else f"{latency_ms / 1000:.0f} s"


def age_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.0f}h"


def freshness_text(age_seconds: float | None, interval_seconds: float) -> str:
    """Age for a table cell: `<30s` while the next result is not yet due, the real age once overdue.

    A steady value while data is fresh means a healthy table repaints only when results arrive;
    a ticking number appears exactly when it matters, when results stop coming.
    """
    if age_seconds is None:
        return "-"
    if age_seconds <= interval_seconds + 1:
        return f"<{age_text(interval_seconds)}"
    return age_text(age_seconds)


def source_lines(lines: list[str], states: list[str], theme: Theme) -> Text:
    """A view's sources, a line each, coloured by state (ok, refused, failing, rate-limited; the rest dim)."""
    colours = {"ok": theme.success, "refused": theme.error, "failing": theme.error, "rate-limited": theme.warning}
    text = Text()
    for n, (line, state) in enumerate(zip(lines, states, strict=True)):
        colour = colours.get(state)
        text.append(("\n" if n else "") + line, style=Style(color=colour) if colour else Style(dim=True))
    return text
