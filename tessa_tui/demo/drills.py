"""The demo's drills: one per common issue in the seed runbook, each breaking the platform in its own way."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing is what `tessa-tui --help` must not pay for

if TYPE_CHECKING:
    from collections.abc import Callable


class Drill:
    """A rehearsable failure: what breaks and which panes should show it. (A plain class: `tessa-tui --help`
    lists the drills, and a dataclass would add inspect to every command's start, a NamedTuple typing.)"""

    __slots__ = ("breaks", "name", "panes", "title")

    def __init__(self, name: str, title: str, breaks: str, panes: tuple[str, ...]) -> None:
        self.name = name
        self.title = title
        self.breaks = breaks
        self.panes = panes


DRILLS: tuple[Drill, ...] = (
    Drill(
        "service-unavailable",
        "Service Unavailable",
        "the frontend answers 503; error burst in the app log",
        ("services", "logs"),
    ),
    Drill(
        "login-failures",
        "Login Failures Spike",
        "auth health reports a 35% failure rate; failed_login_attempts rows pour in; Supabase status minor",
        ("services", "logs", "database"),
    ),
    Drill(
        "ai-chat",
        "AI Chat Not Responding",
        "the chat function times out; OpenAI's status page says major outage",
        ("services", "logs"),
    ),
    Drill(
        "db-slow",
        "Database Slow Queries",
        "pg_sleep queries, a blocking lock on chat_messages; database health times out",
        ("services", "database", "logs"),
    ),
    Drill(
        "sync-failures",
        "Sync Failures",
        "the sync_queue backs up with failed rows; the sync function reports the backlog",
        ("services", "database", "logs"),
    ),
    Drill(
        "bad-deploy",
        "Bad Deploy",
        "a new production deployment on Vercel breaks the frontend: health answers 500, errors in the app log; "
        "the frontend rollback runbook's promote step fixes it",
        ("services", "logs", "deployments"),
    ),
)
DRILL_NAMES = tuple(d.name for d in DRILLS)
ALL_CLEAR = "all-clear"


class DrillBoard:
    """Which drills are running; the platform's parts read it on every request or tick."""

    def __init__(self) -> None:
        self.active: set[str] = set()
        self.on_start: list[Callable[[str], None]] = []
        """Called with a drill's name each time it is started (the simulated PagerDuty pages for it)."""
        self.on_clear: list[Callable[[], None]] = []
        """Called on all-clear (the simulated Vercel rolls a bad deploy back)."""

    def start(self, name: str) -> None:
        if name not in DRILL_NAMES:
            raise ValueError(f"unknown drill {name!r}; drills: {', '.join(DRILL_NAMES)}")
        self.active.add(name)
        for listener in self.on_start:
            listener(name)

    def clear(self) -> None:
        self.active.clear()
        for listener in self.on_clear:
            listener()

    def __contains__(self, name: object) -> bool:
        return name in self.active
