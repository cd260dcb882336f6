"""Loopback servers that implement the documented contracts of PagerDuty (REST API v2 and Events API v2),
Slack (incoming webhook and chat.postMessage) and Atlassian Statuspage (manage API v1), recording every
request they receive.

Every request is first checked against the vendor's published API description (tests/vendor_specs/, with
openapi-core): method, path, query, the headers it describes, security and body. A request that does not
match is answered 400 and recorded in `state.violations`, and the `contract_servers` fixture fails the test.

They behave as the vendors do where the console has been caught out: PagerDuty lists at most `limit`
incidents a page (`more`, `offset`), searches the last month unless `date_range=all`, reopens a resolved
incident that is set to acknowledged, and answers 202 to an Events acknowledge for a dedup key no alert
carries (acknowledging nothing).

They refuse what the real APIs refuse, with the same status codes and error bodies: a wrong or missing
auth header (401, or Slack's 200 `{"ok": false, "error": "invalid_auth"}`), a missing `From:` on a
PagerDuty write, a malformed body (400 / 422), an unknown id (404). `fail()` queues answers (429 with
Retry-After, 5xx) that come before the real ones.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from tests.loopback import serving
from tests.vendor_contract import request_violation

PD_TOKEN = "pd-rest-token-8c2f0e91"
PD_FROM = "oncall@tessa.example"
ROUTING_KEY = "R0UT1NGKEY0123456789abcdef012345"  # 32 characters, as PagerDuty's
SLACK_BOT_TOKEN = "xoxb-1111-2222-slacksecret"
SLACK_CHANNEL = "#incidents"
WEBHOOK_PATH = "/services/T0001/B0002/webhooksecret0003"
SP_TOKEN = "sp-oauth-key-5d7a9b"
SP_PAGE = "pg1abc"
SP_COMPONENTS = {"api": "cmp-api", "web": "cmp-web"}
SECRETS = (PD_TOKEN, ROUTING_KEY, SLACK_BOT_TOKEN, WEBHOOK_PATH.rsplit("/", 1)[1], SP_TOKEN)

PD_ACCEPT = "application/vnd.pagerduty+json;version=2"
SERVICES = ("pagerduty", "events", "slack", "statuspage")


@dataclass(frozen=True)
class Received:
    """One request as the server saw it (header names lower-cased) and what it answered."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: Any
    answered: int
    at: float


# service -> (description file, the vendor's base URL the loopback paths stand for); the webhook has none.
SPEC_OF = {
    "pagerduty": ("pagerduty_rest.openapi.json", "https://api.pagerduty.com"),
    "events": ("pagerduty_events_v2.openapi.json", "https://events.pagerduty.com"),
    "slack": ("slack_web.openapi.json", "https://slack.com/api"),
    "statuspage": ("statuspage_manage.openapi.json", "https://api.statuspage.io/v1"),
}
PD_DEFAULT_WINDOW = timedelta(days=30)  # PagerDuty's default `since`: one month back


def spec_violation(service: str, request: web.Request, raw: bytes) -> str | None:
    """Why this request does not match the vendor's published description, or None when it does."""
    if service == "slack" and request.path.startswith("/services/"):
        return None  # incoming webhooks have no published description; the handler checks them
    return request_violation(*SPEC_OF[service], request, raw)


@dataclass
class ContractState:
    received: dict[str, list[Received]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    faults: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    pd_incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    sp_incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    """Requests that did not match the vendor's published description (each one fails the test)."""
    alerts: dict[str, str] = field(default_factory=dict)
    """Events API alerts: dedup key -> triggered / acknowledged / resolved."""
    stalls: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SERVICES})

    def reset(self) -> None:
        for service in SERVICES:
            self.received[service].clear()
            self.faults[service].clear()
        self.sp_incidents.clear()
        self.violations.clear()
        self.alerts.clear()
        for service in SERVICES:
            self.stalls[service].clear()
        self.pd_incidents = {
            i["id"]: i
            for i in (
                _pd_incident("PABC123", 41, "API 5xx above 5%", "triggered", "PSVC1", "Tessa API"),
                _pd_incident("PDEF456", 42, "Login failures spike", "acknowledged", "PSVC2", "Auth"),
                _pd_incident("PGHI789", 40, "Old one", "resolved", "PSVC1", "Tessa API"),
                _pd_incident("POTHER1", 43, "Someone else's", "triggered", "PSVC9", "Billing"),
            )
        }


def _created(incident: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(incident["created_at"]).replace("Z", "+00:00"))


def _pd_incident(
    pd_id: str, number: int, title: str, status: str, service: str, name: str, created_at: str | None = None
) -> dict[str, Any]:
    return {
        "id": pd_id,
        "type": "incident",
        "incident_number": number,
        "title": title,
        "summary": f"[#{number}] {title}",
        "status": status,
        "urgency": "high",
        "created_at": created_at or f"2026-01-21T13:{number:02d}:00Z",
        "html_url": f"https://tessa.pagerduty.com/incidents/{pd_id}",
        "service": {"id": service, "type": "service_reference", "summary": name},
    }


@dataclass
class ContractServers:
    """The base URLs to configure, what each service received, and the fault queue."""

    pagerduty: str
    """REST API v2 base (api-url)."""
    events: str
    """Events API v2 base (events-url)."""
    slack: str
    """Web API base (api-url); the incoming webhook is `webhook`."""
    webhook: str
    statuspage: str
    state: ContractState

    def add_pd_incident(
        self, pd_id: str, number: int, status: str = "triggered", created_at: datetime | None = None
    ) -> None:
        """One more PagerDuty incident on service PSVC1 (created `created_at`, default now)."""
        when = (created_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.state.pd_incidents[pd_id] = _pd_incident(
            pd_id, number, f"Incident {number}", status, "PSVC1", "Tessa API", when
        )

    def stall(self, service: str, seconds: float) -> None:
        """Read the next request to `service` in full, then answer only after `seconds` (recorded as answered 0)."""
        self.state.stalls[service].append(seconds)

    def received(self, service: str) -> list[Received]:
        return list(self.state.received[service])

    def fail(self, service: str, status: int, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next `times` requests to `service` with `status` (and a Retry-After) before the real answer."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.state.faults[service] += [(status, headers)] * times

    def config(self, **overrides: Any) -> dict[str, Any]:
        """An `integrations:` section (as YAML data) pointing at these servers, tokens as ${ENV} references."""
        section: dict[str, Any] = {
            "pagerduty": {
                "token": "${PD_TOKEN}",
                "from": PD_FROM,
                "service-ids": ["PSVC1", "PSVC2"],
                "routing-key": "${PD_ROUTING_KEY}",
                "api-url": self.pagerduty,
                "events-url": self.events,
            },
            "slack": {"webhook-url": "${SLACK_WEBHOOK_URL}"},
            "statuspage": {
                "token": "${STATUSPAGE_TOKEN}",
                "page-id": SP_PAGE,
                "components": SP_COMPONENTS,
                "api-url": self.statuspage,
            },
            "timeout": "5s",
            "retries": 3,
        }
        section.update(overrides)
        return section

    def environ(self) -> dict[str, str]:
        """The environment the config() section reads its credentials from."""
        return {
            "PD_TOKEN": PD_TOKEN,
            "PD_ROUTING_KEY": ROUTING_KEY,
            "SLACK_WEBHOOK_URL": self.webhook,
            "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
            "STATUSPAGE_TOKEN": SP_TOKEN,
        }


Handler = Any


def _recorded(state: ContractState, service: str, handler: Handler) -> Handler:
    """Record the request, answer a queued fault if any, else run the contract's handler."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        faults = state.faults[service]
        violation = spec_violation(service, request, raw)
        if violation is None and state.stalls[service]:
            # Received in full, then no answer within the client's deadline: whether it was acted on is unknown.
            seconds = state.stalls[service].pop(0)
            headers = {k.lower(): v for k, v in request.headers.items()}
            state.received[service].append(
                Received(request.method, request.path, list(request.query.items()), headers, body, 0, time.monotonic())
            )
            await asyncio.sleep(seconds)
            return web.json_response({"ok": True}, status=200)
        if violation is not None:
            state.violations.append(violation)
            response: web.StreamResponse = web.json_response(
                {"error": f"request does not match the published API description: {violation}"}, status=400
            )
        elif faults:
            status, headers = faults.pop(0)
            response = _fault(service, status, headers)
        else:
            response = await handler(request, body)
        state.received[service].append(
            Received(
                request.method,
                request.path,
                list(request.query.items()),
                {k.lower(): v for k, v in request.headers.items()},
                body,
                response.status,
                time.monotonic(),
            )
        )
        return response

    return wrapped


def _fault(service: str, status: int, headers: dict[str, str]) -> web.Response:
    if service == "slack" and status == 429:  # Slack's Web API rate limit body
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
    if service in ("pagerduty",):
        error = {"error": {"message": "Rate Limit Exceeded" if status == 429 else "Internal Server Error"}}
        return web.json_response(error, status=status, headers=headers)
    return web.json_response(
        {"error": "rate limited" if status == 429 else "unavailable"}, status=status, headers=headers
    )


def _pd_error(status: int, message: str, code: int, errors: list[str] | None = None) -> web.Response:
    return web.json_response({"error": {"message": message, "code": code, "errors": errors or []}}, status=status)


def _pagerduty_app(state: ContractState) -> web.Application:
    def auth_problem(request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Token token={PD_TOKEN}":
            return _pd_error(401, "Authentication required", 2006)
        if request.headers.get("Accept") != PD_ACCEPT:
            return _pd_error(400, "Invalid Input Provided", 2001, ["Accept must request API version 2"])
        return None

    async def list_incidents(request: web.Request, _: Any) -> web.Response:
        if problem := auth_problem(request):
            return problem
        services = request.query.getall("service_ids[]", [])
        statuses = request.query.getall("statuses[]", [])
        since = datetime.now(UTC) - PD_DEFAULT_WINDOW
        found = [
            i
            for i in state.pd_incidents.values()
            if (not services or i["service"]["id"] in services)
            and (not statuses or i["status"] in statuses)
            and (request.query.get("date_range") == "all" or _created(i) >= since)
        ]
        found.sort(key=_created, reverse=request.query.get("sort_by", "").endswith(":desc"))
        limit = min(int(request.query.get("limit", "25")), 100)
        offset = int(request.query.get("offset", "0"))
        page = found[offset : offset + limit]
        more = offset + limit < len(found)
        return web.json_response({"incidents": page, "limit": limit, "offset": offset, "more": more, "total": None})

    async def get_incident(request: web.Request, _: Any) -> web.Response:
        if problem := auth_problem(request):
            return problem
        incident = state.pd_incidents.get(request.match_info["id"])
        return _pd_error(404, "Not Found", 2100) if incident is None else web.json_response({"incident": incident})

    async def update_incident(request: web.Request, body: Any) -> web.Response:
        if problem := auth_problem(request):
            return problem
        if request.headers.get("From") != PD_FROM:
            return _pd_error(400, "Invalid Input Provided", 2001, ["Requester User Not Found"])
        if request.content_type != "application/json":
            return _pd_error(400, "Invalid Input Provided", 2001, ["Content-Type must be application/json"])
        incident = state.pd_incidents.get(request.match_info["id"])
        if incident is None:
            return _pd_error(404, "Not Found", 2100)
        change = body.get("incident") if isinstance(body, dict) else None
        if (
            not isinstance(change, dict)
            or change.get("type") != "incident_reference"
            or change.get("status") not in ("acknowledged", "resolved")
        ):
            return _pd_error(400, "Invalid Input Provided", 2001, ["Incident Status is invalid"])
        incident["status"] = change["status"]  # as PagerDuty does: acknowledging a resolved incident reopens it
        return web.json_response({"incident": incident})

    app = web.Application()
    app.router.add_get("/incidents", _recorded(state, "pagerduty", list_incidents))
    app.router.add_get("/incidents/{id}", _recorded(state, "pagerduty", get_incident))
    app.router.add_put("/incidents/{id}", _recorded(state, "pagerduty", update_incident))
    return app


def _events_app(state: ContractState) -> web.Application:
    async def enqueue(request: web.Request, body: Any) -> web.Response:
        def invalid(*errors: str) -> web.Response:
            return web.json_response(
                {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)}, status=400
            )

        if not isinstance(body, dict):
            return invalid("Malformed JSON")
        if body.get("routing_key") != ROUTING_KEY:
            return invalid("'routing_key' is invalid")
        action = body.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            return invalid("'event_action' is invalid")
        if action != "trigger" and not body.get("dedup_key"):
            return invalid("'dedup_key' is required for acknowledge and resolve")
        dedup_key = str(body.get("dedup_key") or f"alert-{len(state.alerts) + 1}")
        if action == "trigger":
            state.alerts[dedup_key] = "triggered"
        elif state.alerts.get(dedup_key) not in (None, "resolved"):
            state.alerts[dedup_key] = "acknowledged" if action == "acknowledge" else "resolved"
        # else: as PagerDuty does, 202 all the same for a key no open alert carries, and nothing changes
        answer = {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
        return web.json_response(answer, status=202)

    app = web.Application()
    app.router.add_post("/v2/enqueue", _recorded(state, "events", enqueue))
    return app


def _slack_app(state: ContractState) -> web.Application:
    async def webhook(request: web.Request, body: Any) -> web.Response:
        if request.path != WEBHOOK_PATH:
            return web.Response(status=403, text="invalid_token")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        if not body.get("text") and not body.get("blocks"):
            return web.Response(status=400, text="no_text")
        return web.Response(text="ok")

    async def post_message(request: web.Request, body: Any) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if not auth:
            return web.json_response({"ok": False, "error": "not_authed"})
        if auth != f"Bearer {SLACK_BOT_TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if not isinstance(body, dict) or not body.get("channel"):
            return web.json_response({"ok": False, "error": "channel_not_found"})
        if body["channel"] != SLACK_CHANNEL:
            return web.json_response({"ok": False, "error": "channel_not_found"})
        if not body.get("text"):
            return web.json_response({"ok": False, "error": "no_text"})
        message = {"type": "message", "text": body["text"], "ts": "1769004000.000100"}
        return web.json_response({"ok": True, "channel": "C0INCIDENTS", "ts": message["ts"], "message": message})

    app = web.Application()
    app.router.add_post("/services/{team}/{bot}/{secret}", _recorded(state, "slack", webhook))
    app.router.add_post("/chat.postMessage", _recorded(state, "slack", post_message))
    return app


SP_STATUSES = ("investigating", "identified", "monitoring", "resolved")
SP_COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")


def _statuspage_app(state: ContractState) -> web.Application:
    def problem(request: web.Request, body: Any, creating: bool) -> web.Response | None:
        if request.headers.get("Authorization") != f"OAuth {SP_TOKEN}":
            return web.json_response({"error": "Could not authenticate"}, status=401)
        if request.match_info["page"] != SP_PAGE:
            return web.json_response({"error": "Page not found"}, status=404)
        incident = body.get("incident") if isinstance(body, dict) else None
        if not isinstance(incident, dict):
            return web.json_response({"error": "incident is missing"}, status=400)
        errors = []
        if creating and not incident.get("name"):
            errors.append("Name can't be blank")
        if incident.get("status") not in SP_STATUSES:
            errors.append("Status is not included in the list")
        known = set(SP_COMPONENTS.values())
        components = incident.get("components") or {}
        if not set(incident.get("component_ids") or []) <= known or not set(components) <= known:
            errors.append("Components are not on this page")
        if any(v not in SP_COMPONENT_STATUSES for v in components.values()):
            errors.append("Component status is not included in the list")
        return web.json_response({"error": errors}, status=422) if errors else None

    def answer(incident_id: str, data: dict[str, Any]) -> dict[str, Any]:
        saved = state.sp_incidents.setdefault(incident_id, {"id": incident_id, "updates": []})
        saved.update(
            name=data.get("name") or saved.get("name"),
            status=data["status"],
            shortlink=f"https://stspg.io/{incident_id}",
        )
        saved["updates"].append({"status": data["status"], "body": data.get("body", "")})
        saved["components"] = [{"id": c, "status": s} for c, s in (data.get("components") or {}).items()]
        return saved

    async def create(request: web.Request, body: Any) -> web.Response:
        if refused := problem(request, body, creating=True):
            return refused
        incident_id = f"sp{len(state.sp_incidents) + 1:04d}"
        return web.json_response(answer(incident_id, body["incident"]), status=201)

    async def update(request: web.Request, body: Any) -> web.Response:
        if refused := problem(request, body, creating=False):
            return refused
        incident_id = request.match_info["id"]
        if incident_id not in state.sp_incidents:
            return web.json_response({"error": "Incident not found"}, status=404)
        return web.json_response(answer(incident_id, body["incident"]))

    app = web.Application()
    app.router.add_post("/pages/{page}/incidents", _recorded(state, "statuspage", create))
    app.router.add_patch("/pages/{page}/incidents/{id}", _recorded(state, "statuspage", update))
    return app


@contextmanager
def running_contract_servers() -> Iterator[ContractServers]:
    """The four servers on free loopback ports, in one background thread with its own event loop."""
    state = ContractState()
    state.reset()

    def apps() -> list[web.Application]:
        return [_pagerduty_app(state), _events_app(state), _slack_app(state), _statuspage_app(state)]

    with serving(apps, "contract-servers") as urls:
        yield ContractServers(urls[0], urls[1], urls[2], urls[2] + WEBHOOK_PATH, urls[3], state)


@pytest.fixture(scope="session")
def contract_servers_session() -> Iterator[ContractServers]:
    with running_contract_servers() as servers:
        yield servers


@pytest.fixture
def contract_servers(contract_servers_session: ContractServers) -> Iterator[ContractServers]:
    """The contract servers with fresh recordings, no queued faults and the seeded PagerDuty incidents; the
    test fails if any request it caused did not match the vendor's published API description."""
    contract_servers_session.state.reset()
    yield contract_servers_session
    if violations := contract_servers_session.state.violations:
        pytest.fail("requests that do not match the vendors' API descriptions:\n" + "\n".join(violations))
