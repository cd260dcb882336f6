"""tcp://, tls:// and starttls:// checks, as Gatus makes them: connect (and shake hands over TLS, directly or after
an SMTP STARTTLS), optionally send `body` and read up to 1 KiB of reply, every step under the check's one deadline.

The STARTTLS dialogue is SMTP's (RFC 3207): the 220 greeting, EHLO, STARTTLS, 220, then the TLS handshake. What
the server sends is read in lines of at most 1 KiB, at most 64 lines a reply: a hostile or broken server makes
the check down with a one-line reason, never a hang or a crash.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass

from tessa_tui.base.http_fetch import describe_error

MAX_REPLY_BYTES = 1024
"""What a tcp:// or tls:// check reads back after sending `body` (Gatus: 1024 bytes)."""
MAX_LINE_BYTES = 1024
"""SMTP allows 512 octets a reply line (RFC 5321 4.5.3.1.5); twice that for servers that stretch it."""
MAX_REPLY_LINES = 64
EHLO = b"EHLO tessa-tui\r\n"


class SmtpError(Exception):
    """An SMTP reply that is not what the dialogue expects; the message is one line, fit to show."""


@dataclass(frozen=True)
class SocketOutcome:
    """What one tcp/tls/starttls run produced: whether it connected (and shook hands), and what it read."""

    connected: bool = False
    elapsed_ms: float = 0.0
    error: str = ""
    body: bytes = b""
    certificate: bytes = b""


def reply_line(line: bytes) -> tuple[int, bool]:
    """One SMTP reply line (`250-SIZE`, `220 ready`) as its code and whether it is the reply's last line."""
    text = line.rstrip(b"\r\n")
    if len(text) < 3 or not text[:3].isdigit() or (len(text) > 3 and text[3:4] not in (b" ", b"-")):
        shown = text[:40].decode("ascii", errors="replace")
        raise SmtpError(f"not an SMTP reply line: {shown!r}")
    return int(text[:3]), text[3:4] != b"-"


async def read_reply(reader: asyncio.StreamReader) -> int:
    """Read one whole SMTP reply (its continuation lines too) and return its code."""
    code = 0
    for _ in range(MAX_REPLY_LINES):
        try:
            line = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            raise SmtpError("the server closed the connection mid-reply" if exc.partial else "no reply") from None
        except asyncio.LimitOverrunError:
            raise SmtpError(f"reply line over {MAX_LINE_BYTES} bytes") from None
        line_code, last = reply_line(line)
        if code and line_code != code:
            raise SmtpError(f"reply changed its code mid-reply ({code}, then {line_code})")
        code = line_code
        if last:
            return code
    raise SmtpError(f"reply longer than {MAX_REPLY_LINES} lines")


async def _expect(reader: asyncio.StreamReader, code: int, step: str) -> None:
    got = await read_reply(reader)
    if got != code:
        raise SmtpError(f"{step}: expected {code}, got {got}")


async def probe(
    kind: str, host: str, port: int, *, tls: ssl.SSLContext, body: str | None, deadline: float
) -> SocketOutcome:
    """Run one tcp/tls/starttls check; never raises for what the network or the server does.

    `tls` is the check's own context or the shared one (a tcp:// check does not use it)."""
    started = time.perf_counter()
    step = "connect"
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(deadline):
            direct_tls = tls if kind == "tls" else None
            if kind == "tls":
                step = "connect and TLS handshake"
            reader, writer = await asyncio.open_connection(
                host, port, ssl=direct_tls, server_hostname=host if direct_tls else None, limit=MAX_LINE_BYTES
            )
            if kind == "starttls":
                step = "SMTP greeting"
                await _expect(reader, 220, "greeting")
                step = "EHLO"
                writer.write(EHLO)
                await _expect(reader, 250, "EHLO")
                step = "STARTTLS"
                writer.write(b"STARTTLS\r\n")
                await _expect(reader, 220, "STARTTLS")
                step = "TLS handshake"
                await writer.start_tls(tls, server_hostname=host)
            certificate = _certificate(writer) if kind != "tcp" else b""
            reply = b""
            if body is not None:
                step = "reply to body"
                writer.write(body.encode())
                reply = await reader.read(MAX_REPLY_BYTES)
            return SocketOutcome(True, _ms(started), body=reply, certificate=certificate)
    except TimeoutError:
        return SocketOutcome(elapsed_ms=_ms(started), error=f"timed out after {deadline:g}s ({step})")
    except SmtpError as exc:
        return SocketOutcome(elapsed_ms=_ms(started), error=f"STARTTLS: {exc}")
    except (OSError, ValueError, EOFError) as exc:  # refused, unreachable, TLS, an IDNA host name ...
        error = describe_error(exc)
        return SocketOutcome(elapsed_ms=_ms(started), error=f"{error} ({step})" if step != "connect" else error)
    finally:
        if writer is not None:
            writer.transport.abort()  # nothing left to say; no close_notify to wait for from a slow peer


def _certificate(writer: asyncio.StreamWriter) -> bytes:
    tls = writer.get_extra_info("ssl_object")
    if not isinstance(tls, ssl.SSLObject | ssl.SSLSocket):
        return b""
    return tls.getpeercert(binary_form=True) or b""


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
