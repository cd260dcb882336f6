"""The console as screens and widgets see it: one typed context, owned by the App, found from any widget.

Widgets sit below the App in the layer order (pyproject's `ui-layers`), so they cannot name `TessaApp`; they
ask `context_of(self)` instead of reaching into the App by attribute name. A widget mounted in an App that
owns no context (a test of that widget alone) gets None, and may change nothing (`capabilities_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from weakref import WeakKeyDictionary

from textual.app import App
from textual.message_pump import MessagePump
from textual.types import NoActiveAppError

from screens.incident_desk import IncidentDesk
from tessa_tui.base.capabilities import READ_ONLY, Capabilities
from tessa_tui.base.time_source import Now
from tessa_tui.config.load import LoadedConfig
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.journal_location import journal_file

if TYPE_CHECKING:
    from tessa_tui.incidents.incident import Incident


class Incidents(Protocol):
    """The incident work a pane can start: the App's incident actions open the dialogs and the incident screen.

    Called directly, not by message: a key typed right after `d` must reach the dialog `d` opened."""

    def open(self, incident_id: str) -> None:
        """The incident screen for this incident."""
        ...

    def declare(
        self,
        suggested_title: str,
        services: list[str],
        *,
        detected_at: datetime | None = None,
        pagerduty_incident: str | None = None,
        runbooks: Sequence[str] = (),
    ) -> None:
        """The declare dialog (`runbooks` attached besides the severity's procedure); once declared, the incident
        opens."""
        ...

    def acknowledge(self, incident: Incident) -> None:
        """Record the acknowledgement (a toast says how it went)."""
        ...


class ConsoleContext:
    """What the running console is: its config, journal desk, capabilities, actor and clock. Set once by the
    App; read-only by convention (a plain class: a dataclass costs start-up time on the first frame's path)."""

    __slots__ = ("capabilities", "clock", "desk", "incidents", "live", "loaded")

    def __init__(
        self,
        loaded: LoadedConfig,
        desk: IncidentDesk,
        incidents: Incidents,
        capabilities: Capabilities,
        clock: Now,
        live: bool = True,
    ) -> None:
        self.loaded = loaded
        self.desk = desk
        self.incidents = incidents
        self.capabilities = capabilities
        self.clock = clock
        self.live = live
        """False: no pollers start; panes show only what is posted to them (tests, snapshots)."""

    @property
    def config(self) -> TessaConfig:
        return self.loaded.config

    @property
    def secrets(self) -> frozenset[str]:
        return self.loaded.secrets

    @property
    def readonly(self) -> bool:
        return self.capabilities.readonly

    @property
    def actor(self) -> str:
        """Who is typing now (`:iam` changes it)."""
        return self.desk.actor

    @property
    def journal_path(self) -> Path:
        return journal_file(self.loaded)


_OWNED: WeakKeyDictionary[App[Any], ConsoleContext] = WeakKeyDictionary()


def own(app: App[Any], context: ConsoleContext) -> ConsoleContext:
    """Make `context` the context of everything running in `app`; returns it (the App keeps it as `context`)."""
    _OWNED[app] = context
    return context


def context_of(node: MessagePump) -> ConsoleContext | None:
    """The context of the App `node` runs in; None when that App owns none (or no App is running)."""
    try:
        return _OWNED.get(node.app)
    except NoActiveAppError:
        return None


def capabilities_of(node: MessagePump) -> Capabilities:
    """What the console may change; outside a console, nothing."""
    context = context_of(node)
    return context.capabilities if context is not None else READ_ONLY
