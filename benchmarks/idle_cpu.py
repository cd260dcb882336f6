"""Idle CPU of the console on the demo platform, beside a bare Textual app with a 1 Hz clock, in one run.

Both run in real pseudo-terminals for the same window with no input; CPU is read from /proc (user +
system time of the process itself, not the demo platform, which runs in its own process).

    .venv/bin/python benchmarks/idle_cpu.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
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


def spawn(argv: list[str]) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(REPO)
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "140", "LINES": "40"})
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="tessa-idle-"))
    platform = subprocess.Popen(
        [sys.executable, "-m", "tessa_tui", "demo", "--serve-only", "--state-dir", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert platform.stdout is not None
        config = platform.stdout.readline().strip()
        console_pid, console_fd = spawn([sys.executable, "-m", "tessa_tui", "--config", config])
        clock_file = state / "clock_app.py"
        clock_file.write_text(CLOCK_APP)
        clock_pid, clock_fd = spawn([sys.executable, str(clock_file)])
        drain([console_fd, clock_fd], 10)  # start-up and the first polls are not idle
        before = {pid: cpu_seconds(pid) for pid in (console_pid, clock_pid)}
        drain([console_fd, clock_fd], args.seconds)
        used = {pid: cpu_seconds(pid) - before[pid] for pid in before}
        for pid in (console_pid, clock_pid):
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    finally:
        platform.send_signal(signal.SIGINT)
        platform.wait(timeout=30)
    console = used[console_pid] / args.seconds * 100
    clock = used[clock_pid] / args.seconds * 100
    print(f"window:                         {args.seconds:.0f} s, no input")
    print(f"tessa-tui on the demo platform: {console:.2f} % of one core (goal <= 1.5 %)")
    print(f"bare Textual app, 1 Hz clock:   {clock:.2f} % of one core")
    print(f"ratio:                          {console / clock:.2f}" if clock else "ratio: n/a")


if __name__ == "__main__":
    main()
