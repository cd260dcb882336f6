"""A DNS server a test runs on a loopback UDP port, in a few lines of its own (not our parser's code): a small zone
answered NOERROR, every other name NXDOMAIN, and names that make it misbehave as a broken or hostile server would."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator

A, NS, CNAME, PTR, MX, TXT, AAAA, SRV = 1, 2, 5, 12, 15, 16, 28, 33


def wire_name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".") if p) + b"\0"


ZONE: dict[tuple[str, int], list[tuple[int, bytes]]] = {
    ("example.test.", A): [(A, bytes([192, 0, 2, 10]))],
    ("example.test.", AAAA): [(AAAA, bytes.fromhex("20010db8000000000000000000000001"))],
    ("alias.test.", A): [(CNAME, wire_name("example.test.")), (A, bytes([192, 0, 2, 10]))],
    ("example.test.", MX): [(MX, b"\x00\x0a" + wire_name("mail.example.test."))],
    ("example.test.", NS): [(NS, wire_name("ns1.example.test."))],
    ("example.test.", TXT): [(TXT, b"\x05v=spf\x04 one"), (TXT, b"\x03two")],
    ("_sip._tcp.example.test.", SRV): [(SRV, b"\x00\x01\x00\x02\x13\xc4" + wire_name("sip.example.test."))],
    ("10.2.0.192.in-addr.arpa.", PTR): [(PTR, wire_name("host.example.test."))],
    ("example.test.", 99): [],
}


def _question(query: bytes) -> tuple[str, int, bytes]:
    position, labels = 12, []
    while query[position]:
        length = query[position]
        labels.append(query[position + 1 : position + 1 + length].decode())
        position += 1 + length
    kind = struct.unpack_from("!H", query, position + 1)[0]
    return ".".join(labels).lower() + ".", kind, query[12 : position + 5]


def response(query: bytes, rcode: int = 0, answers: list[tuple[int, bytes]] | None = None, flags: int = 0) -> bytes:
    _, _, question = _question(query)
    answers = answers or []
    header = query[:2] + struct.pack("!HHHHH", 0x8180 | flags | rcode, 1, len(answers), 0, 0)
    records = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", kind, 1, 60, len(data)) + data for kind, data in answers)
    return header + question + records


def answers_for(query: bytes) -> list[bytes]:
    """The packets the server sends back for `query`, in order (none: it stays silent)."""
    name, kind, _ = _question(query)
    other_id = bytes([query[0] ^ 0xFF, query[1]])
    mode = name.split(".")[0]
    if mode == "silent":
        return []
    if mode == "wrongid":  # a stray answer first: skipped, the real one still counts
        return [
            other_id + response(query, answers=[(A, bytes([6, 6, 6, 6]))])[2:],
            response(query, answers=ZONE[("example.test.", A)]),
        ]
    if mode == "flood":
        return [other_id + response(query)[2:]] * 100 + [response(query)]
    if mode == "short":
        return [query[:2] + b"\x81"]
    if mode == "garbage":
        return [query[:2] + bytes(range(256)) * 4]
    if mode == "loop":  # an answer whose name points at itself
        whole = response(query, answers=[(A, bytes(4))])
        at = len(whole) - 16
        return [whole[:at] + bytes([0xC0 | (at >> 8), at & 0xFF]) + whole[at + 2 :]]
    if mode == "badlength":
        return [response(query, answers=[(A, bytes(5))])]
    if mode == "truncated":  # TC set and cut mid-record, as a resolver does past 512 octets
        return [response(query, answers=ZONE[("example.test.", A)] * 3, flags=0x0200)[:-7]]
    if mode == "huge":
        return [response(query, answers=[(TXT, b"\xff" + b"x" * 255)] * 200)]  # 54 KB: near UDP's limit
    if mode == "refused":
        return [response(query, rcode=5)]
    if mode == "otherquestion":
        return [response(query[:12] + wire_name("else.test.") + query[-4:])]
    if (name, kind) in ZONE:
        return [response(query, answers=ZONE[(name, kind)])]
    return [response(query, rcode=3)]


class _Server(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.DatagramTransport = transport  # type: ignore[assignment]  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        for packet in answers_for(data):
            self.transport.sendto(packet, addr)


@contextlib.asynccontextmanager
async def dns_server() -> AsyncIterator[str]:
    """Serve the zone on a free loopback UDP port; yields the resolver as a dns check's `url` (127.0.0.1:PORT)."""
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(_Server, local_addr=("127.0.0.1", 0))
    try:
        yield f"127.0.0.1:{transport.get_extra_info('sockname')[1]}"
    finally:
        transport.close()
