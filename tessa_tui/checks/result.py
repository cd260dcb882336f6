"""The result of one service check: the contract shared by the services pane and `tessa-tui check --json`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from tessa_tui.checks.statuspage_status import VendorStatus
from tessa_tui.conditions.condition import ConditionResult

CheckKind = Literal["http", "statuspage", "tcp", "tls", "starttls", "dns"]
CheckState = Literal["up", "degraded", "down", "maintenance", "unknown"]
DisplayState = Literal["up", "degraded", "down", "maintenance", "unknown", "stale"]

# Word, symbol and severity rank: state is never told by colour alone.
STATE_SYMBOL: dict[str, str] = {
    "up": "●",
    "degraded": "▲",
    "down": "✖",
    "maintenance": "◆",
    "unknown": "?",
    "stale": "◌",
}
STATE_RANK: dict[str, int] = {"up": 0, "maintenance": 1, "unknown": 1, "stale": 2, "degraded": 2, "down": 3}


@dataclass(frozen=True)
class CheckResult:
    """One run of one check, already sanitised and with secrets masked."""

    name: str
    group: str
    kind: CheckKind
    target: str
    """What was checked, masked: `GET https://api/health`, `status page https://status.x`, `tcp://db:5432`."""
    state: CheckState
    reason: str
    """One line, empty when up."""
    checked_at: datetime
    latency_ms: float | None
    http_status: int | None = None
    conditions: tuple[ConditionResult, ...] = ()
    excerpt: str = ""
    """The start of the response body, sanitised, for the detail view."""
    vendor: VendorStatus | None = None
    internal_error: bool = False
    """The run met a bug in tessa-tui, not a fault of the target: `reason` says so, the crash log has details."""

    def to_json(self) -> dict[str, Any]:
        """The documented `check --json` object for this check (see docs/cli-json.md)."""
        data: dict[str, Any] = {
            "name": self.name,
            "group": self.group,
            "kind": self.kind,
            "target": self.target,
            "state": self.state,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "reason": self.reason,
            "http_status": self.http_status,
            "checked_at": self.checked_at.isoformat(),
            "conditions": [
                {"condition": c.condition, "success": c.success, "display": c.display} for c in self.conditions
            ],
        }
        if self.vendor is not None:
            data["vendor"] = {
                "indicator": self.vendor.indicator,
                "description": self.vendor.description,
                "components": [{"name": c.name, "status": c.status} for c in self.vendor.components],
                "incidents": None
                if self.vendor.incidents is None
                else [
                    {"name": i.name, "status": i.status, "impact": i.impact, "updated_at": i.updated_at}
                    for i in self.vendor.incidents
                ],
                "maintenances": [
                    {"name": m.name, "status": m.status, "for": m.scheduled_for, "until": m.scheduled_until}
                    for m in self.vendor.maintenances
                ],
            }
        return data
