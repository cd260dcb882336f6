"""Headless command start-up: `tessa-tui --help` (and the other no-network commands' help) against `python -c pass`.

Each run is a fresh interpreter, as a shell would start it; runs alternate so machine noise hits every command
alike, and the ratio is of medians. CPU time (user + system of the child, from wait4) is reported beside wall time:
on a busy machine it is the steadier of the two. Modules are byte-compiled first, as an installed package's are
(this environment may set PYTHONDONTWRITEBYTECODE, and timing the compiler would say nothing about the console).

    .venv/bin/python benchmarks/cli_start.py [--runs 30] [--quick]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_RATIO = 4.0
PEER = ("python -c pass", [sys.executable, "-c", "pass"])
COMMANDS = [
    ("tessa-tui --help", [sys.executable, "-m", "tessa_tui", "--help"]),
    ("tessa-tui check --help", [sys.executable, "-m", "tessa_tui", "check", "--help"]),
    ("tessa-tui incident list --help", [sys.executable, "-m", "tessa_tui", "incident", "list", "--help"]),
]


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `argv` (its output discarded; it must succeed)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv[1:])} exited {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each command")
    parser.add_argument("--quick", action="store_true", help="10 runs each (dev.py bench --quick)")
    args = parser.parse_args()
    runs = 10 if args.quick else args.runs
    for folder in ("tessa_tui", "screens"):
        compileall.compile_dir(REPO / folder, quiet=1)
    everything = [PEER, *COMMANDS]
    for _, argv in everything:  # warm the page cache: the first run of each reads its files from disk
        run_once(argv)
    walls: dict[str, list[float]] = {name: [] for name, _ in everything}
    cpus: dict[str, list[float]] = {name: [] for name, _ in everything}
    for _ in range(runs):
        for name, argv in everything:
            wall, cpu = run_once(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)
    peer_wall = statistics.median(walls[PEER[0]])
    peer_cpu = statistics.median(cpus[PEER[0]])
    print(f"runs: {runs} each, alternating; medians; load average {os.getloadavg()[0]:.2f}")
    print(f"{'command':32} {'wall ms':>8} {'ratio':>6} {'cpu ms':>8} {'ratio':>6}")
    for name, _ in everything:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:32} {wall * 1000:8.1f} {wall / peer_wall:6.2f} {cpu * 1000:8.1f} {cpu / peer_cpu:6.2f}")
    ratio = statistics.median(walls[COMMANDS[0][0]]) / peer_wall
    print(f"tessa-tui --help wall / python -c pass (goal <= {GOAL_RATIO:g}): {ratio:.2f}")


if __name__ == "__main__":
    main()
