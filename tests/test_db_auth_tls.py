"""The database monitor against real password and TLS set-ups: clear reasons, no secrets, no plaintext fallback."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import msgspec
import pytest

from tessa_tui.base.errors import UserError
from tessa_tui.config.model import DatabaseConfig, decode_hook
from tessa_tui.database.monitor import ACTIVITY_SECTIONS, DbMonitor
from tessa_tui.demo.pg_binaries import find_binaries
from tessa_tui.demo.pg_server import PostgresServer


def _missing_postgres() -> str:
    try:
        find_binaries()
    except UserError as exc:
        return str(exc)
    return ""


MISSING_POSTGRES = _missing_postgres()
pytestmark = pytest.mark.skipif(bool(MISSING_POSTGRES), reason=MISSING_POSTGRES)

RIGHT, WRONG = "right-Pa55#word", "wrong-Pa55#word"
PASSWORDS = (RIGHT, WRONG, quote(RIGHT, safe=""), quote(WRONG, safe=""), "Pa55")


def db_config(dsn: str, **fields: Any) -> DatabaseConfig:
    data = {"dsn": dsn, "long-query-threshold": "1s", "connect-timeout": "5s", **fields}
    return msgspec.convert(data, DatabaseConfig, dec_hook=decode_hook)


def app_dsn(server: PostgresServer, password: str, query: str = "") -> str:
    return f"postgresql://app:{quote(password, safe='')}@127.0.0.1:{server.port}/{server.database}{query}"


def assert_no_password(monitor: DbMonitor) -> None:
    shown = monitor.reason + repr(monitor.snapshot().to_json())
    assert [p for p in PASSWORDS if p in shown] == []


async def failed_connect(dsn: str) -> DbMonitor:
    """A monitor whose connect() failed; the raised text and `reason` agree."""
    monitor = DbMonitor(db_config(dsn))
    with pytest.raises(ConnectionError) as failed:
        await monitor.connect()
    assert str(failed.value) == monitor.reason != ""
    assert not monitor.connected
    return monitor


async def uses_tls(monitor: DbMonitor) -> bool:
    row = await monitor._fetchrow("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    return bool(row["ssl"])


def self_signed(crt: Path, key: Path) -> None:
    """A one-day self-signed certificate for 127.0.0.1 (openssl; `cryptography` is not a dependency)."""
    if shutil.which("openssl") is None:
        pytest.skip("no `openssl` binary to make a test certificate")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(crt),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key.chmod(0o600)


@pytest.fixture
def app_server(pg_disposable: PostgresServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> PostgresServer:
    """A cluster with role `app` (SCRAM password) over TCP; `tessa` keeps trust for the readiness check."""
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.postgresql/root.crt of the machine's
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)

    async def create_role() -> None:
        conn = await asyncpg.connect(pg_disposable.dsn)
        try:
            await conn.execute(f"SET password_encryption = 'scram-sha-256'; CREATE ROLE app LOGIN PASSWORD '{RIGHT}'")
        finally:
            await conn.close()

    asyncio.run(create_role())  # a sync fixture: no loop runs yet, and restart() stays in this thread
    hba = pg_disposable.data_dir / "pg_hba.conf"
    hba.write_text("host all tessa 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8")
    pg_disposable._chown(hba)
    pg_disposable.restart()
    return pg_disposable


@pytest.fixture
def tls_server(app_server: PostgresServer) -> PostgresServer:
    """`app_server` with `ssl = on` and a self-signed certificate in its data dir."""
    data = app_server.data_dir
    self_signed(data / "server.crt", data / "server.key")
    app_server._chown(data / "server.crt")
    app_server._chown(data / "server.key")
    with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write("\nssl = on\n")
    app_server.restart()
    return app_server


async def test_wrong_password_is_named_and_never_shown(app_server: PostgresServer) -> None:
    """A wrong password fails as such, no password leaks; the right one polls every activity section."""
    wrong = await failed_connect(app_dsn(app_server, WRONG))
    assert 'password authentication failed for user "app"' in wrong.reason
    assert_no_password(wrong)
    right = DbMonitor(db_config(app_dsn(app_server, RIGHT)))
    try:
        await right.poll(ACTIVITY_SECTIONS)
        snapshot = right.snapshot()
        assert snapshot.connected and snapshot.reason == ""
        assert {name: s.error for name, s in snapshot.sections.items()} == dict.fromkeys(ACTIVITY_SECTIONS, "")
        assert all(s.fetched_at is not None for s in snapshot.sections.values())
        assert_no_password(right)
    finally:
        await right.close()


async def test_require_against_a_server_without_tls_refuses_plaintext(app_server: PostgresServer) -> None:
    """sslmode=require on a non-TLS server fails and says why; prefer and disable connect in plaintext."""
    required = await failed_connect(app_dsn(app_server, RIGHT, "?sslmode=require"))
    assert "ssl" in required.reason.lower(), required.reason
    assert_no_password(required)
    for mode in ("prefer", "disable"):
        monitor = DbMonitor(db_config(app_dsn(app_server, RIGHT, f"?sslmode={mode}")))
        try:
            await monitor.connect()
            assert not await uses_tls(monitor)
        finally:
            await monitor.close()


async def test_require_against_a_tls_server_is_encrypted(tls_server: PostgresServer) -> None:
    """sslmode=require on a TLS server: the monitor's own session is encrypted."""
    monitor = DbMonitor(db_config(app_dsn(tls_server, RIGHT, "?sslmode=require")))
    try:
        await monitor.connect()
        assert await uses_tls(monitor)
    finally:
        await monitor.close()


async def verify_full_without_the_ca(server: PostgresServer, tmp_path: Path) -> tuple[DbMonitor, DbMonitor]:
    """Failed verify-full connects: one trusting a foreign CA, one with no CA at all (no ~/.postgresql)."""
    foreign = tmp_path / "foreign.crt"
    self_signed(foreign, tmp_path / "foreign.key")
    wrong_ca = await failed_connect(app_dsn(server, RIGHT, f"?sslmode=verify-full&sslrootcert={foreign}"))
    no_ca = await failed_connect(app_dsn(server, RIGHT, "?sslmode=verify-full"))
    return wrong_ca, no_ca


async def test_verify_full_connects_only_with_the_servers_ca(tls_server: PostgresServer, tmp_path: Path) -> None:
    """verify-full without the CA never connects (no fallback) nor shows the password; with it, TLS."""
    for refused in await verify_full_without_the_ca(tls_server, tmp_path):
        assert_no_password(refused)
    own = tmp_path / "own.crt"
    own.write_bytes((tls_server.data_dir / "server.crt").read_bytes())
    monitor = DbMonitor(db_config(app_dsn(tls_server, RIGHT, f"?sslmode=verify-full&sslrootcert={own}")))
    try:
        await monitor.connect()
        assert await uses_tls(monitor)
    finally:
        await monitor.close()


async def test_verify_full_failures_say_why(tls_server: PostgresServer, tmp_path: Path) -> None:
    """The reason names the failed certificate check, or the missing root certificate."""
    wrong_ca, no_ca = await verify_full_without_the_ca(tls_server, tmp_path)
    assert "certificate verify failed" in wrong_ca.reason
    assert "root certificate" in no_ca.reason
