"""Hybrid logical clock stamps: the order every machine folds an incident's events in.

A stamp is wall time in milliseconds, a counter, and the node that made it. Each new stamp is later than every
stamp its journal already holds (the counter moves on when the wall clock has not), so an action taken after
seeing another's always sorts after it, however far behind this machine's clock is; concurrent events fall in
wall-time order, the node breaking ties the same way everywhere. Stamps are fixed-width text: they sort as
strings in SQLite, PostgreSQL and Python alike.

A stamp from a machine whose clock runs far ahead (`MAX_DRIFT`) still sorts where it says, but never drags this
clock with it: one broken clock cannot push every later event into its future.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

MAX_DRIFT = timedelta(minutes=5)
_COUNTER_MAX = 999_999
_FORM = re.compile(r"(\d{15})\.(\d{6})\.([0-9a-z]{0,32})")


class Stamp(NamedTuple):
    """One hybrid-logical-clock reading."""

    ms: int
    counter: int
    node: str

    def text(self) -> str:
        return f"{self.ms:015d}.{self.counter:06d}.{self.node}"

    def moment(self) -> datetime:
        """The wall-clock part as a time (UTC)."""
        return datetime.fromtimestamp(self.ms / 1000, UTC)


def parse_stamp(value: object) -> Stamp | None:
    """A stamp from its text; None for anything that is not one."""
    if not isinstance(value, str):
        return None
    match = _FORM.fullmatch(value)
    if match is None:
        return None
    return Stamp(int(match[1]), int(match[2]), match[3])


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def legacy_stamp(at: datetime) -> str:
    """The stamp of an event written before stamps existed (schema 1): its time, counter 0, no node."""
    return Stamp(max(0, millis(at)), 0, "").text()


def next_stamp(seen: Stamp | None, wall: datetime, node: str) -> Stamp:
    """A stamp after `seen` (the latest this journal holds within `MAX_DRIFT` of `wall`) and not before `wall`."""
    now = max(0, millis(wall))
    if seen is None or now > seen.ms:
        return Stamp(now, 0, node)
    if seen.counter >= _COUNTER_MAX:  # a million events in one millisecond: borrow the next one
        return Stamp(seen.ms + 1, 0, node)
    return Stamp(seen.ms, seen.counter + 1, node)


def horizon(wall: datetime) -> str:
    """The highest stamp text this clock may advance to at `wall`: anything later is another clock's error."""
    return Stamp(millis(wall + MAX_DRIFT), _COUNTER_MAX, "z" * 32).text()
