"""A deployment as the console shows it, whatever platform it came from, and the state of each source's reading.

Everything outside text in here is sanitised and cut to size when it is made (`clean`): a commit message with
an escape sequence or a 1 MB branch name reaches no screen, JSON document or journal as it came.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from tessa_tui.base.sanitize import sanitize

if TYPE_CHECKING:
    from collections.abc import Iterable

Status = Literal["ready", "building", "queued", "error", "canceled", "commit", "unknown"]
STATUS_SYMBOL: dict[str, str] = {
    "ready": "●",
    "building": "◐",
    "queued": "◌",
    "error": "✖",
    "canceled": "⊘",
    "commit": "◇",
    "unknown": "?",
}
"""A status as a symbol beside its word: readable without colour."""

SourceState = Literal["reading", "ok", "refused", "rate-limited", "failing"]
SOURCE_SYMBOL: dict[str, str] = {"reading": "◌", "ok": "●", "refused": "✖", "rate-limited": "▲", "failing": "✖"}

RECENT_MARK = "▲"
"""Marks a deployment younger than `deployments.recent`: the seed's "check recent deployments (last 2 hours)"."""

TEXT_LIMITS = {"id": 80, "sha": 40, "message": 200, "ref": 120, "creator": 80, "target": 40, "url": 300}


def clean(value: object, limit: int, hidden: Iterable[str] = ()) -> str:
    """Outside text for the console: a string (anything else is nothing), one line, sanitised, cut to `limit`;
    `hidden` (the source's token) masked first, as a whole: a token across the cut would show its beginning."""
    if not isinstance(value, str):
        return ""
    if hidden:
        from tessa_tui.base.redact import redact_text

        value = redact_text(value, {s for s in hidden if len(s) >= 4})
    first = value[: limit * 4].split("\n", 1)[0]
    return sanitize(first).strip()[:limit]


def epoch_ms(value: object) -> datetime | None:
    """A JavaScript timestamp (milliseconds) as a UTC time; None for anything not a finite number in 1970-2200."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # Compared before anything converts it: an int of 400 digits is no float (math.isfinite would overflow).
    if not 0 <= value <= 7_258_118_400_000 or not math.isfinite(value):
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def iso_time(value: object) -> datetime | None:
    """An ISO 8601 time as a UTC time in 1970-2200, as `epoch_ms`; None for anything else (a naive time is taken
    as UTC)."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        # An offset can carry year 1 or 9999 past datetime's range: astimezone raises OverflowError.
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return when if _EPOCH <= when <= _LAST else None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Deployment:
    """One deployment (or, from a git source, one commit) as listed."""

    source: str
    """The configured source's name."""
    kind: str
    """vercel, netlify or git."""
    id: str
    created_at: datetime | None
    """None when the platform gave no readable time: its age is unknown, and it is never marked recent."""
    status: Status
    target: str
    """production, preview, a Netlify context, or the git branch."""
    sha: str = ""
    message: str = ""
    ref: str = ""
    """The branch or git ref it was built from."""
    creator: str = ""
    url: str = ""
    current: bool = False
    """This is what production serves now, as the platform said at the same reading."""

    def age(self, now: datetime) -> timedelta | None:
        return None if self.created_at is None else max(now - self.created_at, timedelta(0))

    def is_recent(self, now: datetime, within: timedelta) -> bool:
        age = self.age(now)
        return age is not None and age <= within

    @property
    def production(self) -> bool:
        return self.target == "production"

    def to_json(self, now: datetime, within: timedelta) -> dict[str, Any]:
        """The `deployments --json` contract for one deployment (docs/cli-json.md)."""
        age = self.age(now)
        return {
            "source": self.source,
            "kind": self.kind,
            "id": self.id,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "age_s": None if age is None else round(age.total_seconds()),
            "recent": self.is_recent(now, within),
            "status": self.status,
            "target": self.target,
            "current": self.current,
            "sha": self.sha,
            "message": self.message,
            "ref": self.ref,
            "creator": self.creator,
            "url": self.url,
        }


@dataclass(frozen=True)
class SourceReading:
    """What is known of one source: its deployments as last read, and how its latest read went."""

    name: str
    kind: str
    state: SourceState = "reading"
    deployments: tuple[Deployment, ...] = ()
    """As last read successfully (kept while later reads fail, and said to be old)."""
    error: str = ""
    """One line: why the latest read failed (never a token)."""
    read_at: datetime | None = None
    """When the deployments were read; None: never."""
    failing_since: datetime | None = None
    retry_at: datetime | None = None
    """A rate-limited source is not asked again before this."""
    skipped: int = 0
    """Items of the latest answer that were not deployments (no id), left out."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def current(self) -> Deployment | None:
        return next((d for d in self.deployments if d.current), None)

    def failed(self, state: SourceState, error: str, now: datetime, retry_at: datetime | None = None) -> SourceReading:
        """This reading after a failed read: the deployments kept, the failure said, since when."""
        return replace(self, state=state, error=error, failing_since=self.failing_since or now, retry_at=retry_at)

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "state": self.state,
            "error": self.error,
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "failing_since": self.failing_since.isoformat() if self.failing_since else None,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "current": (self.current.id if self.current else None),
            "count": len(self.deployments),
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class DeploymentsUpdate:
    """Every source at one moment: what the view and `tessa-tui deployments` show."""

    sources: tuple[SourceReading, ...]
    at: datetime
    recent_within: timedelta

    def deployments(self) -> list[Deployment]:
        """Every source's deployments, newest first (those of unknown time last)."""
        rows = [d for source in self.sources for d in source.deployments]
        epoch = datetime.min.replace(tzinfo=UTC)
        return sorted(rows, key=lambda d: d.created_at or epoch, reverse=True)

    def recent(self) -> list[Deployment]:
        return [d for d in self.deployments() if d.is_recent(self.at, self.recent_within)]

    @property
    def all_read(self) -> bool:
        return all(source.state == "ok" for source in self.sources)

    def to_json(self) -> dict[str, Any]:
        """The `deployments --json` document (docs/cli-json.md)."""
        return {
            "at": self.at.isoformat(),
            "recent_within_s": round(self.recent_within.total_seconds()),
            "all_read": self.all_read,
            "sources": [source.to_json(self.at) for source in self.sources],
            "deployments": [d.to_json(self.at, self.recent_within) for d in self.deployments()],
        }
