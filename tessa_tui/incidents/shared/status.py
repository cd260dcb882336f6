"""Where the shared journal stands, in the words the header, `journal status` and the war-room screen use:
`shared: live`, `shared: 12 events waiting (offline since 14:02 UTC)`, `local only`. Nothing is silently
unsynced: events waiting are always counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Mode = Literal["local", "connecting", "live", "offline", "refused"]


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """One reading of the sync."""

    mode: Mode
    waiting: int = 0
    """Local events the shared journal is not known to have."""
    since: datetime | None = None
    """Offline or refused since (the last time it answered; None: never, by this journal's record)."""
    reason: str = ""
    """Why it is offline or refused (one line, no DSN)."""
    held: int = 0
    """Local rows that cannot be read, so are not shared (`journal check` lists them)."""
    refused_rows: int = 0
    """Shared rows that could not be taken in (not text, or too large)."""

    def text(self) -> str:
        """One line for the header."""
        waiting = f"{self.waiting} event{'s' if self.waiting != 1 else ''} waiting"
        since = f" since {self.since:%H:%M} UTC" if self.since else ""
        if self.mode == "local":
            return "local only"
        if self.mode == "live":
            return "shared: live" + (f", {waiting}" if self.waiting else "")
        if self.mode == "connecting":
            return "shared: connecting" + (f", {waiting}" if self.waiting else "")
        if self.mode == "refused":
            return f"shared: refused ({waiting}): {self.reason}"
        return f"shared: {waiting} (offline{since or ', never reached'})"

    def header(self) -> str:
        """The header's shorter line: a refusal's reason is too long for it (`refusal` says it once, in full)."""
        if self.mode == "refused":
            return f"shared: refused, {self.waiting} waiting"
        return self.text()

    def refusal(self) -> str:
        """Why the shared journal refused (empty unless it did): for a notification, once."""
        return f"Shared journal refused: {self.reason}" if self.mode == "refused" else ""

    def lines(self) -> list[str]:
        """`journal status`: the header's line, then why and what is held back."""
        out = [self.text()]
        if self.mode == "offline" and self.reason:
            out.append(f"  why: {self.reason}")
        if self.held:
            out.append(f"  {self.held} local rows cannot be read and are not shared: see `tessa-tui journal check`")
        if self.refused_rows:
            out.append(f"  {self.refused_rows} shared rows could not be taken in (not text, or too large)")
        return out
