"""CPU of the metrics poller at the issue's load: 200 series scraped every 15 s and 4 PromQL queries every 30 s,
beside an idle peer (a bare asyncio loop process), both measured over the same window.

Three processes besides this one: loopback servers (the demo's simulations: a Supabase-style exposition of 200
series, a Prometheus API answering the error-rate and p95 expressions), the poller (the engine's `watch_metrics`
on a config of two sources and 204 series: the 200 scraped and the 4 queried) and the idle peer. Each child's CPU
(user + system, /proc) is read once the poller's first round is in, and again after the window; the servers'
CPU is not counted. Goal: the poller under 1 % of a core.

    .venv/bin/python benchmarks/metrics_poll.py [--seconds 300] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_PERCENT = 1.0
SCRAPED = 200
QUERIES = 4
SECRET = "sb_secret_bench0000metrics"  # noqa: S105 - accepted by the benchmark's own loopback server only
TOKEN = "bench-prom-token-0000"  # noqa: S105


def report_cpu_on_signal() -> None:
    """SIGUSR1 makes the process print its CPU time (every thread, nanosecond clock): /proc's 10 ms ticks are too
    coarse for a process that is asleep nearly all the time."""
    import signal

    asyncio.get_running_loop().add_signal_handler(
        signal.SIGUSR1, lambda: print(f"cpu {time.process_time():.6f}", flush=True)
    )


def cpu_seconds(process: subprocess.Popen[str]) -> float:
    import signal

    assert process.stdout is not None
    process.send_signal(signal.SIGUSR1)
    line = process.stdout.readline()
    if not line.startswith("cpu "):
        raise SystemExit(f"a child said {line!r} instead of its CPU time")
    return float(line.split()[1])


def exposition() -> str:
    """200 series in node_exporter's and postgres_exporter's shapes: half counters, half gauges."""
    lines: list[str] = []
    for family in range(20):
        kind = "counter" if family % 2 == 0 else "gauge"
        name = f"node_bench_{family}_total" if kind == "counter" else f"node_bench_{family}_bytes"
        lines += [f"# HELP {name} A benchmark series.", f"# TYPE {name} {kind}"]
        now = time.monotonic()
        lines += [f'{name}{{service_type="db",device="dev{n}"}} {now * (n + 1):.3f}' for n in range(SCRAPED // 20)]
    return "\n".join(lines) + "\n"


async def serve(port_file: Path) -> None:
    """The loopback servers, until killed."""
    from aiohttp import web

    from tessa_tui.demo.metrics_sim import METRICS_PATH, PrometheusSim, RequestLog

    requests = RequestLog()
    for n in range(2000):
        requests.record(500 if n % 97 == 0 else 200, 0.05 + (n % 40) / 100)
    prometheus = PrometheusSim(TOKEN, requests)

    async def scrape(_: web.Request) -> web.Response:
        return web.Response(text=exposition(), content_type="text/plain")

    app = web.Application()
    app.router.add_get(METRICS_PATH, scrape)
    prometheus.add_routes(app, "")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port_file.write_text(str(runner.addresses[0][1]))
    await asyncio.Event().wait()


def config_text(port: int) -> str:
    from tessa_tui.demo.metrics_sim import error_rate_query, p95_query

    base = f"http://127.0.0.1:{port}"
    series: list[dict[str, object]] = []
    for family in range(20):
        name = f"node_bench_{family}_total" if family % 2 == 0 else f"node_bench_{family}_bytes"
        for n in range(SCRAPED // 20):
            series.append({"name": f"s{family}-{n}", "source": "scrape", "select": f'{name}{{device="dev{n}"}}'})
    queries = [error_rate_query("1m"), error_rate_query("5m"), p95_query("1m"), p95_query("5m")]
    series += [{"name": f"q{n}", "source": "prom", "query": q, "warn-above": 1} for n, q in enumerate(queries)]
    section = {
        "sources": [
            {
                "name": "scrape",
                "scrape": {
                    "url": f"{base}/customer/v1/privileged/metrics",
                    "username": "service_role",
                    "password": "${S}",
                },
                "interval": "15s",
            },
            {"name": "prom", "prometheus": {"url": base, "token": "${T}"}, "interval": "30s"},
        ],
        "series": series,
    }
    return f"platform: Bench\nmetrics: {json.dumps(section)}\n"


async def poll(config: Path) -> None:
    """The engine's watcher on the config, until killed; `ready` once every source was read."""
    from tessa_tui.config.load import load_config
    from tessa_tui.metrics.watch import watch_metrics

    loaded = load_config(config, environ={"S": SECRET, "T": TOKEN})
    assert loaded.config.metrics is not None
    report_cpu_on_signal()
    said = False
    async for update in watch_metrics(loaded.config.metrics, loaded.secrets):
        if not said and update.all_read:
            known = sum(1 for s in update.series if s.state != "unknown")
            print(f"ready {known}", flush=True)
            said = True


async def idle() -> None:
    """The peer: a bare asyncio loop, asleep."""
    report_cpu_on_signal()
    print("ready", flush=True)
    await asyncio.Event().wait()


def child(role: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, __file__, "--role", role, *args], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--quick", action="store_true", help="a 40 s window: three scrapes, two query rounds")
    parser.add_argument("--role", choices=["servers", "poller", "idle"], help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "servers":
        asyncio.run(serve(Path(args.path)))
        return 0
    if args.role == "poller":
        asyncio.run(poll(Path(args.path)))
        return 0
    if args.role == "idle":
        asyncio.run(idle())
        return 0
    window = 40.0 if args.quick else args.seconds
    with tempfile.TemporaryDirectory() as folder:
        port_file, config = Path(folder) / "port", Path(folder) / "tessa.yaml"
        servers = child("servers", str(port_file))
        processes = [servers]
        try:
            deadline = time.monotonic() + 30
            while not port_file.exists() or not port_file.read_text():
                if time.monotonic() > deadline:
                    raise SystemExit("the loopback servers did not start")
                time.sleep(0.05)
            sys.path.insert(0, str(REPO))
            config.write_text(config_text(int(port_file.read_text())), encoding="utf-8")
            poller, peer = child("poller", str(config)), child("idle")
            processes += [poller, peer]
            for process in (poller, peer):
                assert process.stdout is not None
                line = process.stdout.readline()
                if not line.startswith("ready"):
                    raise SystemExit(f"a child did not start: {line!r}")
                if process is poller:
                    known = line.split()[1]
                    print(f"poller ready: {known} of {SCRAPED + QUERIES} series known (counters wait for a 2nd scrape)")
            start = {p.pid: cpu_seconds(p) for p in (poller, peer)}
            began = time.monotonic()
            time.sleep(window)
            elapsed = time.monotonic() - began
            used = {p.pid: cpu_seconds(p) - start[p.pid] for p in (poller, peer)}
        finally:
            for process in processes:
                process.kill()
                process.wait(timeout=10)
    poller_pct = 100 * used[poller.pid] / elapsed
    idle_pct = 100 * used[peer.pid] / elapsed
    ratio = used[poller.pid] / used[peer.pid] if used[peer.pid] > 0 else float("inf")
    print(f"window {elapsed:.0f}s: {SCRAPED} series scraped every 15s, {QUERIES} PromQL queries every 30s")
    print(f"poller CPU: {used[poller.pid]:.4f}s = {poller_pct:.3f} % of a core (goal < {GOAL_PERCENT:g} %)")
    print(f"idle peer CPU: {used[peer.pid]:.4f}s = {idle_pct:.4f} % of a core")
    shown = (
        "inf (the idle peer used no measurable CPU: clock ticks are 10 ms)"
        if ratio == float("inf")
        else f"{ratio:.1f}x"
    )
    print(f"ratio poller / idle peer: {shown}")
    return 0 if poller_pct < GOAL_PERCENT else 1


if __name__ == "__main__":
    sys.exit(main())
