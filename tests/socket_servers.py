"""Small servers a socket check test runs in its own event loop on a free 127.0.0.1 port: TCP (silent or echo),
direct TLS, and an SMTP-like server offering STARTTLS (220 greeting, EHLO, STARTTLS, 220 Ready, then TLS), each
with the hostile variants a broken or malicious server could send."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def serving(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """Serve `handler` on a free loopback port (over TLS when given a context); yields the port."""

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client hung up: what some tests are about
        finally:
            writer.transport.abort()

    server = await asyncio.start_server(guarded, "127.0.0.1", 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def silent(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
    await reader.read()


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    data = await reader.read(100)
    writer.write(b"pong " + data)
    await writer.drain()
    await reader.read()


def smtp(
    tls: ssl.SSLContext, greeting: bytes = b"220 smtp.test ESMTP ready\r\n", ready: bytes = b"220 Ready\r\n"
) -> Handler:
    """An SMTP server as far as STARTTLS: the greeting, EHLO's multi-line 250, STARTTLS, `ready`, then TLS."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(greeting)
        if not (await reader.readline()).upper().startswith(b"EHLO "):
            writer.write(b"500 EHLO first\r\n")
            return
        writer.write(b"250-smtp.test greets you\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n")
        if (await reader.readline()).strip().upper() != b"STARTTLS":
            writer.write(b"500 what\r\n")
            return
        writer.write(ready)
        await writer.drain()
        if ready.startswith(b"220 "):
            await writer.start_tls(tls)
            await reader.read()

    return handle


def sends(data: bytes, then_wait: bool = True) -> Handler:
    """A server that sends `data` whatever is asked, then waits (or hangs up)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()
        if then_wait:
            await reader.read()

    return handle
