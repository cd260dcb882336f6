"""Real HTTP servers on 127.0.0.1 for tests: each fault a route, run in a thread with its own event loop."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

OK_BODY = {"status": "ok", "data": [{"id": 1234567, "name": "first"}], "count": 2}


@dataclass
class Recorder:
    """What the servers received and how the controllable routes should answer."""

    headers: list[dict[str, str]] = field(default_factory=list)
    """Headers /echo received, names lower-cased."""
    flip_status: int = 200
    statuspage: dict[str, Any] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)


def _app(recorder: Recorder, other_origin: list[str]) -> web.Application:
    routes = web.RouteTableDef()
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)

    def count(name: str) -> None:
        recorder.hits[name] = recorder.hits.get(name, 0) + 1

    @routes.get("/ok")
    async def ok(_: web.Request) -> web.Response:
        count("ok")
        return web.json_response(OK_BODY)

    @routes.get("/status/{code}")
    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="status")

    @routes.get("/flip")
    async def flip(_: web.Request) -> web.Response:
        count("flip")
        return web.Response(status=recorder.flip_status, text=f"flip {recorder.flip_status}")

    @routes.get("/slow")
    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        return web.Response(text="slow")

    @routes.get("/hang")
    async def hang(_: web.Request) -> web.Response:
        await asyncio.sleep(3600)
        return web.Response(text="never")

    @routes.get("/drip")
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(120):
            await response.write(b"x")
            await asyncio.sleep(0.5)
        return response

    @routes.get("/big")
    async def big(_: web.Request) -> web.Response:
        return web.Response(body=b"y" * (10 * 1024 * 1024))

    @routes.get("/gzipbomb")
    async def gzip_bomb(_: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})

    @routes.get("/badjson")
    async def bad_json(_: web.Request) -> web.Response:
        return web.Response(text='{"status": "ok", oops', content_type="application/json")

    @routes.get("/loop")
    async def loop(_: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    @routes.get("/cross")
    async def cross(_: web.Request) -> web.Response:
        raise web.HTTPFound(f"{other_origin[0]}/echo")

    @routes.get("/same")
    async def same(_: web.Request) -> web.Response:
        raise web.HTTPFound("/echo")

    @routes.get("/echo")
    async def echo(request: web.Request) -> web.Response:
        recorder.headers.append({k.lower(): v for k, v in request.headers.items()})
        return web.json_response({"echo": True})

    @routes.get("/secret500")
    async def secret500(_: web.Request) -> web.Response:
        return web.Response(status=500, text="internal error")

    @routes.get("/hostile")
    async def hostile(_: web.Request) -> web.Response:
        return web.Response(status=503, text="\x1b]0;pwned\x07\x1b[2J[bold]down[/bold]\x9b")

    @routes.get("/sp/{page}/api/v2/{document}")
    async def statuspage(request: web.Request) -> web.Response:
        page = recorder.statuspage.get(request.match_info["page"])
        document = request.match_info["document"]
        if page is None or document not in page:
            return web.Response(status=404, text="not found")
        return web.Response(text=json.dumps(page[document]), content_type="application/json")

    app = web.Application()
    app.add_routes(routes)
    return app


@dataclass
class LoopbackServers:
    """Two HTTP origins (for cross-origin redirects) and one HTTPS origin with a self-signed cert."""

    http: str
    other: str
    https: str | None
    recorder: Recorder


def _self_signed(folder: Path) -> ssl.SSLContext | None:
    if shutil.which("openssl") is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@contextmanager
def serving(
    make_apps: Callable[[], Sequence[web.Application | tuple[web.Application, ssl.SSLContext]]], name: str
) -> Iterator[list[str]]:
    """Serve the applications `make_apps` builds (inside the servers' own event loop, as aiohttp wants; one with
    an SSL context is served over HTTPS) on free 127.0.0.1 ports from a background thread, so a test of any kind,
    sync or async, can talk to them. Yields their base URLs in order; stops them and the thread on exit."""
    # A client hanging up on a slow or bad route is the point of that route, not an error.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    loop = asyncio.new_event_loop()
    runners: list[web.AppRunner] = []
    urls: list[str] = []

    async def start() -> None:
        for built in make_apps():
            app, tls = built if isinstance(built, tuple) else (built, None)
            runner = web.AppRunner(app, shutdown_timeout=0.1)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls).start()
            runners.append(runner)
            urls.append(f"{'https' if tls else 'http'}://127.0.0.1:{runner.addresses[0][1]}")

    async def stop() -> None:
        for runner in runners:
            await runner.cleanup()
        # Handlers still sleeping (a hang, a drip) are cancelled, not left for the GC to complain about.
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    thread = threading.Thread(target=loop.run_forever, daemon=True, name=name)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield urls
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@contextmanager
def loopback_servers(tmp: Path) -> Iterator[LoopbackServers]:
    """Start the servers on free ports in a background thread; stop them on exit."""
    recorder = Recorder()
    other_origin: list[str] = []
    tls = _self_signed(tmp)

    def apps() -> list[web.Application | tuple[web.Application, ssl.SSLContext]]:
        built: list[web.Application | tuple[web.Application, ssl.SSLContext]] = [
            _app(recorder, other_origin),
            _app(recorder, other_origin),
        ]
        if tls is not None:
            built.append((_app(recorder, other_origin), tls))
        return built

    with serving(apps, "loopback-servers") as urls:
        other_origin.append(urls[1])
        yield LoopbackServers(urls[0], urls[1], urls[2] if tls is not None else None, recorder)


async def fault_answer(
    request: web.Request,
    status: int,
    headers: dict[str, str],
    body: bytes,
    *,
    size: int = 0,
    content_type: str = "application/json",
    opening: bytes = b"",
) -> web.StreamResponse:
    """A contract server's injected fault: `body` as it is, or with `size`, that many bytes streamed (`opening`,
    then filler) until sent or until the client hangs up at its cap, as it should."""
    if not size:
        return web.Response(status=status, body=body, headers=headers, content_type=content_type)
    response = web.StreamResponse(status=status, headers={**headers, "Content-Type": content_type})
    response.content_length = size
    await response.prepare(request)
    chunk = opening + b" " * (1024 * 1024 - len(opening))
    sent = 0
    try:
        while sent < size:
            piece = chunk[: size - sent]
            await response.write(piece)
            sent += len(piece)
    except (ConnectionResetError, RuntimeError):  # the client stopped reading at its cap
        pass
    return response
