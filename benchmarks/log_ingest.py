"""Log ingest: throughput against Textual's Log, keypress latency and memory under a flood, a 1 GB file, in one run.

(a) throughput: the same realistic mixed lines (JSON, logfmt, plain, access, stack traces) through our path
    (digest: parse, level counts and a LineFilter; then LogView.append) and through Textual's
    plain `Log.write_lines`, each in a headless 140x40 app, timed until every batch is appended and a frame
    showing the last line has rendered;
(b) flood: a separate writer process appends --flood-rate lines/s to a file that `tessa-tui --config CFG`
    follows in a real pseudo-terminal; every ~200 ms `p` toggles pause and the time until the screen (a small
    terminal emulator fed with the pty output) shows / stops showing "PAUSED" is the keypress latency.
    Then the writer appends as fast as it can up to --rss-lines in all; the console's VmRSS is read when it
    has read 50k lines and when it has read all (or after --rss-wait seconds: how far it got is printed).
    "Read" is the console's file position (/proc/PID/fdinfo), not what the writer wrote;
(c) big file: a --big-mb MiB file ending in a unique marker line; seconds from starting the console until
    its first frame and until the marker is on screen.

    .venv/bin/python benchmarks/log_ingest.py [--lines 200000] [--flood-seconds 30] [--rss-lines 5000000]
                                              [--rss-wait 60] [--big-mb 1024] [--only a,b,c] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import _log_writer  # noqa: E402 (after the path it is found on)
from benchmarks._pty_screen import COLUMNS, ROWS, PtyProgram  # noqa: E402

PLATFORM = "Ingest Bench"
SERVICES = ("api", "edge-chat", "worker", "auth", "billing")
PATHS = ("/api/chat", "/api/sessions", "/health", "/api/messages/42", "/auth/token", "/api/files/upload")


def realistic_lines(count: int, seed: int = 7) -> list[str]:
    """Mixed JSON (pino, structlog, ECS), logfmt, plain, access and syslog lines, a few stack traces."""
    rng = random.Random(seed)
    levels = ["info"] * 70 + ["debug"] * 12 + ["warn"] * 10 + ["error"] * 7 + ["fatal"]
    pino = {"trace": 10, "debug": 20, "info": 30, "warn": 40, "error": 50, "fatal": 60}
    lines: list[str] = []
    while len(lines) < count:
        n = len(lines)
        level = rng.choice(levels)
        stamp = f"2026-11-28T10:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z"
        service, path = rng.choice(SERVICES), rng.choice(PATHS)
        ms = rng.randint(1, 4000)
        kind = rng.randrange(10)
        if kind < 3:
            lines.append(
                f'{{"level":{pino[level]},"time":"{stamp}","pid":{4000 + n % 97},"hostname":"{service}-7f9c",'
                f'"msg":"request completed","req":{{"method":"GET","url":"{path}"}},"responseTime":{ms}}}'
            )
        elif kind < 5:
            lines.append(
                f'{{"timestamp":"{stamp}","level":"{level}","event":"db query on {service}",'
                f'"duration_ms":{ms / 10:.1f},"rows":{rng.randint(0, 500)},"request_id":"req-{n:08x}"}}'
            )
        elif kind == 5:
            lines.append(f'time={stamp} level={level} msg="upstream call {path} took {ms}ms" service={service}')
        elif kind == 6:
            status = 500 if level in {"error", "fatal"} else 404 if level == "warn" else 200
            lines.append(
                f'10.0.{n % 256}.{ms % 256} - - [28/Nov/2026:10:00:{n % 60:02d} +0000] "GET {path} HTTP/1.1" '
                f'{status} {ms * 3} "-" "Mozilla/5.0 (X11; Linux x86_64)"'
            )
        elif kind == 7:
            lines.append(
                f"Nov 28 10:00:{n % 60:02d} host-{n % 7} {service}[{n % 999}]: {level.upper()} queue depth {ms}"
            )
        else:
            stamp = stamp.replace("T", " ").replace(".", ",")[:23]
            lines.append(
                f"{stamp} {level.upper()} [{service}-worker-{n % 8}] handled {path} in {ms} ms (user {n % 9973})"
            )
            if level == "error" and rng.random() < 0.5:
                lines += [
                    "Traceback (most recent call last):",
                    '  File "/srv/app/handlers.py", line 88, in handle',
                    "    raise TimeoutError(path)",
                    f"TimeoutError: {path}",
                ]
    return lines[:count]


# --- (a) throughput, headless -----------------------------------------------------------------------------------


async def ours_rate(lines: list[str], batch: int, filter_text: str) -> tuple[float, float]:
    """Lines/s through the pane's path (parse, count and filter with `digest`, then LogView.append), and the
    seconds taken. The pane digests in a worker thread; here it runs on the loop, which only makes it slower."""
    from textual.app import App, ComposeResult

    from screens.widgets.log_view import LogView
    from tessa_tui.config.model import BUFFER_LINES
    from tessa_tui.logs.filter import LineFilter
    from tessa_tui.logs.ingest import digest
    from tessa_tui.logs.parse import LogParser
    from tests.ui.screen_text import screen_text, wait_until

    class Ours(App[None]):
        CSS = "LogView { height: 1fr; }"

        def compose(self) -> ComposeResult:
            yield LogView(BUFFER_LINES, id="log-view")

    app = Ours()
    async with app.run_test(size=(COLUMNS, ROWS)) as pilot:
        view = app.query_one(LogView)
        view.set_filter(LineFilter.parse(filter_text))
        parser = LogParser(source="app")
        counts: Counter[str] = Counter()
        await pilot.pause()
        started = time.perf_counter()
        for start in range(0, len(lines), batch):
            digested = digest(parser, lines[start : start + batch], "following", view.filter)
            counts.update(digested.levels)
            view.append(digested.rows, digested.matched_under(view.filter))
            await asyncio.sleep(0)
        await pilot.pause()
        await wait_until(pilot, lambda: "INGEST-END" in screen_text(app), timeout=60)
        seconds = time.perf_counter() - started
    return len(lines) / seconds, seconds


async def log_rate(lines: list[str], batch: int) -> tuple[float, float]:
    """Lines/s through Textual's Log.write_lines, and the seconds. No max_lines: with it (Textual 8.2.8) the Log
    kept showing lines from before the pruning write, so the last line never appeared."""
    from textual.app import App, ComposeResult
    from textual.widgets import Log

    from tests.ui.screen_text import screen_text, wait_until

    class Plain(App[None]):
        CSS = "Log { height: 1fr; }"

        def compose(self) -> ComposeResult:
            yield Log()

    app = Plain()
    async with app.run_test(size=(COLUMNS, ROWS)) as pilot:
        log = app.query_one(Log)
        await pilot.pause()
        started = time.perf_counter()
        for start in range(0, len(lines), batch):
            log.write_lines(lines[start : start + batch])
            await asyncio.sleep(0)
        await pilot.pause()
        await wait_until(pilot, lambda: "INGEST-END" in screen_text(app), timeout=60)
        seconds = time.perf_counter() - started
    return len(lines) / seconds, seconds


def throughput(count: int, batch: int, filter_text: str) -> dict[str, float]:
    lines = [*realistic_lines(count - 1), "2026-11-28 10:59:59,999 INFO [api] INGEST-END all lines appended"]
    ours, ours_s = asyncio.run(ours_rate(lines, batch, filter_text))
    plain, plain_s = asyncio.run(log_rate(lines, batch))
    print(
        f"(a) throughput: {count:,} mixed lines in batches of {batch:,}, headless {COLUMNS}x{ROWS}, "
        f"until a frame shows the last line"
    )
    print(f"    ours (parse, counts, filter {filter_text!r}, LogView): {ours:>10,.0f} lines/s ({ours_s:.2f} s)")
    print(f"    Textual Log.write_lines (no parsing):          {plain:>10,.0f} lines/s ({plain_s:.2f} s)")
    print(f"    ratio ours/Log:                                {ours / plain:10.2f}")
    return {"ours": ours, "log": plain, "ratio": ours / plain}


# --- the console in a pty -----------------------------------------------------------------------------------------


def start_console(config: Path, home: Path) -> PtyProgram:
    """`python -m tessa_tui --config CFG` in a 140x40 pseudo-terminal, with a HOME and XDG directories of its own."""
    xdg = {f"XDG_{d.upper()}_HOME": str(home / d) for d in ("config", "data", "state", "cache")}
    environ = {"HOME": str(home), **xdg}
    return PtyProgram([sys.executable, "-m", "tessa_tui", "--config", str(config)], REPO, environ)


def write_config(directory: Path, log: Path, buffer_lines: int | None = None) -> Path:
    config = directory / "tessa.yaml"
    config.write_text(
        f"platform: {PLATFORM}\nenvironment: bench\njournal:\n  path: '{directory / 'journal.sqlite3'}'\n"
        f"logs:\n  - name: app\n    path: '{log}'\n" + (f"    buffer-lines: {buffer_lines}\n" if buffer_lines else "")
    )
    return config


def mean_line_bytes() -> float:
    pool = _log_writer.Lines(0).pool
    return sum(len(line) for line in pool) / len(pool)


# --- (b) flood ---------------------------------------------------------------------------------------------------


def flood(
    work: Path, rate: float, seconds: float, rss_lines: int, rss_wait: float, buffer_lines: int | None
) -> dict[str, float]:
    log = work / "flood.log"
    log.touch()
    config = write_config(work, log, buffer_lines)
    per_line = mean_line_bytes()
    console = start_console(config, work / "home")
    writer: subprocess.Popen[str] | None = None
    result: dict[str, float] = {}
    try:
        first = console.wait_for(lambda s: PLATFORM in s, 30)
        if first is None:
            raise RuntimeError("the console showed no first frame in 30 s")
        console.wait_for(lambda s: "no lines yet" in s, 5)
        console.press(b"3")  # focus the logs pane: `p` is its key
        console.drain(1.0)
        writer = _log_writer.start(log, rate, seconds, 10**12)
        latencies: list[float] = []
        missed = 0
        rss_50k: tuple[float, float] | None = None
        flood_started = time.monotonic()
        while time.monotonic() - flood_started < seconds:
            if rss_50k is None and console.position(log) >= 50_000 * per_line:
                rss_50k = (console.rss_mb(), console.position(log) / per_line)
            paused_now = "PAUSED" in console.screen.text()
            pressed = time.monotonic()
            console.press(b"p")
            want = not paused_now
            took = console.wait_for(lambda s: ("PAUSED" in s) == want, 5.0)  # noqa: B023 (used at once)
            if took is None:
                missed += 1
            else:
                latencies.append(took)
            console.drain(0.2 - (time.monotonic() - pressed))
        written = _log_writer.written_count(writer.communicate(timeout=30)[0] or "")
        writer = None
        read_at_end = console.position(log) / per_line
        if "PAUSED" in console.screen.text():
            console.press(b"p")
        latencies.sort()
        print(
            f"(b) flood: writer appended {written:,} lines in {seconds:.0f} s ({written / seconds:,.0f} lines/s, "
            f"{written * per_line / seconds / 2**20:.1f} MiB/s; {per_line:.0f} B/line)"
        )
        print(
            f"    console read {read_at_end:,.0f} of them ({read_at_end / seconds:,.0f} lines/s): "
            f"{max(0, written - read_at_end):,.0f} lines behind at the end of the flood"
        )
        if latencies:
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
            print(
                f"    keypress `p` to screen (PAUSED shown / gone), {len(latencies)} presses, {missed} never shown "
                f"within 5 s: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
            )
            result.update(p50=p50, p99=p99 if not missed else float("inf"))
        else:
            print(f"    keypress `p`: no change ever seen on screen ({missed} presses)")
            result.update(p50=float("inf"), p99=float("inf"))
        # Memory: the writer as fast as it can, up to rss_lines in all; how far the console reads in rss_wait.
        remaining = max(0, rss_lines - written)
        writer = _log_writer.start(log, 0, 0, remaining)
        wait_started = time.monotonic()
        target = rss_lines * per_line
        while console.position(log) < target and time.monotonic() - wait_started < rss_wait:
            if rss_50k is None and console.position(log) >= 50_000 * per_line:
                rss_50k = (console.rss_mb(), console.position(log) / per_line)
            console.drain(0.5)
        writer.communicate(timeout=120)
        writer = None
        console.drain(2.0)  # the last read's lines reach the view on the next tick
        read = console.position(log) / per_line
        rss_end = console.rss_mb()
        if rss_50k is None:
            rss_50k = (rss_end, read)
        print(
            f"    memory: writer appended up to {rss_lines:,} lines in all; console read {read:,.0f} "
            f"({'all' if read >= rss_lines * 0.999 else f'stopped after --rss-wait {rss_wait:.0f} s'})"
        )
        print(f"    VmRSS after reading {rss_50k[1]:,.0f} lines: {rss_50k[0]:7.1f} MiB")
        print(f"    VmRSS after reading {read:,.0f} lines: {rss_end:7.1f} MiB   ratio {rss_end / rss_50k[0]:.2f}")
        result.update(
            rss_small=rss_50k[0],
            rss_big=rss_end,
            rss_ratio=rss_end / rss_50k[0],
            rss_read=read,
            flood_read_rate=read_at_end / seconds,
            flood_written_rate=written / seconds,
        )
    finally:
        if writer is not None:
            writer.kill()
            writer.wait()
        console.stop()
    return result


# --- (c) big file ------------------------------------------------------------------------------------------------


def write_big_file(path: Path, megabytes: int, marker: str) -> None:
    """`megabytes` MiB of realistic lines, then one line holding `marker`: the last line of the file."""
    pool = "".join(line + "\n" for line in realistic_lines(20_000, seed=13)).encode()
    with path.open("wb") as out:
        size = 0
        while size < megabytes * 2**20:
            out.write(pool)
            size += len(pool)
        out.write(f"2026-11-28 11:00:00,000 ERROR [api] {marker} the last line of the file\n".encode())


def big_file(work: Path, megabytes: int) -> dict[str, float]:
    log = work / "big.log"
    marker = f"BIGFILE-END-{os.getpid()}"
    made = time.monotonic()
    write_big_file(log, megabytes, marker)
    made = time.monotonic() - made
    config = write_config(work, log)
    console = start_console(config, work / "home")
    try:
        first = console.wait_for(lambda s: PLATFORM in s, 30)
        last = console.wait_for(lambda s: marker in s, 30)
    finally:
        console.stop()
    first_s = float("inf") if first is None else first
    last_s = float("inf") if last is None or first is None else first + last
    print(f"(c) big file: {log.stat().st_size / 2**20:,.0f} MiB (written in {made:.1f} s), console started on it:")
    print(
        f"    first frame: {first_s:.2f} s;  last line on screen: {last_s:.2f} s;  "
        f"after the first frame: {last_s - first_s:.2f} s"
    )
    return {"first": first_s, "last": last_s, "after_first": last_s - first_s}


# --- main --------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000, help="(a) lines through each path")
    parser.add_argument("--batch", type=int, default=5_000, help="(a) lines per batch")
    parser.add_argument("--filter", default="!health", help="(a) the LineFilter text on our path")
    parser.add_argument("--flood-rate", type=float, default=50_000, help="(b) writer lines/s")
    parser.add_argument("--flood-seconds", type=float, default=30)
    parser.add_argument("--rss-lines", type=int, default=5_000_000, help="(b) lines written in all for memory")
    parser.add_argument("--buffer-lines", type=int, help="(b) the source's buffer-lines (default: the config's)")
    parser.add_argument("--rss-wait", type=float, default=60, help="(b) at most this long for the console to read them")
    parser.add_argument("--big-mb", type=int, default=1024, help="(c) size of the big file, MiB")
    parser.add_argument("--only", default="a,b,c", help="which parts to run, e.g. a,c")
    parser.add_argument("--quick", action="store_true", help="every part, smaller and shorter (bench --quick)")
    args = parser.parse_args()
    if args.quick:
        args.lines, args.flood_seconds, args.rss_lines, args.rss_wait, args.big_mb = 50_000, 8, 1_000_000, 20, 128
    parts = set(args.only.split(","))
    work = Path(tempfile.mkdtemp(prefix="tessa-ingest-"))
    results: dict[str, dict[str, float]] = {}
    try:
        if "a" in parts:
            results["a"] = throughput(args.lines, args.batch, args.filter)
        if "b" in parts:
            results["b"] = flood(
                work, args.flood_rate, args.flood_seconds, args.rss_lines, args.rss_wait, args.buffer_lines
            )
            (work / "flood.log").unlink(missing_ok=True)
        if "c" in parts:
            results["c"] = big_file(work, args.big_mb)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows: list[tuple[str, str, str, bool]] = []
    if "a" in results:
        a = results["a"]
        rows.append(("throughput ours/Log", f"{a['ratio']:.2f}", ">= 0.3", a["ratio"] >= 0.3))
    if "b" in results:
        b = results["b"]
        rows.append(("keypress latency p99 (flood)", f"{b['p99']:.0f} ms", "<= 50 ms", b["p99"] <= 50))
        rows.append(
            (f"RSS({b['rss_read'] / 1e6:.2f}M read)/RSS(50k)", f"{b['rss_ratio']:.2f}", "<= 1.2", b["rss_ratio"] <= 1.2)
        )
        rows.append(
            (
                "lines read/s during flood",
                f"{b['flood_read_rate']:,.0f}",
                f">= 95% of {b['flood_written_rate']:,.0f} written",
                b["flood_read_rate"] >= 0.95 * b["flood_written_rate"],
            )
        )
    if "c" in results:
        c = results["c"]
        big = "1 GB file" if args.big_mb == 1024 else f"{args.big_mb} MiB file"
        rows.append(
            (f"{big}: last line after first frame", f"{c['after_first']:.2f} s", "<= 1 s", c["after_first"] <= 1)
        )
        rows.append((f"{big}: first frame (start-up)", f"{c['first']:.2f} s", "(reported)", True))
    print()
    print(f"{'measure':42} {'value':>12}  {'goal':24} result")
    for name, value, goal, ok in rows:
        print(f"{name:42} {value:>12}  {goal:24} {'pass' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
