"""DNS checks (issue 23) against a DNS server the test runs on a loopback UDP port: NOERROR and NXDOMAIN, each
record type Gatus reads into [BODY], and hostile answers (wrong ids, truncated, malformed, huge, silent)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.service_check import run_check
from tessa_tui.cli.main import main
from tests.checks_support import service
from tests.dns_server import dns_server
from tests.socket_servers import closed_port


@pytest.fixture
async def resolver() -> AsyncIterator[str]:
    async with dns_server() as url:
        yield url


async def ask(client: httpx.AsyncClient, resolver: str, name: str, kind: str = "A", **fields: Any) -> CheckResult:
    check = service(url=resolver, dns={"query-name": name, "query-type": kind}, **fields)
    return await run_check(client, check)


async def test_noerror_with_the_answer_and_nxdomain(client: httpx.AsyncClient, resolver: str) -> None:
    conditions = ["[DNS_RCODE] == NOERROR", "[BODY] == 192.0.2.10", "[RESPONSE_TIME] < 10s", "[CONNECTED] == true"]
    found = await ask(client, resolver, "example.test", conditions=conditions)
    assert (found.state, found.reason, found.kind) == ("up", "", "dns")
    assert found.target == f"dns A example.test @ {resolver}"
    missing = await ask(client, resolver, "nowhere.test", conditions=conditions[:2])
    assert (missing.state, missing.reason) == ("down", "[DNS_RCODE] (NXDOMAIN) == NOERROR; [BODY] () == 192.0.2.10")
    expected = await ask(client, resolver, "nowhere.test", conditions=["[DNS_RCODE] == NXDOMAIN", "len([BODY]) == 0"])
    assert (expected.state, expected.reason) == ("up", "")


@pytest.mark.parametrize(
    ("name", "kind", "body"),
    [
        ("example.test", "AAAA", "2001:db8::1"),
        ("alias.test", "A", "192.0.2.10"),  # the CNAME on the way, then the address: the last answer counts
        ("example.test", "MX", "mail.example.test."),
        ("example.test", "NS", "ns1.example.test."),
        ("example.test", "TXT", r"v=spf one\ntwo"),  # two TXT records, one per line (shown escaped)
        ("_sip._tcp.example.test", "SRV", "sip.example.test.:5060"),
        ("192.0.2.10", "PTR", "host.example.test."),  # an IP address asked as its reverse name, as Gatus does
    ],
)
async def test_each_record_type_is_the_body_gatus_shows(
    client: httpx.AsyncClient, resolver: str, name: str, kind: str, body: str
) -> None:
    result = await ask(client, resolver, name, kind, conditions=["[DNS_RCODE] == NOERROR", "[BODY] == x"])
    assert result.conditions[1].display == f"[BODY] ({body}) == x"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("wrongid.test", ""),  # a stray packet with another id is skipped; the real answer follows
        ("short.test", "timed out after 0.5s without a DNS answer"),  # too short to carry our id: skipped
        ("garbage.test", "malformed DNS answer: "),
        ("loop.test", "malformed DNS answer: a name's compression pointer does not point backwards"),
        ("badlength.test", "malformed DNS answer: an A record is not 4 octets"),
        ("otherquestion.test", "malformed DNS answer: the response answers another question"),
        ("flood.test", "no answer to our query among 64 packets"),
        ("silent.test", "timed out after 0.5s without a DNS answer"),
        ("refused.test", "[DNS_RCODE] (REFUSED) == NOERROR"),
        ("huge.test", "[DNS_RCODE] (NOERROR) == NXDOMAIN"),
    ],
)
async def test_hostile_answers_end_in_one_line(client: httpx.AsyncClient, resolver: str, name: str, says: str) -> None:
    wanted = "NXDOMAIN" if name == "huge.test" else "NOERROR"
    conditions = [f"[DNS_RCODE] == {wanted}"] if name != "wrongid.test" else ["[BODY] == 192.0.2.10"]
    kind = "TXT" if name == "huge.test" else "A"
    result = await ask(client, resolver, name, kind, conditions=conditions, timeout="500ms")
    assert not result.internal_error
    assert result.reason.startswith(says) and "\n" not in result.reason, result.reason
    assert result.state == ("up" if name == "wrongid.test" else "down")


async def test_a_truncated_answer_keeps_what_came_whole_and_says_so(client: httpx.AsyncClient, resolver: str) -> None:
    ok = await ask(client, resolver, "truncated.test", conditions=["[BODY] == 192.0.2.10"])
    assert (ok.state, ok.reason) == ("up", "")
    cut = await ask(client, resolver, "truncated.test", conditions=["[BODY] == 1.1.1.1"])
    assert cut.reason.endswith("(answer truncated over UDP; DNS over TCP is not supported)")


async def test_no_dns_server_there(client: httpx.AsyncClient) -> None:
    result = await ask(client, f"127.0.0.1:{closed_port()}", "example.test", conditions=["[DNS_RCODE] == NOERROR"])
    assert result.state == "down"
    assert result.reason in ("connection refused", "timed out after 10s without a DNS answer")


@pytest.mark.parametrize(
    ("dns", "url", "says"),
    [
        ("{query-name: example.com, query-type: SOA}", "8.8.8.8", "dns.query-type: not supported ('SOA'"),
        ("{query-name: 'a..b'}", "8.8.8.8", "dns.query-name: a DNS name has labels of 1 to 63"),
        ("{query-name: example.com}", "https://8.8.8.8", "services[0].url: a dns check's url names its resolver"),
        ("{query-name: example.com}", "8.8.8.8:99999", "the port is 1-65535"),
    ],
)
def test_bad_dns_settings_are_load_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dns: str, url: str, says: str
) -> None:
    path = tmp_path / "tessa.yaml"
    path.write_text(f"services:\n  - name: dns\n    url: {url}\n    dns: {dns}\n")
    assert main(["config", "validate", str(path)]) == 2
    assert says in capsys.readouterr().err
