"""tcp://, tls:// and starttls:// checks (issue 23) against servers the tests run on loopback: a port open and
closed, direct TLS with the private CA, STARTTLS on a small SMTP-like server, and servers that misbehave."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.service_check import run_check
from tests.checks_support import service
from tests.socket_servers import closed_port, echo, sends, serving, silent, smtp
from tests.tls_material import Pki

EXPIRY = ["[CONNECTED] == true", "[RESPONSE_TIME] < 10s", "[CERTIFICATE_EXPIRATION] > 24h"]


async def check(client: httpx.AsyncClient, url: str, **fields: Any) -> CheckResult:
    return await run_check(client, service(url=url, **fields))


async def test_a_tcp_port_open_and_closed(client: httpx.AsyncClient) -> None:
    async with serving(silent) as port:
        result = await check(client, f"tcp://127.0.0.1:{port}", conditions=["[CONNECTED] == true", "[IP] == 127.0.0.1"])
    assert (result.state, result.reason, result.kind, result.target) == ("up", "", "tcp", f"tcp://127.0.0.1:{port}")
    assert result.latency_ms is not None
    closed = await check(client, f"tcp://127.0.0.1:{closed_port()}", conditions=["[CONNECTED] == true"])
    assert (closed.state, closed.reason) == ("down", "connection refused")
    assert closed.conditions[0].display == "[CONNECTED] (false) == true"


async def test_tcp_body_and_its_reply(client: httpx.AsyncClient) -> None:
    async with serving(echo) as port:
        result = await check(client, f"tcp://127.0.0.1:{port}", body="ping", conditions=["[BODY] == pong ping"])
    assert (result.state, result.reason) == ("up", "")


async def test_tls_with_the_private_ca_and_its_expiry(client: httpx.AsyncClient, pki: Pki) -> None:
    async with serving(silent, tls=pki.server_context()) as port:
        url = f"tls://localhost:{port}"
        untrusted = await check(client, url, conditions=EXPIRY)
        trusted = await check(client, url, conditions=EXPIRY, tls={"ca-file": str(pki.ca)})
    assert untrusted.state == "down"
    assert untrusted.reason.startswith("TLS: certificate verify failed")
    assert (trusted.state, trusted.reason, trusted.kind) == ("up", "", "tls")


async def test_tls_self_signed_needs_insecure_and_mutual_tls_a_certificate(client: httpx.AsyncClient, pki: Pki) -> None:
    async with serving(silent, tls=pki.server_context(self_signed=True)) as port:
        url = f"tls://127.0.0.1:{port}"
        refused = await check(client, url, conditions=EXPIRY)
        accepted = await check(client, url, conditions=EXPIRY, tls={"insecure": True})
    assert refused.state == "down"
    assert (accepted.state, accepted.reason) == ("up", "")
    mutual = {"ca-file": str(pki.ca), "cert-file": str(pki.client_cert), "key-file": str(pki.client_key)}
    async with serving(echo, tls=pki.server_context(require_client=True)) as port:
        url = f"tls://localhost:{port}"
        # TLS 1.3 finishes the client's handshake before the server checks its certificate: a body shows the refusal.
        anonymous = await check(client, url, body="hi", tls={"ca-file": str(pki.ca)}, conditions=["[BODY] == pong hi"])
        known = await check(client, url, body="hi", tls=mutual, conditions=["[BODY] == pong hi", *EXPIRY])
    assert anonymous.state == "down"
    assert (known.state, known.reason) == ("up", "")


async def test_starttls_on_an_smtp_like_server(client: httpx.AsyncClient, pki: Pki) -> None:
    async with serving(smtp(pki.server_context())) as port:
        url = f"starttls://localhost:{port}"
        untrusted = await check(client, url, conditions=EXPIRY)
        result = await check(client, url, conditions=EXPIRY, tls={"ca-file": str(pki.ca)})
    assert (result.state, result.reason, result.kind) == ("up", "", "starttls")
    assert untrusted.state == "down"
    assert untrusted.reason.startswith("TLS: certificate verify failed")
    assert untrusted.reason.endswith("(TLS handshake)")


@pytest.mark.parametrize(
    ("server", "says"),
    [
        (sends(b"554 go away\r\n"), "STARTTLS: greeting: expected 220, got 554"),
        (sends(b"HTTP/1.1 400 Bad Request\r\n"), "STARTTLS: not an SMTP reply line: 'HTTP/1.1 400 Bad Request'"),
        (sends(b"220-" + b"x" * 5000), "STARTTLS: reply line over 1024 bytes"),
        (sends(b"220-more\r\n" * 100), "STARTTLS: reply longer than 64 lines"),
        (sends(b"220-a\r\n250 b\r\n"), "STARTTLS: reply changed its code mid-reply (220, then 250)"),
        (sends(b"220 half", then_wait=False), "STARTTLS: the server closed the connection mid-reply"),
        (sends(b"", then_wait=False), "STARTTLS: no reply"),
        (sends(b"\x1b]0;pwned\x07\r\n"), "STARTTLS: not an SMTP reply line: '\\x1b]0;pwned\\x07'"),
        (sends(b"220 hi\r\n"), "timed out after 0.5s (EHLO)"),
    ],
)
async def test_a_misbehaving_smtp_server_is_down_with_one_line(
    client: httpx.AsyncClient, server: Any, says: str
) -> None:
    async with serving(server) as port:
        result = await check(
            client, f"starttls://127.0.0.1:{port}", timeout="500ms", conditions=["[CONNECTED] == true"]
        )
    assert (result.state, result.reason) == ("down", says)


async def test_starttls_refused_by_the_server(client: httpx.AsyncClient, pki: Pki) -> None:
    async with serving(smtp(pki.server_context(), ready=b"454 TLS not available\r\n")) as port:
        result = await check(client, f"starttls://127.0.0.1:{port}")
    assert (result.state, result.reason) == ("down", "STARTTLS: STARTTLS: expected 220, got 454")


async def test_every_step_is_under_the_deadline(client: httpx.AsyncClient, pki: Pki) -> None:
    async with serving(silent) as port:  # accepts, never greets, never shakes hands
        for scheme, step in (("starttls", "SMTP greeting"), ("tls", "connect and TLS handshake")):
            result = await check(client, f"{scheme}://127.0.0.1:{port}", timeout="300ms")
            assert (result.state, result.reason) == ("down", f"timed out after 0.3s ({step})")
        reply = await check(client, f"tcp://127.0.0.1:{port}", timeout="300ms", body="x", conditions=["[BODY] == y"])
    assert (reply.state, reply.reason) == ("down", "timed out after 0.3s (reply to body)")
