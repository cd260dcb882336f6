"""The demo's PagerDuty: REST API v2 (list, acknowledge, resolve incidents) and Events API v2 (enqueue).

Each drill triggers an alert, as the platform's monitoring would: an incident on the demo service, deduplicated
by the drill (a drill started twice while its incident is open does not page twice). Statuses move as
PagerDuty's do: triggered -> acknowledged -> resolved; a resolved incident stays resolved. Requests are checked
as PagerDuty checks them (token, Accept version header, `From:` on a change, the body's shape) and refused with
its status codes and error bodies (tests/contract_servers.py holds the same contract).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tessa_tui.demo.drills import DRILLS

ACCEPT = "application/vnd.pagerduty+json;version=2"
SERVICE_ID = "PTESSA1"
SERVICE_NAME = "Tessa AI Platform (demo)"
FROM = "oncall@tessa-demo.example"
STATUSES = ("triggered", "acknowledged", "resolved")
TITLES = {d.name: d.title for d in DRILLS}


@dataclass
class PagerDutySim:
    """Incidents by id; `token` and `routing_key` are what the demo config's environment holds."""

    token: str
    routing_key: str
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    dedup: dict[str, str] = field(default_factory=dict)
    """dedup key -> id of the incident it opened (while that incident is open)."""

    def trigger(self, dedup_key: str, summary: str, source: str = "tessa-demo") -> dict[str, Any]:
        """A new incident for this alert, or the open one it deduplicates into."""
        open_id = self.dedup.get(dedup_key)
        if open_id is not None and self.incidents[open_id]["status"] != "resolved":
            return self.incidents[open_id]
        number = len(self.incidents) + 1
        incident_id = f"PDEMO{number:02d}"
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self.incidents[incident_id] = {
            "id": incident_id,
            "type": "incident",
            "incident_number": number,
            "title": summary,
            "summary": f"[#{number}] {summary}",
            "status": "triggered",
            "urgency": "high",
            "incident_key": dedup_key,
            "created_at": now,
            "updated_at": now,
            "html_url": f"https://tessa-demo.pagerduty.com/incidents/{incident_id}",
            "service": {"id": SERVICE_ID, "type": "service_reference", "summary": SERVICE_NAME},
            "body": {"details": {"source": source}},
        }
        self.dedup[dedup_key] = incident_id
        return self.incidents[incident_id]

    def drill_started(self, name: str) -> None:
        """The platform's monitoring pages for a drill."""
        self.trigger(f"demo-drill-{name}", f"{TITLES.get(name, name)} (drill {name})")

    def move(self, incident: dict[str, Any], status: str) -> bool:
        """Move an incident forward (never back: acknowledging a resolved one leaves it resolved)."""
        if incident["status"] == "resolved":
            return False
        incident["status"] = status
        incident["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return True

    def add_routes(self, app: web.Application, rest: str, events: str) -> None:
        app.router.add_get(f"{rest}/incidents", self._list)
        app.router.add_get(f"{rest}/incidents/{{id}}", self._get)
        app.router.add_put(f"{rest}/incidents/{{id}}", self._update)
        app.router.add_post(f"{events}/v2/enqueue", self._enqueue)

    # REST API v2

    def _auth_problem(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Token token={self.token}":
            return _error(401, "Authentication required", 2006)
        if request.headers.get("Accept") != ACCEPT:
            return _error(400, "Invalid Input Provided", 2001, ["Accept must request API version 2"])
        return None

    async def _list(self, request: web.Request) -> web.Response:
        if problem := self._auth_problem(request):
            return problem
        services = request.query.getall("service_ids[]", [])
        statuses = request.query.getall("statuses[]", [])
        if any(s not in STATUSES for s in statuses):
            errors = ["Statuses must be triggered, acknowledged or resolved."]
            return _error(400, "Invalid Input Provided", 2001, errors)
        try:
            limit = min(max(int(request.query.get("limit", "25")), 1), 100)
            offset = max(int(request.query.get("offset", "0")), 0)
        except ValueError:
            return _error(400, "Invalid Input Provided", 2001, ["Limit and offset must be integers."])
        found = [
            i
            for i in self.incidents.values()
            if (not services or i["service"]["id"] in services) and (not statuses or i["status"] in statuses)
        ]
        found.sort(key=lambda i: i["created_at"], reverse=request.query.get("sort_by", "").endswith(":desc"))
        page = found[offset : offset + limit]
        return web.json_response(
            {"incidents": page, "limit": limit, "offset": offset, "more": offset + limit < len(found), "total": None}
        )

    async def _get(self, request: web.Request) -> web.Response:
        if problem := self._auth_problem(request):
            return problem
        incident = self.incidents.get(request.match_info["id"])
        if incident is None:
            return _error(404, "Not Found", 2100)
        return web.json_response({"incident": incident})

    async def _update(self, request: web.Request) -> web.Response:
        if problem := self._auth_problem(request):
            return problem
        if "@" not in request.headers.get("From", ""):
            return _error(400, "Invalid Input Provided", 2001, ["Requester User Not Found"])
        if request.content_type != "application/json":
            return _error(400, "Invalid Input Provided", 2001, ["Content-Type must be application/json"])
        incident = self.incidents.get(request.match_info["id"])
        if incident is None:
            return _error(404, "Not Found", 2100)
        body = await _json_body(request)
        change = body.get("incident") if isinstance(body, dict) else None
        if (
            not isinstance(change, dict)
            or change.get("type") != "incident_reference"
            or change.get("status") not in ("acknowledged", "resolved")
        ):
            return _error(400, "Invalid Input Provided", 2001, ["Incident Status is invalid"])
        if incident["status"] == "resolved":
            return _error(400, "Invalid Input Provided", 2001, ["Incident Already Resolved"])
        self.move(incident, change["status"])
        return web.json_response({"incident": incident})

    # Events API v2

    async def _enqueue(self, request: web.Request) -> web.Response:
        def invalid(*errors: str) -> web.Response:
            return web.json_response(
                {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)}, status=400
            )

        body = await _json_body(request)
        if not isinstance(body, dict):
            return invalid("Malformed JSON")
        if body.get("routing_key") != self.routing_key:
            return invalid("'routing_key' is invalid")
        action = body.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            return invalid("'event_action' is invalid")
        dedup_key = body.get("dedup_key")
        if action == "trigger":
            payload = body.get("payload")
            if not isinstance(payload, dict) or not all(payload.get(k) for k in ("summary", "source", "severity")):
                return invalid("'payload' needs summary, source and severity")
            dedup_key = str(dedup_key or f"demo-{len(self.incidents) + 1}")
            self.trigger(dedup_key, str(payload["summary"])[:1024], str(payload["source"]))
        else:
            if not dedup_key:
                return invalid("'dedup_key' is required for acknowledge and resolve")
            # As PagerDuty: accepted whatever the key; it acts on the open alert with that key, if there is one.
            open_id = self.dedup.get(str(dedup_key))
            if open_id is not None:
                self.move(self.incidents[open_id], "acknowledged" if action == "acknowledge" else "resolved")
        answer = {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
        return web.json_response(answer, status=202)


def _error(status: int, message: str, code: int, errors: list[str] | None = None) -> web.Response:
    return web.json_response({"error": {"message": message, "code": code, "errors": errors or []}}, status=status)


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
