"""A PostgreSQL server its owner starts, stops, kills and restarts: the demo's database and the tests'.

The postmaster runs as our direct child (not through pg_ctl) in its own process group, so a test can
SIGKILL it like a crash, and Linux's parent-death signal stops it if its owner dies without cleaning up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg

from tessa_tui.base.process_death import signal_on_parent_death
from tessa_tui.demo.pg_binaries import PgBinaries, find_binaries

START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15


class PostgresError(RuntimeError):
    """The server could not be initialised or started; the message carries the end of its log."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _service_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: as root we run it as `postgres` (or `nobody`)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresError("running as root, and there is no `postgres` or `nobody` user to run PostgreSQL as")


def _reachable_by(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` can traverse every ancestor of `path` (a root-owned 0700 dir blocks it)."""
    for folder in [*reversed(path.parents)]:
        if not folder.exists():
            break
        mode = folder.stat()
        if not (mode.st_mode & stat.S_IXOTH) and mode.st_uid != user.pw_uid:
            return False
    return True


def _children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc (empty where there is no /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(entry.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.parent.name))
    return found


def _run_blocking(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to completion from sync code, also when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(make())
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, make()).result()


class PostgresServer:
    """One cluster in `data_dir`, listening on 127.0.0.1 only, trust auth, superuser `tessa`.

    Call `start()` from a thread that lives as long as the server should: Linux delivers the
    parent-death signal when the *thread* that forked the postmaster ends, not the process.
    """

    def __init__(self, data_dir: Path, *, port: int | None = None, database: str = "tessa", fast: bool = False) -> None:
        self.requested_dir = data_dir
        self.service_user = _service_user()
        self.binaries: PgBinaries = self._reachable_binaries(find_binaries())
        self.data_dir = self._placed(data_dir)
        self.port = port
        self.database = database
        self.fast = fast
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        self.has_pg_stat_statements = self.binaries.has_pg_stat_statements()

    def _reachable_binaries(self, binaries: PgBinaries) -> PgBinaries:
        """The binaries, copied where the service user can run them when root's venv hides them (pgserver)."""
        user = self.service_user
        if user is None or _reachable_by(binaries.initdb, user):
            return binaries
        # Copy the install two levels up: pgserver's binaries find their libraries through the rpath
        # $ORIGIN/../../../pgserver.libs, so the tree from site-packages down must keep its shape.
        site = binaries.bindir.parents[2]
        digest = hashlib.sha256(str(site.resolve()).encode()).hexdigest()[:12]
        copy = Path("/var/tmp") / f"tessa-pg-bin-{digest}"  # noqa: S108 - root-owned, read-only for others
        relative = binaries.bindir.relative_to(site)
        if not (copy / relative / "postgres").exists():
            staging = copy.with_name(copy.name + f".{os.getpid()}")
            for part in {relative.parts[0], f"{relative.parts[0]}.libs"}:
                if (site / part).exists():
                    shutil.copytree(site / part, staging / part, symlinks=True, dirs_exist_ok=True)
            for folder in [staging, *staging.rglob("*")]:
                if folder.is_dir():
                    folder.chmod(0o755)
            try:
                staging.replace(copy)
            except OSError:  # another process (a parallel test worker, a second demo) placed its copy first
                shutil.rmtree(staging, ignore_errors=True)
                if not (copy / relative / "postgres").exists():
                    raise
        return PgBinaries(copy / relative, binaries.source)

    def _placed(self, data_dir: Path) -> Path:
        """Where the cluster really lives: `data_dir`, unless the service user cannot reach it."""
        user = self.service_user
        if user is None or _reachable_by(data_dir, user):
            return data_dir
        # As root under a private dir (pytest's tmp, ~root/.local/state): keep the cluster in a
        # per-data-dir folder the service user owns, and leave a pointer where it was asked for.
        digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
        placed = Path("/var/tmp") / f"tessa-pg-{digest}" / "data"  # noqa: S108 - owned by the service user, 0700
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        data_dir.with_suffix(".location").write_text(str(placed) + "\n", encoding="utf-8")
        return placed

    @property
    def dsn(self) -> str:
        return f"postgresql://tessa@127.0.0.1:{self.port}/{self.database}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def _as_service_user(self, die_with_us: bool) -> Callable[[], None]:
        """preexec_fn: drop to the service user, then ask for SIGQUIT when our process dies."""
        user = self.service_user
        owner = os.getpid()

        def prepare() -> None:
            if user is not None:
                os.setgid(user.pw_gid)
                os.setuid(user.pw_uid)
            if die_with_us:  # SIGQUIT: immediate shutdown, nothing left waiting on clients
                signal_on_parent_death(signal.SIGQUIT, owner)

        return prepare

    def _chown(self, path: Path) -> None:
        if self.service_user is None:
            return
        for folder in [path, *path.rglob("*")] if path.is_dir() else [path]:
            os.chown(folder, self.service_user.pw_uid, self.service_user.pw_gid)

    def init(self) -> None:
        """initdb once; an initialised directory is reused as it is."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        # A relocated cluster's folder (/var/tmp/tessa-pg-*) is ours to give; elsewhere only the data dir.
        self._chown(self.data_dir.parent if self.data_dir != self.requested_dir else self.data_dir)
        command = [
            str(self.binaries.initdb),
            "-D",
            str(self.data_dir),
            "-U",
            "tessa",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-instructions",
        ]
        if self.fast:
            command.append("--no-sync")
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=120, preexec_fn=self._as_service_user(die_with_us=False)
        )
        if result.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise PostgresError(f"initdb failed: {(result.stderr or result.stdout).strip()[-500:]}")

    def start(self) -> None:
        """Start the postmaster and wait until the database accepts queries."""
        if self.is_running():
            return
        self.port = self.port or _free_port()
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": "",  # TCP only: socket paths under deep tmp dirs exceed 107 bytes
            "shared_buffers": "32MB",
            "max_connections": "100",
            "log_min_messages": "warning",
            "track_io_timing": "on",
        }
        if self.has_pg_stat_statements:
            settings |= {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "all"}
        if self.fast:
            # Safe against a killed server (the OS keeps the writes), not against a lost machine: tests only.
            settings |= {"fsync": "off", "full_page_writes": "off"}
        command = [str(self.binaries.postgres), "-D", str(self.data_dir), "-p", str(self.port)]
        for key, value in settings.items():
            command += ["-c", f"{key}={value}"]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=self._as_service_user(die_with_us=True),
        )
        log.close()
        try:
            _run_blocking(self._until_ready)
        except BaseException:
            self.kill()
            raise

    async def _until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        last_error = ""
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise PostgresError(f"postgres exited with code {self.process.returncode}: {self._log_tail()}")
            try:
                conn = await asyncpg.connect(
                    host="127.0.0.1", port=self.port, user="tessa", database="postgres", timeout=2
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                last_error = str(exc)
                await asyncio.sleep(0.1)
                continue
            try:
                if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", self.database):
                    await conn.execute(f'CREATE DATABASE "{self.database}"')
            finally:
                await conn.close()
            if self.has_pg_stat_statements:
                conn = await asyncpg.connect(self.dsn, timeout=5)
                try:
                    await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                finally:
                    await conn.close()
            return
        raise PostgresError(f"postgres not ready within {START_TIMEOUT_S}s ({last_error}): {self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-5:])
        except OSError:
            return "(no server log)"

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Fast shutdown (SIGINT: abort transactions, then exit); SIGKILL if it takes too long."""
        if not self.is_running():
            return
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend, like a machine losing power."""
        if self.process is None:
            return
        postmaster = self.process.pid
        # Each backend calls setsid(), so the process group holds the postmaster alone: freeze it (no new
        # children), kill its children one by one, then the postmaster itself.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(postmaster, signal.SIGSTOP)
        for child in _children(postmaster):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(child, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(postmaster, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> PostgresServer:
        self.init()
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
