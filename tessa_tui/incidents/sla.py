"""SLA clocks, derived from journal timestamps only, so a restart (or a second console) shows the same time.

Every clock runs from a start to a deadline and stops when what it waits for happens: the response clock
at acknowledgement, a phase's time box when its last step is ticked, an issue runbook's resolution and
escalation clocks when the incident is resolved. The stakeholder-update clock is the exception that
restarts: it runs from the last update posted (a Slack or Statuspage step's action, or one recorded by hand:
`u`, `:update`, `incident update`) to the severity's `update_every`. Levels change at 50 %, 80 % and 100 %.

A clock stopped by the resolution is not thereby met: a phase is met only when all its steps were done inside
its box (else `missed: 2 of 4 steps done when the box ended`), the update clock only when updates went out
in time (else `not met: no update posted`, or the longest silence).

Times come from whichever machine recorded them. When they contradict the incident's order (acknowledged
before detection, ticked before the incident began, a time in the future) the clock is `suspect`, with why,
and never reports a target as met.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from tessa_tui.base.durations import format_clock, format_duration
from tessa_tui.base.time_source import Now
from tessa_tui.config.model import Severity
from tessa_tui.incidents.incident import MILESTONES, Incident
from tessa_tui.runbook.load import RunbookPack

UPDATE_ACTIONS = frozenset({"slack", "statuspage"})  # step actions that tell stakeholders where things stand
LEVELS = ("ok", "warn", "danger", "breach")  # below 50 %, from 50 %, from 80 %, past the deadline
THRESHOLDS = ((1.0, "breach"), (0.8, "danger"), (0.5, "warn"))
SKEW_TOLERANCE = timedelta(seconds=60)  # a time this far past now is another machine's wrong clock


@dataclass(frozen=True, slots=True)
class SlaTimer:
    """One countdown."""

    key: str  # `INC-3:response`: stable across restarts; notifications remember what they announced by it
    label: str
    kind: str  # response, update, phase, resolution, escalate
    start: datetime
    deadline: datetime
    stopped_at: datetime | None = None
    suspect: str = ""
    """Why its times cannot be trusted (from the incident's order), or empty."""
    newest: datetime | None = None
    """The incident's latest recorded time: past `now` (beyond a tolerance) it makes the clock suspect."""
    unmet: str = ""
    """Once stopped: why its target was not met although it stopped in time (steps left undone at the
    resolution, no update posted), said instead of `met`; empty when the stop itself tells the truth."""

    @property
    def budget(self) -> timedelta:
        return self.deadline - self.start

    def used(self, now: datetime) -> float:
        """Share of the budget used (frozen once stopped)."""
        end = min(now, self.stopped_at) if self.stopped_at else now
        seconds = self.budget.total_seconds()
        return (end - self.start).total_seconds() / seconds if seconds > 0 else 1.0

    def level(self, now: datetime) -> str:
        if self.unmet and not self.running(now):
            return "breach"
        used = self.used(now)
        return next((level for limit, level in THRESHOLDS if used >= limit), "ok")

    def remaining(self, now: datetime) -> timedelta:
        end = min(now, self.stopped_at) if self.stopped_at else now
        return self.deadline - end

    def running(self, now: datetime) -> bool:
        return self.stopped_at is None or self.stopped_at > now

    def doubt(self, now: datetime) -> str:
        """Why this clock's result cannot be trusted at `now`, or empty."""
        if self.suspect:
            return self.suspect
        future = [t for t in (self.start, self.stopped_at, self.newest) if t is not None and t > now + SKEW_TOLERANCE]
        if future:
            return f"recorded in the future ({max(future):%Y-%m-%d %H:%M} UTC): a clock is wrong"
        return ""

    def text(self, now: datetime) -> str:
        """`12:41 left`, `03:10 over`, or `met with 04:12 to spare` / `missed by 01:02` once stopped;
        `suspect: why` when its times contradict each other."""
        doubt = self.doubt(now)
        if doubt:
            return f"suspect: {doubt}"
        remaining = self.remaining(now)
        if not self.running(now):
            if self.unmet:
                return self.unmet
            if remaining >= timedelta(0):
                return f"met, {format_clock(remaining)} to spare"
            return f"missed by {format_clock(-remaining)}"
        if remaining >= timedelta(0):
            return f"{format_clock(remaining)} left"
        return f"{format_clock(-remaining)} over"


def incident_clocks(incident: Incident, pack: RunbookPack, severities: Mapping[str, Severity]) -> list[SlaTimer]:
    """Every clock of an incident: response, stakeholder updates, phase time boxes, issue runbooks'
    resolution and escalation."""
    resolved = incident.resolved_at
    clocks: list[SlaTimer] = []
    order = _disorder(incident)
    newest = max((e.at for e in incident.events), default=None)

    def clock(
        key: str,
        label: str,
        kind: str,
        start: datetime,
        deadline: datetime,
        stop: datetime | None,
        start_word: str,
        unmet: str = "",
    ) -> SlaTimer:
        suspect = order
        if not suspect and stop is not None and stop < start:
            what = "resolved" if stop == resolved else _STOP_WORDS[kind]
            suspect = f"{what} before {start_word}"
        clocks.append(SlaTimer(key, label, kind, start, deadline, stop, suspect, newest, unmet))
        return clocks[-1]

    severity = severities.get(incident.severity)
    if severity is not None:
        # The response target runs from detection, across severity changes, to acknowledgement.
        start = incident.milestones.get("detected", incident.declared_at)
        acked = incident.milestones.get("acknowledged")
        stop = _first(acked, resolved)
        clock(
            f"{incident.id}:response",
            f"Response ({incident.severity})",
            "response",
            start,
            start + severity.response_target,
            stop,
            "detection",
        )
        if severity.update_every is not None:
            last = last_update(incident)
            clock(
                f"{incident.id}:update",
                "Next stakeholder update",
                "update",
                last,
                last + severity.update_every,
                resolved,
                "the last update",
                _updates_unmet(incident, severity.update_every),
            )
    began = incident.milestones.get("began", incident.declared_at)
    for attachment in incident.runbooks:
        runbook = pack.runbooks.get(attachment.runbook)
        if runbook is None:
            continue
        for phase in runbook.phases:
            if phase.within is None:
                continue
            ticks = [incident.ticked(runbook.id, s.id) for s in phase.steps]
            done = max(t.at for t in ticks if t) if all(ticks) else None
            deadline = began + phase.within
            stop = _first(done, resolved)
            box_end = min(deadline, stop) if stop else deadline
            in_box = sum(1 for t in ticks if t is not None and t.at <= box_end)
            unmet = "" if in_box == len(ticks) else f"missed: {in_box} of {len(ticks)} steps done when the box ended"
            clock(
                f"{incident.id}:phase:{runbook.id}:{phase.name}",
                phase.name,
                "phase",
                began,
                deadline,
                stop,
                "the incident began",
                unmet,
            )
        since = attachment.at
        if runbook.time_to_resolution is not None:
            clock(
                f"{incident.id}:resolution:{runbook.id}",
                f"Expected resolution · {runbook.title}",
                "resolution",
                since,
                since + runbook.time_to_resolution.max,
                resolved,
                "the runbook was attached",
            )
        if runbook.escalate_after is not None:
            clock(
                f"{incident.id}:escalate:{runbook.id}",
                f"Escalate if unresolved · {runbook.title}",
                "escalate",
                since,
                since + runbook.escalate_after,
                resolved,
                "the runbook was attached",
            )
    return clocks


_STOP_WORDS = {"response": "acknowledged", "phase": "its steps were ticked"}
_DONE = {
    "began": "began",
    "detected": "detected",
    "acknowledged": "acknowledged",
    "root_cause": "root cause found",
    "resolution_applied": "resolution applied",
    "verified_resolved": "verified resolved",
}
_MOMENT = {
    "began": "the incident began",
    "detected": "detection",
    "acknowledged": "acknowledgement",
    "root_cause": "the root cause",
    "resolution_applied": "the resolution",
    "verified_resolved": "verification",
}


def _disorder(incident: Incident) -> str:
    """The first pair of milestones out of order (`acknowledged before detection`), or empty."""
    present = [(m, incident.milestones[m]) for m in MILESTONES if m in incident.milestones]
    for n, (later, later_at) in enumerate(present):
        for earlier, earlier_at in reversed(present[:n]):  # the nearest first: "before detection"
            if later_at < earlier_at:
                return f"{_DONE[later]} before {_MOMENT[earlier]}"
    return ""


def update_times(incident: Incident) -> list[datetime]:
    """When stakeholders heard: each Slack / Statuspage step that went out, and each update recorded by hand."""
    return [
        e.at
        for e in incident.events
        # A post that failed told nobody anything, so only one that went out (its expectations held) counts.
        if (e.kind == "action_output" and e.data.get("action") in UPDATE_ACTIONS and e.data.get("ok") is True)
        or e.kind == "stakeholder_update"
    ]


def last_update(incident: Incident) -> datetime:
    """When stakeholders last heard, else the declaration."""
    return max(update_times(incident), default=incident.declared_at)


def _updates_unmet(incident: Incident, every: timedelta) -> str:
    """Why the update target was not met over the incident (once resolved), or empty: no update at all, or a
    silence longer than `every` between the declaration, the updates and the resolution."""
    resolved = incident.resolved_at
    if resolved is None:
        return ""
    posted = sorted(update_times(incident))
    if not posted:
        return "not met: no update posted"
    moments = [incident.declared_at, *posted, resolved]
    gap, since = max(((b - a, a) for a, b in pairwise(moments)), key=lambda g: g[0])
    if gap > every:
        return f"missed: no update for {format_duration(gap)} from {since:%H:%M}"
    return ""


def current_phase(clocks: Iterable[SlaTimer], now: datetime) -> SlaTimer | None:
    """The running phase whose deadline comes first (the one the team should be working)."""
    running = [c for c in clocks if c.kind == "phase" and c.running(now)]
    return min(running, key=lambda c: c.deadline, default=None)


def clock_subject(clock: SlaTimer) -> str:
    """What a clock times: the runbook's title for an expected-resolution or escalation clock (labelled
    `Escalate if unresolved · <runbook title>`, so two of them never read alike), else its label."""
    _what, sep, subject = clock.label.partition(" · ")
    return subject if sep and clock.kind in ("resolution", "escalate") else clock.label


@dataclass(frozen=True, slots=True)
class Alert:
    """A clock crossed a threshold: what to tell the room."""

    clock: SlaTimer
    level: str

    def message(self, now: datetime) -> str:
        incident = self.clock.key.split(":", 1)[0]
        if self.clock.kind == "escalate" and self.level == "breach":
            subject = clock_subject(self.clock)
            return f"{incident}: escalate now: {subject} unresolved after {format_clock(self.clock.budget)}"
        if self.clock.kind == "update" and self.level == "breach":
            return f"{incident}: stakeholder update overdue: none posted in {format_duration(self.clock.budget)}"
        share = {"warn": "half", "danger": "80 %", "breach": "all"}[self.level]
        return f"{incident} {self.clock.label}: {share} of the time used, {self.clock.text(now)}"


class ThresholdWatcher:
    """Remembers which thresholds were announced, so each is announced once, even across restarts.

    A clock whose start moved (the update clock after an update was posted) is a new countdown: its
    thresholds are announced afresh.
    """

    def __init__(self, clock: Now) -> None:
        self._now = clock
        self._announced: dict[str, tuple[datetime, str]] = {}

    def prime(self, clocks: Iterable[SlaTimer]) -> None:
        """Accept the clocks' current levels as already announced (on start-up: no burst of old news)."""
        now = self._now()
        for c in clocks:
            self._announced[c.key] = (c.start, c.level(now))

    def check(self, clocks: Iterable[SlaTimer]) -> list[Alert]:
        """Alerts for running clocks that reached a higher level since the last check."""
        now = self._now()
        alerts: list[Alert] = []
        for c in clocks:
            level = c.level(now)
            start, before = self._announced.get(c.key, (c.start, "ok"))
            if start != c.start:
                before = "ok"  # restarted: a new countdown
            if LEVELS.index(level) > LEVELS.index(before):
                self._announced[c.key] = (c.start, level)
                if c.running(now):
                    alerts.append(Alert(c, level))
        return alerts


def _first(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None
