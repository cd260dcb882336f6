"""`tessa-tui serve`: the console in a browser, spectator mode unless asked, loopback unless asked."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_with_the_console_page_and_runs_it_read_only(tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    config.write_text(f"platform: War Room TV\njournal:\n  path: {tmp_path / 'j.sqlite3'}\n")
    port = free_port()
    argv = [sys.executable, "-m", "tessa_tui", "--config", str(config), "serve", "--port", str(port)]
    server = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.2)
        assert page.status_code == 200 and "tessa-tui · War Room TV" in page.text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=10)[0]
    assert f"serving the console (read-only) on http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output


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
    from tessa_tui.cli_serve import serve_command
    from tessa_tui.config_load import LoadedConfig
    from tessa_tui.config_model import TessaConfig

    loaded = LoadedConfig(TessaConfig(), Path("/etc/tessa.yaml"), frozenset())
    assert serve_command(loaded, write=False).endswith("--config /etc/tessa.yaml --readonly")
    assert not serve_command(loaded, write=True).endswith("--readonly")
