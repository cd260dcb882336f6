"""textual-serve made safe to leave running: a per-run token and a same-origin check on the page and the
WebSocket, a cap on sessions, and sessions whose browser is gone ended within seconds (terminated, then killed),
even when the console is blocked writing its output. Built on textual-serve's `Server` and `AppService` by
subclassing; the library itself is unchanged."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import shlex
import signal
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from tessa_tui.base.errors import UserError

# A silent client is noticed after HEARTBEAT + HEARTBEAT / 2 seconds (no pong); its console then gets QUIT_GRACE
# to quit, TERM_GRACE after SIGTERM, then SIGKILL: under 10 s from the last word of the client to no process.
HEARTBEAT = 3.0
QUIT_GRACE = 1.5
TERM_GRACE = 2.0
# A client that takes longer than this to accept one frame is treated as gone (it is not reading).
SEND_DEADLINE = 8.0
MAX_CELLS = 1000

_HOST = r"(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?"
HOST_RE = re.compile(_HOST, re.IGNORECASE)
ORIGIN_RE = re.compile(rf"(https?)://{_HOST}", re.IGNORECASE)
DEFAULT_PORT = {"http": 80, "https": 443}

log = logging.getLogger("tessa-tui.serve")


def origin_key(scheme: str, host: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of `host` (a Host header) under `scheme`, or None when it is not a plain host[:port]."""
    match = HOST_RE.fullmatch(host)
    scheme = scheme.lower()
    if match is None or scheme not in DEFAULT_PORT:
        return None
    port = int(match[2]) if match[2] else DEFAULT_PORT[scheme]
    return (scheme, match[1].lower(), port) if 0 < port < 65536 else None


def same_origin(origin: str, scheme: str, host: str) -> bool:
    """True only when the Origin header names exactly the scheme://host:port the request was sent to."""
    match = ORIGIN_RE.fullmatch(origin)
    if match is None:
        return False
    mine = origin_key(scheme, host)
    return mine is not None and mine == origin_key(match[1], match[2] + (f":{match[3]}" if match[3] else ""))


def cells(value: object, default: int) -> int:
    """A terminal dimension from the browser, clamped: a huge size would make the console allocate a huge screen."""
    if isinstance(value, str):
        value = int(value) if value.isascii() and value.isdigit() and len(value) < 6 else default
    if not isinstance(value, int) or isinstance(value, bool):
        return default
    return max(1, min(value, MAX_CELLS))


def parse_envelope(text: str) -> tuple[str, Any] | None:
    """A browser message `[type, data]` as (type, data), or None when it is not one (ignored, never an error)."""
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        return None
    return envelope[0], envelope[1] if len(envelope) > 1 else None


class GuardedAppService(AppService):
    """One console process, in its own process group so it can be stopped whole, with a deadline on every write."""

    def __init__(self, command: str, *, abort: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self._abort = abort
        self._stopping = False

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        # No shell between us and the console (its pid is the one to signal), and a session of its own.
        self._process = process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def on_data(self, payload: bytes) -> None:
        try:
            await asyncio.wait_for(self.remote_write_bytes(payload), SEND_DEADLINE)
        except TimeoutError:
            self._abort()  # the browser stopped reading: treat it as gone
            raise ConnectionResetError("the browser stopped reading") from None

    async def run(self) -> None:
        await super().run()
        if not self._stopping:  # the console ended on its own: end the page's session too
            with suppress(Exception):
                await asyncio.wait_for(self.remote_close(), QUIT_GRACE)

    async def shutdown(self) -> None:
        """End the console: ask it to quit, then SIGTERM, then SIGKILL its process group; bounded in time."""
        self._stopping = True
        process = self._process
        if process is None:
            return
        if self._task is not None:  # stop relaying; keep its output flowing so it is never blocked writing
            self._task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        drain = asyncio.create_task(self._discard_output(process))
        with suppress(Exception):
            await asyncio.wait_for(self.send_meta({"type": "quit"}), QUIT_GRACE)
        for sig, grace in ((None, QUIT_GRACE), (signal.SIGTERM, TERM_GRACE), (signal.SIGKILL, None)):
            if sig is not None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
            try:
                await asyncio.wait_for(process.wait(), grace)
                break
            except TimeoutError:
                continue
        drain.cancel()
        with suppress(Exception):
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)

    @staticmethod
    async def _discard_output(process: asyncio.subprocess.Process) -> None:
        streams = [s for s in (process.stdout, process.stderr) if s is not None]

        async def discard(stream: asyncio.StreamReader) -> None:
            while await stream.read(65536):
                pass

        await asyncio.gather(*(discard(s) for s in streams), return_exceptions=True)


class GuardedServer(Server):
    """textual-serve's Server behind a token, a same-origin check and a session cap; no shell, no access log."""

    def __init__(self, command: str, *, host: str, port: int, title: str, token: str, max_sessions: int) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.token = token
        self.max_sessions = max_sessions
        self.sessions: dict[GuardedAppService, web.WebSocketResponse] = {}
        self._reserved = 0

    def _token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode())

    def _guard(self, request: web.Request, token: str | None, *, need_origin: bool) -> str:
        """Refuse (403) a wrong token or a foreign Origin; return the validated Host header."""
        if not self._token_ok(token):
            raise web.HTTPForbidden(text="tessa-tui serve: open the URL `tessa-tui serve` printed (with its token)\n")
        origin = request.headers.get("Origin")
        if (origin is None and need_origin) or (origin is not None and not same_origin(origin, "http", request.host)):
            raise web.HTTPForbidden(text="tessa-tui serve: this page may only be used from its own origin\n")
        if origin_key("http", request.host) is None:
            raise web.HTTPBadRequest(text="tessa-tui serve: bad Host header\n")
        return request.host

    def _full(self) -> web.HTTPServiceUnavailable:
        return web.HTTPServiceUnavailable(
            text=f"tessa-tui serve: all {self.max_sessions} console sessions are in use; close one and reload\n"
        )

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket),
                web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def handle_index(self, request: web.Request) -> web.Response:
        host = self._guard(request, request.query.get("token"), need_origin=False)
        if self._reserved >= self.max_sessions:
            raise self._full()
        # The WebSocket URL follows the Host the browser used, so 0.0.0.0 / [::1] / a LAN name all work.
        context = {
            "font_size": max(6, min(cells(request.query.get("fontsize", "16"), 16), 64)),
            "app_websocket_url": f"ws://{host}/ws/{self.token}",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the page's URL carries the token
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        self._guard(request, request.match_info.get("token"), need_origin=True)
        if self._reserved >= self.max_sessions:
            raise self._full()
        self._reserved += 1  # before any await: concurrent handshakes cannot both take the last slot
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT)
        service: GuardedAppService | None = None

        def abort() -> None:
            if request.transport is not None:
                request.transport.abort()

        try:
            await websocket.prepare(request)
            service = GuardedAppService(
                self.command,
                abort=abort,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
            )
            self.sessions[service] = websocket
            await service.start(cells(request.query.get("width"), 80), cells(request.query.get("height"), 24))
            await self._process_messages(websocket, service)
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            abort()  # a send stuck on a client that stopped reading is released only by dropping the connection
            if service is not None:
                await service.shutdown()
                self.sessions.pop(service, None)
            self._reserved -= 1
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: AppService) -> None:
        async for message in websocket:
            if message.type != WSMsgType.TEXT or (parsed := parse_envelope(message.data)) is None:
                continue
            kind, data = parsed
            if kind == "stdin" and isinstance(data, str):
                await app_service.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                await app_service.set_terminal_size(cells(data.get("width"), 80), cells(data.get("height"), 24))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()

    async def on_shutdown(self, app: web.Application) -> None:
        """Server stopping: every console ends (bounded), every browser is told."""
        for websocket in list(self.sessions.values()):
            with suppress(Exception):
                await asyncio.wait_for(websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped"), 1)
        await asyncio.gather(*(service.shutdown() for service in list(self.sessions)), return_exceptions=True)

    def serve(self, debug: bool = False, *, on_listening: Callable[[], None] = lambda: None) -> None:
        """Listen (a bind failure is a UserError), call `on_listening`, serve until SIGINT / SIGTERM."""
        logging.basicConfig(level=logging.WARNING, format="tessa-tui serve: %(name)s: %(message)s")
        asyncio.run(self._serve(on_listening))

    async def _serve(self, on_listening: Callable[[], None]) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # No access log: the page's URL carries the token.
        runner = web.AppRunner(await self._make_app(), access_log=None, handle_signals=False, shutdown_timeout=5)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as error:
            await runner.cleanup()
            reason = os.strerror(error.errno) if error.errno and error.errno > 0 else error.strerror or str(error)
            raise UserError(f"cannot listen on {self.host} port {self.port}: {reason}") from None
        on_listening()
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
