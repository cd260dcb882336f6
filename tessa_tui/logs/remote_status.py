"""A remote log source's state as the logs pane and `tessa-tui logs` say it: live, behind (by how much), failing
(why), rate-limited; each since when it began."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from tessa_tui.base.durations import format_duration

RemoteState = Literal["connecting", "live", "behind", "failing", "rate-limited"]
STATE_SYMBOL: dict[str, str] = {"connecting": "◌", "live": "●", "behind": "◐", "failing": "✖", "rate-limited": "▲"}
"""A state as a symbol beside its word: readable without colour."""


@dataclass(frozen=True)
class RemoteStatus:
    """Where a remote source stands after its latest poll."""

    source: str
    state: RemoteState
    since: datetime
    """When this state began (a state that goes on keeps its first moment)."""
    detail: str = ""
    """Why it fails, or how far behind it is; one line, credentials masked."""
    behind_s: float = 0.0
    retry_at: datetime | None = None
    note: str = ""
    """What a poll could not read (a gap beyond the API's window, a crowded instant); kept until a poll reads all."""
    last_event: datetime | None = None

    def moved(self, state: RemoteState, now: datetime, **fields: object) -> RemoteStatus:
        """This status in `state`: since now if the state changed, since its first moment if it goes on."""
        same = state == self.state
        base: dict[str, object] = {"detail": "", "behind_s": 0.0, "retry_at": None, "note": self.note if same else ""}
        if not fields.get("note"):  # a note stays while the state does (a gap not read is said until things change)
            fields.pop("note", None)
        return replace(self, state=state, since=self.since if same else now, **{**base, **fields})  # type: ignore[arg-type]

    def text(self) -> str:
        """One line: `● platform live since 10:02 UTC`, `✖ loki failing since 10:05 UTC: Loki: HTTP 401 ...`."""
        head = f"{STATE_SYMBOL[self.state]} {self.source} {self.state}"
        if self.state == "behind":
            lag = round(self.behind_s / 60) * 60 if self.behind_s >= 90 else round(self.behind_s / 10) * 10
            head += f" by {format_duration(timedelta(seconds=lag))}"  # coarse: the line changes rarely
        line = f"{head} since {self.since:%H:%M} UTC"
        if self.state == "rate-limited" and self.retry_at is not None:
            line += f" (asking again at {self.retry_at:%H:%M:%S} UTC)"  # a moment, not a countdown: no repaint a second
        if self.detail:
            line += f": {self.detail}"
        if self.note:
            line += f" · {self.note}"
        return line
