"""One poll of a remote log source: the cursor's window read page by page under one deadline.

A page that comes back full (as many events as asked for) is continued from its newest event's time, up to
MAX_PAGES a poll; what is left is read by the next poll, at once (the source is "behind" meanwhile). A page that
cannot move forward (more events at one instant, or in one minute for Supabase, than a page holds) is stepped over
and said: those events are not all shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tessa_tui.logs.remote_cursor import Cursor, Event, Window
from tessa_tui.logs.remote_http import Api, Deadline

if TYPE_CHECKING:
    import httpx

MAX_PAGES = 10


@dataclass(frozen=True)
class Page:
    """What one request brought: its events, whether it came back full, and rows left out (with why)."""

    events: list[Event]
    full: bool
    skipped: int = 0


class RemoteApi(Protocol):
    """A remote log API as the poller uses it (tessa_tui.logs.supabase_logs, tessa_tui.logs.loki_logs)."""

    api: Api

    def align(self, window: Window) -> Window:
        """The window as the API will really read it (Supabase: whole minutes)."""

    def next_start(self, last_ns: int, start_ns: int) -> int:
        """Where the page after a full one starts, given its newest event; `start_ns` or less: it cannot move."""

    def step_over(self, start_ns: int) -> int:
        """Past a page that cannot move: the next instant the API can be asked from."""

    async def page(self, client: httpx.AsyncClient, start_ns: int, end_ns: int, deadline: Deadline) -> Page:
        """One request for [start, end): RemoteFault when it fails."""


@dataclass
class PollResult:
    """What one poll read: the events that are news, and what it could not read."""

    events: list[Event] = field(default_factory=list)
    complete: bool = True
    """The window was read to its end (else the next poll goes on at once)."""
    lost_ns: int = 0
    """How much of a gap was beyond the API's window, not read."""
    crowded_at_ns: list[int] = field(default_factory=list)
    """Instants stepped over because more events shared them than a page holds."""
    skipped: int = 0
    """Rows of the answers that were no events (no readable time), left out."""


async def poll(
    remote: RemoteApi, client: httpx.AsyncClient, cursor: Cursor, now_ns: int, timeout_s: float
) -> PollResult:
    """Read the cursor's next window (RemoteFault when a request fails: what was read before it stays admitted)."""
    deadline = Deadline(timeout_s)
    window = remote.align(cursor.window(now_ns))
    result = PollResult(lost_ns=window.lost_ns)
    start = window.start_ns
    for _ in range(MAX_PAGES):
        page = await remote.page(client, start, window.end_ns, deadline)
        result.skipped += page.skipped
        result.events += cursor.admit(page.events)
        if not page.full or not page.events:
            cursor.read_to(min(window.end_ns, now_ns))
            return result
        newest = max(event.at_ns for event in page.events)
        following = remote.next_start(newest, start)
        if following <= start:
            result.crowded_at_ns.append(start)
            following = remote.step_over(start)
        if following >= window.end_ns:
            cursor.read_to(min(window.end_ns, now_ns))
            return result
        start = following
    result.complete = False
    return result
