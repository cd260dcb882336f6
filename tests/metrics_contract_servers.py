"""Loopback servers for Supabase's Metrics API and a Prometheus query API, checked with openapi-core against
tests/vendor_specs/supabase_metrics.openapi.json (written from Supabase's documentation: Supabase publishes no
OpenAPI for it) and prometheus_query.openapi.json (Prometheus's own published description, trimmed).

They serve the demo's simulations (tessa_tui/demo/metrics_sim.py) with a load the test sets, or any exposition
text the test gives. Every request is checked against the description (method, path, query, the Basic or
bearer credential), and so is every 2xx answer; a request that does not match is answered 400, and either kind
of mismatch fails the test. `fail()` queues answers before the real ones (401, 403, 429 with Retry-After, 5xx),
`answer_raw()` any bytes, `huge()` a body of many megabytes, `stall()` an answer after the client's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tessa_tui.demo.metrics_sim import DatabaseLoad, PrometheusSim, RequestLog, SupabaseMetricsSim
from tests import vendor_contract
from tests.loopback import fault_answer, serving

SECRET_KEY = "sb_secret_contract0000metrics"
PROM_TOKEN = "prom-token-contract-9Xq2"
SERVICES = ("supabase", "prometheus")
SPEC_OF = {
    "supabase": ("supabase_metrics.openapi.json", "https://abcdefghijklmnopqrst.supabase.co"),
    "prometheus": ("prometheus_query.openapi.json", "http://127.0.0.1"),  # its server is relative: `/api/v1`
}


def request_violation(service: str, request: web.Request, raw: bytes) -> str | None:
    """Why this request does not match the API's description, or None when it does."""
    return vendor_contract.request_violation(*SPEC_OF[service], request, raw)


def response_violation(service: str, request: web.Request, raw: bytes, response: web.Response) -> str | None:
    """Why this 2xx answer does not match the description of it, or None when it does."""
    return vendor_contract.response_violation(*SPEC_OF[service], request, raw, response)


@dataclass(frozen=True)
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    size: int = 0


@dataclass
class MetricsContractState:
    load: DatabaseLoad = field(default_factory=lambda: DatabaseLoad(connections=8, active=0, commits=0, size_bytes=1))
    requests: RequestLog = field(default_factory=RequestLog)
    exposition: Callable[[], str] | None = None
    """Instead of the simulation's text (the test's own)."""
    supabase: SupabaseMetricsSim | None = None
    prometheus: PrometheusSim | None = None
    received: dict[str, list[str]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    faults: dict[str, list[Fault]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    stalls: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    violations: list[str] = field(default_factory=list)

    def reset(self) -> None:
        async def probe() -> DatabaseLoad:
            return self.load

        self.load = DatabaseLoad(connections=8, active=0, commits=0, size_bytes=50 * 1024**2)
        self.requests = RequestLog()
        self.exposition = None
        self.supabase = SupabaseMetricsSim(SECRET_KEY, probe)
        self.prometheus = PrometheusSim(PROM_TOKEN, self.requests)
        for service in SERVICES:
            self.received[service].clear()
            self.faults[service].clear()
            self.stalls[service].clear()
        self.violations.clear()


def _app(state: MetricsContractState, service: str) -> web.Application:
    @web.middleware
    async def contract(request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        state.received[service].append(request.path_qs)
        violation = request_violation(service, request, raw)
        if violation is not None:
            state.violations.append(violation)
            return web.json_response({"error": f"does not match the published description: {violation}"}, status=400)
        if state.faults[service]:
            return await _fault(request, state.faults[service].pop(0))
        if state.stalls[service]:
            await asyncio.sleep(state.stalls[service].pop(0))
        response: web.StreamResponse = await handler(request)
        if isinstance(response, web.Response) and 200 <= response.status < 300:
            broken = response_violation(service, request, raw, response)
            if broken is not None:
                state.violations.append(broken)
        return response

    app = web.Application(middlewares=[contract])
    if service == "supabase":

        async def scrape(request: web.Request) -> web.StreamResponse:
            assert state.supabase is not None
            if state.exposition is not None and state.supabase.authorized(request.headers.get("Authorization", "")):
                return web.Response(text=state.exposition(), content_type="text/plain")
            answer: web.StreamResponse = await state.supabase.handle(request)
            return answer

        app.router.add_get("/customer/v1/privileged/metrics", scrape)
    else:

        async def instant(request: web.Request) -> web.StreamResponse:
            assert state.prometheus is not None
            return await state.prometheus.instant(request)

        async def ranged(request: web.Request) -> web.StreamResponse:
            assert state.prometheus is not None
            return await state.prometheus.range(request)

        app.router.add_get("/api/v1/query", instant)
        app.router.add_get("/api/v1/query_range", ranged)
    return app


async def _fault(request: web.Request, fault: Fault) -> web.StreamResponse:
    return await fault_answer(
        request,
        fault.status,
        fault.headers,
        fault.body,
        size=fault.size,
        content_type="text/plain",
        opening=b"# HELP filler bytes\n",
    )


@dataclass
class MetricsServers:
    scrape_url: str
    prometheus_url: str
    state: MetricsContractState

    def fail(self, service: str, status: int, times: int = 1, *, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.state.faults[service] += [Fault(status, headers, b"unavailable")] * times

    def answer_raw(self, service: str, body: bytes, status: int = 200) -> None:
        self.state.faults[service].append(Fault(status, body=body))

    def huge(self, service: str, megabytes: int) -> None:
        self.state.faults[service].append(Fault(200, size=megabytes * 1024 * 1024))

    def stall(self, service: str, seconds: float) -> None:
        self.state.stalls[service].append(seconds)

    def received(self, service: str) -> list[str]:
        return list(self.state.received[service])

    def sources(self, **only: Any) -> list[dict[str, Any]]:
        """`metrics: sources:` entries pointing here, credentials as ${ENV} references."""
        return [
            {
                "name": "supabase",
                "scrape": {
                    "url": self.scrape_url,
                    "username": "service_role",
                    "password": "${SUPABASE_SECRET_KEY}",
                    **only.get("scrape", {}),
                },
                "interval": "15s",
            },
            {
                "name": "prom",
                "prometheus": {"url": self.prometheus_url, "token": "${PROM_TOKEN}", **only.get("prometheus", {})},
                "interval": "30s",
            },
        ]

    @staticmethod
    def environ() -> dict[str, str]:
        return {"SUPABASE_SECRET_KEY": SECRET_KEY, "PROM_TOKEN": PROM_TOKEN}


@contextmanager
def running_metrics_servers() -> Iterator[MetricsServers]:
    """Both servers on free loopback ports, in one background thread with its own event loop."""
    state = MetricsContractState()
    state.reset()
    with serving(lambda: [_app(state, service) for service in SERVICES], "metrics-contract-servers") as urls:
        yield MetricsServers(f"{urls[0]}/customer/v1/privileged/metrics", urls[1], state)


@pytest.fixture(scope="session")
def metrics_servers_session() -> Iterator[MetricsServers]:
    with running_metrics_servers() as servers:
        yield servers


@pytest.fixture
def metrics_servers(metrics_servers_session: MetricsServers) -> Iterator[MetricsServers]:
    """The servers with fresh simulations and recordings, no queued faults; the test fails if a request it
    caused, or an answer it got, did not match the published description."""
    metrics_servers_session.state.reset()
    yield metrics_servers_session
    if violations := metrics_servers_session.state.violations:
        pytest.fail("requests or answers that do not match the API descriptions:\n" + "\n".join(violations))
