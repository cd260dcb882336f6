"""One database refresh by the monitor against one by pg_activity, on the same busy cluster in the same run.

A throwaway cluster (pg_stat_statements preloaded when the server has it) gets `pgbench -i -s SCALE`, 5,000 small
tables, and `pgbench -c CLIENTS` running for the whole measurement. A refresh is what each tool does every 1-2 s:
ours, `DbMonitor.poll()` as the pane's watcher schedules it at its 2 s default (sessions with per-backend CPU, memory
and I/O, the blocking tree and the database's rates every time; vacuum progress, slow queries, replication, slots
and checkpoints every fifth time, their 10 s cadence); pg_activity's, the body of
its refresh loop (server information, activities, then per-process system figures: `activities.ps_complete`),
driven through its own library in its own interpreter. Both connect over the same TCP loopback as the same role.

Per refresh, for each tool: client CPU (user + system of the tool's process), server CPU (user + system of its
backend, from /proc: parse, plan and execution included) and wall time; blocks of refreshes alternate between the
tools so machine noise hits both. Ratios are ours / pg_activity's; the issue's goals are server CPU at most 1x and
client CPU at most 2x. The size sections (slow cadence, every 5 minutes) are timed once, apart.

pg_activity is found as a module of this interpreter, else through `pg_activity` on PATH (its script's interpreter),
else `--pg-activity-python`; without it the run measures ours alone and says so.

    .venv/bin/python benchmarks/db_poll.py [--runs 3] [--refreshes 20] [--scale 50] [--clients 8] [--tables 5000]
    .venv/bin/python benchmarks/db_poll.py --quick     # scale 2, 500 tables, 2 clients, 1 run of 6 refreshes
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import psutil

from tessa_tui.config.model import DatabaseConfig, decode_hook
from tessa_tui.database.monitor import (
    ACTIVITY_SECTIONS,
    CONTEXT_EVERY_S,
    CONTEXT_SECTIONS,
    FAST_SECTIONS,
    SIZE_SECTIONS,
    DbMonitor,
)
from tessa_tui.database.snapshot import DbSnapshot
from tessa_tui.demo.pg_server import PostgresServer

PANE_EVERY_S = 2.0  # the activity cadence's default
CONTEXT_EVERY = round(CONTEXT_EVERY_S / PANE_EVERY_S)

# pg_activity's refresh, as its ui.main loop runs it with its default options, in pg_activity's interpreter.
PGA_DRIVER = """
import json, sys, time
from pgactivity import activities, cli, data as pga_data

dsn, refreshes, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
options = cli.get_parser().parse_args([*sys.argv[4:], dsn])
data = pga_data.pg_connect(options, min_duration=options.minduration)
is_local = data.pg_is_local() and data.pg_is_local_access()
info = data.pg_get_server_information(None, using_rds=options.rds, skip_db_size=not options.dbsize,
                                      skip_tempfile=not options.tempfiles, skip_walreceiver=not options.walreceiver)
sys_procs = {}
print(json.dumps({"backend_pid": data.pg_conn.info.backend_pid, "local": is_local}), flush=True)
for line in sys.stdin:
    blocks = int(line)
    cpu, walls, rows = time.process_time(), [], 0
    for _ in range(blocks):
        start = time.perf_counter()
        info = data.pg_get_server_information(info, using_rds=options.rds, skip_db_size=not options.dbsize,
                                              skip_tempfile=not options.tempfiles,
                                              skip_walreceiver=not options.walreceiver)
        activities.mem_swap_load()
        procs = data.pg_get_activities(int(options.durationmode))
        if is_local:
            procs, _, _ = activities.ps_complete(procs, sys_procs, options.blocksize)
        rows += len(procs)
        walls.append(time.perf_counter() - start)
        time.sleep(pause)
    print(json.dumps({"cpu": time.process_time() - cpu, "walls": walls, "rows": rows}), flush=True)
"""


def pg_activity_python(given: str | None) -> str | None:
    """An interpreter that can import pgactivity, or None."""
    if given:
        return given
    if importlib.util.find_spec("pgactivity") is not None:
        return sys.executable
    script = shutil.which("pg_activity")
    if script is None:
        return None
    first = Path(script).read_text(encoding="utf-8", errors="replace").splitlines()[0]
    return first[2:].strip() if first.startswith("#!") else None


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


class Tally:
    """Per-refresh figures of one tool over a run."""

    def __init__(self) -> None:
        self.client = 0.0
        self.server = 0.0
        self.walls: list[float] = []

    def per_refresh(self) -> tuple[float, float, float]:
        n = max(len(self.walls), 1)
        return self.client / n, self.server / n, statistics.median(self.walls) if self.walls else 0.0


async def populate(dsn: str, tables: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for first in range(1, tables + 1, 500):
            last = min(first + 499, tables)
            await conn.execute(f"""
                DO $$ BEGIN
                  FOR i IN {first}..{last} LOOP
                    EXECUTE format('CREATE TABLE t_%s (id int PRIMARY KEY, v text)', i);
                    IF i % 7 = 0 THEN
                      EXECUTE format('INSERT INTO t_%s SELECT g, md5(g::text) FROM generate_series(1, 20) g', i);
                    END IF;
                  END LOOP;
                END $$""")  # noqa: S608 - integers only
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def pgbench(pg: PostgresServer, *args: str, **popen: Any) -> subprocess.Popen[str]:
    binary = pg.binaries.bindir / "pgbench"
    command = [str(binary), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "tessa", *args, pg.database]
    return subprocess.Popen(command, text=True, **popen)


class Peer:
    """pg_activity with one set of options, in its own process, refreshing when told."""

    def __init__(self, python: str, dsn: str, options: list[str], args: argparse.Namespace) -> None:
        self.name = " ".join(["pg_activity", *options])
        self.process = subprocess.Popen(
            [python, "-c", PGA_DRIVER, dsn, str(args.refreshes), str(args.pause), *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        hello = json.loads(self.process.stdout.readline())
        self.backend = int(hello["backend_pid"])
        self.local = bool(hello["local"])

    async def refresh(self, n: int, tally: Tally) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        server = cpu_seconds(self.backend)
        self.process.stdin.write(f"{n}\n")
        self.process.stdin.flush()
        result = json.loads(await asyncio.to_thread(self.process.stdout.readline))
        tally.server += cpu_seconds(self.backend) - server
        tally.client += result["cpu"]
        tally.walls += result["walls"]

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


async def measure_run(monitor: DbMonitor, peers: list[Peer], args: argparse.Namespace) -> list[Tally]:
    """One run: blocks of refreshes, ours then each peer's in turn; a Tally each (ours first)."""
    tallies = [Tally() for _ in range(len(peers) + 1)]
    ours = tallies[0]
    backend = int(monitor.server["backend_pid"])
    block = max(1, args.refreshes // 4)
    done = 0
    while done < args.refreshes:
        n = min(block, args.refreshes - done)
        server, client = cpu_seconds(backend), time.process_time()
        for i in range(done, done + n):
            names = (*FAST_SECTIONS, *CONTEXT_SECTIONS) if i % CONTEXT_EVERY == 0 else FAST_SECTIONS
            start = time.perf_counter()
            await monitor.poll(names)
            ours.walls.append(time.perf_counter() - start)
            await asyncio.sleep(args.pause)
        ours.client += time.process_time() - client
        ours.server += cpu_seconds(backend) - server
        for peer, tally in zip(peers, tallies[1:], strict=True):
            await peer.refresh(n, tally)
        done += n
    return tallies


async def measure(pg: PostgresServer, args: argparse.Namespace) -> None:
    print(f"setup: pgbench -i -s {args.scale}, {args.tables} tables ...", flush=True)
    started = time.perf_counter()
    init = pgbench(pg, "-i", "-q", "-s", str(args.scale), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = init.communicate(timeout=3600)
    if init.returncode != 0:
        raise SystemExit(f"pgbench -i failed: {err.strip()[-500:]}")
    await populate(pg.dsn, args.tables)
    print(f"setup took {time.perf_counter() - started:.0f} s", flush=True)
    load = pgbench(
        pg,
        "-c",
        str(args.clients),
        "-j",
        "2",
        "-T",
        "36000",
        "-n",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    config = msgspec.convert({"dsn": pg.dsn}, DatabaseConfig, dec_hook=decode_hook)
    monitor = DbMonitor(config)
    python = pg_activity_python(args.pg_activity_python)
    peers: list[Peer] = []
    try:
        await asyncio.sleep(2)  # the load's sessions connected and busy
        await monitor.poll((*ACTIVITY_SECTIONS, *SIZE_SECTIONS))  # warm-up: catalog caches, statement cache
        start = time.perf_counter()
        sizes_cpu = cpu_seconds(int(monitor.server["backend_pid"]))
        await monitor.poll(SIZE_SECTIONS)
        sizes = (time.perf_counter() - start, cpu_seconds(int(monitor.server["backend_pid"])) - sizes_cpu)
        errors = {n: s.error for n, s in monitor.snapshot().sections.items() if s.error}
        if python is not None:
            # Its defaults (the databases' total size on every refresh), and without that size: its lightest.
            peers = [Peer(python, pg.dsn, options, args) for options in ([], ["--no-db-size"])]
            print(f"pg_activity: {python} (local system figures: {peers[0].local})", flush=True)
        else:
            print("pg_activity: not installed (pip install pg_activity psycopg[binary]): ours alone", flush=True)
        runs = [await measure_run(monitor, peers, args) for _ in range(args.runs)]
        report(args, ["tessa-tui", *(p.name for p in peers)], runs, sizes, errors, monitor.snapshot())
    finally:
        await monitor.close()
        for peer in peers:
            peer.close()
        load.terminate()
        load.wait(timeout=30)


def report(
    args: argparse.Namespace,
    names: list[str],
    runs: list[list[Tally]],
    sizes: tuple[float, float],
    errors: dict[str, str],
    snapshot: DbSnapshot,
) -> None:
    sessions = snapshot.sections["sessions"]
    print(
        f"\npgbench -s {args.scale} -c {args.clients}, {args.tables} extra tables; {args.refreshes} refreshes a run,"
        f" {args.pause:g} s apart; {len(sessions.rows)} sessions listed; {sessions.note}"
    )
    print("run  tool                        client CPU ms  server CPU ms  wall ms (median)")
    for number, tallies in enumerate(runs, 1):
        for name, tally in zip(names, tallies, strict=True):
            client, server, wall = tally.per_refresh()
            print(f"{number:<4} {name:<27} {client * 1000:13.2f}  {server * 1000:13.2f}  {wall * 1000:16.2f}")
        for name, tally in zip(names[1:], tallies[1:], strict=True):
            ours = tallies[0].per_refresh()
            ratios = [a / b if b else float("nan") for a, b in zip(ours, tally.per_refresh(), strict=True)]
            label = f"ours / {name.removeprefix('pg_activity').strip() or 'defaults'}"
            print(f"{number:<4} {label:<27} {ratios[0]:12.2f}x  {ratios[1]:12.2f}x  {ratios[2]:15.2f}x")
    print(f"size sections (every 5 min): {sizes[0] * 1000:.0f} ms wall, {sizes[1] * 1000:.0f} ms server CPU, once")
    print(f"section errors under load: {errors or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--refreshes", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between refreshes (the pane's: 2)")
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--pg-activity-python", help="an interpreter that can import pgactivity")
    parser.add_argument("--quick", action="store_true", help="scale 2, 500 tables, 2 clients, 1 run of 6 refreshes")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.refreshes, args.scale, args.tables, args.clients = 1, 6, 2, 500, 2
    with tempfile.TemporaryDirectory(prefix="db-poll-") as workdir:
        pg = PostgresServer(Path(workdir) / "data", fast=True)
        pg.init()
        pg.start()
        try:
            asyncio.run(measure(pg, args))
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
