"""A soak: `tessa-tui demo` for --minutes with drills cycling and the app log flooded in bursts; does anything grow?

The console runs in a real pseudo-terminal (160x45) whose output is read as a terminal would. Each minute the
console's RSS, open file descriptors, threads and CPU are read from /proc/<pid> (Linux only: psutil is not a
dependency), its asyncio tasks from the console's opt-in hook (screens/soak_stats.py, $TESSA_SOAK_STATS), and the
demo platform's RSS from /proc too. Drills start and clear from another process (`tessa-tui demo --drill`); a
flood appends --flood-rate lines/s to the demo's app log for --flood-seconds. Samples never fall in a flood,
and minutes 5 and 60 fall between drills, so they compare like with like.

Goal (issue 18): nothing grows after the first five minutes, RSS at the end <= 1.1x its minute-5 value.
Writes soak-<date>.csv and soak-<date>.md (per-minute table, sparklines, verdict) to --out. Everything it
starts (the console, which stops the platform and its PostgreSQL) is stopped on exit and on Ctrl+C.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--out benchmarks/results]
    .venv/bin/python benchmarks/soak.py --minutes 20 --tracemalloc 8 --out /tmp/soak   # what grows, and where
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from benchmarks._soak_report import RunNotes, Sample, describe_tree, verdict, write_results

REPO = Path(__file__).resolve().parents[1]
COLUMNS, ROWS = 160, 45
DRILLS = ("service-unavailable", "login-failures", "ai-chat", "db-slow", "sync-failures")
DRILL_PERIOD_MIN = 4  # a drill starts at 4k+1.5 min and clears at 4k+3.5: samples at whole minutes
FLOOD_PERIOD_MIN = 5  # a flood starts at 5k+3.25 min: over before the next whole minute
STARTUP_TIMEOUT_S = 240  # a fresh state dir initialises and seeds PostgreSQL first

# /proc readers ---------------------------------------------------------------------------------------------


def _status(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def rss_mb(pid: int) -> float:
    return _status(pid, "VmRSS") / 1024


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def threads(pid: int) -> int:
    return _status(pid, "Threads")


def cpu_seconds(pid: int) -> float:
    fields_ = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")


def rss_by_mapping(pid: int) -> str:
    """Where the RSS lives: the main thread's malloc heap, glibc's per-thread arenas (64 MiB-aligned), other
    anonymous memory (pymalloc's arenas, large allocations, thread stacks) and files (code, libraries)."""
    kinds = {"heap": 0, "thread arenas": 0, "other anon": 0, "files": 0}
    kind = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(maxsplit=5)
        if "-" in head[0] and len(head) >= 5:  # a mapping's first line: range, perms, offset, dev, inode[, path]
            start = int(head[0].split("-")[0], 16)
            path = head[5] if len(head) > 5 else ""
            if not path:
                kind = "thread arenas" if start % (64 << 20) == 0 else "other anon"  # glibc aligns them so
            elif path == "[heap]":
                kind = "heap"
            else:
                kind = "" if path.startswith("[") else "files"
        elif line.startswith("Rss:") and kind:
            kinds[kind] += int(line.split()[1])
    return ", ".join(f"{name} {kb / 1024:.1f} MB" for name, kb in kinds.items())


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains `text` (what is left of a demo in our state dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


# The run ----------------------------------------------------------------------------------------------------


def flood_lines(count: int = 20000, seed: int = 18) -> list[str]:
    """JSON lines like the demo's own app log, with a realistic share of warnings and errors."""
    rng = random.Random(seed)
    lines = []
    for n in range(count):
        level = rng.choices(("info", "debug", "warn", "error"), (80, 8, 8, 4))[0]
        status = {"info": 200, "debug": 200, "warn": 429, "error": 500}[level]
        record = {
            "time": f"2026-01-01T00:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z",
            "level": level,
            "msg": f"GET /api/soak/{rng.randrange(10**6)} {status} {rng.uniform(1, 900):.1f}ms",
            "service": "frontend",
            "request_id": f"{rng.getrandbits(64):016x}",
        }
        lines.append(json.dumps(record) + "\n")
    return lines


class Soak:
    """The console on a demo in its own temporary state dir and HOME, driven and sampled."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="tessa-soak-"))
        self.tmp.chmod(0o755)  # as root, the demo's PostgreSQL runs as a service user: its cluster stays in here
        self.state = self.tmp / "demo"
        self.stats = self.tmp / "soak-stats.jsonl"
        home = self.tmp / "home"
        home.mkdir()
        self.env = {
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "XDG_STATE_HOME": str(home / "state"),
            "TZ": "UTC",
            "COLUMNS": str(COLUMNS),
            "LINES": str(ROWS),
            "TESSA_SOAK_STATS": str(self.stats),
            **dict(pair.split("=", 1) for pair in args.env),
        }
        self.pid = 0
        self.fd = -1
        self.exited = False
        self.leftovers = [str(self.state)]  # what the command line of anything of this demo's names
        self.platform_pid = 0
        self.app_log = Path()
        self.drill: subprocess.Popen[bytes] | None = None
        self.lines = flood_lines()
        self.notes = RunNotes()
        self.most_tasks = 0
        if args.tracemalloc:
            self.env["TESSA_SOAK_TRACEMALLOC"] = str(args.tracemalloc)

    def say(self, what: str) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        self.notes.events.append(f"{stamp} {what}")
        print(f"[{stamp}] {what}", flush=True)

    def start(self) -> None:
        argv = [sys.executable, "-m", "tessa_tui", "demo", "--state-dir", str(self.state)]
        pid, fd = pty.fork()
        if pid == 0:  # the console: its terminal sized before it starts, so it never sees another size
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            os.chdir(REPO)
            os.execve(argv[0], argv, self.env)
        self.pid, self.fd = pid, fd
        self.say(f"console pid {pid}: {' '.join(argv[1:])}")
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not (self.stats.exists() and self.stats.stat().st_size):
            if time.monotonic() > deadline or not self.console_alive():
                raise RuntimeError(f"the console did not start; see {self.state / 'platform.log'}")
            self.drain(0.2)
        info = json.loads((self.state / "platform.json").read_text())
        self.platform_pid = int(info["pid"])
        self.leftovers.append(str(info["postgres"]))
        config = Path(info["config"]).read_text()
        match = re.search(r"path: (\S+/app\.log)", config)
        if match is None:
            raise RuntimeError("no app.log in the demo's config")
        self.app_log = Path(match.group(1))
        self.say(f"console up; platform pid {self.platform_pid}; flooding {self.app_log}")

    def console_alive(self) -> bool:
        if not self.exited:
            self.exited = os.waitpid(self.pid, os.WNOHANG) != (0, 0)
        return not self.exited

    def drain(self, seconds: float) -> None:
        """Read the console's output for up to `seconds` (a terminal that never reads would stall it)."""
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if ready:
            with contextlib.suppress(OSError):
                os.read(self.fd, 1 << 16)

    def start_drill(self, name: str) -> None:
        """`tessa-tui demo --drill NAME` from another process, not waited for here (the loop keeps reading)."""
        if self.drill is not None and self.drill.poll() is None:
            self.say(f"drill command still running; skipping {name}")
            return
        argv = [sys.executable, "-m", "tessa_tui", "demo", "--state-dir", str(self.state), "--drill", name]
        self.drill = subprocess.Popen(
            argv, env=self.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.say(f"drill {name}")

    def hook(self) -> dict[str, object]:
        """The console's last line of its own figures."""
        last = self.stats.read_text().strip().splitlines()[-1]
        figures: dict[str, object] = json.loads(last)
        return figures

    def sample(self, minute: int, cpu_before: float, phase: str) -> Sample:
        figures = self.hook()
        tasks, workers, by_coroutine = figures["tasks"], figures["workers"], figures["tasks_by_coroutine"]
        assert isinstance(tasks, int) and isinstance(workers, int) and isinstance(by_coroutine, dict)
        # Which tasks there are at the start, at minute 5, at the end and at each new high after minute 5.
        if minute in (1, 5) or minute == self.args.minutes or (minute > 5 and tasks > self.most_tasks):
            self.notes.task_lists[minute] = ", ".join(f"{name} {count}" for name, count in by_coroutine.items())
        self.most_tasks = max(self.most_tasks, tasks)
        grew = figures.get("grew")
        if isinstance(grew, list) and grew:
            self.notes.grew = [str(line) for line in grew]
        return Sample(
            minute=minute,
            console_rss_mb=round(rss_mb(self.pid), 1),
            console_fds=open_fds(self.pid),
            console_threads=threads(self.pid),
            asyncio_tasks=tasks,
            workers=workers,
            console_cpu_pct=round((cpu_seconds(self.pid) - cpu_before) / 60 * 100, 1),
            platform_rss_mb=round(rss_mb(self.platform_pid), 1),
            phase=phase,
        )

    def run(self, on_sample: Callable[[Sample], None]) -> None:
        """Drive the schedule for --minutes, sampling at each whole minute (plus 2 s, after the hook's line)."""
        started = time.monotonic()
        events = list(self.schedule())
        cpu_before = cpu_seconds(self.pid)
        flood_until = 0.0
        written = 0
        flood_started = 0.0
        minute = 0
        phase = "quiet"
        while minute < self.args.minutes:
            now = time.monotonic() - started
            while events and events[0][0] <= now:
                _, what, name = events.pop(0)
                if what == "drill":
                    self.start_drill(name)
                    phase = "quiet" if name == "all-clear" else f"after {name}"
                else:
                    flood_started, flood_until, written = now, now + self.args.flood_seconds, 0
                    self.say(f"flood {self.args.flood_rate} lines/s for {self.args.flood_seconds:.0f} s")
            if flood_until and now >= flood_until:
                self.say(f"flood over: {written} lines in {now - flood_started:.1f} s")
                flood_until = 0.0
            if now < flood_until:
                due = int((now - flood_started) * self.args.flood_rate)
                with self.app_log.open("a", encoding="utf-8") as handle:
                    for n in range(written, due):
                        handle.write(self.lines[n % len(self.lines)])
                written = due
            if now >= (minute + 1) * 60 + 2:
                minute += 1
                if not self.console_alive():
                    raise RuntimeError(f"the console exited at minute {minute}")
                on_sample(self.sample(minute, cpu_before, phase))
                if minute in (5, self.args.minutes):
                    self.say(f"console RSS by mapping at minute {minute}: {rss_by_mapping(self.pid)}")
                cpu_before = cpu_seconds(self.pid)
            self.drain(0.02 if now < flood_until else 0.1)

    def schedule(self) -> Iterator[tuple[float, str, str]]:
        """(seconds from start, "drill" or "flood", drill name): drills cycle, floods come in bursts."""
        events = []
        for k in range(self.args.minutes // DRILL_PERIOD_MIN + 1):
            events.append(((k * DRILL_PERIOD_MIN + 1.5) * 60, "drill", DRILLS[k % len(DRILLS)]))
            events.append(((k * DRILL_PERIOD_MIN + 3.5) * 60, "drill", "all-clear"))
        for k in range(self.args.minutes // FLOOD_PERIOD_MIN + 1):
            events.append(((k * FLOOD_PERIOD_MIN + 3.25) * 60, "flood", ""))
        yield from sorted(e for e in events if e[0] < self.args.minutes * 60)

    def stop(self) -> None:
        """Quit the console as a person would (`q`); it stops the platform and PostgreSQL. Then make sure."""
        if self.drill is not None and self.drill.poll() is None:
            self.drill.kill()
            self.drill.wait()
        if self.pid:
            with contextlib.suppress(OSError):
                os.write(self.fd, b"q")
            deadline = time.monotonic() + 30
            while self.console_alive() and time.monotonic() < deadline:
                self.drain(0.1)
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if self.console_alive():
                    self.say(f"console still running: {sig.name}")
                    os.kill(self.pid, sig)
                    time.sleep(5)
            if self.console_alive():
                os.waitpid(self.pid, 0)
            os.close(self.fd)
        for _ in range(20):  # the platform stops its PostgreSQL on its way out; give it the time it needs
            if not self.left_over():
                break
            time.sleep(1)
        for pid in self.left_over():
            self.say(f"left over after the console: pid {pid}; killing it")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def left_over(self) -> list[int]:
        return sorted({pid for text in self.leftovers for pid in processes_mentioning(text)})


def setup(args: argparse.Namespace) -> str:
    """The run's conditions, for the report."""
    extra = "".join(f" --env {pair}" for pair in args.env) + (
        f" --tracemalloc {args.tracemalloc}" if args.tracemalloc else ""
    )
    return (
        f"Console in a {COLUMNS}x{ROWS} pty; drills cycle every {DRILL_PERIOD_MIN} min (start at 4k+1.5, clear at "
        f"4k+3.5); floods of {args.flood_rate} lines/s for {args.flood_seconds:.0f} s into the demo's app log every "
        f"{FLOOD_PERIOD_MIN} min (at 5k+3.25). Samples at each whole minute (+2 s); `phase` is the drill running "
        f"then. Made by `benchmarks/soak.py{extra}`."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10, help="how long (the issue's soak: 60)")
    parser.add_argument("--flood-rate", type=int, default=10000, help="lines a second during a flood")
    parser.add_argument("--flood-seconds", type=float, default=20)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="more environment for the console (MALLOC_ARENA_MAX=2: is it glibc's per-thread arenas?)",
    )
    parser.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="FRAMES",
        help="trace the console's allocations (FRAMES deep) and report what grew since minute 5 (slows it)",
    )
    args = parser.parse_args()
    meta = describe_tree()
    soak = Soak(args)
    samples: list[Sample] = []
    header = f"{'min':>3} {'RSS MB':>7} {'fds':>4} {'thr':>4} {'tasks':>5} {'wrk':>4} {'cpu%':>5} {'plat MB':>7}  phase"

    def show(sample: Sample) -> None:
        samples.append(sample)
        print(
            f"{sample.minute:>3} {sample.console_rss_mb:>7.1f} {sample.console_fds:>4} {sample.console_threads:>4} "
            f"{sample.asyncio_tasks:>5} {sample.workers:>4} {sample.console_cpu_pct:>5.1f} "
            f"{sample.platform_rss_mb:>7.1f}  {sample.phase}",
            flush=True,
        )

    # SIGTERM and SIGHUP (unless nohup ignores it) end the run as Ctrl+C does: through `finally`, which stops what
    # we started. SIGINT too when a shell started us in the background with it ignored (`kill -INT` still works).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, lambda *_: sys.exit(130))
    soak.say(f"soak for {args.minutes} min on {meta['commit']} ({meta['dirty']})")
    try:
        soak.start()
        print(header, flush=True)
        soak.run(show)
    except KeyboardInterrupt:
        soak.say("interrupted")
    finally:
        soak.say("stopping the console and the demo")
        soak.stop()
        soak.say("stopped")
        if samples:
            stem = write_results(samples, args.out, meta, setup(args), soak.notes)
            print("\n".join(verdict(samples)))
            print(f"results: {stem}.csv, {stem}.md")


if __name__ == "__main__":
    main()
