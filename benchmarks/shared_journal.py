"""Twenty consoles on one incident through the shared journal: how long from a commit on one console to its
fold on the others, and what it costs the shared database.

Each console is a process of its own with its own local journal (a machine, as far as the journal can tell)
running the console's engine: the replicator (LISTEN/NOTIFY, push on commit) and the book, folding what
arrives as the console's desk does. Each commits one note a second to the same incident. A note's latency is
from its commit on the writer (the event's own time, taken at the insert) to the moment another console's
book has folded it: what the incident screen draws next. The database's load is the CPU its processes used
(from /proc) and the transactions and rows it served (pg_stat_database), per second of the run. The peer is
the same consoles on one host sharing one SQLite journal without PostgreSQL (the desk's 1 s poll): what a
shared screen did before, measured in the same run.

    .venv/bin/python benchmarks/shared_journal.py [--consoles 20] [--seconds 300] [--quick]

--quick: 5 consoles for 20 s. Goals (issue 20): p99 commit-to-display <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GOAL_P99_S = 1.0


def console(args: argparse.Namespace) -> int:
    """One console: commit a note a second, fold what the others commit, write the latencies to --out."""
    from tessa_tui.config.model import SharedJournal, TessaConfig
    from tessa_tui.incidents.book import IncidentBook
    from tessa_tui.incidents.journal import Journal
    from tessa_tui.incidents.shared.presence import Presence
    from tessa_tui.incidents.shared.replicator import Replicator
    from tessa_tui.runbook.load import configured_pack

    config = TessaConfig()
    shared = SharedJournal(dsn=args.dsn, schema=args.schema) if args.dsn else None
    journal = Journal(Path(args.journal), actor=f"c{args.index}", shared=shared.identity() if shared else None)
    book = IncidentBook(journal, configured_pack([], None, config.placeholders), config.severities)
    latencies: list[float] = []
    seen: set[str] = set()
    folded = [0]  # how many of the incident's events the last fold had: only what came since is looked at

    def fold() -> None:
        book.sync()
        now = datetime.now(UTC)
        incident = next(iter(book.incidents.values()), None)
        if incident is None:
            return
        # An event pulled late folds where its clock puts it, a little before the end: look back a little.
        for note in incident.events[max(0, folded[0] - 200) :]:
            if note.kind == "note" and note.id not in seen:
                seen.add(note.id)
                if note.actor != journal.actor and note.at > start:
                    latencies.append((now - note.at).total_seconds())
        folded[0] = len(incident.events)

    async def main() -> None:
        folding = asyncio.Lock()

        async def refold() -> None:
            async with folding:
                await asyncio.to_thread(fold)

        tasks: list[asyncio.Task[Any]] = []
        replicator = None
        if shared is not None:
            presence = Presence(journal.node, journal.actor, "bench")
            replicator = Replicator(
                journal, shared, presence, on_news=lambda: tasks.append(asyncio.create_task(refold()))
            )
            tasks.append(asyncio.create_task(replicator.run()))
        end = time.monotonic() + args.seconds
        await asyncio.sleep(args.index * 1.0 / max(1, args.consoles))  # spread the writers over the second
        while time.monotonic() < end:
            await refold()
            incident = next(iter(book.incidents.values()), None)
            if incident is not None:
                await asyncio.to_thread(book.record, book.note(incident.id, f"note from c{args.index}"))
                if replicator is not None:
                    replicator.kick()
            if shared is None:  # the peer: the desk's poll of the one journal, once a second
                await asyncio.sleep(0.5)
                await refold()
                await asyncio.sleep(0.5)
            else:
                await asyncio.sleep(1.0)
        await asyncio.sleep(2)  # the last ones arrive
        await refold()
        if replicator is not None:
            await replicator.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    start = datetime.now(UTC)
    if os.environ.get("TESSA_BENCH_PROFILE") and args.index == 0:
        import cProfile

        cProfile.runctx("asyncio.run(main())", globals(), locals(), os.environ["TESSA_BENCH_PROFILE"])
    else:
        asyncio.run(main())
    used = resource.getrusage(resource.RUSAGE_SELF)
    record = {"latencies": latencies, "cpu": used.ru_utime + used.ru_stime}
    Path(args.out).write_text(json.dumps(record), encoding="utf-8")
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


class CpuSampler:
    """The CPU of the postmaster and every backend it forks, sampled twice a second (backends come and go)."""

    def __init__(self, postmaster: int) -> None:
        self.postmaster = postmaster
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for pid in postgres_pids(self.postmaster):
            used = cpu_seconds([pid])
            self.first.setdefault(pid, used if pid == self.postmaster else 0.0)
            self.last[pid] = used

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def start(self) -> None:
        self._sample()
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def postgres_pids(postmaster: int) -> list[int]:
    pids = [postmaster]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    pids.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return pids


async def database_figures(dsn: str) -> tuple[int, int, int]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT xact_commit + xact_rollback AS xacts, tup_returned + tup_fetched AS read, tup_inserted "
            "FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(row["xacts"]), int(row["read"]), int(row["tup_inserted"])
    finally:
        await conn.close()


def run_side(label: str, consoles: int, seconds: float, folder: Path, dsn: str, schema: str) -> dict[str, Any]:
    """Start the consoles, wait for them, gather their latencies."""
    procs = []
    outs = []
    for n in range(consoles):
        journal = folder / (f"c{n}.sqlite3" if dsn else "shared.sqlite3")
        out = folder / f"{label}-{n}.json"
        outs.append(out)
        command = [sys.executable, __file__, "--console", "--index", str(n), "--consoles", str(consoles)]
        command += ["--seconds", str(seconds), "--journal", str(journal), "--out", str(out), "--schema", schema]
        command += ["--dsn", dsn] if dsn else []
        procs.append(subprocess.Popen(command))
    for proc in procs:
        proc.wait()
    records = [json.loads(out.read_text()) for out in outs if out.exists()]
    latencies = sorted(x for record in records for x in record["latencies"])
    if not latencies:
        return {"label": label, "n": 0}
    return {
        "label": label,
        "n": len(latencies),
        "cpu_ms_per_event": sum(r["cpu"] for r in records) / len(latencies) * 1000,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max": latencies[-1],
    }


def prepare(folder: Path, consoles: int) -> tuple[Any, str, str]:
    """A PostgreSQL of the benchmark's own with the shared schema, and INC-1 declared in it."""
    from tessa_tui.cli.journal_shared import _init
    from tessa_tui.config.model import SharedJournal, TessaConfig
    from tessa_tui.demo.pg_server import PostgresServer
    from tessa_tui.incidents.book import IncidentBook
    from tessa_tui.incidents.journal import Journal
    from tessa_tui.incidents.shared.presence import Presence
    from tessa_tui.incidents.shared.replicator import Replicator
    from tessa_tui.runbook.load import configured_pack

    server = PostgresServer(folder / "pg", fast=True)
    server.init()
    server.start()
    schema = f"bench_{uuid.uuid4().hex[:6]}"
    shared = SharedJournal(dsn=server.dsn, schema=schema)
    asyncio.run(_init(server.dsn, shared))
    config = TessaConfig()
    for journal_path, shared_id in ((folder / "setup.sqlite3", shared.identity()), (folder / "shared.sqlite3", None)):
        journal = Journal(journal_path, actor="setup", shared=shared_id)
        book = IncidentBook(journal, configured_pack([], None, config.placeholders), config.severities)
        book.record(book.declare("SEV2", f"{consoles} consoles on one incident"))
        if shared_id:
            asyncio.run(Replicator(journal, shared, Presence(journal.node, "setup", "bench")).sync_once())
        journal.close()
    return server, server.dsn, schema


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consoles", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-peer", action="store_true", help="skip the one-SQLite-file peer")
    parser.add_argument("--console", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--journal", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--dsn", default="", help=argparse.SUPPRESS)
    parser.add_argument("--schema", default="tessa", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.console:
        return console(args)
    if args.quick:
        args.consoles, args.seconds = 5, 20.0
    with tempfile.TemporaryDirectory(prefix="tessa-shared-bench-") as tmp:
        folder = Path(tmp)
        server, dsn, schema = prepare(folder, args.consoles)
        try:
            assert server.pid is not None
            sampler = CpuSampler(server.pid)
            before_db = asyncio.run(database_figures(dsn))
            sampler.start()
            started = time.monotonic()
            shared = run_side("shared", args.consoles, args.seconds, folder, dsn, schema)
            wall = time.monotonic() - started
            db_cpu = sampler.stop()
            after_db = asyncio.run(database_figures(dsn))
            peer = None if args.no_peer else run_side("peer", args.consoles, args.seconds, folder, "", schema)
        finally:
            server.stop()
    print(f"{args.consoles} consoles, one note a second each, {args.seconds:g} s; load {os.getloadavg()[0]:.1f}")
    for side in [shared, peer] if peer else [shared]:
        if side["n"] == 0:
            print(f"  {side['label']:6}: no latencies measured")
            continue
        print(
            f"  {side['label']:6}: {side['n']} deliveries  commit to display p50 {side['p50'] * 1000:.0f} ms  "
            f"p99 {side['p99'] * 1000:.0f} ms  max {side['max'] * 1000:.0f} ms  "
            f"console CPU {side['cpu_ms_per_event']:.2f} ms per event received"
        )
    xacts, read, inserted = (a - b for a, b in zip(after_db, before_db, strict=True))
    print(
        f"  shared database: {db_cpu / wall * 100:.1f} % of one core; {xacts / wall:.0f} transactions/s, "
        f"{read / wall:.0f} rows read/s, {inserted / wall:.0f} rows inserted/s"
    )
    if peer and peer["n"] and shared["n"]:
        p50, p99 = shared["p50"] / peer["p50"], shared["p99"] / peer["p99"]
        print(f"  ratio shared / one-file peer: p50 {p50:.2f}  p99 {p99:.2f}")
    verdict = "met" if shared["n"] and shared["p99"] <= GOAL_P99_S else "MISSED"
    print(f"  goal p99 <= {GOAL_P99_S:g} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
