"""Evidence from the monitors: when a service changed state, and when a resolved incident's services were seen
green again.

State flips are journal events of their own (incident `MONITOR`, kind `service_state`), not bound to any
incident: the console's services pane (its smoothed state) and `tessa-tui check` (each raw result) record one
only when a service's state differs from the last one recorded, never on every poll, never read-only. The
post-mortem reads them to say when an incident began and how it was detected, before anyone declared it.

Verification: after a resolution, every affected service checked green `VERIFY_GREEN_CHECKS` times in a row
makes a `verified` event (recorded by whichever of the console or `check` sees the last green result). The
greens are counted in `verify_check` events of the incident, at most N per run of green results, so the count
survives restarts and is shared by the console and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tessa_tui.incidents.incident import Incident
from tessa_tui.incidents.journal import Event, PendingEvent, new_event

MONITOR = "MONITOR"
"""The journal's incident key of monitor evidence (never declared, so never folded into an incident)."""
FLIP_KIND = "service_state"
RECORDED_STATES = frozenset({"up", "down", "degraded", "maintenance"})  # unknown and stale are no evidence
BAD_STATES = frozenset({"down", "degraded"})
VERIFY_GREEN_CHECKS = 3
EVIDENCE_WINDOW = timedelta(hours=6)
"""How long before a declaration a flip may be the incident's beginning (older ones are another story)."""
VERIFY_WITHIN = timedelta(hours=24)
"""Green checks verify incidents resolved this recently; an older one is verified by a person, if at all."""
_WORDS = {
    "down": "went down",
    "degraded": "became degraded",
    "up": "came back up",
    "maintenance": "went into maintenance",
}


@dataclass(frozen=True, slots=True)
class StateFlip:
    """One recorded change of a service's state."""

    at: datetime
    service: str
    state: str
    previous: str | None
    reason: str
    source: str  # console, check

    def describe(self) -> str:
        """`Frontend went down at 14:01 (check)`."""
        return f"{self.service} {_WORDS.get(self.state, 'became ' + self.state)} at {self.at:%H:%M} ({self.source})"


def flips_of(events: Iterable[Event]) -> list[StateFlip]:
    """The readable flips among monitor events, in journal order (others are skipped: evidence, not damage)."""
    flips = []
    for event in events:
        data = event.data
        service, state = data.get("service"), data.get("state")
        if event.kind != FLIP_KIND or not isinstance(service, str) or state not in RECORDED_STATES:
            continue
        previous = data.get("previous")
        flips.append(
            StateFlip(
                event.at,
                service,
                str(state),
                previous if isinstance(previous, str) else None,
                str(data.get("reason") or ""),
                str(data.get("source") or "monitor"),
            )
        )
    return flips


def last_states(flips: Iterable[StateFlip]) -> dict[str, str]:
    """Each service's last recorded state."""
    return {flip.service: flip.state for flip in flips}


def flip_event(service: str, state: str, previous: str | None, reason: str, source: str) -> PendingEvent:
    return new_event(
        MONITOR, FLIP_KIND, service=service, state=state, previous=previous, reason=reason[:300], source=source
    )


def outage_start(incident: Incident, flips: Sequence[StateFlip]) -> StateFlip | None:
    """The flip the incident began with: of the affected services (any service, when none are named), the
    earliest that went bad within EVIDENCE_WINDOW before the declaration and had not recovered by then."""
    declared = incident.declared_at
    named = set(incident.services)
    bad_since: dict[str, StateFlip] = {}
    for flip in flips:
        if flip.at > declared:
            break
        if named and flip.service not in named:
            continue
        if flip.state in BAD_STATES:
            bad_since.setdefault(flip.service, flip)
        else:
            bad_since.pop(flip.service, None)
    recent = [f for f in bad_since.values() if declared - f.at <= EVIDENCE_WINDOW]
    return min(recent, key=lambda f: f.at, default=None)


def affected_services(incident: Incident, flips: Sequence[StateFlip]) -> list[str]:
    """The services whose health decides the incident: those named, else the one its beginning was seen on."""
    if incident.services:
        return list(incident.services)
    start = outage_start(incident, flips)
    return [start.service] if start else []


def green_streaks(incident: Incident) -> dict[str, int]:
    """Per service, green checks in a row recorded since the last resolution."""
    streaks: dict[str, int] = {}
    resolved = incident.resolved_at
    if resolved is None:
        return streaks
    for event in incident.events:
        if event.kind != "verify_check" or event.at < resolved:
            continue
        service = str(event.data.get("service"))
        streaks[service] = streaks.get(service, 0) + 1 if event.data.get("state") == "up" else 0
    return streaks


def is_verified(incident: Incident) -> bool:
    """A `verified` event since the last resolution (or the milestone set by hand)."""
    return "verified_resolved" in incident.milestones


def verification_events(
    incident: Incident, flips: Sequence[StateFlip], service: str, state: str, now: datetime, n: int, source: str
) -> list[PendingEvent]:
    """What one check result of `service` adds to a resolved, unverified incident: a green counted (and the
    `verified` event when it completes every affected service's run), or the run of greens broken."""
    if incident.is_open or incident.resolved_at is None or is_verified(incident):
        return []
    if now - incident.resolved_at > VERIFY_WITHIN or now < incident.resolved_at:
        return []
    services = affected_services(incident, flips)
    if service not in services:
        return []
    streaks = green_streaks(incident)
    if state != "up":
        if streaks.get(service, 0) == 0:
            return []
        return [new_event(incident.id, "verify_check", service=service, state=state)]
    if streaks.get(service, 0) >= n:
        return []  # this one is done; the others are still counting
    events = [new_event(incident.id, "verify_check", service=service, state="up", count=streaks.get(service, 0) + 1)]
    streaks[service] = streaks.get(service, 0) + 1
    if all(streaks.get(s, 0) >= n for s in services):
        events.append(new_event(incident.id, "verified", how="checks", services=services, checks=n, source=source))
    return events
