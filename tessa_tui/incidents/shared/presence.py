"""Who is on the incident now: each console announces itself on the shared journal's presence channel while it
is open (NOTIFY: nothing is written, a role with INSERT and SELECT is enough), and drops off the roster when
it has not been heard from for `GONE_AFTER`.

Announcements are other machines' text: each is size-capped, every field checked and sanitised, and one that
is not an announcement is ignored, never raised.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tessa_tui.base.sanitize import sanitize

EVERY = timedelta(seconds=10)
"""How often a console says it is still here."""
GONE_AFTER = timedelta(seconds=25)
"""Unheard for this long: gone (a console that vanished drops off within 30 s, the next roster read)."""
MAX_PAYLOAD = 2000
_FIELD = 80


@dataclass(frozen=True, slots=True)
class Presence:
    """One console: who is typing, where, whether it can write, what incident it has open."""

    node: str
    actor: str
    host: str
    readonly: bool = False
    incident: str = ""
    """The incident on its screen (empty: none open)."""

    def payload(self, *, hello: bool = False, bye: bool = False) -> str:
        """The announcement; `hello` asks every other console to announce itself now, `bye` says it is leaving."""
        body = {"v": 1, "node": self.node, "actor": self.actor, "host": self.host, "readonly": self.readonly}
        body |= {"incident": self.incident} if self.incident else {}
        body |= {"hello": True} if hello else {}
        body |= {"bye": True} if bye else {}
        return json.dumps(body, ensure_ascii=False)[:MAX_PAYLOAD]

    def label(self) -> str:
        """`alice@laptop` with ` (read-only)` when it cannot write."""
        return f"{self.actor}@{self.host}" + (" (read-only)" if self.readonly else "")


@dataclass(frozen=True, slots=True)
class Heard:
    """What one announcement said."""

    presence: Presence
    hello: bool = False
    bye: bool = False


def parse(payload: object) -> Heard | None:
    """An announcement from its payload; None for anything that is not one."""
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD:
        return None
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or body.get("v") != 1:
        return None
    fields = {name: body.get(name) for name in ("node", "actor", "host")}
    if not all(isinstance(v, str) and 0 < len(v) <= _FIELD for v in fields.values()):
        return None
    incident = body.get("incident", "")
    if not isinstance(incident, str) or len(incident) > _FIELD:
        return None
    readonly, hello, bye = (body.get(flag, False) for flag in ("readonly", "hello", "bye"))
    if not all(isinstance(flag, bool) for flag in (readonly, hello, bye)):
        return None
    # Sanitising shows a control character as several visible ones: cut after, so what is shown stays short.
    clean = {name: sanitize(str(value))[:_FIELD] for name, value in fields.items()}
    presence = Presence(clean["node"], clean["actor"], clean["host"], bool(readonly), sanitize(incident)[:_FIELD])
    return Heard(presence, bool(hello), bool(bye))


class Roster:
    """The consoles heard from lately, by node; this console's own entry is kept by whoever owns the roster."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[Presence, datetime]] = {}

    def hear(self, heard: Heard, now: datetime) -> bool:
        """Take in an announcement; True when the roster changed (someone came, went, or opened another incident)."""
        node = heard.presence.node
        before = self._seen.get(node)
        if heard.bye:
            return self._seen.pop(node, None) is not None
        self._seen[node] = (heard.presence, now)
        return before is None or before[0] != heard.presence

    def expire(self, now: datetime) -> bool:
        """Drop consoles unheard for `GONE_AFTER`; True when any dropped."""
        gone = [node for node, (_, at) in self._seen.items() if now - at > GONE_AFTER]
        for node in gone:
            del self._seen[node]
        return bool(gone)

    def present(self, now: datetime) -> list[Presence]:
        """Everyone heard from within `GONE_AFTER`, by actor."""
        live = [p for p, at in self._seen.values() if now - at <= GONE_AFTER]
        return sorted(live, key=lambda p: (p.actor.casefold(), p.host, p.node))

    def on(self, incident: str, aliases: Mapping[str, str], now: datetime) -> list[Presence]:
        """Who has `incident` open (an id it was shown with counts: `aliases` maps provisional ids to numbers)."""
        return [p for p in self.present(now) if aliases.get(p.incident, p.incident) == incident]


def console_presence(node: str, actor: str, host: str, readonly: bool) -> Presence:
    """A console's presence, under an id of its own: `node` (its local copy's node id, empty without one) plus
    a per-console part, because the roster is kept by id: two consoles on one local copy, or two spectators
    without any, would otherwise be one entry, each announcement replacing the other's and one's goodbye
    removing both."""
    return Presence(f"{node or 'console'}.{secrets.token_hex(4)}", actor, host, readonly)


def with_incident(presence: Presence, incident: str) -> Presence:
    return replace(presence, incident=incident)
