"""The daily and weekly health reviews: a review runbook run once, each measurable item judging itself.

Every step with an action runs (probes, checks, queries) and passes or fails by its `expect`; a step without
one, or whose probe has nothing to measure here, is listed as manual: a person does it, and it never counts as
passed. The finished review goes into the journal as one `review_finished` event under its own id (`REV-3`),
which the incident fold skips, because its first event is not a declaration.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from tessa_tui.base.capabilities import MEASURE
from tessa_tui.base.errors import UserError
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now
from tessa_tui.config.load import LoadedConfig
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.journal import Event, Journal, new_event
from tessa_tui.run.step_actions import ActionResult, run_step, values_for
from tessa_tui.runbook.load import configured_pack
from tessa_tui.runbook.model import Runbook, Step

REVIEWS = {"daily": "daily-health-check", "weekly": "weekly-health-review"}
FINISHED = "review_finished"
PREFIX = "REV-"
State = Literal["passed", "failed", "manual"]
MARK: dict[str, str] = {"passed": "✔", "failed": "✖", "manual": "·"}


@dataclass(frozen=True)
class ReviewItem:
    """One step of a review and how it came out."""

    step: str
    text: str
    state: State
    status: str = ""
    """What was measured, in one line (`7 of 7 up`), or why it is left to a person."""
    why: str = ""
    """The expectations as evaluated (`[BODY].value (0.003) < 0.01`), or what went wrong."""
    duration_ms: float = 0.0

    def record(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "text": self.text,
            "state": self.state,
            "status": self.status,
            "why": self.why,
            "duration_ms": round(self.duration_ms, 1),
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ReviewItem:
        """An item as saved (text sanitised again: the journal may have been written by anything)."""
        state = str(data.get("state"))
        return cls(
            step=sanitize(str(data.get("step", ""))),
            text=sanitize(str(data.get("text", ""))),
            state=state if state in MARK else "manual",  # type: ignore[arg-type]
            status=sanitize(str(data.get("status", ""))),
            why=sanitize(str(data.get("why", ""))),
            duration_ms=float(data.get("duration_ms") or 0),
        )


@dataclass
class Review:
    """A review run: its items in checklist order; `id` once it is saved."""

    runbook: str
    title: str
    started_at: datetime
    items: list[ReviewItem] = field(default_factory=list)
    finished_at: datetime | None = None
    id: str = ""
    actor: str = ""

    @property
    def passed(self) -> bool:
        """No measurable item failed (manual ones are neither)."""
        return not any(item.state == "failed" for item in self.items)

    def count(self, state: State) -> int:
        return sum(item.state == state for item in self.items)

    def record(self) -> dict[str, Any]:
        """The journal's copy, and `check --review --json`."""
        return {
            "review": self.id or None,
            "runbook": self.runbook,
            "title": self.title,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "actor": self.actor,
            "passed": self.passed,
            "items": [item.record() for item in self.items],
        }


def review_runbook(loaded: LoadedConfig, which: str) -> Runbook:
    """The `daily` or `weekly` review's runbook from the configured pack (a runbook directory may replace it)."""
    if which not in REVIEWS:
        raise UserError(f"--review {which!r}: choose {' or '.join(REVIEWS)}")
    config = loaded.config
    return configured_pack(config.runbooks.paths, loaded.path, config.placeholders).get(REVIEWS[which])


def item_of(step: Step, result: ActionResult) -> ReviewItem:
    """A step's action result as a review item: its expectations decide; without any it is for a person."""
    state: State = "passed" if result.ok else "failed" if result.ok is False else "manual"
    status = result.status
    if state == "manual" and not status.startswith("manual"):
        status = f"manual: {status}; no expectation to judge it by"
    return ReviewItem(step.id, step.text, state, status, result.why if state != "manual" else "", result.duration_ms)


async def run_review(
    runbook: Runbook,
    config: TessaConfig,
    *,
    secrets: Iterable[str] = (),
    journal: Path | None = None,
    on_item: Callable[[int, ReviewItem], object] | None = None,
    clock: Now = lambda: datetime.now(UTC),
) -> Review:
    """Run every step of `runbook` in order; `on_item(index, item)` as each is known. Destructive steps are
    never run by a review: they are listed as manual."""
    review = Review(runbook.id, runbook.title, clock())
    values = values_for(config)
    hidden = list(secrets)
    for index, (_, step) in enumerate(runbook.steps()):
        if step.action is None or step.destructive:
            reason = "destructive: run it from the incident screen" if step.destructive else "by hand"
            item = ReviewItem(
                step.id, step.text, "manual", f"manual: {reason}", step.notes.splitlines()[0] if step.notes else ""
            )
        else:
            try:
                result = await run_step(step, values, config, capabilities=MEASURE, secrets=hidden, journal=journal)
            except UserError as exc:  # a value the step needs is not configured: it could not be measured
                item = ReviewItem(step.id, step.text, "failed", f"cannot run: {exc}")
            else:
                item = item_of(step, result)
        review.items.append(item)
        if on_item is not None:
            on_item(index, item)
    review.finished_at = clock()
    return review


def save_review(review: Review, path: Path, actor: str) -> Review:
    """Commit the review to the journal under the next REV-N (JournalError when it cannot be saved).

    The number is read, then written: two reviews saved in the same instant may share it; both are kept, as
    each is its own event."""
    journal = Journal(path, actor=actor)
    try:
        taken = {e.incident for e in journal.events_since(0) if e.kind == FINISHED and e.incident.startswith(PREFIX)}
        review.id = f"{PREFIX}{len(taken) + 1}"
        review.actor = actor
        journal.append(new_event(review.id, FINISHED, **review.record()))
    finally:
        journal.close()
    return review


def saved_reviews(events: Iterable[Event]) -> list[Review]:
    """Every saved review in a stream of journal events, oldest first."""
    reviews = []
    for event in events:
        if event.kind != FINISHED:
            continue
        data = dict(event.data)
        review = Review(
            runbook=sanitize(str(data.get("runbook", ""))),
            title=sanitize(str(data.get("title", ""))),
            started_at=_time(data.get("started_at")) or event.at,
            items=[ReviewItem.from_record(i) for i in data.get("items", []) if isinstance(i, dict)],
            finished_at=event.at,
            id=event.incident,
            actor=event.actor,
        )
        reviews.append(review)
    return reviews


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def item_line(item: ReviewItem) -> str:
    """One item as the CLI prints it (and the console shows it): mark, step, what was measured, why."""
    head = f"{MARK[item.state]} {item.state:<6}  {item.step}: "
    if item.state == "manual":
        return head + item.text + (f" ({item.status.removeprefix('manual: ')})" if item.status else "")
    return head + item.status + (f" · {item.why}" if item.why else "")


def summary_line(review: Review) -> str:
    verdict = "PASSED" if review.passed else "FAILED"
    counts = f"{review.count('passed')} passed, {review.count('failed')} failed, {review.count('manual')} manual"
    saved = f"saved as {review.id}" if review.id else "not saved"
    return f"{review.title}: {verdict} ({counts}) · {saved}"


def format_review(review: Review) -> str:
    """The review as text: each item on its line, then the verdict."""
    return "\n".join([*(item_line(item) for item in review.items), summary_line(review)])


def to_json(review: Review) -> str:
    return json.dumps(review.record(), indent=2, ensure_ascii=False)
