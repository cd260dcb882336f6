"""`tessa-tui serve`: the console in a browser, spectator mode unless asked, loopback unless asked; only the
browser that opened the printed URL (token, same origin) gets a session, sessions are capped, and a session whose
browser is gone ends. Every test runs the real `tessa-tui serve` and talks to it over real sockets."""

from __future__ import annotations

import asyncio
import base64
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.conftest import REPO

START_LIMIT = 30  # generous hang guards, never speed assertions
GONE_LIMIT = 60


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def has_ipv6_loopback() -> bool:
    try:
        free_port("::1")
    except OSError:
        return False
    return True


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    lines: list[str]
    url: str

    @property
    def token(self) -> str:
        return self.url.rsplit("token=", 1)[1]

    def page(self, url: str | None = None, **headers: str) -> httpx.Response:
        return httpx.get(url or self.url, headers=headers, timeout=10)

    def ws_url(self, host_header: str | None = None) -> str:
        """The WebSocket URL the page hands the browser (what textual.js connects to)."""
        headers = {"Host": host_header} if host_header else {}
        page = self.page(**headers)
        assert page.status_code == 200, page.text
        match = re.search(r'data-session-websocket-url="([^"]+)"', page.text)
        assert match, page.text
        return match[1]

    def sessions(self) -> list[int]:
        """Pids of the console processes the server runs (its children)."""
        children: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with suppress_missing():
                children += [int(pid) for pid in (task / "children").read_text().split()]
        return children


def suppress_missing() -> suppress:
    """A process (or thread) may end while /proc is read."""
    return suppress(FileNotFoundError, ProcessLookupError)


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def blocked_writing(pid: int) -> bool:
    """True while one of `pid`'s threads waits in the kernel to write to a full pipe."""
    with suppress_missing():
        return any("pipe_write" in (task / "wchan").read_text() for task in Path(f"/proc/{pid}/task").iterdir())
    return False


def poll(condition: object, limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@contextmanager
def serve(tmp_path: Path, *args: str, host: str = "127.0.0.1") -> Iterator[Served]:
    config = tmp_path / "tessa.yaml"
    config.write_text(f"platform: War Room TV\njournal:\n  path: {tmp_path / 'j.sqlite3'}\n")
    port = free_port(host if host not in ("0.0.0.0", "::") else "127.0.0.1")
    argv = [
        sys.executable,
        "-m",
        "tessa_tui",
        "--config",
        str(config),
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        *args,
    ]
    process = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    lines: list[str] = []
    got: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            got.put(line.rstrip("\n"))
        got.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        while True:
            line = got.get(timeout=START_LIMIT)
            assert line is not None, f"serve ended: {lines}"
            lines.append(line)
            if match := re.search(r"serving the console \(.*?\) on (\S+)", line):
                break
        yield Served(process, port, lines, match[1])
    finally:
        children = Served(process, port, lines, "").sessions() if process.poll() is None else []
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        poll(lambda: not any(alive(pid) for pid in children), GONE_LIMIT, "serve left consoles behind")
        while (line := got.get(timeout=10)) is not None:  # to the end: `lines` is whole after the `with`
            lines.append(line)
        assert not any("Traceback" in line for line in lines), lines


async def first_screen(url: str, origin: str) -> bytes:
    """Connect like the page's script does and return the console's first output."""
    async with aiohttp.ClientSession() as client, client.ws_connect(f"{url}?width=100&height=30", origin=origin) as ws:
        received = b""
        while b"War Room TV" not in received:
            message = await asyncio.wait_for(ws.receive(), START_LIMIT)
            assert message.type == aiohttp.WSMsgType.BINARY, message
            received += message.data
        return received


async def handshake_status(url: str, origin: str | None) -> int:
    async with aiohttp.ClientSession() as client:
        try:
            async with client.ws_connect(url, origin=origin):
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def test_only_the_printed_url_from_its_own_origin_gets_the_console(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        origin = f"http://127.0.0.1:{served.port}"
        assert served.url == f"http://127.0.0.1:{served.port}/?token={served.token}"
        assert len(served.token) >= 32
        # The page: token required, a foreign Origin refused, none (a navigation) or its own accepted.
        base = f"http://127.0.0.1:{served.port}/"
        assert served.page(base).status_code == 403
        assert served.page(f"{base}?token=wrong").status_code == 403
        assert served.page(f"{base}?token={served.token[:-1]}").status_code == 403
        assert served.page(Origin="http://evil.example").status_code == 403
        assert served.page(Origin=f"http://127.0.0.1:{served.port + 1}").status_code == 403
        assert served.page(Origin="null").status_code == 403
        page = served.page(Origin=origin)
        assert page.status_code == 200 and "tessa-tui · War Room TV" in page.text
        assert page.headers["Referrer-Policy"] == "no-referrer"
        # The WebSocket: the same checks, and an Origin is required.
        ws_url = served.ws_url()
        assert ws_url == f"ws://127.0.0.1:{served.port}/ws/{served.token}"
        refused = {
            "foreign origin": handshake_status(ws_url, "http://evil.example"),
            "no origin": handshake_status(ws_url, None),
            "wrong token": handshake_status(ws_url.replace(served.token, "x" * len(served.token)), origin),
            "no token": handshake_status(f"ws://127.0.0.1:{served.port}/ws", origin),
        }
        for what, status in refused.items():
            assert asyncio.run(status) == 403, what
        assert served.sessions() == []  # nothing refused ever started a console
        assert b"War Room TV" in asyncio.run(first_screen(ws_url, origin))
    assert any("read-only" in line for line in served.lines)
    assert not any("--public" in line or "--write" in line for line in served.lines)


def test_each_session_runs_the_console_read_only(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        origin = f"http://127.0.0.1:{served.port}"

        async def look() -> list[str]:
            async with aiohttp.ClientSession() as client, client.ws_connect(served.ws_url(), origin=origin) as ws:
                await asyncio.wait_for(ws.receive(), START_LIMIT)
                (pid,) = served.sessions()
                return Path(f"/proc/{pid}/cmdline").read_text().split("\0")

        assert "--readonly" in asyncio.run(look())


def raw_websocket(served: Served, width: int, height: int) -> socket.socket:
    """A browser that will vanish: a WebSocket over a socket with a tiny receive buffer, so that when it stops
    reading, the server's writes (and then the console's) block."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", served.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /ws/{served.token}?width={width}&height={height} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
        f"Origin: http://127.0.0.1:{served.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    sock.settimeout(START_LIMIT)
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def text_frame(text: str) -> bytes:
    """One masked client text frame."""
    payload, mask = text.encode(), os.urandom(4)
    size = bytes([0x80 | len(payload)]) if len(payload) < 126 else bytes([0x80 | 126]) + len(payload).to_bytes(2)
    return b"\x81" + size + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


@pytest.mark.slow
def test_a_session_whose_browser_vanished_ends_even_while_blocked_writing(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        sock = raw_websocket(served, 200, 60)
        poll(lambda: len(served.sessions()) == 1, START_LIMIT, "no console started")
        (pid,) = served.sessions()
        sock.recv(1)  # the console has drawn; from now on this browser never reads nor answers a ping again
        for size in range(300):  # every resize is a full repaint (~15 kB) the browser will never read
            sock.sendall(text_frame(f'["resize", {{"width": {200 - size % 2}, "height": 60}}]'))
            time.sleep(0.02)
        poll(lambda: blocked_writing(pid) or not alive(pid), START_LIMIT, "the console never blocked writing")
        poll(lambda: not alive(pid), GONE_LIMIT, "the vanished browser's console is still running")
        assert served.sessions() == []
        # The server is fine and the slot is free: the next browser gets a console.
        origin = f"http://127.0.0.1:{served.port}"
        assert b"War Room TV" in asyncio.run(first_screen(served.ws_url(), origin))
        sock.close()


def test_a_closed_browser_ends_its_session(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        origin = f"http://127.0.0.1:{served.port}"
        asyncio.run(first_screen(served.ws_url(), origin))  # connects, reads, closes
        poll(lambda: served.sessions() == [], GONE_LIMIT, "the closed browser's console is still running")


def test_stopping_the_server_ends_its_consoles(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        sock = raw_websocket(served, 80, 24)
        poll(lambda: len(served.sessions()) == 1, START_LIMIT, "no console started")
        (pid,) = served.sessions()
        served.process.send_signal(signal.SIGTERM)  # the server alone: each console has a session of its own
        assert served.process.wait(timeout=START_LIMIT) == 0
        poll(lambda: not alive(pid), GONE_LIMIT, "the stopped server left its console running")
        sock.close()


def test_sessions_are_capped_and_a_closed_one_frees_its_slot(tmp_path: Path) -> None:
    with serve(tmp_path, "--max-sessions", "1") as served:
        origin = f"http://127.0.0.1:{served.port}"
        ws_url = served.ws_url()

        async def second_while_first_open() -> tuple[int, int, str]:
            async with aiohttp.ClientSession() as client, client.ws_connect(ws_url, origin=origin) as ws:
                await asyncio.wait_for(ws.receive(), START_LIMIT)
                page = await asyncio.to_thread(served.page)
                return await handshake_status(ws_url, origin), page.status_code, page.text

        ws_status, page_status, text = asyncio.run(second_while_first_open())
        assert (ws_status, page_status) == (503, 503)
        assert "all 1 console sessions are in use" in text
        assert any("at most 1 sessions" in line for line in served.lines)
        poll(lambda: served.sessions() == [], GONE_LIMIT, "the closed session did not end")
        assert b"War Room TV" in asyncio.run(first_screen(ws_url, origin))


@pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_ipv6_loopback_urls_are_bracketed(tmp_path: Path) -> None:
    with serve(tmp_path, host="::1") as served:
        assert served.url == f"http://[::1]:{served.port}/?token={served.token}"
        assert served.ws_url() == f"ws://[::1]:{served.port}/ws/{served.token}"
        assert b"War Room TV" in asyncio.run(first_screen(served.ws_url(), f"http://[::1]:{served.port}"))


def test_all_interfaces_with_public_and_write_says_what_it_exposes(tmp_path: Path) -> None:
    with serve(tmp_path, "--public", "--write", host="0.0.0.0") as served:
        assert served.url == f"http://127.0.0.1:{served.port}/?token={served.token}"
        # Another machine reaches it by this host's LAN address: the page's WebSocket URL follows that Host.
        lan = f"192.0.2.7:{served.port}"
        assert served.ws_url(host_header=lan) == f"ws://{lan}/ws/{served.token}"
        assert served.page(Host="evil.example/x", Origin="http://evil.example").status_code in (400, 403)
    text = "\n".join(served.lines)
    assert "serving the console (read-write)" in text
    assert "listening on all interfaces" in text
    assert "--public: anyone who can reach this host on the network and has the URL can watch" in text
    assert "--write: the browser can change things and run runbook steps" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "--port 0: choose 1-65535"),
        (["--port", "70000"], "--port 70000: choose 1-65535"),
        (["--max-sessions", "0"], "--max-sessions 0: choose 1-1000"),
        (["--max-sessions", "-3"], "--max-sessions -3: choose 1-1000"),
        (["--port", "http"], "argument --port: invalid int value: 'http'"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    config = tmp_path / "tessa.yaml"
    config.write_text("platform: x\n")
    argv = [sys.executable, "-m", "tessa_tui", "--config", str(config), "serve", *args]
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    config.write_text("platform: x\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = [sys.executable, "-m", "tessa_tui", "--config", str(config), "serve", "--port", str(port)]
        result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == f"tessa-tui: error: cannot listen on 127.0.0.1 port {port}: Address already in use"


def test_an_unknown_host_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    config.write_text("platform: x\n")
    argv = [
        sys.executable,
        "-m",
        "tessa_tui",
        "--config",
        str(config),
        "serve",
        "--host",
        "no-such-host.invalid",
        "--public",
        "--port",
        str(free_port()),
    ]
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("tessa-tui: error: cannot listen on no-such-host.invalid port ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_refuses_other_hosts_without_public(tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    config.write_text("platform: x\n")
    argv = [sys.executable, "-m", "tessa_tui", "--config", str(config), "serve", "--host", "0.0.0.0"]
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "tessa-tui: error: --host 0.0.0.0: the console would be reachable from other machines; add --public"
    )


def test_the_served_command_is_spectator_mode_unless_write() -> None:
    from tessa_tui.cli.serve import serve_command
    from tessa_tui.config.load import LoadedConfig
    from tessa_tui.config.model import TessaConfig

    loaded = LoadedConfig(TessaConfig(), Path("/etc/tessa.yaml"), frozenset())
    assert serve_command(loaded, write=False).endswith("--config /etc/tessa.yaml --readonly")
    assert not serve_command(loaded, write=True).endswith("--readonly")
