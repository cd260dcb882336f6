"""Incident ids that stay true across machines: a provisional id made where the shared journal could not be
reached, and the number (INC-N) the shared journal gave it.

The shared journal records each number as a `numbered` event on the provisional id. Events keep the id they
were written with (the journal is append-only), so every id an incident was ever shown with still reaches it:
the fold groups events by their canonical id. Two provisional ids may get one number: declarations of the same
PagerDuty incident made apart join into one incident.
"""

from __future__ import annotations

from typing import TypeGuard

from tessa_tui.incidents.journal import PROVISIONAL, Event

NUMBERED = "numbered"
_MAX_NUMBER = 10**9


def numbering(event: Event) -> tuple[str, str] | None:
    """(provisional id, INC-N) when `event` is a well-formed `numbered` event; None otherwise."""
    if event.kind != NUMBERED or not PROVISIONAL.fullmatch(event.incident):
        return None
    number = event.data.get("number")
    if not is_number(number):
        return None
    return event.incident, f"INC-{number}"


def is_number(value: object) -> TypeGuard[int]:
    """Whether `value` is an incident number a `numbered` event may give (a whole number, 1 to 10^9 - 1)."""
    return type(value) is int and 0 < value < _MAX_NUMBER


class Aliases:
    """The provisional ids numbered so far; the first number given to an id is the one that counts."""

    def __init__(self) -> None:
        self._to: dict[str, str] = {}

    def add(self, event: Event) -> tuple[str, str] | None:
        """Take in a `numbered` event; the (provisional, INC-N) it newly maps, else None."""
        pair = numbering(event)
        if pair is None or pair[0] in self._to:
            return None
        self._to[pair[0]] = pair[1]
        return pair

    def canonical(self, incident_id: str) -> str:
        """The id an incident is folded under: its number once it has one."""
        return self._to.get(incident_id, incident_id)

    def of(self, canonical: str) -> list[str]:
        """Every provisional id that became `canonical`."""
        return sorted(p for p, c in self._to.items() if c == canonical)


def typed_id(text: str) -> str:
    """What someone typed as an incident id, in its stored form: `3` and `inc-3` are INC-3, `inc-k7q2mx` is
    INC-K7Q2MX."""
    key = text.strip().upper()
    return key if key.startswith("INC-") else f"INC-{key}"
