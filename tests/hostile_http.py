"""Hostile HTTP servers on 127.0.0.1: raw asyncio TCP servers that answer what no real server should.

Each fault is its own port, served from a thread with its own event loop, so the bytes on the wire are
exactly the ones written here (aiohttp's own server would refuse to send most of them).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def answering(answer: bytes) -> tuple[str, Callable[[], None]]:
    """A blocking TCP server on 127.0.0.1 that answers every connection with exactly `answer` and closes it;
    returns its base URL and the function that stops it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}", server.close


def _response(body: bytes, *, head: bytes = b"HTTP/1.1 200 OK", content_type: bytes = b"application/json") -> bytes:
    return head + b"\r\nContent-Type: " + content_type + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body


def _json(document: object) -> bytes:
    return _response(json.dumps(document).encode())


_STATUS_OK = {"status": {"indicator": "none", "description": "All Systems Operational"}}

# Fixed answers, written whole and the connection closed.
STATIC: dict[str, bytes] = {
    "healthy": _json({"status": "ok"}),
    "malformed_status_line": b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok",
    "invalid_chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
    "truncated_body": b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"status": "o',
    "garbage": bytes(range(256)) * 4,
    "invalid_utf8": _response(b'{"status": "\xff\xfe\xc3\x28 ok"}'),
    "nested_deep": _response(b"[" * 100_000 + b"]" * 100_000),
    "huge_number": _response(b'{"status": 1e400, "n": ' + b"9" * 5000 + b"}"),
    "huge_header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\nContent-Length: 2\r\n\r\nok",
    "statuspage_components_number": _json({**_STATUS_OK, "components": 5}),
    "statuspage_status_list": _json({"status": [], "components": []}),
    "statuspage_deep": _response(b'{"status": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "statuspage_invalid_utf8": _response(b'{"status": {"indicator": "\xff\xfe"}}'),
    "statuspage_huge_number": _response(b'{"status": {"indicator": 1e400}, "incidents": [1e400]}'),
}
# Answers that never end: a body streamed forever (the body cap must stop it), headers never finished.
ENDLESS = ("endless_body", "endless_headers")
# The hostile servers that serve an HTTP check (the rest are status pages).
HTTP_FAULTS = tuple(n for n in (*STATIC, *ENDLESS) if n != "healthy" and not n.startswith("statuspage"))
STATUSPAGE_FAULTS = tuple(n for n in STATIC if n.startswith("statuspage"))


async def _endless(writer: asyncio.StreamWriter, name: str) -> None:
    if name == "endless_body":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        chunk = b"x" * 65536
    else:
        writer.write(b"HTTP/1.1 200 OK\r\n")
        chunk = b"X-More: yes\r\n"
    for _ in range(100_000):  # bounded: stops by itself after a few gigabytes at most
        writer.write(chunk)
        await writer.drain()
        if name == "endless_headers":
            await asyncio.sleep(0.01)


@dataclass
class HostileServers:
    """Base URL per fault name, e.g. `urls["garbage"]`; `hits` counts the requests each one received."""

    urls: dict[str, str]
    hits: dict[str, int]


@contextmanager
def hostile_servers() -> Iterator[HostileServers]:
    """Start one loopback server per fault in a thread; stop them all on exit."""
    loop = asyncio.new_event_loop()
    hits: dict[str, int] = {}
    urls: dict[str, str] = {}
    started = threading.Event()
    servers: list[asyncio.Server] = []

    def handler(name: str) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                hits[name] = hits.get(name, 0) + 1
                if name in STATIC:
                    writer.write(STATIC[name])
                    await writer.drain()
                else:
                    await _endless(writer, name)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                pass  # the client gave up: that is the point
            finally:
                writer.close()

        return handle

    async def start() -> None:
        for name in (*STATIC, *ENDLESS):
            server = await asyncio.start_server(handler(name), "127.0.0.1", 0)
            servers.append(server)
            urls[name] = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()
        for server in servers:
            server.close()
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    thread = threading.Thread(target=run, name="hostile-http", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("hostile servers did not start")
    try:
        yield HostileServers(urls, hits)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
