"""What every incident command checks before it becomes an event: text that fits, milestones in order, and a
clock that is not behind the incident's last event."""

from __future__ import annotations

from datetime import datetime, timedelta

from tessa_tui.base.errors import UserError
from tessa_tui.base.sanitize import sanitize
from tessa_tui.incidents.incident import Incident
from tessa_tui.incidents.vocabulary import MILESTONE_LABELS, MILESTONES

CLOCK_TOLERANCE = timedelta(seconds=60)
"""How far another machine's clock may run ahead before its times are called into question (NTP keeps
healthy clocks within milliseconds; a minute leaves room for a slow one, never for a wrong time zone)."""


def in_order(incident: Incident, key: str, when: datetime) -> None:
    """Refuse a milestone (set, or implied by ack / resolve) that would contradict the others' order: the
    mark of a wrong clock here, or on the machine that recorded the others."""
    position = MILESTONES.index(key)
    nearest_first = sorted(incident.milestones.items(), key=lambda item: abs(MILESTONES.index(item[0]) - position))
    for other, other_at in nearest_first:
        if other == key:
            continue
        other_position = MILESTONES.index(other)
        if other_position < position and other_at > when:
            raise UserError(_order(key, when, other, other_at, "before") + _CHECK_CLOCK)
        if other_position > position and other_at < when:
            raise UserError(_order(key, when, other, other_at, "after") + _CHECK_CLOCK)


_CHECK_CLOCK = " (if that is now, check this machine's clock)"


def clock_not_behind(incident: Incident, now: datetime) -> None:
    """Refuse to record at a time before the incident's last event: this clock (or the one that wrote it)
    is wrong, and a timeline out of order would make every clock of the incident a lie."""
    last = incident.last_change()
    if now < last - CLOCK_TOLERANCE:
        raise UserError(
            f"{incident.id}: this machine's clock ({now:%Y-%m-%d %H:%M:%S} UTC) is behind the incident's last event "
            f"({last:%Y-%m-%d %H:%M:%S} UTC); nothing recorded: check the clock (NTP)"
        )


def _order(key: str, when: datetime, other: str, other_at: datetime, relation: str) -> str:
    return (
        f"{MILESTONE_LABELS[key]} at {when:%H:%M:%S} would be {relation} "
        f"{MILESTONE_LABELS[other].lower()} ({other_at:%H:%M:%S} UTC); milestones keep their order"
    )


def checked_text(value: str, name: str, limit: int, *, keep_newlines: bool = False) -> str:
    """Outside text for an event: sanitised, not empty, at most `limit` characters; UserError naming `name`."""
    text = sanitize(value, keep_newlines=keep_newlines).strip()
    if not text:
        raise UserError(f"{name}: empty")
    if len(text) > limit:
        raise UserError(f"{name}: {len(text)} characters; at most {limit}")
    return text
