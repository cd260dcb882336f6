"""Seconds from `tessa-tui demo` to the first frame with live data in every pane, in a real terminal (tmux).

Each run starts the demo with a fresh state dir (so PostgreSQL is initialised and seeded from nothing),
reads the screen every 50 ms and notes when each milestone first shows:

- first frame: the console's header is on screen;
- services: every check has a result (none "not yet checked") and at least one is up;
- logs: the logs pane counts lines by level;
- database: the database pane shows connections against the limit.

    .venv/bin/python benchmarks/demo_live.py [--runs 3] [--quick]
    .venv/bin/python benchmarks/demo_live.py --runs 1 --repo /tmp/fresh-clone   # README command 1 there,
                                                       # venv creation and install included
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MILESTONES: dict[str, Callable[[str], bool]] = {
    "first frame": lambda s: "Tessa AI Platform" in s,
    "services live": lambda s: "● up" in s and "not yet checked" not in s,
    "logs live": lambda s: re.search(r"\d+ info", s) is not None,
    "database live": lambda s: re.search(r"connections \d+/\d+", s) is not None,
}


def tmux(socket: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=15).stdout


def one_run(timeout: float, repo: Path | None) -> dict[str, float]:
    socket = f"tessa-bench-{uuid.uuid4().hex[:8]}"
    state = Path(tempfile.mkdtemp(prefix="tessa-live-"))
    home = state / "home"
    env = {"TERM": "xterm-256color", "PATH": os.environ.get("PATH", ""), "HOME": str(home), "TZ": "UTC"}
    if repo is None:
        argv = [sys.executable, "-m", "tessa_tui", "demo", "--state-dir", str(state / "demo")]
    else:  # README command 1 in a fresh clone: `python3 dev.py demo`, which first builds the .venv
        argv = ["python3", "dev.py", "demo", "--state-dir", str(state / "demo")]
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = f"cd {shlex.quote(str(repo or REPO))} && env -i {exports} {shlex.join(argv)}"
    seen: dict[str, float] = {}
    started = time.monotonic()
    tmux(socket, "new-session", "-d", "-s", "demo", "-x", "140", "-y", "40", command)
    try:
        while len(seen) < len(MILESTONES) and time.monotonic() - started < timeout:
            screen = tmux(socket, "capture-pane", "-p", "-J", "-t", "demo")
            now = time.monotonic() - started
            for name, holds in MILESTONES.items():
                if name not in seen and holds(screen):
                    seen[name] = now
            time.sleep(0.05)
        tmux(socket, "send-keys", "-t", "demo", "q")
        time.sleep(3)  # let the demo stop its platform before the session goes
    finally:
        tmux(socket, "kill-server")
        shutil.rmtree(state, ignore_errors=True)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--repo", type=Path, help="a fresh clone: run `python3 dev.py demo` there (timeout 900)")
    parser.add_argument("--quick", action="store_true", help="one run (dev.py bench --quick)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    if shutil.which("tmux") is None:
        sys.exit("demo_live needs tmux")
    timeout = 900 if args.repo and args.timeout == 90 else args.timeout
    runs = [one_run(timeout, args.repo) for _ in range(args.runs)]
    print(f"tessa-tui demo, fresh state dir each run, 140x40 tmux, {args.runs} runs (seconds from the command):")
    for name in MILESTONES:
        times = [run[name] for run in runs if name in run]
        missing = len(runs) - len(times)
        shown = " ".join(f"{t:5.2f}" for t in times) + (f"  ({missing} never)" if missing else "")
        median = f"median {statistics.median(times):5.2f}" if times else "never"
        print(f"  {name:14} {median}   runs: {shown}")
    every = [max(run.values()) for run in runs if len(run) == len(MILESTONES)]
    if every:
        print(f"  {'every pane':14} median {statistics.median(every):5.2f}   (live data in all panes)")


if __name__ == "__main__":
    main()
