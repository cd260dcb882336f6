"""Atlassian Statuspage v2 documents (`summary.json`, `status.json`) read into a vendor status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tessa_tui.sanitize import sanitize

VendorState = Literal["up", "degraded", "down", "maintenance", "unknown"]

INDICATOR_STATE: dict[str, VendorState] = {
    "none": "up",
    "minor": "degraded",
    "major": "down",
    "critical": "down",
    "maintenance": "maintenance",
}


class StatusPageError(ValueError):
    """The document is not a Statuspage v2 summary or status (one-line reason)."""


@dataclass(frozen=True)
class VendorComponent:
    """A component that is not operational."""

    name: str
    status: str


@dataclass(frozen=True)
class VendorIncident:
    """An unresolved incident and its latest update."""

    name: str
    status: str
    impact: str
    updated_at: str
    latest_update: str


@dataclass(frozen=True)
class VendorStatus:
    """What a vendor's status page says right now."""

    state: VendorState
    indicator: str
    description: str
    components: tuple[VendorComponent, ...]
    incidents: tuple[VendorIncident, ...] | None
    """None when the page did not report incidents at all, which is not the same as "none"."""
    updated_at: str | None

    def reason(self) -> str:
        """One line for the services pane: empty when all is well and known."""
        parts: list[str] = []
        if self.state != "up":
            parts.append(self.description or f"indicator {self.indicator}")
        if self.components:
            shown = ", ".join(f"{c.name} ({c.status.replace('_', ' ')})" for c in self.components[:3])
            more = len(self.components) - 3
            parts.append(shown + (f" +{more} more" if more > 0 else ""))
        if self.incidents:
            parts.append(f"incident: {self.incidents[0].name} ({self.incidents[0].status})")
        return "; ".join(parts)


def _text(value: Any, limit: int = 300) -> str:
    return sanitize(value if isinstance(value, str) else "")[:limit]


def parse_statuspage(document: Any) -> VendorStatus:
    """Read a summary.json or status.json document; raise StatusPageError when it is neither."""
    if not isinstance(document, dict):
        raise StatusPageError("not a Statuspage document: expected a JSON object")
    status = document.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("indicator"), str):
        raise StatusPageError("not a Statuspage document: no status.indicator")
    indicator = status["indicator"]
    state = INDICATOR_STATE.get(indicator, "unknown")
    components = tuple(
        VendorComponent(_text(c.get("name")), _text(c.get("status")))
        for c in document.get("components") or []
        if isinstance(c, dict) and not c.get("group") and c.get("status") not in (None, "operational")
    )
    raw_incidents = document.get("incidents")
    incidents: tuple[VendorIncident, ...] | None = None
    if isinstance(raw_incidents, list):
        incidents = tuple(
            _incident(i)
            for i in raw_incidents
            if isinstance(i, dict) and i.get("status") not in ("resolved", "postmortem")
        )
    page = document.get("page")
    updated_at = _text(page.get("updated_at")) if isinstance(page, dict) else None
    return VendorStatus(
        state=state,
        indicator=_text(indicator, 40),
        description=_text(status.get("description")),
        components=components,
        incidents=incidents,
        updated_at=updated_at or None,
    )


def _incident(raw: dict[str, Any]) -> VendorIncident:
    updates = [u for u in raw.get("incident_updates") or [] if isinstance(u, dict)]
    latest = max(updates, key=lambda u: str(u.get("display_at") or u.get("created_at") or ""), default={})
    return VendorIncident(
        name=_text(raw.get("name")),
        status=_text(raw.get("status"), 40),
        impact=_text(raw.get("impact"), 40),
        updated_at=_text(raw.get("updated_at"), 40),
        latest_update=_text(latest.get("body")),
    )
