"""The demo's own Atlassian Statuspage: the manage API (create and update incidents with components) and the
public page (`summary.json`, `status.json`) that the demo's services pane watches, so an incident a checklist
step posts shows up there like on a real status page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

PAGE_ID = "tessademo"
PAGE_NAME = "Tessa AI Platform (demo)"
# Service name (as the demo config names its checks) -> component id.
COMPONENTS = {
    "Frontend": "cmp-frontend",
    "Database health": "cmp-database",
    "Chat function": "cmp-chat",
    "Sync function": "cmp-sync",
    "Auth": "cmp-auth",
}
STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")
IMPACT = {"operational": "none", "degraded_performance": "minor", "partial_outage": "major", "major_outage": "critical"}
DESCRIPTION = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}
SHOWN = ("id", "name", "status", "impact", "created_at", "updated_at", "shortlink", "incident_updates")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class StatuspageSim:
    """`token` is what the demo config's environment holds."""

    token: str
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    components: dict[str, str] = field(default_factory=lambda: dict.fromkeys(COMPONENTS.values(), "operational"))

    def add_routes(self, app: web.Application, api: str, page: str) -> None:
        app.router.add_post(f"{api}/pages/{{page}}/incidents", self._create)
        app.router.add_patch(f"{api}/pages/{{page}}/incidents/{{id}}", self._update)
        app.router.add_get(f"{page}/api/v2/summary.json", self._summary)
        app.router.add_get(f"{page}/api/v2/status.json", self._status)

    # the manage API

    async def _problem(self, request: web.Request, creating: bool) -> tuple[web.Response | None, dict[str, Any]]:
        if request.headers.get("Authorization") != f"OAuth {self.token}":
            return web.json_response({"error": "Could not authenticate"}, status=401), {}
        if request.match_info["page"] != PAGE_ID:
            return web.json_response({"error": "Page not found"}, status=404), {}
        try:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        incident = body.get("incident") if isinstance(body, dict) else None
        if not isinstance(incident, dict):
            return web.json_response({"error": "incident is missing"}, status=400), {}
        errors = []
        if creating and not incident.get("name"):
            errors.append("Name can't be blank")
        if incident.get("status") not in STATUSES:
            errors.append("Status is not included in the list")
        components = incident.get("components") or {}
        ids = incident.get("component_ids") or []
        if not isinstance(components, dict) or not isinstance(ids, list):
            errors.append("Components are invalid")
        elif not set(ids) <= set(self.components) or not set(components) <= set(self.components):
            errors.append("Components are not on this page")
        elif any(v not in COMPONENT_STATUSES for v in components.values()):
            errors.append("Component status is not included in the list")
        return (web.json_response({"error": errors}, status=422) if errors else None), incident

    def _save(self, incident_id: str, data: dict[str, Any]) -> dict[str, Any]:
        now = _now()
        saved = self.incidents.setdefault(
            incident_id,
            {"id": incident_id, "page_id": PAGE_ID, "created_at": now, "incident_updates": [], "impact": "none"},
        )
        saved["name"] = str(data.get("name") or saved.get("name") or "")[:200]
        saved["status"] = data["status"]
        saved["updated_at"] = now
        saved["shortlink"] = f"https://stspg.io/{incident_id}"
        saved["resolved_at"] = now if data["status"] == "resolved" else None
        changed = {str(c): str(s) for c, s in (data.get("components") or {}).items()}
        for component, status in changed.items():
            self.components[component] = status
        if changed:
            worst = max(changed.values(), key=COMPONENT_STATUSES.index)
            saved["impact"] = max(saved["impact"], IMPACT[worst], key=list(DESCRIPTION).index)
        saved["components"] = [{"id": c, "status": s} for c, s in changed.items()] or saved.get("components", [])
        update = {"status": data["status"], "body": str(data.get("body") or "")[:2000], "created_at": now}
        saved["incident_updates"].insert(0, update)
        return saved

    async def _create(self, request: web.Request) -> web.Response:
        refused, data = await self._problem(request, creating=True)
        if refused is not None:
            return refused
        incident_id = f"demo{len(self.incidents) + 1:04d}"
        return web.json_response(self._save(incident_id, data), status=201)

    async def _update(self, request: web.Request) -> web.Response:
        refused, data = await self._problem(request, creating=False)
        if refused is not None:
            return refused
        incident_id = request.match_info["id"]
        if incident_id not in self.incidents:
            return web.json_response({"error": "Incident not found"}, status=404)
        return web.json_response(self._save(incident_id, data))

    # the public page

    def summary(self) -> dict[str, Any]:
        """summary.json: components as the incidents left them, the unresolved incidents, the overall indicator."""
        now = _now()
        names = {cid: name for name, cid in COMPONENTS.items()}
        open_incidents = [i for i in self.incidents.values() if i["status"] != "resolved"]
        worst = max(self.components.values(), key=COMPONENT_STATUSES.index, default="operational")
        indicator = IMPACT[worst]
        if indicator == "none" and open_incidents:
            indicator = "minor"
        return {
            "page": {"id": PAGE_ID, "name": PAGE_NAME, "updated_at": now},
            "status": {"indicator": indicator, "description": DESCRIPTION[indicator]},
            "components": [
                {"id": cid, "name": names[cid], "status": status, "updated_at": now, "group": False}
                for cid, status in self.components.items()
            ],
            "incidents": [{key: incident[key] for key in SHOWN} for incident in open_incidents],
            "scheduled_maintenances": [],
        }

    async def _summary(self, _: web.Request) -> web.Response:
        return web.json_response(self.summary())

    async def _status(self, _: web.Request) -> web.Response:
        document = self.summary()
        return web.json_response({"page": document["page"], "status": document["status"]})
