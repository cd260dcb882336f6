"""Atlassian Statuspage v2 documents (`summary.json`, `status.json`) read into a vendor status."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from tessa_tui.base.sanitize import sanitize
from tessa_tui.conditions.jsonpath import clean_surrogates

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
class VendorMaintenance:
    """A scheduled maintenance that is in progress or still to come (times as the page wrote them)."""

    name: str
    status: str
    scheduled_for: str
    scheduled_until: str

    @property
    def in_progress(self) -> bool:
        return self.status in MAINTENANCE_UNDER_WAY


MAINTENANCE_UNDER_WAY = ("in_progress", "verifying")
MAINTENANCE_UPCOMING = ("scheduled",)


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
    maintenances: tuple[VendorMaintenance, ...] = ()
    """Scheduled maintenances in progress (these make an `up` page `maintenance`), then upcoming ones."""

    def reason(self) -> str:
        """One line for the services pane: empty when all is well and known."""
        parts: list[str] = []
        under_way = [m for m in self.maintenances if m.in_progress]
        if self.state != "up" and not (self.state == "maintenance" and under_way and self.indicator == "none"):
            parts.append(self.description or f"indicator {self.indicator}")
        if under_way:
            until = f" until {under_way[0].scheduled_until}" if under_way[0].scheduled_until else ""
            parts.append(f"maintenance in progress: {under_way[0].name}{until}")
        if self.components:
            shown = ", ".join(f"{c.name} ({c.status.replace('_', ' ')})" for c in self.components[:3])
            more = len(self.components) - 3
            parts.append(shown + (f" +{more} more" if more > 0 else ""))
        if self.incidents:
            parts.append(f"incident: {self.incidents[0].name} ({self.incidents[0].status})")
        return "; ".join(parts)


def _text(value: Any, limit: int = 300) -> str:
    """Outside text for display: a string cut to `limit`, sanitised, lone surrogates replaced; else empty."""
    return sanitize(clean_surrogates(value[: limit * 2]))[:limit] if isinstance(value, str) else ""


def _list(document: dict[str, Any], key: str) -> list[Any] | None:
    """The list under `key`; None when absent; StatusPageError when it is there but no list."""
    value = document.get(key)
    if value is None or isinstance(value, list):
        return value
    raise StatusPageError(f"not a Statuspage document: `{key}` is a {_json_type(value)}, not a list")


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "object" if isinstance(value, dict) else "null"


def read_statuspage(body: bytes | str) -> VendorStatus:
    """A response body (any bytes) read as a Statuspage document; StatusPageError, one line, when it is not one."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, too deep, an integer past 4,300 digits
        raise StatusPageError("status page did not return JSON") from None
    return parse_statuspage(document)


def parse_statuspage(document: Any) -> VendorStatus:
    """Read a summary.json or status.json document; raise StatusPageError when it is neither.

    Total over any decoded JSON: every other field of any other type is ignored or read as absent.
    """
    if not isinstance(document, dict):
        raise StatusPageError(f"not a Statuspage document: a {_json_type(document)}, not an object")
    status = document.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("indicator"), str):
        raise StatusPageError("not a Statuspage document: no status.indicator")
    indicator = status["indicator"]
    state = INDICATOR_STATE.get(indicator, "unknown")
    components = tuple(
        VendorComponent(_text(c.get("name")), _text(c.get("status"), 40))
        for c in _list(document, "components") or []
        if isinstance(c, dict) and not c.get("group") and _down(c.get("status"))
    )
    raw_incidents = _list(document, "incidents")
    incidents: tuple[VendorIncident, ...] | None = None
    if raw_incidents is not None:
        incidents = tuple(
            _incident(i)
            for i in raw_incidents
            if isinstance(i, dict) and _text(i.get("status"), 40) not in ("resolved", "postmortem")
        )
    maintenances = tuple(
        sorted(
            (
                _maintenance(m)
                for m in _list(document, "scheduled_maintenances") or []
                if isinstance(m, dict) and m.get("status") in (*MAINTENANCE_UNDER_WAY, *MAINTENANCE_UPCOMING)
            ),
            key=lambda m: (not m.in_progress, _moment(m.scheduled_for)),
        )
    )
    if state == "up" and any(m.in_progress for m in maintenances):
        state = "maintenance"  # the page's indicator stays `none` while a maintenance is under way
    page = document.get("page")
    updated_at = _text(page.get("updated_at"), 40) if isinstance(page, dict) else None
    return VendorStatus(
        state=state,
        indicator=_text(indicator, 40),
        description=_text(status.get("description")),
        components=components,
        incidents=incidents,
        updated_at=updated_at or None,
        maintenances=maintenances,
    )


def _down(status: Any) -> bool:
    """A component status worth listing: any text but `operational` (a status of another type is not one)."""
    return isinstance(status, str) and status != "operational"


def _incident(raw: dict[str, Any]) -> VendorIncident:
    listed = raw.get("incident_updates")
    updates = [u for u in listed if isinstance(u, dict)] if isinstance(listed, list) else []
    # By the moment each update stands for, not by its text: as strings "2026-10-25T01:50:00+01:00" (summer
    # time) sorts after "2026-10-25T01:10:00+00:00", the update written 20 minutes later, once clocks went back.
    latest = max(updates, key=lambda u: _moment(u.get("display_at") or u.get("created_at")), default={})
    return VendorIncident(
        name=_text(raw.get("name")),
        status=_text(raw.get("status"), 40),
        impact=_text(raw.get("impact"), 40),
        updated_at=_text(raw.get("updated_at"), 40),
        latest_update=_text(latest.get("body")),
    )


def _moment(value: Any) -> float:
    """An ISO 8601 time as seconds since the epoch (no zone: UTC); anything else sorts first."""
    if not isinstance(value, str):
        return float("-inf")
    try:
        moment = datetime.fromisoformat(value[:64].replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError):  # not a time, or one that has no place on the time line
        return float("-inf")


def _maintenance(raw: dict[str, Any]) -> VendorMaintenance:
    return VendorMaintenance(
        name=_text(raw.get("name")),
        status=_text(raw.get("status"), 40),
        scheduled_for=_text(raw.get("scheduled_for"), 40),
        scheduled_until=_text(raw.get("scheduled_until"), 40),
    )
