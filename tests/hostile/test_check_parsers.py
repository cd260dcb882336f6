"""The parsers of what a check's target sends back (issue 23) under hostile bytes: a certificate's DER, SMTP
replies, DNS answers and query names, RDAP documents, and the TLS settings of a config. Each gives a value or its
one documented failure, never another exception."""

from __future__ import annotations

import asyncio
import contextlib
import string
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from hypothesis import example, given
from hypothesis import strategies as st

from tessa_tui.base.dns_wire import QUERY_TYPES, DnsFormatError, build_query, parse_response, query_name
from tessa_tui.checks.certificate import expires_in_ms, not_after
from tessa_tui.checks.domain_expiry import RdapError, expiration
from tessa_tui.checks.socket_check import MAX_LINE_BYTES, SmtpError, read_reply
from tessa_tui.config.model import ServiceCheck, decode_hook
from tests import dns_server
from tests.hostile.strategies_json import JSON_VALUES

NOW = datetime(2026, 1, 21, tzinfo=UTC)


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def certificate(not_after_tag: int, when: bytes, version: bool = True) -> bytes:
    """The skeleton of an X.509 certificate: what not_after() walks, with everything else empty."""
    validity = _der(0x30, _der(0x17, b"260101000000Z") + _der(not_after_tag, when))
    tbs = (_der(0xA0, _der(0x02, b"\x02")) if version else b"") + _der(0x02, b"\x01") + _der(0x30, b"")
    tbs += _der(0x30, b"") + validity + _der(0x30, b"")
    return _der(0x30, _der(0x30, tbs) + _der(0x30, b"") + _der(0x03, b"\x00"))


def test_both_time_forms_and_the_optional_version() -> None:
    assert not_after(certificate(0x17, b"490101120000Z")) == datetime(2049, 1, 1, 12, tzinfo=UTC)
    assert not_after(certificate(0x17, b"500101120000Z")) == datetime(1950, 1, 1, 12, tzinfo=UTC)
    assert not_after(certificate(0x18, b"20991231235959Z", version=False)) == datetime(
        2099, 12, 31, 23, 59, 59, tzinfo=UTC
    )
    assert not_after(certificate(0x18, b"20991331235959Z")) is None  # month 13
    assert not_after(certificate(0x17, b"4901011200+0100")) is None  # RFC 5280: Z only
    assert expires_in_ms(certificate(0x17, b"260122000000Z"), NOW) == 24 * 3600 * 1000
    assert expires_in_ms(certificate(0x17, b"200101000000Z"), NOW) == 0  # expired: 0, never negative
    assert expires_in_ms(b"", NOW) == 0


@given(st.binary(max_size=600))
@example(b"\x30\x84\xff\xff\xff\xff")  # a length far past the end
@example(b"\x30\x80")  # indefinite length (BER, not DER)
@example(b"\x30\x89" + b"\xff" * 9)  # a length of 9 bytes
def test_any_bytes_give_a_time_or_none(data: bytes) -> None:
    result = not_after(data)
    assert result is None or result.tzinfo is UTC
    assert expires_in_ms(data, NOW) >= 0


@given(st.binary(max_size=40), st.integers(0, 600))
def test_a_truncated_certificate_gives_none(junk: bytes, cut: int) -> None:
    whole = certificate(0x18, b"20991231235959Z")
    assert not_after(whole[:cut] if cut < len(whole) else whole) in (
        None,
        datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC),
    )
    assert not_after(whole[: len(whole) - 1] + junk[:0]) is None


PATHS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["-rf", "/dev/zero", "/proc/self/mem", "/", "~", "\x00", "a\nb", "\x1b]0;x\x07"]),
    st.text(string.printable, min_size=1, max_size=20).map(lambda t: f"/nonexistent/{t}"),
)
TLS_VALUES = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "insecure": st.one_of(st.booleans(), st.text(max_size=5), st.integers(), st.none()),
            "ca-file": PATHS | st.integers() | st.none(),
            "cert-file": PATHS,
            "key-file": PATHS,
        },
    ),
    st.text(max_size=10),
    st.lists(st.integers(), max_size=3),
)


@given(TLS_VALUES)
@example({"cert-file": "a\nb"})
@example({"ca-file": "/nonexistent/\x1b]0;x\x07"})
def test_tls_settings_load_or_are_one_validation_error(tls: object) -> None:
    data = {"name": "svc", "url": "https://127.0.0.1:1/", "tls": tls}
    try:
        check = msgspec.convert(data, ServiceCheck, dec_hook=decode_hook)
    except msgspec.ValidationError as exc:
        message = str(exc)
    else:
        assert check.tls is not None
        assert check.tls.ca_file is None or Path(check.tls.ca_file).expanduser().is_file()
        return
    assert "\n" not in message.strip()


def _reader(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    reader.feed_data(data)
    reader.feed_eof()
    return reader


SMTP_LINES = st.lists(
    st.one_of(
        st.sampled_from([b"220 ready", b"250-SIZE 1", b"250 STARTTLS", b"220-", b"220", b"2200 x", b"-220 x", b""]),
        st.binary(max_size=60),
        st.integers(0, 999).map(lambda n: f"{n:03d}-x".encode()),
    ),
    max_size=80,
).map(lambda lines: b"\r\n".join(lines))


@given(st.one_of(SMTP_LINES, st.binary(max_size=3000)))
@example(b"220-" + b"x" * 2000)
@example(b"220-a\r\n" * 70)
@example(b"\xff\xfe\x00 ready\r\n")
def test_any_smtp_reply_is_a_code_or_one_smtp_error(data: bytes) -> None:
    async def read() -> int | str:
        try:
            return await read_reply(_reader(data))
        except SmtpError as exc:
            return str(exc)

    outcome = asyncio.run(read())
    if isinstance(outcome, str):
        assert outcome and "\n" not in outcome and len(outcome) < 200
    else:
        assert 0 <= outcome <= 999


def _valid_response() -> bytes:
    query = build_query(7, "example.test.", "A")
    return dns_server.response(query, answers=dns_server.ZONE[("example.test.", dns_server.A)] * 2)


@given(st.binary(max_size=700), st.sampled_from(list(QUERY_TYPES)))
@example(b"\x00\x07\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\xc0\x0c", "A")  # the question is a pointer to itself
def test_any_packet_is_an_answer_or_one_format_error(packet: bytes, kind: str) -> None:
    try:
        answer = parse_response(packet, 7, "example.test.", kind)
    except DnsFormatError as exc:
        message = str(exc)
    else:
        assert answer.rcode and len(answer.body) <= 65536
        return
    assert message and "\n" not in message


@given(st.lists(st.tuples(st.integers(0, 700), st.integers(0, 255)), max_size=8), st.integers(0, 700))
def test_a_mutated_answer_is_an_answer_or_one_format_error(flips: list[tuple[int, int]], cut: int) -> None:
    packet = bytearray(_valid_response())
    for at, value in flips:
        if at < len(packet):
            packet[at] = value
    with contextlib.suppress(DnsFormatError):  # the one failure allowed; anything else fails the test
        parse_response(bytes(packet[: max(cut, 12)]), 7, "example.test.", "A")


@given(st.text(max_size=300), st.sampled_from(list(QUERY_TYPES)))
@example("a" * 64 + ".com", "A")
@example("é.example", "A")
@example("..", "PTR")
def test_any_query_name_encodes_or_is_one_value_error(name: str, kind: str) -> None:
    try:
        absolute = query_name(name, kind)
    except ValueError as exc:
        message = str(exc)
    else:
        assert absolute.endswith(".") and len(build_query(1, absolute, kind)) <= 12 + 255 + 4
        return
    assert message.startswith("a DNS name")


RDAP_FIELD = st.one_of(JSON_VALUES, st.sampled_from(["expiration", "2030-01-01T00:00:00Z", "2030-13-01", "Z" * 50]))
RDAP_DOCUMENTS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "events": st.lists(
                st.fixed_dictionaries({}, optional={"eventAction": RDAP_FIELD, "eventDate": RDAP_FIELD}) | RDAP_FIELD,
                max_size=4,
            )
            | RDAP_FIELD
        },
    ),
)


@given(RDAP_DOCUMENTS)
@example({"events": [{"eventAction": "expiration", "eventDate": "2030-01-01T00:00:00"}]})  # no zone: UTC
@example({"events": [{"eventAction": "expiration", "eventDate": "9999-12-31T23:59:59+14:00"}]})
def test_any_rdap_document_is_a_time_or_one_rdap_error(document: object) -> None:
    try:
        when = expiration(document)
    except RdapError as exc:
        message = str(exc)
    else:
        assert when.tzinfo is not None
        return
    assert message.startswith("the RDAP ") and "\n" not in message
