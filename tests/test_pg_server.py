"""The PostgreSQL the demo and the tests own: start, stop, kill like a crash, restart, die with its owner."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest

from tessa_tui.base.errors import UserError
from tessa_tui.demo.pg_binaries import find_binaries
from tessa_tui.demo.pg_server import PostgresServer


async def query(dsn: str, sql: str) -> object:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


async def test_data_survives_stop_and_start(pg_disposable: PostgresServer) -> None:
    await query(pg_disposable.dsn, "CREATE TABLE kept AS SELECT 42 AS answer")
    pg_disposable.stop()
    assert not pg_disposable.is_running()
    pg_disposable.start()
    assert await query(pg_disposable.dsn, "SELECT answer FROM kept") == 42


async def test_pg_stat_statements_is_loaded_when_installed(pg_disposable: PostgresServer) -> None:
    if not pg_disposable.has_pg_stat_statements:
        pytest.skip("this PostgreSQL has no pg_stat_statements")
    assert await query(pg_disposable.dsn, "SELECT count(*) FROM pg_stat_statements") is not None


async def test_kill_is_a_crash_and_restart_recovers(pg_disposable: PostgresServer) -> None:
    await query(pg_disposable.dsn, "CREATE TABLE crash AS SELECT 1 AS x")
    pg_disposable.kill()
    with pytest.raises((OSError, asyncpg.PostgresError, asyncpg.InterfaceError)):
        await query(pg_disposable.dsn, "SELECT 1")
    pg_disposable.start()  # crash recovery replays the WAL
    assert await query(pg_disposable.dsn, "SELECT x FROM crash") == 1


@pytest.mark.pg
def test_the_server_dies_with_its_owner(tmp_path: Path) -> None:
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom tessa_tui.demo.pg_server import PostgresServer\n"
        f"s = PostgresServer(Path({str(tmp_path / 'owned')!r}), fast=True)\ns.init()\ns.start()\n"
        "print(s.pid, flush=True)\ntime.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    postmaster = int(owner.stdout.readline())
    assert alive(postmaster)
    owner.kill()
    owner.wait(timeout=10)
    deadline = time.monotonic() + 15
    while alive(postmaster):
        assert time.monotonic() < deadline, "postmaster outlived its owner"
        time.sleep(0.2)


def test_bindir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TESSA_PG_BINDIR", str(tmp_path))
    with pytest.raises(UserError, match="has no initdb and postgres"):
        find_binaries()


@pytest.mark.pg
def test_embedded_pgserver_binaries_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pgserver is not installed (Python >= 3.13 or Windows)")
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    monkeypatch.setenv("TESSA_PG_BINDIR", str(bindir))
    with PostgresServer(tmp_path / "embedded", fast=True) as server:
        assert "PostgreSQL" in str(asyncio.run(query(server.dsn, "SELECT version()")))
