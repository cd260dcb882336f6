"""Fixtures for a real PostgreSQL the tests own, and for the running demo platform."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tessa_tui.demo.demo_config import demo_environment
from tessa_tui.demo.pg_server import PostgresServer


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer | None]:
    """A session-wide PostgreSQL cluster started by the tests (None when TESSA_TEST_DSN names one)."""
    if os.environ.get("TESSA_TEST_DSN"):
        yield None
        return
    server = PostgresServer(tmp_path_factory.mktemp("pg") / "data", fast=True)
    server.init()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_dsn(pg_server: PostgresServer | None) -> str:
    """DSN of the tests' database: TESSA_TEST_DSN, or the session cluster."""
    return os.environ.get("TESSA_TEST_DSN") or (pg_server.dsn if pg_server else "")


@pytest.fixture
def pg_disposable(tmp_path: Path) -> Iterator[PostgresServer]:
    """A cluster of this test's own, to stop, kill and restart at will."""
    server = PostgresServer(tmp_path / "pg-disposable", fast=True)
    server.init()
    server.start()
    yield server
    server.kill()


def private_journal(config_text: str, journal: Path) -> str:
    """The demo's config with a journal of the test's own, not shared (so its first incident is INC-1 whatever
    other tests on the session's demo declared)."""
    own, count = re.subn(r"(?m)^(  path: ).*journal\.sqlite3$", rf"\g<1>{journal}", config_text)
    assert count == 1, "the demo config's journal path moved"
    own, count = re.subn(r"(?m)^  shared:\n(    .*\n)+", "", own)
    assert count == 1, "the demo config's shared journal moved"
    return own


@dataclass(frozen=True)
class RunningDemo:
    """A `tessa-tui demo --serve-only` process and where its config is."""

    process: subprocess.Popen[str]
    state_dir: Path
    config: Path


def start_demo(state_dir: Path, *extra: str) -> RunningDemo:
    """Start the demo platform in the background and wait for the config path it prints when ready. Its config
    reads the simulated integrations' credentials from the environment (as `tessa-tui demo` sets them for its
    console): they are set here for the tests and the commands they start."""
    os.environ.update(demo_environment())
    process = subprocess.Popen(
        [sys.executable, "-m", "tessa_tui", "demo", "--serve-only", "--state-dir", str(state_dir), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line:
        process.kill()
        _, err = process.communicate(timeout=10)
        pytest.fail(f"demo platform did not start: {err[-2000:]}")
    return RunningDemo(process, state_dir, Path(line))


def stop_demo(demo: RunningDemo) -> None:
    if demo.process.poll() is None:
        demo.process.send_signal(signal.SIGINT)
        try:
            demo.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.process.kill()
            demo.process.wait(timeout=10)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    """One demo platform for the session (drill tests clear their drills when done)."""
    running = start_demo(tmp_path_factory.mktemp("demo"))
    yield running
    stop_demo(running)
