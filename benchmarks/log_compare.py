"""Logs beside lnav and Toolong: a big file's last line, its whole index, following a busy file, memory; in one run.

Each tool runs in a 140x40 pseudo-terminal of its own session (benchmarks/_pty_screen.py emulates the screen from
its output; CPU and memory are its whole process tree's, from /proc); tessa-tui is `python -m tessa_tui --config
CFG` with one `logs:` source, lnav (Debian's 0.11) is `lnav FILE`, Toolong (pip's 1.5) is `tl FILE`. Each gets a
fresh HOME, so no saved session moves its view. A tool not found is skipped with one line.

1. Big file: --big-mb MiB of the mixed lines of log_ingest.py ending in a unique marker line, written once and
   shared by every tool and run. "last line" is the seconds from starting the tool until the marker is on screen;
   "first frame" until the screen first shows anything (a Textual app's start costs about a second here, whatever
   it opens: benchmarks/startup.py), and "last line after first frame" the difference.
2. "indexed" is the seconds until the tool's own screen says it has read the whole file, held for 0.5 s:
   - tessa-tui: the logs pane's border subtitle `indexed N,NNN records` (`indexing NN%` while it runs). Without
     either within 5 s of the last line (a build before the background index) the column is "n/a (no signal)".
   - lnav 0.11: its bottom status bar shows `Loading NN%` while it indexes; indexed = the last line on screen and
     no `Loading` in the status rows.
   - Toolong 1.5: a `Scanning… (NK lines)` bar while its thread finds the line breaks; on the scan's end it
     removes the bar and switches tail on (`TAIL` in the footer), which scrolls to the last line. Indexed = the
     last line on screen, `TAIL` in the footer and no `Scanning`.
3. RSS (VmRSS of the process tree) once indexed (or at the end of --wait), and its peak (VmHWM).
4. Follow: a writer process (benchmarks/_log_writer.py) appends the same mixed lines at each of --rates lines/s
   for --follow-seconds to a file the tool has open at its end; every 8th line is a short `tick NNNNNNNNN` line
   holding its line number. After a warm-up it writes a unique marker line every second (every 0.5 s when the
   phase is under 10 s). A marker's lag is the time from its write until the screen shows the marker or any tick
   written after it: at 50k lines/s a 40-row screen holds under 1 ms of output, so a tool that keeps up draws the
   marker itself only by chance; a later tick on screen means the tool has shown everything up to it. A marker
   not shown within 10 s is "never". CPU is the tool's user + system time over the marker phase, % of one core.

The benchmark itself (the terminal emulator) and the writer take CPU too: on a 2-core machine run it quiet.

    .venv/bin/python benchmarks/log_compare.py [--runs 3] [--big-mb 1024] [--follow-seconds 20]
        [--rates 20000,50000] [--tools tessa,lnav,toolong] [--lnav PATH] [--toolong PATH] [--wait 180] [--write]
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import _log_writer  # noqa: E402 (after the path it is found on)
from benchmarks._pty_screen import COLUMNS, ROWS, PtyProgram  # noqa: E402
from benchmarks.log_ingest import start_console, write_big_file, write_config  # noqa: E402

NEVER_AFTER = 10.0  # seconds: a marker not on screen by then is "never"
HOLD = 0.5  # seconds an "indexed" screen must stay so
TICK_EVERY = 8
TICK = re.compile(r"tick (\d{9})")
TESSA_INDEXED = re.compile(r"indexed [\d,]+ records")
GOALS = {
    "last line (s)": 0.5,
    "last line after first frame (s)": 0.5,
    "RSS indexed (MiB)": 150.0,
    "50k/s lag median (s)": 0.5,
    "50k/s lag max (s)": 0.5,
    "50k/s CPU (% core)": 50.0,
}
GOALS_TEXT = {
    "last line (s)": "<= 0.5 s whatever the size",
    "last line after first frame (s)": "<= 0.5 s (the same goal, counted from the tool's first frame)",
    "RSS indexed (MiB)": "< 150 MB (1 GB file)",
    "50k/s lag median (s)": "<= 0.5 s",
    "50k/s lag max (s)": "<= 0.5 s",
    "50k/s CPU (% core)": "<= 50 %",
}


@dataclass
class Tool:
    """How to start one tool on a file and read from its screen that it has indexed all of it."""

    name: str
    start: Callable[[Path, Path], PtyProgram]  # (log file, a fresh work directory)
    indexed: Callable[[str, str], bool]  # (screen, the last line's marker)
    announces_index: Callable[[str], bool] = lambda screen: True  # False: no index signal (yet) on screen
    version: str = ""


def tessa_tool() -> Tool:
    def start(log: Path, work: Path) -> PtyProgram:
        return start_console(write_config(work, log), work / "home")

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return Tool(
        "tessa-tui",
        start,
        lambda screen, marker: bool(TESSA_INDEXED.search(screen)),
        lambda screen: "indexing" in screen or bool(TESSA_INDEXED.search(screen)),
        f"commit {commit.stdout.strip()}",
    )


def status_rows(screen: str, count: int) -> str:
    return "\n".join(screen.splitlines()[-count:])


def lnav_tool(binary: str) -> Tool:
    def start(log: Path, work: Path) -> PtyProgram:
        return PtyProgram([binary, str(log)], work, {"HOME": str(work / "home")})

    def indexed(screen: str, marker: str) -> bool:
        return marker in screen and "Loading" not in status_rows(screen, 3)

    version = subprocess.run([binary, "-V"], capture_output=True, text=True).stdout.strip()
    return Tool("lnav", start, indexed, version=version)


def toolong_tool(binary: str) -> Tool:
    def start(log: Path, work: Path) -> PtyProgram:
        return PtyProgram([binary, str(log)], work, {"HOME": str(work / "home")})

    def indexed(screen: str, marker: str) -> bool:
        return marker in screen and "TAIL" in status_rows(screen, 1) and "Scanning" not in screen

    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    return Tool("toolong", start, indexed, version=version)


def find_tools(args: argparse.Namespace) -> list[Tool]:
    tools: list[Tool] = []
    wanted = args.tools.split(",")
    if "tessa" in wanted:
        tools.append(tessa_tool())
    for name, given, command, make, hint in (
        ("lnav", args.lnav, "lnav", lnav_tool, "apt-get install lnav"),
        ("toolong", args.toolong, "tl", toolong_tool, "pip install toolong into a venv of its own"),
    ):
        if name not in wanted:
            continue
        binary = given or shutil.which(command)
        if binary is None or not os.access(binary, os.X_OK):
            print(f"{name}: not found ({hint}; then on PATH or --{name} PATH): skipped")
            continue
        tools.append(make(binary))
    return tools


# --- measures -------------------------------------------------------------------------------------------------


def big_file(tool: Tool, log: Path, marker: str, work: Path, wait: float) -> dict[str, float]:
    """Seconds to the last line and to "indexed", and RSS then, with the tool started on the big file."""
    program = tool.start(log, work)
    first = last = indexed = candidate = None
    gave_up_signal = False
    try:
        while True:
            program.pump(0.05)
            now = time.monotonic() - program.started
            screen = program.screen.text()
            if first is None and screen.strip():
                first = now
            if last is None and marker in screen:
                last = now
            if tool.indexed(screen, marker):
                candidate = now if candidate is None else candidate
                if now - candidate >= HOLD:
                    indexed = candidate
                    break
            else:
                candidate = None
            if last is not None and now - last > 5 and not tool.announces_index(screen):
                gave_up_signal = True
                break
            if now > wait or not program.alive:
                break
        rss, peak = program.rss_mb(), program.rss_mb("VmHWM")
    finally:
        program.stop()
    return {
        "first frame (s)": math.inf if first is None else first,
        "last line (s)": math.inf if last is None else last,
        "last line after first frame (s)": math.inf if last is None or first is None else last - first,
        "indexed (s)": math.nan if gave_up_signal else math.inf if indexed is None else indexed,
        "RSS indexed (MiB)": rss,
        "RSS peak (MiB)": peak,
    }


def follow(tool: Tool, rate: float, seconds: float, work: Path) -> dict[str, float]:
    """Marker lag (median, max) and CPU % of one core while the writer appends `rate` lines/s."""
    log = work / "follow.log"
    seed = _log_writer.Lines(0).chunk(0, 2_000)  # no ticks: the writer's numbers start at 0 again
    log.write_bytes(seed + b"2026-11-28 10:30:00,000 INFO [bench] FOLLOW-READY the tool is at the end\n")
    program = tool.start(log, work)
    writer: subprocess.Popen[str] | None = None
    label = f"{rate / 1000:.0f}k/s"
    try:
        if program.wait_for(lambda screen: "FOLLOW-READY" in screen, 60) is None:
            raise RuntimeError(f"{tool.name} never showed the follow file's last line")
        program.drain(0.5)
        warm_up = min(2.0, seconds / 4)
        every = 1.0 if seconds >= 10 else 0.5
        tag = f"{os.getpid()}{int(rate)}"
        writer = _log_writer.start(log, rate, seconds, 10**12, TICK_EVERY, (warm_up, every, tag))
        assert writer.stdout is not None
        out = writer.stdout.fileno()
        os.set_blocking(out, False)
        marks: dict[int, tuple[int, float]] = {}  # index: (line number, write time)
        shown: dict[int, float] = {}
        cpu_start = cpu_end = None
        pending = ""
        finished_at = None
        while True:
            program.pump(0.02)
            if finished_at is None and select.select([out], [], [], 0)[0]:
                chunk = os.read(out, 65536).decode()
                if not chunk:
                    finished_at = time.monotonic()
                    cpu_end = (finished_at, program.cpu_seconds())
                pending += chunk
                *lines, pending = pending.split("\n")
                for line in lines:
                    parts = line.split()
                    if parts and parts[0] == "mark":
                        marks[int(parts[1])] = (int(parts[2]), float(parts[3]))
                        if cpu_start is None:
                            cpu_start = (time.monotonic(), program.cpu_seconds())
            now = time.monotonic()
            screen = program.screen.text()
            newest = max((int(n) for n in TICK.findall(screen)), default=-1)
            for index, (line_number, written) in marks.items():
                if index not in shown and (newest > line_number or f"MARK-{tag}-{index} " in screen):
                    shown[index] = now - written
            unseen = [written for index, (_, written) in marks.items() if index not in shown]
            if finished_at is not None and (not unseen or now - min(unseen) > NEVER_AFTER):
                break
            if not program.alive:
                break
        writer.wait(timeout=10)
        writer = None
    finally:
        if writer is not None:
            writer.kill()
            writer.wait()
        program.stop()
        log.unlink(missing_ok=True)
    lags = sorted(shown.get(index, math.inf) for index in marks)
    lags = [lag if lag <= NEVER_AFTER else math.inf for lag in lags]
    cpu = math.nan
    if cpu_start and cpu_end and cpu_end[0] > cpu_start[0]:
        cpu = 100 * (cpu_end[1] - cpu_start[1]) / (cpu_end[0] - cpu_start[0])
    return {
        f"{label} lag median (s)": statistics.median(lags) if lags else math.nan,
        f"{label} lag max (s)": lags[-1] if lags else math.nan,
        f"{label} CPU (% core)": cpu,
        f"{label} markers": float(len(lags)),
    }


# --- the table ------------------------------------------------------------------------------------------------


def shown(value: float, measure: str) -> str:
    if math.isnan(value):
        return "n/a (no signal)" if measure.startswith("indexed") else "n/a"
    if math.isinf(value):
        return "never"
    return f"{value:,.0f}" if "MiB" in measure or "%" in measure else f"{value:.2f}"


def median(values: list[float]) -> float:
    if not values or any(math.isnan(v) for v in values):
        return math.nan
    return statistics.median(values)  # inf sorts last: the median is "never" only when most runs were


def table(runs: list[dict[str, dict[str, float]]], tools: list[Tool], measures: list[str]) -> list[str]:
    """Markdown: a row per tool and measure, a column per run, the median, peer/tessa, and tessa's goals."""
    head = ["measure", "tool", *(f"run {i + 1}" for i in range(len(runs))), "median", "ratio to tessa", "goal"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for measure in measures:
        base = median([run.get("tessa-tui", {}).get(measure, math.nan) for run in runs])
        for tool in tools:
            values = [run.get(tool.name, {}).get(measure, math.nan) for run in runs]
            mid = median(values)
            ratio = ""
            if tool.name != "tessa-tui":
                finite = all(math.isfinite(v) and v > 0 for v in (mid, base))
                ratio = f"{mid / base:.2f}x" if finite else "—"
            goal = ""
            if tool.name == "tessa-tui" and measure in GOALS_TEXT:
                limit = GOALS[measure]
                met = math.isfinite(mid) and mid <= limit
                goal = f"{GOALS_TEXT[measure]}: {'met' if met else 'MISSED'}"
            cells = [measure, tool.name, *(shown(v, measure) for v in values), shown(mid, measure), ratio, goal]
            rows.append("| " + " | ".join(cells) + " |")
    return rows


def write_results(lines: list[str], args: argparse.Namespace, tools: list[Tool]) -> Path:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    sha = commit.stdout.strip() or "unknown"
    today = datetime.date.today().isoformat()
    path = REPO / "benchmarks" / "results" / f"log_compare-{today}-{sha}.md"
    load = os.getloadavg()
    header = [
        f"# benchmarks/log_compare.py, {today}, commit {sha}",
        "",
        f"Command: `python benchmarks/log_compare.py {' '.join(sys.argv[1:])}`",
        f"on {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end; "
        f"{COLUMNS}x{ROWS} terminals. Tools: " + "; ".join(f"{t.name} ({t.version})" for t in tools) + ".",
        "",
        'How each figure is taken (and the on-screen signal for "indexed" per tool) is in the script\'s docstring.',
        "",
    ]
    path.write_text("\n".join([*header, *lines, ""]))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="repeat everything; each run and the median are shown")
    parser.add_argument("--big-mb", type=int, default=1024, help="size of the big file, MiB")
    parser.add_argument("--follow-seconds", type=float, default=20, help="each follow phase, warm-up included")
    parser.add_argument("--rates", default="20000,50000", help="follow rates, lines/s")
    parser.add_argument("--tools", default="tessa,lnav,toolong")
    parser.add_argument("--lnav", help="the lnav binary (default: lnav on PATH)")
    parser.add_argument("--toolong", help="Toolong's `tl` (default: tl on PATH)")
    parser.add_argument("--wait", type=float, default=180, help="at most this long for a tool to index the big file")
    parser.add_argument("--write", action="store_true", help="write benchmarks/results/log_compare-DATE-COMMIT.md")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 50 MiB, 5 s follow phases, one run")
    args = parser.parse_args()
    if args.quick:
        args.big_mb, args.follow_seconds, args.runs = 50, 5, 1
    tools = find_tools(args)
    if not tools:
        print("no tool to measure")
        return
    rates = [float(r) for r in args.rates.split(",") if r]
    work = Path(tempfile.mkdtemp(prefix="tessa-logcompare-"))
    runs: list[dict[str, dict[str, float]]] = []
    measures = ["first frame (s)", "last line (s)", "last line after first frame (s)", "indexed (s)"]
    measures += ["RSS indexed (MiB)", "RSS peak (MiB)"]
    for rate in rates:
        label = f"{rate / 1000:.0f}k/s"
        measures += [f"{label} lag median (s)", f"{label} lag max (s)", f"{label} CPU (% core)"]
    try:
        big = work / "big.log"
        marker = f"BIGFILE-END-{os.getpid()}"
        made = time.monotonic()
        write_big_file(big, args.big_mb, marker)
        print(f"big file: {big.stat().st_size / 2**20:,.0f} MiB written in {time.monotonic() - made:.1f} s")
        for run in range(args.runs):
            figures: dict[str, dict[str, float]] = {}
            for tool in tools:
                scratch = Path(tempfile.mkdtemp(prefix=f"{tool.name}-", dir=work))
                values = big_file(tool, big, marker, scratch, args.wait)
                for rate in rates:
                    values |= follow(tool, rate, args.follow_seconds, scratch)
                shutil.rmtree(scratch, ignore_errors=True)
                figures[tool.name] = values
                print(
                    f"run {run + 1} {tool.name}: "
                    + ", ".join(f"{k} {shown(v, k)}" for k, v in values.items() if not k.endswith("markers"))
                    + " (markers a phase: "
                    + ", ".join(f"{v:.0f}" for k, v in values.items() if k.endswith("markers"))
                    + ")",
                    flush=True,
                )
            runs.append(figures)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        f"{args.big_mb:,} MiB file; follow phases of {args.follow_seconds:.0f} s at "
        + ", ".join(f"{r:,.0f}" for r in rates)
        + " lines/s; ratio = peer / tessa-tui (medians)",
        "",
        *table(runs, tools, measures),
    ]
    print()
    print("\n".join(lines))
    if args.write:
        print(f"written to {write_results(lines, args, tools).relative_to(REPO)}")


if __name__ == "__main__":
    main()
