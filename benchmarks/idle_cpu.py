"""Idle CPU of the console on the demo platform, beside a bare Textual app with a 1 Hz clock, in one run.

Both run in real pseudo-terminals for the same window with no input; CPU is read from /proc (user +
system time of the process itself, not the demo platform, which runs in its own process). The console gets
the environment `tessa-tui demo` gives it (the demo config's credentials, `demo --env`).

    .venv/bin/python benchmarks/idle_cpu.py [--seconds 60] [--quick]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_RATIO = 2.0
CLOCK_APP = """
from datetime import datetime
from textual.app import App
from textual.widgets import Footer, Static

class Clock(App):
    def compose(self):
        yield Static(id="clock")
        yield Footer()
    def on_mount(self):
        self.set_interval(1, lambda: self.query_one("#clock", Static).update(f"{datetime.now():%H:%M:%S}"))

Clock().run()
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spawn(argv: list[str], environ: dict[str, str] | None = None) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(REPO)
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "140", "LINES": "40", **(environ or {})})
        os.execv(argv[0], argv)
    return pid, fd


def drain(fds: list[int], seconds: float) -> None:
    """Read the terminals' output (as a terminal would) for `seconds`."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select(fds, [], [], min(left, 0.5))
        for fd in ready:
            try:
                os.read(fd, 65536)
            except OSError:
                fds.remove(fd)


def demo_environment(state: Path) -> dict[str, str]:
    """What `tessa-tui demo` puts in the console's environment (`demo --env` prints it as export lines)."""
    printed = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "demo", "--env", "--state-dir", str(state)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line.removeprefix("export ") for line in printed.splitlines() if line.startswith("export ")]
    return dict(shlex.split(line)[0].split("=", 1) for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="the idle window measured")
    parser.add_argument("--settle", type=float, default=10, help="seconds first: start-up and the first polls")
    parser.add_argument("--quick", action="store_true", help="a short run (20 s window, 8 s settle): bench --quick")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.settle = 20, 8
    state = Path(tempfile.mkdtemp(prefix="tessa-idle-")) / "demo"
    platform = subprocess.Popen(
        [sys.executable, "-m", "tessa_tui", "demo", "--serve-only", "--state-dir", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    pids: list[int] = []
    try:
        assert platform.stdout is not None
        config = platform.stdout.readline().strip()
        if not config:
            raise SystemExit("the demo platform did not start")
        console_pid, console_fd = spawn(
            [sys.executable, "-m", "tessa_tui", "--config", config], demo_environment(state)
        )
        clock_file = state.parent / "clock_app.py"
        clock_file.write_text(CLOCK_APP)
        clock_pid, clock_fd = spawn([sys.executable, str(clock_file)])
        pids = [console_pid, clock_pid]
        drain([console_fd, clock_fd], args.settle)  # start-up and the first polls are not idle
        before = {pid: cpu_seconds(pid) for pid in pids}
        drain([console_fd, clock_fd], args.seconds)
        used = {pid: cpu_seconds(pid) - before[pid] for pid in pids}
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        platform.send_signal(signal.SIGINT)
        platform.wait(timeout=30)
    console = used[console_pid] / args.seconds * 100
    clock = used[clock_pid] / args.seconds * 100
    print(f"window:                         {args.seconds:.0f} s, no input (after {args.settle:.0f} s to settle)")
    print(f"tessa-tui on the demo platform: {console:.2f} % of one core")
    print(f"bare Textual app, 1 Hz clock:   {clock:.2f} % of one core")
    print(f"ratio (goal <= {GOAL_RATIO:g}):              {console / clock:.2f}" if clock else "ratio: n/a")


if __name__ == "__main__":
    main()
