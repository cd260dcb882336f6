"""A DNS check, as Gatus makes one: one query over UDP to the resolver the check's `url` names, its response code
as [DNS_RCODE] and its answer as [BODY], under the check's deadline.

Packets with another id (late answers to an earlier query, spoofing attempts) are skipped and the wait goes on; a
malformed answer to our id ends the run with its one-line reason. At most 64 packets are looked at per run.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass

from tessa_tui.base.dns_wire import DnsAnswer, DnsFormatError, build_query, parse_response, response_id
from tessa_tui.base.http_fetch import describe_error

MAX_PACKETS = 64


@dataclass(frozen=True)
class DnsOutcome:
    """What one DNS run produced: an answer, or the one-line reason there was none."""

    answer: DnsAnswer | None
    elapsed_ms: float
    error: str = ""


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.packets: asyncio.Queue[bytes | Exception] = asyncio.Queue(maxsize=MAX_PACKETS)

    def datagram_received(self, data: bytes, addr: object) -> None:
        if not self.packets.full():  # a flood is dropped, not queued without bound
            self.packets.put_nowait(data)

    def error_received(self, exc: Exception) -> None:  # an ICMP port unreachable: nobody serves DNS there
        if not self.packets.full():
            self.packets.put_nowait(exc)


async def query(host: str, port: int, name: str, query_type: str, deadline: float) -> DnsOutcome:
    """Ask `host`:`port` for `name` (absolute) of `query_type`; never raises for what the network or server does."""
    started = time.perf_counter()
    query_id = secrets.randbelow(1 << 16)
    transport: asyncio.DatagramTransport | None = None
    try:
        async with asyncio.timeout(deadline):
            loop = asyncio.get_running_loop()
            transport, receiver = await loop.create_datagram_endpoint(_Receiver, remote_addr=(host, port))
            transport.sendto(build_query(query_id, name, query_type))
            for _ in range(MAX_PACKETS):
                packet = await receiver.packets.get()
                if isinstance(packet, Exception):
                    raise packet
                if response_id(packet) != query_id:
                    continue  # not ours: keep waiting for our answer
                try:
                    answer = parse_response(packet, query_id, name, query_type)
                except DnsFormatError as exc:
                    return DnsOutcome(None, _ms(started), f"malformed DNS answer: {exc}")
                return DnsOutcome(answer, _ms(started))
            return DnsOutcome(None, _ms(started), f"no answer to our query among {MAX_PACKETS} packets")
    except TimeoutError:
        return DnsOutcome(None, _ms(started), f"timed out after {deadline:g}s without a DNS answer")
    except (OSError, ValueError) as exc:
        return DnsOutcome(None, _ms(started), describe_error(exc))
    finally:
        if transport is not None:
            transport.close()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
