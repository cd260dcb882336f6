"""Loopback servers for the remote log APIs, checked against their descriptions with openapi-core: Supabase's log
query (tests/vendor_specs/supabase_logs.openapi.json, Supabase's published OpenAPI, trimmed) and Loki's
query_range (tests/vendor_specs/loki_query_range.openapi.json, written from Loki's HTTP API documentation).

Supabase's side serves the demo's own simulation (tessa_tui/demo/supabase_api_sim.py: the bearer token, the
20-letter ref, the range rounded to the minute and at most 24 hours), so the demo and these tests answer alike.
Loki's side is `LokiSim` below: streams of labelled entries, `{label="value", ...}` selectors, `[start, end)`
in nanoseconds, `limit` across all streams, forward or backward. Tests script the events either holds (`add`),
including late ones that land in the past.

Every request is checked against the description (path, query, headers, credentials), and every 2xx answer's
body: a request that does not match is answered 400, and either kind of mismatch fails the test. `fail()` queues
answers before the real ones (401, 403, 429 with Retry-After, 5xx), `answer_raw()` any bytes, `huge()` a body of
many megabytes, `stall()` an answer only after the client's deadline, `down()` refuses connections meanwhile.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tessa_tui.demo.supabase_api_sim import PROJECT, LogEvent, SupabaseLogsSim
from tests import vendor_contract
from tests.loopback import fault_answer, serving

SUPABASE_TOKEN = "sbp_5e1f9c3a7b2d4e6f00contract"
LOKI_TOKEN = "glc_loki-token-4d9a7e21"
LOKI_USER = "123456"
LOKI_PASSWORD = "loki-basic-pass-8c3f"
LOKI_ORG = "tessa-tenant"
SECRETS = (SUPABASE_TOKEN, LOKI_TOKEN, LOKI_PASSWORD)
SERVICES = ("supabase", "loki")
SPEC_OF = {
    "supabase": ("supabase_logs.openapi.json", "https://api.supabase.com"),
    "loki": ("loki_query_range.openapi.json", "https://loki.example.com"),
}
NS = 1_000_000_000
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*')


def request_violation(service: str, request: web.Request) -> str | None:
    """Why this request does not match the API's description, or None when it does."""
    return vendor_contract.request_violation(*SPEC_OF[service], request, b"")


def response_violation(service: str, request: web.Request, response: web.Response) -> str | None:
    """Why this 2xx answer does not match the description of it, or None when it does."""
    return vendor_contract.response_violation(*SPEC_OF[service], request, b"", response)


@dataclass(frozen=True)
class LokiEntry:
    labels: tuple[tuple[str, str], ...]
    at_ns: int
    line: str


class LokiSim:
    """Loki's query_range over scripted entries."""

    def __init__(self) -> None:
        self.entries: list[LokiEntry] = []
        self.max_entries = 5000  # Loki's default max_entries_limit_per_query

    def add(self, at_ns: int, line: str, **labels: str) -> None:
        self.entries.append(LokiEntry(tuple(sorted(labels.items())), at_ns, line))

    def clear(self) -> None:
        self.entries.clear()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/loki/api/v1/query_range", self._query_range)

    async def _query_range(self, request: web.Request) -> web.Response:
        selector = _selector(request.query["query"])
        if selector is None:
            return web.Response(status=400, text="parse error: a stream selector is needed")
        limit = int(request.query.get("limit", "100"))
        if limit > self.max_entries:
            return web.Response(
                status=400, text=f"max entries limit per query exceeded, limit > max_entries_limit ({limit} > 5000)"
            )
        start = int(request.query.get("start", "0"))
        end = int(request.query.get("end", str(2**63 - 1)))
        forward = request.query.get("direction", "backward") == "forward"
        hits = [
            e for e in self.entries if start <= e.at_ns < end and all(dict(e.labels).get(k) == v for k, v in selector)
        ]
        hits.sort(key=lambda e: e.at_ns, reverse=not forward)
        hits = hits[:limit]
        streams: dict[tuple[tuple[str, str], ...], list[LokiEntry]] = {}
        for entry in hits:
            streams.setdefault(entry.labels, []).append(entry)
        result = [
            {"stream": dict(labels), "values": [[str(e.at_ns), e.line] for e in entries]}
            for labels, entries in streams.items()
        ]
        return web.json_response(
            {"status": "success", "data": {"resultType": "streams", "result": result, "stats": {}}}
        )


def _selector(query: str) -> list[tuple[str, str]] | None:
    query = query.strip()
    if not query.startswith("{") or "}" not in query:
        return None
    inside = query[1 : query.index("}")]
    pairs = [m.groups() for part in inside.split(",") if (m := _MATCHER.fullmatch(part))]
    return [(k, v) for k, v in pairs]


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    answered: int


@dataclass(frozen=True)
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"message": "upstream unavailable"}'
    size: int = 0


@dataclass
class LogsContractState:
    supabase: SupabaseLogsSim = field(default_factory=lambda: SupabaseLogsSim(SUPABASE_TOKEN))
    loki: LokiSim = field(default_factory=LokiSim)
    loki_auth: dict[str, str] = field(default_factory=dict)
    received: dict[str, list[Received]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    faults: dict[str, list[Fault]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    stalls: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    down: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(SERVICES, False))
    violations: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.supabase.clear()
        self.loki.clear()
        self.loki_auth.clear()
        for service in SERVICES:
            self.received[service].clear()
            self.faults[service].clear()
            self.stalls[service].clear()
            self.down[service] = False
        self.violations.clear()


def _middleware(state: LogsContractState, service: str) -> Any:
    @web.middleware
    async def contract(request: web.Request, handler: Any) -> web.StreamResponse:
        if state.down[service]:  # the API is away: the connection is dropped without an answer
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("down")
        response: web.StreamResponse
        violation = request_violation(service, request)
        if violation is not None:
            state.violations.append(violation)
            response = web.json_response(
                {"message": f"does not match the published description: {violation}"}, status=400
            )
        elif service == "loki" and (refused := _loki_auth(state, request)) is not None:
            response = refused
        elif state.faults[service]:
            response = await _fault(request, state.faults[service].pop(0))
        else:
            if state.stalls[service]:
                await asyncio.sleep(state.stalls[service].pop(0))
            response = await handler(request)
            if isinstance(response, web.Response) and 200 <= response.status < 300:
                broken = response_violation(service, request, response)
                if broken is not None:
                    state.violations.append(broken)
        headers = {k.lower(): v for k, v in request.headers.items()}
        state.received[service].append(Received(request.path, dict(request.query.items()), headers, response.status))
        return response

    return contract


def _loki_auth(state: LogsContractState, request: web.Request) -> web.Response | None:
    """What a gateway in front of Loki checks, when the test set a credential; the tenant header when it set one."""
    wanted = state.loki_auth.get("authorization")
    if wanted is not None and request.headers.get("Authorization") != wanted:
        return web.Response(status=401, text="authentication failed")
    tenant = state.loki_auth.get("org")
    if tenant is not None and request.headers.get("X-Scope-OrgID") != tenant:
        return web.Response(status=401, text="no org id")
    return None


async def _fault(request: web.Request, fault: Fault) -> web.StreamResponse:
    return await fault_answer(
        request,
        fault.status,
        fault.headers,
        fault.body,
        size=fault.size,
        content_type="application/json",
        opening=b'{"result": [',
    )


@dataclass
class LogsServers:
    """Base URLs to configure, the simulations behind them, and the fault queue."""

    supabase_url: str
    loki_url: str
    state: LogsContractState

    @property
    def supabase(self) -> SupabaseLogsSim:
        return self.state.supabase

    @property
    def loki(self) -> LokiSim:
        return self.state.loki

    def add(self, event: LogEvent) -> None:
        self.state.supabase.add(event)

    def received(self, service: str) -> list[Received]:
        return list(self.state.received[service])

    def fail(
        self, service: str, status: int, times: int = 1, *, retry_after: str | None = None, body: bytes = b""
    ) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.state.faults[service] += [Fault(status, headers, body or Fault.body)] * times

    def answer_raw(self, service: str, body: bytes, status: int = 200) -> None:
        self.state.faults[service].append(Fault(status, body=body))

    def huge(self, service: str, megabytes: int) -> None:
        self.state.faults[service].append(Fault(200, size=megabytes * 1024 * 1024))

    def stall(self, service: str, seconds: float) -> None:
        self.state.stalls[service].append(seconds)

    def set_down(self, service: str, down: bool = True) -> None:
        self.state.down[service] = down

    def require_loki(self, authorization: str | None = None, org: str | None = None) -> None:
        if authorization is not None:
            self.state.loki_auth["authorization"] = authorization
        if org is not None:
            self.state.loki_auth["org"] = org

    def supabase_source(self, name: str = "platform", **settings: Any) -> dict[str, Any]:
        """A `logs:` entry reading the Supabase server, the token as an ${ENV} reference."""
        section = {
            "project-ref": PROJECT,
            "token": "${SUPABASE_ACCESS_TOKEN}",
            "api-url": self.supabase_url,
            "timeout": "2s",
            **settings,
        }
        return {"name": name, "supabase": section}

    def loki_source(self, name: str = "loki", **settings: Any) -> dict[str, Any]:
        section = {"url": self.loki_url, "query": '{app="tessa"}', "timeout": "2s", **settings}
        return {"name": name, "loki": section}

    @staticmethod
    def environ() -> dict[str, str]:
        return {"SUPABASE_ACCESS_TOKEN": SUPABASE_TOKEN, "LOKI_TOKEN": LOKI_TOKEN, "LOKI_PASSWORD": LOKI_PASSWORD}


@contextmanager
def running_logs_servers() -> Iterator[LogsServers]:
    """Both servers on free loopback ports, in one background thread with its own event loop."""
    state = LogsContractState()

    def apps() -> list[web.Application]:
        built = []
        for service, sim in (("supabase", state.supabase), ("loki", state.loki)):
            app = web.Application(middlewares=[_middleware(state, service)])
            sim.add_routes(app)
            built.append(app)
        return built

    with serving(apps, "logs-contract-servers") as urls:
        yield LogsServers(urls[0], urls[1], state)


@pytest.fixture(scope="session")
def logs_servers_session() -> Iterator[LogsServers]:
    with running_logs_servers() as servers:
        yield servers


@pytest.fixture
def logs_servers(logs_servers_session: LogsServers) -> Iterator[LogsServers]:
    """The servers with no events, recordings or faults; the test fails if a request it caused, or an answer it
    got, did not match the API's description."""
    logs_servers_session.state.reset()
    yield logs_servers_session
    if violations := logs_servers_session.state.violations:
        pytest.fail("requests or answers that do not match the APIs' descriptions:\n" + "\n".join(violations))
