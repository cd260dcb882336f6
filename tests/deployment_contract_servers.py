"""Loopback servers for Vercel's and Netlify's deployment APIs, checked against the vendors' published
descriptions (tests/vendor_specs/vercel_deployments.openapi.json, netlify_deploys.openapi.json) with openapi-core.

They serve the demo's own simulations (tessa_tui/demo/deployments_sim.py: the histories, the tokens the vendors
accept, Vercel's 202 promote that shows a few reads later), so the demo and these tests answer alike. Every
request is checked against the description (method, path, query, the bearer credential), and so is every 2xx
answer's body: a request that does not match is answered 400, and either kind of mismatch fails the test.
Error answers are the vendors' documented error shapes but are not checked: the descriptions leave most of
them undescribed.

`fail()` queues answers that come before the real ones (401, 403, 429 with Retry-After, 5xx), `answer_raw()`
any bytes (invalid JSON, another shape), `huge()` a body of many megabytes, `stall()` a request answered only
after the client's deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from tessa_tui.demo.deployments_sim import (
    NETLIFY_SITE,
    VERCEL_PROJECT,
    VERCEL_TEAM,
    NetlifySim,
    VercelSim,
    netlify_history,
    vercel_history,
)
from tests import vendor_contract
from tests.loopback import fault_answer, serving

VERCEL_TOKEN = "vercel-token-5e1f9c3a"
NETLIFY_TOKEN = "netlify-pat-7b2d4e6f"
SECRETS = (VERCEL_TOKEN, NETLIFY_TOKEN)
SERVICES = ("vercel", "netlify")
# service -> (description file, the vendor's host the loopback paths stand for)
SPEC_OF = {
    "vercel": ("vercel_deployments.openapi.json", "https://api.vercel.com"),
    "netlify": ("netlify_deploys.openapi.json", "https://api.netlify.com"),
}


def request_violation(service: str, request: web.Request, raw: bytes) -> str | None:
    """Why this request does not match the vendor's description, or None when it does."""
    return vendor_contract.request_violation(*SPEC_OF[service], request, raw)


def response_violation(service: str, request: web.Request, raw: bytes, response: web.Response) -> str | None:
    """Why this 2xx answer does not match the vendor's description of it, or None when it does."""
    return vendor_contract.response_violation(*SPEC_OF[service], request, raw, response)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    answered: int
    at: float


@dataclass(frozen=True)
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"error": {"code": "internal_server_error", "message": "unavailable"}}'
    size: int = 0
    """A body of this many bytes, streamed (a huge answer), instead of `body`."""
    method: str | None = None
    """Only a request with this method gets it (the others pass it by)."""
    after_acting: bool = False
    """The simulation acts on the request first (a promote is done), then this is the answer (a gateway's 502)."""


@dataclass
class DeploymentContractState:
    vercel: VercelSim = field(default_factory=lambda: VercelSim(VERCEL_TOKEN))
    netlify: NetlifySim = field(default_factory=lambda: NetlifySim(NETLIFY_TOKEN))
    received: dict[str, list[Received]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    faults: dict[str, list[Fault]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    stalls: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    violations: list[str] = field(default_factory=list)

    def reset(self) -> None:
        now = datetime.now(UTC)
        self.vercel.history = vercel_history(now)
        self.vercel.promote_lag = 0
        self.vercel._pending = None
        self.vercel.on_promoted.clear()
        self.netlify.history = netlify_history(now)
        for service in SERVICES:
            self.received[service].clear()
            self.faults[service].clear()
            self.stalls[service].clear()
        self.violations.clear()


def _middleware(state: DeploymentContractState, service: str) -> Any:
    @web.middleware
    async def contract(request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        response: web.StreamResponse
        violation = request_violation(service, request, raw)
        if violation is not None:
            state.violations.append(violation)
            response = web.json_response(
                {"error": f"does not match the published description: {violation}"}, status=400
            )
        elif (fault := _next_fault(state.faults[service], request.method)) is not None:
            if fault.after_acting:
                await handler(request)
            response = await _fault(request, fault)
        else:
            if state.stalls[service]:
                await asyncio.sleep(state.stalls[service].pop(0))
            response = await handler(request)
            if isinstance(response, web.Response) and 200 <= response.status < 300:
                broken = response_violation(service, request, raw, response)
                if broken is not None:
                    state.violations.append(broken)
        headers = {k.lower(): v for k, v in request.headers.items()}
        state.received[service].append(
            Received(
                request.method, request.path, list(request.query.items()), headers, response.status, time.monotonic()
            )
        )
        return response

    return contract


def _next_fault(queue: list[Fault], method: str) -> Fault | None:
    index = next((i for i, fault in enumerate(queue) if fault.method in (None, method)), None)
    return None if index is None else queue.pop(index)


async def _fault(request: web.Request, fault: Fault) -> web.StreamResponse:
    return await fault_answer(
        request,
        fault.status,
        fault.headers,
        fault.body,
        size=fault.size,
        content_type="application/json",
        opening=b'{"deployments": [',
    )


@dataclass
class DeploymentServers:
    """The base URLs to configure (`api-url`), the simulations behind them, and the fault queue."""

    vercel_url: str
    netlify_url: str
    """Netlify's API base, `.../api/v1`."""
    state: DeploymentContractState

    @property
    def vercel(self) -> VercelSim:
        return self.state.vercel

    @property
    def netlify(self) -> NetlifySim:
        return self.state.netlify

    def received(self, service: str) -> list[Received]:
        return list(self.state.received[service])

    def fail(
        self,
        service: str,
        status: int,
        times: int = 1,
        *,
        retry_after: str | None = None,
        body: bytes = b"",
        method: str | None = None,
        after_acting: bool = False,
    ) -> None:
        """Answer the next `times` requests (with `method`) with `status`; `after_acting`: once the simulation has
        acted on it."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        fault = Fault(status, headers, body or Fault.body, method=method, after_acting=after_acting)
        self.state.faults[service] += [fault] * times

    def answer_raw(self, service: str, body: bytes, status: int = 200) -> None:
        self.state.faults[service].append(Fault(status, body=body))

    def huge(self, service: str, megabytes: int) -> None:
        self.state.faults[service].append(Fault(200, size=megabytes * 1024 * 1024))

    def stall(self, service: str, seconds: float) -> None:
        self.state.stalls[service].append(seconds)

    def sources(self, **only: Any) -> list[dict[str, Any]]:
        """`deployments: sources:` entries pointing here, tokens as ${ENV} references."""
        return [
            {
                "name": "web",
                "vercel": {
                    "project": VERCEL_PROJECT,
                    "team-id": VERCEL_TEAM,
                    "token": "${VERCEL_TOKEN}",
                    "api-url": self.vercel_url,
                    **only.get("vercel", {}),
                },
            },
            {
                "name": "docs",
                "netlify": {
                    "site-id": NETLIFY_SITE,
                    "token": "${NETLIFY_TOKEN}",
                    "api-url": self.netlify_url,
                    **only.get("netlify", {}),
                },
            },
        ]

    @staticmethod
    def environ() -> dict[str, str]:
        return {"VERCEL_TOKEN": VERCEL_TOKEN, "NETLIFY_TOKEN": NETLIFY_TOKEN}


@contextmanager
def running_deployment_servers() -> Iterator[DeploymentServers]:
    """Both servers on free loopback ports, in one background thread with its own event loop."""
    state = DeploymentContractState()
    state.reset()

    def apps() -> list[web.Application]:
        built = []
        for service, sim in (("vercel", state.vercel), ("netlify", state.netlify)):
            app = web.Application(middlewares=[_middleware(state, service)])
            sim.add_routes(app)
            built.append(app)
        return built

    with serving(apps, "deployment-contract-servers") as urls:
        yield DeploymentServers(urls[0], f"{urls[1]}/api/v1", state)


@pytest.fixture(scope="session")
def deployment_servers_session() -> Iterator[DeploymentServers]:
    with running_deployment_servers() as servers:
        yield servers


@pytest.fixture
def deployment_servers(deployment_servers_session: DeploymentServers) -> Iterator[DeploymentServers]:
    """The servers with fresh histories and recordings, no queued faults; the test fails if a request it caused,
    or an answer it got, did not match the vendor's published description."""
    deployment_servers_session.state.reset()
    yield deployment_servers_session
    if violations := deployment_servers_session.state.violations:
        pytest.fail("requests or answers that do not match the vendors' API descriptions:\n" + "\n".join(violations))
