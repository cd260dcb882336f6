"""Process start to first complete frame: the console against a bare Textual app with the same widgets.

Both run in a real pseudo-terminal (140x40). A full update is written top to bottom, so the first
frame is complete once the last pane's text and then the footer's right-docked palette key are out.
Runs alternate so machine noise hits both alike.

    .venv/bin/python benchmarks/startup.py [--runs 15]
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


def first_frame_seconds(argv: list[str], timeout: float = 30.0) -> float:
    """Spawn argv on a fresh pty; seconds until its first full frame has been written."""
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
                return time.perf_counter() - start
        raise RuntimeError(f"no complete frame within {timeout}s: {argv}")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    python = sys.executable
    console = [python, "-m", "tessa_tui", "--config", str(REPO / "examples" / "tessa.yaml")]
    bare = [python, str(REPO / "benchmarks" / "bare_app.py")]
    # Warm the OS file cache and .pyc files so neither side pays a first-run cost.
    first_frame_seconds(console)
    first_frame_seconds(bare)
    console_times, bare_times = [], []
    for _ in range(args.runs):
        console_times.append(first_frame_seconds(console))
        bare_times.append(first_frame_seconds(bare))
    console_median = statistics.median(console_times)
    bare_median = statistics.median(bare_times)
    print(f"runs each:              {args.runs}")
    print(f"tessa-tui first frame:  median {console_median * 1000:.0f} ms (min {min(console_times) * 1000:.0f})")
    print(f"bare Textual app:       median {bare_median * 1000:.0f} ms (min {min(bare_times) * 1000:.0f})")
    print(f"ratio (goal <= 1.5):    {console_median / bare_median:.2f}")


if __name__ == "__main__":
    main()
