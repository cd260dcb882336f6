"""Who to call and where to look: the seed's emergency contacts and quick reference."""

from __future__ import annotations

from typing import Annotated

import msgspec

from tessa_tui.config.fields import Name, Section, doc


class Person(Section, frozen=True):
    """Someone to call: on-call, escalation, incident roles."""

    role: Annotated[str, doc("primary, secondary, escalation, manager ...")]
    name: Name
    phone: str | None = None
    slack: str | None = None
    email: str | None = None


class Vendor(Section, frozen=True):
    """Third-party support (Supabase, OpenAI, hosting)."""

    name: Name
    contact: Annotated[str | None, doc("Support address, phone or portal.")] = None
    url: str | None = None


class Channel(Section, frozen=True):
    """A communication channel (Slack #incidents, status page, dashboard)."""

    name: Name
    url: str | None = None


class Contacts(Section, frozen=True):
    """The seed's emergency contacts: on-call rotation, escalation, vendors and channels."""

    people: list[Person] = msgspec.field(default_factory=list)
    vendors: list[Vendor] = msgspec.field(default_factory=list)
    channels: list[Channel] = msgspec.field(default_factory=list)

    def on_call(self) -> Person | None:
        """The primary on-call person, if configured."""
        return next((p for p in self.people if p.role.lower() in {"primary", "on-call"}), None)


class Link(Section, frozen=True):
    """A named URL."""

    name: Name
    url: str


class CommandRef(Section, frozen=True):
    """A common command; `{placeholders}` are filled from `placeholders`."""

    name: Name
    command: str


class QuickReference(Section, frozen=True):
    """The seed's quick reference: service URLs and common commands."""

    urls: list[Link] = msgspec.field(default_factory=list)
    commands: list[CommandRef] = msgspec.field(default_factory=list)
