"""One poll cycle of many HTTP checks: the engine (run_check over make_client) beside raw aiohttp, in one run.

A cycle is every check run once, concurrently, against a loopback server (its own process) that
answers each request after a fixed delay. Both sides keep one client open across cycles, so, as in
the live poller, only the warm-up cycle opens connections. Per side it reports the median cycle
time and its ratio to the server delay (goal <= 1.5), the longest event-loop stall seen by a 5 ms
ticker during a cycle (goal <= 50 ms) and the median process CPU per cycle; then the engine's
ratios to raw aiohttp (goals: cycle <= 1.1, CPU <= 1.5). Cycles alternate between the sides so
machine noise hits both; the load average is printed, since a busy machine stretches every stall.

    .venv/bin/python benchmarks/poll_fanout.py [--quick] [--cycles 5] [--checks 500] [--delay-ms 200]

--quick (for `dev.py bench --quick`): 3 cycles per side, a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import msgspec

from tessa_tui.base.http_fetch import make_client
from tessa_tui.checks.poller import run_batch
from tessa_tui.config.model import ServiceCheck, decode_hook

SERVER = Path(__file__).with_name("fanout_server.py")
TICK = 0.005  # the stall meter's sleep: a stall is how much later than this it wakes


@dataclass(frozen=True)
class Sample:
    wall_ms: float
    cpu_ms: float
    stall_ms: float
    ok: int


class StallMeter:
    """Sleeps TICK in a loop; the worst oversleep is the longest time the loop could not run anything."""

    def __init__(self) -> None:
        self.worst = 0.0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            expected = loop.time() + TICK
            await asyncio.sleep(TICK)
            self.worst = max(self.worst, loop.time() - expected)


def raise_nofile_limit() -> None:
    """500 client sockets plus the event loop's own descriptors can pass a default soft limit of 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def engine_cycle(client: httpx.AsyncClient, checks: list[ServiceCheck]) -> int:
    # The engine's own cycle: what `tessa-tui check` runs (batched launches on one shared client).
    results = await run_batch(client, checks, ())
    return sum(r.state == "up" for r in results)


async def raw_cycle(session: aiohttp.ClientSession, urls: list[str]) -> int:
    async def one(url: str) -> bool:
        async with session.get(url) as response:
            await response.read()
            return response.status == 200

    return sum(await asyncio.gather(*(one(u) for u in urls)))


async def measure(cycle: Callable[[], Awaitable[int]], meter: StallMeter) -> Sample:
    await asyncio.sleep(0.05)  # let the previous cycle's connection bookkeeping settle outside the window
    meter.worst = 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    ok = await cycle()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Sample(wall * 1000, cpu * 1000, meter.worst * 1000, ok)


async def bench(port: int, args: argparse.Namespace) -> dict[str, list[Sample]]:
    urls = [f"http://127.0.0.1:{port}/health/c{i}" for i in range(args.checks)]
    # Built exactly as the config loader builds them (default conditions: [STATUS] == 200).
    checks = [
        msgspec.convert({"name": f"c{i}", "url": url, "timeout": "10s"}, ServiceCheck, dec_hook=decode_hook)
        for i, url in enumerate(urls)
    ]
    meter = StallMeter()
    ticker = asyncio.create_task(meter.run())
    connector = aiohttp.TCPConnector(limit=0)  # no pool cap: the baseline is the cost of aiohttp alone
    try:
        async with make_client() as client, aiohttp.ClientSession(connector=connector) as session:
            sides: dict[str, Callable[[], Awaitable[int]]] = {
                "engine": lambda: engine_cycle(client, checks),
                "raw aiohttp": lambda: raw_cycle(session, urls),
            }
            for cycle in sides.values():  # warm-up: opens the connections, fills caches; not counted
                await measure(cycle, meter)
            # As the console does after its first frame (screens/app.py): long-lived objects leave the
            # collector's view, so a full collection does not stall a cycle. Applies to both sides alike.
            gc.freeze()
            samples: dict[str, list[Sample]] = {name: [] for name in sides}
            for i in range(args.cycles):
                order = list(sides) if i % 2 == 0 else list(reversed(sides))  # neither side always goes first
                for name in order:
                    samples[name].append(await measure(sides[name], meter))
            return samples
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


def report(samples: dict[str, list[Sample]], args: argparse.Namespace) -> None:
    med = {
        name: (statistics.median(s.wall_ms for s in ss), statistics.median(s.cpu_ms for s in ss))
        for name, ss in samples.items()
    }
    print(f"{args.checks} checks, server delay {args.delay_ms:g} ms, {args.cycles} cycles per side (after a warm-up)")
    print("load average at the start: " + " ".join(f"{load:.2f}" for load in args.load))
    print(f"{'':<12} {'cycle ms':>9} {'/ delay':>8} {'max stall ms':>13} {'CPU ms/cycle':>13} {'ok':>12}")
    for name, ss in samples.items():
        wall, cpu = med[name]
        stall = max(s.stall_ms for s in ss)
        ok = f"{sum(s.ok for s in ss)}/{args.checks * len(ss)}"
        print(f"{name:<12} {wall:9.0f} {wall / args.delay_ms:8.2f} {stall:13.1f} {cpu:13.0f} {ok:>12}")
    engine, raw = samples["engine"], samples["raw aiohttp"]
    up = sum(s.ok for s in engine)
    print()
    print(
        f"engine results up: {up}/{args.checks * len(engine)}"
        + ("" if up == args.checks * len(engine) else "  (BROKEN RUN)")
    )
    print(f"engine cycle / {args.delay_ms:g} ms: {med['engine'][0] / args.delay_ms:.2f} (goal <= 1.5)")
    print(f"engine max stall: {max(s.stall_ms for s in engine):.1f} ms (goal <= 50)")
    print(f"engine / raw aiohttp cycle: {med['engine'][0] / med['raw aiohttp'][0]:.2f} (goal <= 1.1)")
    print(f"engine / raw aiohttp CPU: {med['engine'][1] / med['raw aiohttp'][1]:.2f} (goal <= 1.5)")
    if sum(s.ok for s in raw) != args.checks * len(raw):
        print("raw aiohttp: not every request answered 200  (BROKEN RUN)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run: 3 cycles per side")
    parser.add_argument("--cycles", type=int, default=None, help="measured cycles per side (default 5)")
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--delay-ms", type=float, default=200.0)
    args = parser.parse_args()
    if args.cycles is None:
        args.cycles = 3 if args.quick else 5
    args.load = os.getloadavg()
    raise_nofile_limit()
    server = subprocess.Popen([sys.executable, str(SERVER), str(args.delay_ms)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())  # the server prints its port once it listens
        report(asyncio.run(bench(port, args)), args)
    finally:  # also on an exception or Ctrl-C: never leave the server behind
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
