"""Nothing accepted at load is unevaluable at run time (issue 23): every placeholder the condition grammar
resolves, on every kind of check, is either refused when the config loads (`not supported (reason)`) or filled
by a real run against a loopback server. A new placeholder or endpoint type fails here until it is one or the
other, so `[DNS_RCODE]` on an HTTP check can never again load and then stay down forever."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from aiohttp import web

from tessa_tui.base.http_fetch import make_client
from tessa_tui.checks import run_memo
from tessa_tui.checks.service_check import run_check
from tessa_tui.conditions.condition import PLACEHOLDERS, Observation, parse_condition
from tests import loopback
from tests.checks_support import service
from tests.dns_server import dns_server
from tests.socket_servers import echo, serving, smtp
from tests.tls_material import Pki, TlsServers

# One condition operand per placeholder (`[BODY].` and `[HEADER].` need a path or a name after them).
OPERAND = {"[BODY].": "[BODY].status", "[HEADER].": "[HEADER].content-type", "[CONTEXT]": "[CONTEXT].a"}

# Every kind of check, as fields with stand-in addresses (the load rule does not connect).
VARIANTS: dict[str, dict[str, Any]] = {
    "http": {"url": "http://localhost:9/ok"},
    "http-ip": {"url": "http://127.0.0.1:9/ok"},
    "https": {"url": "https://localhost:9/ok"},
    "statuspage": {"statuspage": "http://127.0.0.1:9/sp/x"},
    "tcp": {"url": "tcp://localhost:9"},
    "tcp-body": {"url": "tcp://localhost:9", "body": "ping"},
    "tls": {"url": "tls://localhost:9"},
    "tls-body": {"url": "tls://localhost:9", "body": "ping"},
    "starttls": {"url": "starttls://localhost:9"},
    "dns": {"url": "127.0.0.1:9", "dns": {"query-name": "example.test"}},
}
CONNECTION = {"[RESPONSE_TIME]", "[CONNECTED]", "[IP]"}
REPLY = {"[BODY]", "[BODY]."}

# What a run of each kind fills: the contract docs/conditions.md states. Every other pair is refused at load.
HTTP = {"[STATUS]", "[RESPONSE_TIME]", "[CONNECTED]", "[IP]", "[BODY]", "[BODY].", "[HEADER]."}
DOMAIN = {"[DOMAIN_EXPIRATION]"}  # a host name's; an IP address has no registration
FILLED: dict[str, set[str]] = {
    "http": HTTP | DOMAIN,
    "http-ip": HTTP,
    "https": HTTP | DOMAIN | {"[CERTIFICATE_EXPIRATION]"},
    "statuspage": set(),
    "tcp": CONNECTION | DOMAIN,
    "tcp-body": CONNECTION | REPLY | DOMAIN,
    "tls": CONNECTION | DOMAIN | {"[CERTIFICATE_EXPIRATION]"},
    "tls-body": CONNECTION | REPLY | DOMAIN | {"[CERTIFICATE_EXPIRATION]"},
    "starttls": CONNECTION | DOMAIN | {"[CERTIFICATE_EXPIRATION]"},
    "dns": CONNECTION | REPLY | {"[DNS_RCODE]"},
}


def condition_of(placeholder: str) -> str:
    return f"{OPERAND.get(placeholder, placeholder)} == x"


def test_the_walk_covers_every_placeholder_and_kind() -> None:
    assert set(PLACEHOLDERS) == {
        "[STATUS]", "[IP]", "[RESPONSE_TIME]", "[DNS_RCODE]", "[CONNECTED]", "[CERTIFICATE_EXPIRATION]",
        "[DOMAIN_EXPIRATION]", "[BODY]", "[BODY].", "[HEADER].", "[CONTEXT]",
    }  # fmt: skip
    assert set(VARIANTS) == set(FILLED)
    for placeholder in PLACEHOLDERS:
        assert parse_condition(condition_of(placeholder)).placeholders == {placeholder}


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_placeholder_is_filled_or_refused_at_load(variant: str, placeholder: str) -> None:
    conditions = [condition_of(placeholder)]
    if placeholder in FILLED[variant]:
        service(**VARIANTS[variant], conditions=conditions)
        return
    with pytest.raises(msgspec.ValidationError) as refused:
        service(**VARIANTS[variant], conditions=conditions)
    expected = "not supported (" if variant == "statuspage" else f"not supported ({placeholder} in "
    assert str(refused.value).startswith(f"`conditions[0]`: {expected}"), str(refused.value)


def _filled_fields(observation: Observation, placeholders: set[str]) -> dict[str, bool]:
    """For each placeholder, whether the run set the Observation field it reads to something other than unset."""
    unset = Observation()
    defaults = {f.name: getattr(unset, f.name) for f in dataclass_fields(Observation)}
    shown = {}
    for placeholder in placeholders:
        (field,) = parse_condition(condition_of(placeholder)).reads
        shown[placeholder] = getattr(observation, field) != defaults[field]
    return shown


@pytest.fixture
def observed(monkeypatch: pytest.MonkeyPatch) -> list[Observation]:
    """The Observations the checks' conditions are evaluated against."""
    seen: list[Observation] = []
    real = run_memo.evaluate_all  # type: ignore[attr-defined]

    def spy(conditions: Any, observation: Observation, **kwargs: Any) -> Any:
        seen.append(observation)
        return real(conditions, observation, **kwargs)

    monkeypatch.setattr(run_memo, "evaluate_all", spy)
    return seen


@pytest.fixture(scope="module")
def rdap() -> Iterator[str]:
    """An RDAP service that knows every name: registered in 2001, expiring in a year."""

    async def lookup(request: web.Request) -> web.Response:
        expiration = {"eventAction": "expiration", "eventDate": f"{datetime.now(UTC).year + 1}-01-01T00:00:00Z"}
        return web.json_response(
            {"objectClassName": "domain", "ldhName": request.match_info["name"], "events": [expiration]}
        )

    def apps() -> list[web.Application]:
        app = web.Application()
        app.router.add_get("/domain/{name}", lookup)
        return [app]

    with loopback.serving(apps, "rdap-everything") as urls:
        yield urls[0]


# How each kind reaches a real loopback server, with the fields it needs there.
Reach = Callable[[pytest.FixtureRequest], AbstractAsyncContextManager[dict[str, Any]]]


@asynccontextmanager
async def _http(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    yield {"url": f"{request.getfixturevalue('servers').http}/ok".replace("127.0.0.1", "localhost")}


@asynccontextmanager
async def _http_ip(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    yield {"url": f"{request.getfixturevalue('servers').http}/ok"}


@asynccontextmanager
async def _https(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    tls: TlsServers = request.getfixturevalue("tls_servers")
    url = f"{tls.private_ca}/ok".replace("127.0.0.1", "localhost")
    yield {"url": url, "tls": {"ca-file": str(tls.pki.ca)}}


def _socket(scheme: str, body: bool) -> Reach:
    @asynccontextmanager
    async def reach(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
        pki: Pki = request.getfixturevalue("pki")
        handler = smtp(pki.server_context()) if scheme == "starttls" else echo
        async with serving(handler, tls=pki.server_context() if scheme == "tls" else None) as port:
            fields: dict[str, Any] = {"url": f"{scheme}://localhost:{port}", "tls": {"ca-file": str(pki.ca)}}
            if scheme == "tcp":
                del fields["tls"]
            yield fields | ({"body": "ping"} if body else {})

    return reach


@asynccontextmanager
async def _dns(_request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    async with dns_server() as resolver:
        yield {"url": resolver, "dns": {"query-name": "example.test"}}


REACH: dict[str, Reach] = {
    "http-ip": _http_ip,
    "dns": _dns,
    "http": _http,
    "https": _https,
    "tcp": _socket("tcp", body=False),
    "tcp-body": _socket("tcp", body=True),
    "tls": _socket("tls", body=False),
    "tls-body": _socket("tls", body=True),
    "starttls": _socket("starttls", body=False),
}


@pytest.mark.parametrize("variant", [v for v in VARIANTS if FILLED[v]])
async def test_a_real_run_fills_every_placeholder_its_kind_accepts(
    variant: str, request: pytest.FixtureRequest, observed: list[Observation], rdap: str
) -> None:
    if variant not in REACH:
        pytest.fail(f"no loopback server for {variant} checks: add one to REACH")
    placeholders = FILLED[variant]
    async with REACH[variant](request) as fields, make_client() as client:
        fields |= {"rdap-url": rdap} if placeholders & DOMAIN else {}
        check = service(**fields, conditions=[condition_of(p) for p in sorted(placeholders)])
        result = await run_check(client, check)
    assert not result.internal_error, result.reason
    assert result.reason.startswith("[") or not result.reason, result.reason  # conditions fail, the run did not
    assert _filled_fields(observed[-1], placeholders) == dict.fromkeys(placeholders, True)
