"""One full database poll by the monitor against psql running the same SQL, on a busy 5,000-table cluster.

A throwaway cluster (pg_stat_statements preloaded when the server has it) gets 5,000 small tables, some
with rows, and 50 busy sessions (pg_sleep, upserts, updates) run in a separate process for the whole
measurement. Each round times one `DbMonitor.poll()` of every section on its already-open connection,
then `psql -X -q -f` on a file holding exactly the SQL the monitor ran (args inlined), with the
monitor's session settings passed as startup options; the two alternate so machine noise hits both.
psql's time includes starting the process and connecting (the empty-file line shows that share) and a
fresh backend's cold catalog caches, which the monitor's long-lived connection pays once, in the warm-up.

    .venv/bin/python benchmarks/db_poll.py [--rounds 10] [--tables 5000] [--sessions 50] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from tessa_tui.base.process_death import die_with_parent
from tessa_tui.config.model import DatabaseConfig, decode_hook
from tessa_tui.database.monitor import ACTIVITY_SECTIONS, SIZE_SECTIONS, DbMonitor
from tessa_tui.demo.pg_server import PostgresServer

SECTIONS = (*ACTIVITY_SECTIONS, *SIZE_SECTIONS)
APP = "tessa-tui"  # the monitor's application_name
PSQL_APP = "db-poll-psql"
TIMING = re.compile(r"^Time: ([0-9.]+) ms", re.MULTILINE)


class TimedMonitor(DbMonitor):
    """The monitor, recording how long each statement takes from send to rows in hand."""

    def __init__(self, config: DatabaseConfig) -> None:
        super().__init__(config)
        self.fetch_seconds: dict[str, list[float]] = defaultdict(list)

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        start = time.perf_counter()
        try:
            return await super()._fetch(sql, *args)
        finally:
            self.fetch_seconds[sql].append(time.perf_counter() - start)


def literal(value: Any) -> str:
    """A statement argument as SQL text, typed the way the monitor's prepared statement infers it."""
    if isinstance(value, bool) or value is None:
        return "NULL" if value is None else str(value).lower()
    if isinstance(value, float):
        return f"{value!r}::float8"
    if isinstance(value, int):
        return f"{value}::bigint"
    return "'" + str(value).replace("'", "''") + "'"


def inline(sql: str, args: tuple[Any, ...]) -> str:
    """Substitute $1..$n (highest first, so $1 does not eat $10)."""
    for index in range(len(args), 0, -1):
        sql = sql.replace(f"${index}", literal(args[index - 1]))
    if re.search(r"\$\d", sql):
        raise ValueError(f"unsubstituted parameter left in: {sql}")
    return sql


# --- load: a separate process, so its event loop does not share a core-second with the monitor's ---


async def load(dsn: str, sessions: int, tables: int) -> None:
    conns = [
        await asyncpg.connect(dsn, server_settings={"application_name": "db-poll-load"}, statement_cache_size=0)
        for _ in range(sessions)
    ]
    print("ready", flush=True)

    async def busy(conn: Any) -> None:
        while True:
            pick, table = random.random(), f"t_{random.randint(1, tables)}"  # generated names only
            if pick < 0.5:
                await conn.execute("SELECT pg_sleep(0.05)")
            elif pick < 0.75:
                upsert = f"INSERT INTO {table} VALUES ($1, md5(random()::text)) ON CONFLICT (id) DO UPDATE SET v = 'u'"  # noqa: S608
                await conn.execute(upsert, random.randint(1, 200))
            else:
                update = f"UPDATE {table} SET v = md5(random()::text) WHERE id = $1"  # noqa: S608
                await conn.execute(update, random.randint(1, 50))

    await asyncio.gather(*(busy(conn) for conn in conns))


def run_load(dsn: str, sessions: int, tables: int) -> None:
    # Stop at once on SIGTERM or Ctrl+C: the kernel closes the sockets, the server ends the sessions.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: os._exit(0))
    asyncio.run(load(dsn, sessions, tables))


# --- setup ---


async def populate(dsn: str, tables: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        batch = 500
        for first in range(1, tables + 1, batch):
            last = min(first + batch - 1, tables)
            await conn.execute(f"""
                DO $$ BEGIN
                  FOR i IN {first}..{last} LOOP
                    EXECUTE format('CREATE TABLE t_%s (id int PRIMARY KEY, v text)', i);
                    -- every 7th table gets rows (a few hundred in every 70th), some deleted: sizes and
                    -- dead-row counts differ across tables
                    IF i % 7 = 0 THEN
                      EXECUTE format('INSERT INTO t_%s SELECT g, repeat(md5(g::text), 4) '
                                     'FROM generate_series(1, %s) g', i, CASE WHEN i % 70 = 0 THEN 400 ELSE 20 END);
                      EXECUTE format('DELETE FROM t_%s WHERE id %% 3 = 0', i);
                    END IF;
                  END LOOP;
                END $$""")  # noqa: S608 - integers only
        # One table big enough (> 1 MB, > 100,000 rows read by seq scans) for a missing-index hint.
        await conn.execute("""
            CREATE TABLE events (at timestamptz, kind text, payload text);
            INSERT INTO events SELECT now() - g * interval '1 s', 'k' || g % 10, md5(g::text)
              FROM generate_series(1, 60000) g;
            SELECT count(*) FROM events WHERE kind = 'k1';
            SELECT count(*) FROM events WHERE kind = 'k2';
            ANALYZE;
        """)
    finally:
        await conn.close()


# --- measurement ---


def psql_round(psql: Path, dsn: str, script: Path, settings: dict[str, str]) -> tuple[float, list[float]]:
    """Wall seconds for one psql run of `script`, and its per-statement \\timing in seconds."""
    env = {
        **os.environ,
        "PGAPPNAME": PSQL_APP,
        # The monitor's session, as startup options like asyncpg's server_settings.
        "PGOPTIONS": " ".join(f"-c {key}={value}" for key, value in settings.items()),
    }
    start = time.perf_counter()
    done = subprocess.run(
        [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        start_new_session=True,  # Ctrl+C interrupts the benchmark, not a round half-way
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr.strip()[-500:]}")
    return seconds, [float(ms) / 1000 for ms in TIMING.findall(done.stdout)]


async def sample_connections(dsn: str, counts: list[int], stop: asyncio.Event) -> None:
    observer = await asyncpg.connect(dsn, server_settings={"application_name": "db-poll-observer"})
    try:
        while not stop.is_set():
            counts.append(
                await observer.fetchval("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", APP)
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)
    finally:
        await observer.close()


async def measure(pg: PostgresServer, psql: Path, args: argparse.Namespace, workdir: Path) -> None:
    config = msgspec.convert({"dsn": pg.dsn}, DatabaseConfig, dec_hook=decode_hook)
    monitor = TimedMonitor(config)
    # DbMonitor.connect()'s server_settings, less application_name (psql's must not count as the monitor).
    settings = {
        "default_transaction_read_only": "on",
        "statement_timeout": str(int(config.statement_timeout.total_seconds() * 1000)),
        "lock_timeout": str(int(config.lock_timeout.total_seconds() * 1000)),
        "idle_in_transaction_session_timeout": "10000",
    }
    load_process: subprocess.Popen[str] | None = None
    # Ctrl+C: cancel this task, and remember it, should a library swallow the cancellation (3.11's wait_for can).
    interrupted: list[bool] = []
    task = asyncio.current_task()
    assert task is not None

    def on_interrupt() -> None:
        interrupted.append(True)
        task.cancel()

    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started with SIGINT ignored
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, on_interrupt)

    def check() -> None:
        if interrupted:
            raise KeyboardInterrupt
        if load_process is None or load_process.poll() is not None:
            raise RuntimeError("the load process died during the measurement")

    stop = asyncio.Event()
    sampler: asyncio.Task[None] | None = None
    try:
        print(f"loading:                 {args.sessions} busy sessions ...", flush=True)
        load_process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--load",
                pg.dsn,
                "--sessions",
                str(args.sessions),
                "--tables",
                str(args.tables),
            ],
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=die_with_parent(),
        )
        assert load_process.stdout is not None
        if (await asyncio.to_thread(load_process.stdout.readline)).strip() != "ready":
            raise RuntimeError("the load process did not start")
        await asyncio.sleep(2)  # let the load settle and fill pg_stat_statements
        check()

        await monitor.connect()
        # Exactly what poll() runs: sections that do not apply to this server (None) are skipped by both.
        statements = {name: s for name in SECTIONS if (s := monitor._statement(name)) is not None}
        by_sql = {sql: name for name, (sql, _) in statements.items()}
        in_file = list(statements)
        script = workdir / "poll.sql"
        script.write_text("\\timing on\n" + "".join(inline(sql, a).strip() + ";\n" for sql, a in statements.values()))
        empty = workdir / "empty.sql"
        empty.write_text("")

        counts: list[int] = []
        sampler = asyncio.create_task(sample_connections(pg.dsn, counts, stop))
        # Warm-up (not counted): the monitor prepares and caches its statements, psql's files get cached.
        await monitor.poll(SECTIONS)
        await asyncio.to_thread(psql_round, psql, pg.dsn, script, settings)
        monitor.fetch_seconds.clear()

        monitor_times, psql_times, empty_times = [], [], []
        psql_sections: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.rounds):
            check()
            start = time.perf_counter()
            await monitor.poll(SECTIONS)
            monitor_times.append(time.perf_counter() - start)
            seconds, timings = await asyncio.to_thread(psql_round, psql, pg.dsn, script, settings)
            psql_times.append(seconds)
            for name, took in zip(in_file, timings, strict=True):
                psql_sections[name].append(took)
            empty_times.append((await asyncio.to_thread(psql_round, psql, pg.dsn, empty, settings))[0])
        stop.set()
        await sampler
        sampler = None
        check()
    except asyncio.CancelledError:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    else:
        report(args, monitor, by_sql, monitor_times, psql_times, empty_times, psql_sections, counts)
    finally:
        stop.set()
        if sampler is not None:
            sampler.cancel()
            with contextlib.suppress(BaseException):
                await sampler
        await monitor.close()
        if load_process is not None:
            load_process.terminate()
            try:
                load_process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                load_process.kill()
                load_process.wait()


def report(
    args: argparse.Namespace,
    monitor: TimedMonitor,
    by_sql: dict[str, str],
    monitor_times: list[float],
    psql_times: list[float],
    empty_times: list[float],
    psql_sections: dict[str, list[float]],
    counts: list[int],
) -> None:
    ms = 1000
    monitor_median, psql_median = statistics.median(monitor_times), statistics.median(psql_times)
    empty_median = statistics.median(empty_times)
    skipped = [name for name in SECTIONS if monitor.sections[name].note and not monitor.sections[name].columns]
    errors = {name: s.error for name, s in monitor.sections.items() if s.error}
    print(f"rounds each:             {args.rounds} (after one warm-up), {args.tables} tables, {args.sessions} sessions")
    print(
        f"server:                  PostgreSQL {monitor.server.get('version')}, "
        f"pg_stat_statements {monitor.server.get('pgss_version') or 'absent'}"
    )
    if skipped or errors:
        print(f"sections not run:        {', '.join(skipped) or '-'}; errors: {errors or '-'}")
    print(
        f"monitor poll:            median {monitor_median * ms:.1f} ms (min {min(monitor_times) * ms:.1f}, "
        f"max {max(monitor_times) * ms:.1f})"
    )
    print(
        f"psql -f, same SQL:       median {psql_median * ms:.1f} ms (min {min(psql_times) * ms:.1f}, "
        f"max {max(psql_times) * ms:.1f})"
    )
    print(f"  of which start+connect median {empty_median * ms:.1f} ms (psql on an empty file)")
    print(f"ratio monitor/psql:      {monitor_median / psql_median:.2f} (goal <= 2.0)")
    distinct = sorted(set(counts))
    verdict = "ok" if distinct == [1] else "WRONG, must be exactly 1"
    print(
        f"monitor connections:     {'/'.join(map(str, distinct))} in {len(counts)} samples "
        f"of pg_stat_activity (application_name = '{APP}'): {verdict}"
    )
    per_section = {by_sql[sql]: statistics.median(times) for sql, times in monitor.fetch_seconds.items()}
    print("slowest sections:        monitor median  (psql \\timing median)")
    for name, took in sorted(per_section.items(), key=lambda item: -item[1])[:8]:
        theirs = psql_sections.get(name)
        other = f"({statistics.median(theirs) * ms:7.2f} ms)" if theirs else ""
        print(f"  {name:<22} {took * ms:8.2f} ms      {other}")
    print(f"  (all sections, summed) {sum(per_section.values()) * ms:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--load", metavar="DSN", help=argparse.SUPPRESS)  # internal: be the load process
    parser.add_argument("--quick", action="store_true", help="3 rounds, 1,000 tables, 10 sessions (bench --quick)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.tables, args.sessions = 3, 1000, 10
    if args.load:
        run_load(args.load, args.sessions, args.tables)
        return
    workdir = Path(tempfile.mkdtemp(prefix="tessa-dbpoll-"))
    workdir.chmod(0o755)  # as root the server runs as `postgres`, which must reach its data dir
    pg: PostgresServer | None = None
    try:
        pg = PostgresServer(workdir / "data", fast=True)
        psql = pg.binaries.bindir / "psql"
        if not psql.exists():
            print(f"cannot compare: no psql next to the server binaries in {pg.binaries.bindir}")
            sys.exit(2)
        print(f"starting:                PostgreSQL from {pg.binaries.bindir} ...", flush=True)
        pg.init()
        pg.start()
        start = time.perf_counter()
        asyncio.run(populate(pg.dsn, args.tables))
        print(
            f"populated:               {args.tables} tables + ANALYZE in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
        asyncio.run(measure(pg, psql, args, workdir))
    except KeyboardInterrupt:
        print("interrupted: cleaning up", file=sys.stderr)
        sys.exit(130)
    finally:
        if pg is not None:
            pg.stop()
            if not pg.data_dir.is_relative_to(workdir):  # relocated (root, private tmp): its own folder
                shutil.rmtree(pg.data_dir.parent, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
