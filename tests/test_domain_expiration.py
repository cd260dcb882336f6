"""[DOMAIN_EXPIRATION] from RDAP (issue 23), answered by a loopback server shaped like RFC 9083's domain object:
the expiration event read, a subdomain asked up to its registered name, answers cached for days, failures
unknown (never down), hostile answers one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest
from aiohttp import web

from tessa_tui.checks import domain_expiry
from tessa_tui.checks.domain_expiry import domain_expiration_ms, names_to_ask
from tessa_tui.checks.service_check import run_check
from tessa_tui.config.model import ServiceCheck, decode_hook
from tests.loopback import LoopbackServers, serving

EXPIRES = datetime.now(UTC) + timedelta(days=400)


def domain(name: str, expires: datetime = EXPIRES) -> dict[str, Any]:
    """An RDAP domain object (RFC 9083 section 5.3) with its registration events."""
    return {
        "objectClassName": "domain",
        "ldhName": name,
        "rdapConformance": ["rdap_level_0"],
        "events": [
            {"eventAction": "registration", "eventDate": "2001-01-01T00:00:00Z"},
            {"eventAction": "expiration", "eventDate": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
        ],
    }


ANSWERS: dict[str, web.Response | None] = {}
HITS: list[str] = []


def _rdap_app() -> web.Application:
    async def lookup(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        HITS.append(name)
        answer = ANSWERS.get(name)
        if answer is None:
            return web.json_response({"errorCode": 404, "title": "Not Found"}, status=404)
        return answer

    app = web.Application()
    app.router.add_get("/domain/{name}", lookup)
    return app


@pytest.fixture(scope="module")
def rdap() -> Iterator[str]:
    with serving(lambda: [_rdap_app()], "rdap") as urls:
        yield urls[0]


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    domain_expiry.forget()
    HITS.clear()
    ANSWERS.clear()
    yield
    domain_expiry.forget()


def rdap_json(document: object, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(document), status=status, content_type="application/rdap+json")


async def test_a_subdomain_is_asked_up_to_its_registered_name(client: httpx.AsyncClient, rdap: str) -> None:
    ANSWERS["example.test"] = rdap_json(domain("example.test"))
    ms, error = await domain_expiration_ms(client, rdap, "api.eu.example.test", 5)
    assert error == ""
    assert abs(ms - (EXPIRES - datetime.now(UTC)).total_seconds() * 1000) < 60_000
    assert HITS == ["api.eu.example.test", "eu.example.test", "example.test"]
    assert names_to_ask("a.b.c.d.e.test") == ["a.b.c.d.e.test", "b.c.d.e.test", "c.d.e.test", "d.e.test"]


async def test_answers_are_cached_so_registries_are_asked_rarely(client: httpx.AsyncClient, rdap: str) -> None:
    ANSWERS["example.test"] = rdap_json(domain("example.test"))
    for _ in range(5):
        assert (await domain_expiration_ms(client, rdap, "example.test", 5))[1] == ""
    assert HITS == ["example.test"]
    ANSWERS.clear()  # a failure is cached too: an hour, not a request per check run
    for _ in range(3):
        assert (await domain_expiration_ms(client, rdap, "gone.test", 5))[1] == "RDAP knows no domain gone.test"
    assert HITS == ["example.test", "gone.test"]


async def test_a_check_with_domain_expiration(client: httpx.AsyncClient, rdap: str, servers: LoopbackServers) -> None:
    ANSWERS["localhost"] = rdap_json(domain("localhost"))
    url = servers.http.replace("127.0.0.1", "localhost") + "/ok"

    def check(condition: str) -> ServiceCheck:
        fields = {"name": "svc", "url": url, "rdap-url": rdap, "conditions": ["[STATUS] == 200", condition]}
        return msgspec.convert(fields, ServiceCheck, dec_hook=decode_hook)

    up = await run_check(client, check("[DOMAIN_EXPIRATION] > 720h"))
    assert (up.state, up.reason) == ("up", "")
    soon = await run_check(client, check("[DOMAIN_EXPIRATION] > 10000h"))
    assert soon.state == "down"
    assert soon.reason.startswith("[DOMAIN_EXPIRATION] (") and soon.reason.endswith(") > 10000h")


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (rdap_json({"events": "soon"}), "the RDAP answer has no events"),
        (rdap_json([1, 2]), "the RDAP answer is not a JSON object"),
        (rdap_json({"events": [{"eventAction": "expiration", "eventDate": "tomorrow"}]}), "not an RFC 3339 time"),
        (rdap_json({"events": [{"eventAction": "expiration", "eventDate": 5}]}), "expiration event has no date"),
        (rdap_json({"events": [{"eventAction": "registration"}]}), "the RDAP answer has no expiration event"),
        (web.Response(text="{" * 100_000, content_type="application/rdap+json"), "the RDAP answer is not JSON"),
        (web.Response(body=b"[" * 300_000), "the RDAP answer is over 256 KiB"),
        (rdap_json({"errorCode": 429}, status=429), "RDAP answered HTTP 429 (rate-limited)"),
    ],
)
async def test_a_failed_look_up_is_unknown_not_down(
    client: httpx.AsyncClient, rdap: str, servers: LoopbackServers, answer: web.Response, says: str
) -> None:
    ANSWERS["localhost"] = answer
    url = servers.http.replace("127.0.0.1", "localhost") + "/ok"
    fields = {"name": "svc", "url": url, "rdap-url": rdap, "conditions": ["[DOMAIN_EXPIRATION] > 720h"]}
    result = await run_check(client, msgspec.convert(fields, ServiceCheck, dec_hook=decode_hook))
    assert result.state == "unknown"
    assert result.reason.startswith("domain expiration unknown: ") and says in result.reason, result.reason
