"""DNS messages (RFC 1035) as far as a health check needs them: one question out, the response code and the
answers Gatus reads back in (A, AAAA, CNAME, MX, NS, PTR, SRV, TXT).

A response comes from whoever can send a UDP packet to our port: every length and pointer is checked, name
compression may only point backwards (no loops), and anything malformed is one DnsFormatError, never another
exception.
"""

from __future__ import annotations

import contextlib
import ipaddress
import struct
from dataclasses import dataclass

QUERY_TYPES = {"A": 1, "NS": 2, "CNAME": 5, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33}
"""The query types whose answers Gatus turns into [BODY]; it answers any other with a placeholder text."""
RCODES = {
    0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
    6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE",
}  # fmt: skip
CLASS_IN = 1
_HEADER = struct.Struct("!HHHHHH")
_RR_FIXED = struct.Struct("!HHIH")
MAX_NAME_OCTETS = 255
MAX_ANSWERS = 256


class DnsFormatError(ValueError):
    """A response that is not a well-formed answer to our question; the message is one line."""


@dataclass(frozen=True)
class DnsAnswer:
    """What a response says: its response code (`NOERROR`, `NXDOMAIN` ...) and the answer as Gatus shows it."""

    rcode: str
    body: bytes
    truncated: bool


def query_name(name: str, query_type: str) -> str:
    """The absolute name to ask for: a trailing dot added, and an IP address turned into its reverse name for PTR
    (as Gatus does); ValueError when it cannot be sent."""
    if query_type == "PTR":
        with contextlib.suppress(ValueError):  # otherwise already a name, e.g. 4.3.2.1.in-addr.arpa
            name = ipaddress.ip_address(name.strip()).reverse_pointer
    name = name if name.endswith(".") else name + "."
    encode_name(name)
    return name


def encode_name(name: str) -> bytes:
    """`example.com.` in wire form; ValueError for an empty label, a label over 63 octets or a name over 255."""
    if name == ".":
        return b"\0"
    labels = name.removesuffix(".").split(".")
    try:
        encoded = [label.encode("ascii") for label in labels]
    except UnicodeEncodeError:
        raise ValueError("a DNS name is ASCII (write an international name as xn--...)") from None
    if any(not 1 <= len(label) <= 63 for label in encoded):
        raise ValueError("a DNS name has labels of 1 to 63 characters between its dots")
    wire = b"".join(bytes([len(label)]) + label for label in encoded) + b"\0"
    if len(wire) > MAX_NAME_OCTETS:
        raise ValueError("a DNS name is at most 255 octets")
    return wire


def build_query(query_id: int, name: str, query_type: str) -> bytes:
    """One recursive query for `name` (absolute) of `query_type`."""
    header = _HEADER.pack(query_id, 0x0100, 1, 0, 0, 0)  # RD: ask the resolver to recurse
    return header + encode_name(name) + struct.pack("!HH", QUERY_TYPES[query_type], CLASS_IN)


def response_id(packet: bytes) -> int | None:
    """The id of a packet that could be a response (None when it is too short to be one)."""
    return int.from_bytes(packet[:2], "big") if len(packet) >= _HEADER.size else None


def _name(packet: bytes, position: int) -> tuple[str, int]:
    """The name at `position` (compression followed, backwards only) and the position after it."""
    labels: list[str] = []
    end = -1
    octets = 0
    limit = position
    while True:
        if position >= len(packet):
            raise DnsFormatError("a name runs past the end of the response")
        length = packet[position]
        if length & 0xC0 == 0xC0:
            if position + 1 >= len(packet):
                raise DnsFormatError("a name runs past the end of the response")
            target = ((length & 0x3F) << 8) | packet[position + 1]
            if target >= limit:  # forward or self pointers could loop
                raise DnsFormatError("a name's compression pointer does not point backwards")
            end = position + 2 if end < 0 else end
            position = limit = target
            continue
        if length & 0xC0:
            raise DnsFormatError("a name has an unknown label type")
        if length == 0:
            return (".".join(labels) + "." if labels else "."), (position + 1 if end < 0 else end)
        label = packet[position + 1 : position + 1 + length]
        if len(label) != length:
            raise DnsFormatError("a name runs past the end of the response")
        octets += length + 1
        if octets > MAX_NAME_OCTETS:
            raise DnsFormatError("a name is longer than 255 octets")
        labels.append(_label_text(label))
        position += 1 + length


def _label_text(label: bytes) -> str:
    """A label as miekg/dns shows it: printable ASCII as is (`.` and `\\` escaped), other octets as \\DDD."""
    out = []
    for octet in label:
        char = chr(octet)
        if char in ".\\":
            out.append("\\" + char)
        elif 0x21 <= octet <= 0x7E:
            out.append(char)
        else:
            out.append(f"\\{octet:03d}")
    return "".join(out)


def _rdata(packet: bytes, kind: int, start: int, end: int) -> bytes | None:
    """One answer's data as Gatus shows it; None for a type Gatus does not read."""
    data = packet[start:end]
    if kind == QUERY_TYPES["A"]:
        if len(data) != 4:
            raise DnsFormatError("an A record is not 4 octets")
        return str(ipaddress.IPv4Address(data)).encode()
    if kind == QUERY_TYPES["AAAA"]:
        if len(data) != 16:
            raise DnsFormatError("an AAAA record is not 16 octets")
        return str(ipaddress.IPv6Address(data)).encode()
    if kind in (QUERY_TYPES["CNAME"], QUERY_TYPES["NS"], QUERY_TYPES["PTR"]):
        return _name(packet, start)[0].encode()
    if kind == QUERY_TYPES["MX"]:
        if len(data) < 3:
            raise DnsFormatError("an MX record is too short")
        return _name(packet, start + 2)[0].encode()
    if kind == QUERY_TYPES["SRV"]:
        if len(data) < 7:
            raise DnsFormatError("an SRV record is too short")
        port = int.from_bytes(data[4:6], "big")
        return f"{_name(packet, start + 6)[0]}:{port}".encode()
    if kind == QUERY_TYPES["TXT"]:
        strings, position = [], 0
        while position < len(data):
            length = data[position]
            chunk = data[position + 1 : position + 1 + length]
            if len(chunk) != length:
                raise DnsFormatError("a TXT string runs past its record")
            strings.append(chunk)
            position += 1 + length
        return b"".join(strings)
    return None


def parse_response(packet: bytes, query_id: int, name: str, query_type: str) -> DnsAnswer:
    """The response code and answer of `packet`, a response to our query; DnsFormatError when it is not one.

    [BODY] is Gatus's: the last answer's data, TXT records joined by newlines, and `query type is not supported
    yet` for an answer of another type (a CNAME on the way to an A record shows as the A record, which comes last).
    """
    if len(packet) < _HEADER.size:
        raise DnsFormatError("response shorter than a DNS header")
    ident, flags, questions, answers, _, _ = _HEADER.unpack_from(packet)
    if ident != query_id or not flags & 0x8000:
        raise DnsFormatError("not a response to our query")
    if questions != 1:
        raise DnsFormatError(f"response repeats {questions} questions, not our one")
    asked, position = _name(packet, _HEADER.size)
    if position + 4 > len(packet):
        raise DnsFormatError("the question runs past the end of the response")
    kind, klass = struct.unpack_from("!HH", packet, position)
    if asked.lower() != name.lower() or kind != QUERY_TYPES[query_type] or klass != CLASS_IN:
        raise DnsFormatError("the response answers another question")
    position += 4
    rcode = flags & 0x000F
    truncated = bool(flags & 0x0200)
    body = b""
    for _ in range(min(answers, MAX_ANSWERS)):
        _, position = _name(packet, position)
        if position + _RR_FIXED.size > len(packet):
            if truncated:
                break  # a truncated response may end mid-record: what came whole is kept
            raise DnsFormatError("an answer runs past the end of the response")
        rr_type, _, _, length = _RR_FIXED.unpack_from(packet, position)
        start = position + _RR_FIXED.size
        end = start + length
        if end > len(packet):
            if truncated:
                break
            raise DnsFormatError("an answer's data runs past the end of the response")
        data = _rdata(packet, rr_type, start, end)
        if data is None:
            body = b"query type is not supported yet"
        elif rr_type == QUERY_TYPES["TXT"] and body:
            body += b"\n" + data
        else:
            body = data
        position = end
    return DnsAnswer(RCODES.get(rcode, f"RCODE{rcode}"), body, truncated)
