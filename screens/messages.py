"""Every message the UI passes, in one place: typed dataclasses, the only way data reaches a widget.

Workers (engine watchers, the desk's journal thread, a review) post them; handlers on the UI side own the state
they carry. The engine types are imported for the type checker only: this module loads with the first frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from tessa_tui.checks.result import CheckResult
    from tessa_tui.database.size_history import Growth
    from tessa_tui.database.snapshot import DbSnapshot
    from tessa_tui.deployments.model import DeploymentsUpdate
    from tessa_tui.integrations.pagerduty import PdIncident
    from tessa_tui.logs.ingest import Batch
    from tessa_tui.metrics.model import MetricsUpdate
    from tessa_tui.run.review import Review, ReviewItem


@dataclass
class CheckReported(Message):
    """A service check finished one run."""

    result: CheckResult


@dataclass
class PagerDutyReported(Message):
    """One poll of PagerDuty's open incidents: the list, or the one-line reason it could not be had."""

    incidents: list[PdIncident]
    error: str | None = None


@dataclass
class LogLines(Message):
    """New records from one source, parsed and counted in a worker thread (a flood arrives in few messages);
    `taken` is set once the pane has them, and only then does the source read further."""

    batch: Batch
    taken: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class DbPolled(Message):
    """The monitor finished a poll (or lost the server): a snapshot to show (tessa_tui.database.watch.DbUpdate)."""

    snapshot: DbSnapshot
    retry_in: float | None = None
    growth: Sequence[Growth] | None = None


@dataclass
class DeploymentsPolled(Message):
    """A source of deployments was read (or failed): every source's state at that moment."""

    update: DeploymentsUpdate


@dataclass
class MetricsPolled(Message):
    """A metrics source was read (or failed): every series and source as they stand."""

    update: MetricsUpdate


@dataclass
class IncidentsChanged(Message):
    """The journal has new events (from this console or another process)."""

    changed: set[str]


@dataclass
class SharedChanged(Message):
    """The shared journal's state or the consoles present changed (the desk says what they are now)."""


@dataclass
class ActorChanged(Message):
    """`:iam`: who is typing on this terminal from now on."""

    who: str


@dataclass
class RunbookChosen(Message):
    """A runbook picked in the palette (the App attaches it to the open incident, or shows it to read)."""

    runbook_id: str


@dataclass
class FirstFrameDrawn(Message):
    """A screen's footer has drawn its keys for the first time: the last part of that screen's first frame."""


@dataclass
class ItemJudged(Message):
    """One review item is known (from the review's worker)."""

    index: int
    item: ReviewItem


@dataclass
class ReviewDone(Message):
    """The review finished: saved (its id set), or not, and why."""

    review: Review | None
    error: str = ""
