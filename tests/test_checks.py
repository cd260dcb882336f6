"""Service checks against real loopback servers: every fault ends in a clear state and one-line reason."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tessa_tui.base.http_fetch import USER_AGENT, make_client
from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.service_check import run_check
from tests.checks_support import service
from tests.hostile_http import answering
from tests.loopback import LoopbackServers


async def check(client: httpx.AsyncClient, **fields: Any) -> CheckResult:
    return await run_check(client, service(**fields))


async def test_healthy_endpoint_is_up_with_latency(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    result = await check(client, url=f"{servers.http}/ok", conditions=["[STATUS] == 200", "[BODY].status == ok"])
    assert (result.state, result.reason, result.http_status) == ("up", "", 200)
    assert result.latency_ms is not None and 0 < result.latency_ms < 2000
    assert [c.success for c in result.conditions] == [True, True]


async def test_failed_condition_shows_resolved_values(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    result = await check(client, url=f"{servers.http}/status/503")
    assert result.state == "down"
    assert result.reason == "[STATUS] (503) == 200"


async def test_big_json_numbers_compare_correctly(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    result = await check(client, url=f"{servers.http}/ok", conditions=["[BODY].data[0].id == 1234567"])
    assert result.state == "up"


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    result = await check(client, url="http://127.0.0.1:1/health", conditions=["[CONNECTED] == false"])
    assert (result.state, result.reason) == ("down", "connection refused")


async def test_unknown_host(client: httpx.AsyncClient) -> None:
    result = await check(client, url="http://no-such-host.invalid/health")
    assert (result.state, result.reason) == ("down", "DNS: cannot resolve the host name")


# The reason says which deadline ended the check: only the check's total deadline words it this way, and
# without it /hang answers after an hour and /drip completes (up, 200) after a minute of a byte per 0.5 s.
async def test_accepts_but_never_answers(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    result = await check(client, url=f"{servers.http}/hang", timeout="1s")
    assert (result.state, result.reason) == ("down", "timed out after 1s without a complete response")


@pytest.mark.slow
async def test_no_per_operation_timeout_cuts_a_check_short(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    # A client default of 5 s per read once made every answer slower than 5 s a ReadTimeout, whatever the
    # check's own timeout said: only the check's deadline may end it.
    result = await check(client, url=f"{servers.http}/hang", timeout="6s")
    assert (result.state, result.reason) == ("down", "timed out after 6s without a complete response")


async def test_drip_feed_is_cut_by_the_total_deadline(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    result = await check(client, url=f"{servers.http}/drip", timeout="1s")
    assert (result.state, result.reason) == ("down", "timed out after 1s without a complete response")


@pytest.mark.parametrize("route", ["big", "gzipbomb"])
async def test_huge_and_bomb_bodies_are_capped(client: httpx.AsyncClient, servers: LoopbackServers, route: str) -> None:
    result = await check(client, url=f"{servers.http}/{route}", conditions=["[STATUS] == 200", "len([BODY]) < 100"])
    assert result.state == "down"
    assert result.reason == "len([BODY]) (1048576) < 100 (body cut at 1024 KiB)"
    assert len(result.excerpt) < 3000


async def test_invalid_json_under_a_body_condition(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    result = await check(client, url=f"{servers.http}/badjson", conditions=["[BODY].status == ok"])
    assert result.state == "down"
    assert result.reason.startswith("[BODY].status")


async def test_a_header_condition_reads_the_first_value(client: httpx.AsyncClient) -> None:
    """As docs/conditions.md says (and Gatus's Header.Get does): a repeated header's first value, not a list."""
    url, stop = answering(b"HTTP/1.1 200 OK\r\nX-Tag: first\r\nX-Tag: second\r\nContent-Length: 2\r\n\r\nok")
    try:
        result = await check(client, url=f"{url}/", conditions=["[HEADER].x-tag == first"])
    finally:
        stop()
    assert (result.state, result.reason) == ("up", "")


async def test_redirect_loop(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    result = await check(client, url=f"{servers.http}/loop")
    assert (result.state, result.reason) == ("down", "redirect loop: more than 10 redirects")


async def test_checks_say_who_is_asking_unless_the_check_says_otherwise(
    client: httpx.AsyncClient, servers: LoopbackServers
) -> None:
    servers.recorder.headers.clear()
    assert (await check(client, url=f"{servers.http}/same")).state == "up"
    assert servers.recorder.headers[-1].get("user-agent") == USER_AGENT == "tessa-tui/0.1.0"
    assert (await check(client, url=f"{servers.http}/same", headers={"User-Agent": "probe/2"})).state == "up"
    assert servers.recorder.headers[-1].get("user-agent") == "probe/2"


async def test_credential_header_not_forwarded_cross_origin(
    client: httpx.AsyncClient, servers: LoopbackServers
) -> None:
    servers.recorder.headers.clear()
    result = await check(client, url=f"{servers.http}/same", headers={"X-Api-Key": "k-same-origin"})
    assert result.state == "up"
    assert servers.recorder.headers[-1].get("x-api-key") == "k-same-origin"
    result = await check(client, url=f"{servers.http}/cross", headers={"X-Api-Key": "k-cross-origin"})
    assert result.state == "up"
    assert "x-api-key" not in servers.recorder.headers[-1]


async def test_tls_failure(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    if servers.https is None:
        pytest.skip("openssl is not installed: no self-signed server")
    result = await check(client, url=f"{servers.https}/ok")
    assert result.state == "down"
    assert result.reason.startswith("TLS: certificate verify failed (self")


async def test_secrets_in_url_never_appear(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    url = servers.http.replace("http://", "http://admin:hunter2-pw@") + "/secret500?token=tok-SECRET-123"
    result = await check(client, url=url)
    assert result.state == "down"
    shown = repr(result.to_json()) + result.excerpt
    assert "hunter2-pw" not in shown and "tok-SECRET-123" not in shown
    assert result.target.endswith("/secret500?token=****")
    assert "admin:****@" in result.target


async def test_hostile_body_is_sanitised_in_reason_and_excerpt(
    client: httpx.AsyncClient, servers: LoopbackServers
) -> None:
    result = await check(client, url=f"{servers.http}/hostile", conditions=["[BODY] == fine"])
    assert "\x1b" not in result.reason and "\x9b" not in result.reason
    assert "\x1b" not in result.excerpt
    assert "\\e]0;pwned" in result.excerpt


async def test_slow_passing_check_is_degraded(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    result = await check(client, url=f"{servers.http}/slow", degraded_latency="100ms")
    assert result.state == "degraded"
    assert result.reason.startswith("slow: ") and result.reason.endswith("> 100 ms")


async def test_faults_do_not_delay_other_checks(client: httpx.AsyncClient, servers: LoopbackServers) -> None:
    """While every fault runs at once, a healthy check still answers in its normal time."""
    faults = ["hang", "drip", "big", "gzipbomb", "loop", "badjson"]
    slow = [asyncio.create_task(check(client, url=f"{servers.http}/{f}", timeout="2s")) for f in faults]
    await asyncio.sleep(0.1)
    healthy = await check(client, url=f"{servers.http}/ok")
    assert healthy.state == "up"
    # Answered while the faults still run (they end at their 2 s deadline): not queued behind them.
    assert not any(task.done() for task, fault in zip(slow, faults, strict=True) if fault in ("hang", "drip"))
    states = dict(zip(faults, [r.state for r in await asyncio.gather(*slow)], strict=True))
    assert states["hang"] == states["drip"] == states["loop"] == "down"


def test_result_json_contract_fields(servers: LoopbackServers) -> None:
    async def one() -> CheckResult:
        async with make_client() as shared:
            return await run_check(shared, service(url=f"{servers.http}/status/503", timeout=timedelta(seconds=2)))

    data = asyncio.run(one()).to_json()
    assert {"name", "state", "latency_ms", "reason", "conditions"} <= set(data)
    assert data["conditions"] == [
        {"condition": "[STATUS] == 200", "success": False, "display": "[STATUS] (503) == 200"}
    ]
