"""Process start to first complete frame: the console against a bare Textual app with the same widgets.

Both run in a real pseudo-terminal (140x40). A full update is written top to bottom, so the first
frame is complete once the last pane's text and then the footer's right-docked palette key are out.
Runs alternate so machine noise hits both alike. Beside the wall time, each process's CPU time up to that
frame (its own and its threads', from /proc): on a busy machine the steadier of the two.

    .venv/bin/python benchmarks/startup.py [--runs 15] [--quick]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PANE_TEXT = b"No active incident."  # inside the incident pane, in both apps
FOOTER_END = b"alette"  # "^p Palette" / "^p palette": the last cells of the footer, the last line
GOAL_RATIO = 1.3


def _cpu_seconds(pid: int) -> float:
    """User + system time of `pid` and its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_frame_seconds(argv: list[str], timeout: float = 30.0) -> tuple[float, float]:
    """Spawn argv on a fresh pty; seconds until its first full frame has been written, and its CPU seconds."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(REPO)
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "140", "LINES": "40", "TZ": "UTC"})
        os.execv(argv[0], argv)
    start = time.perf_counter()
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += chunk
            at = seen.find(PANE_TEXT)
            if at != -1 and seen.find(FOOTER_END, at) != -1:
                wall = time.perf_counter() - start
                os.kill(pid, signal.SIGSTOP)  # its CPU time as of this frame
                return wall, _cpu_seconds(pid)
        raise RuntimeError(f"no complete frame within {timeout}s: {argv}")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="5 runs each (dev.py bench --quick)")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs
    python = sys.executable
    console = [python, "-m", "tessa_tui", "--config", str(REPO / "examples" / "tessa.yaml")]
    bare = [python, str(REPO / "benchmarks" / "bare_app.py")]
    # Warm the OS file cache and .pyc files so neither side pays a first-run cost.
    first_frame_seconds(console)
    first_frame_seconds(bare)
    console_runs, bare_runs = [], []
    for _ in range(runs):
        console_runs.append(first_frame_seconds(console))
        bare_runs.append(first_frame_seconds(bare))
    print(f"runs each:              {runs}")
    for label, results in (("tessa-tui first frame:", console_runs), ("bare Textual app:", bare_runs)):
        wall = statistics.median(w for w, _ in results)
        cpu = statistics.median(c for _, c in results)
        fastest = min(w for w, _ in results)
        print(f"{label:23} median {wall * 1000:.0f} ms (min {fastest * 1000:.0f}), CPU {cpu * 1000:.0f} ms")
    wall_ratio = statistics.median(w for w, _ in console_runs) / statistics.median(w for w, _ in bare_runs)
    cpu_ratio = statistics.median(c for _, c in console_runs) / statistics.median(c for _, c in bare_runs)
    print(f"ratio (goal <= {GOAL_RATIO:g}):    {wall_ratio:.2f}  (CPU time: {cpu_ratio:.2f})")


if __name__ == "__main__":
    main()
