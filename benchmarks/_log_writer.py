"""Append realistic log lines to a file at a steady rate from a process of its own, optionally with markers.

    python benchmarks/_log_writer.py PATH RATE SECONDS TOTAL [--tick-every N] [--marks AFTER EVERY TAG]

RATE lines/s for SECONDS (RATE 0: as fast as it can) until TOTAL lines. `--tick-every N` makes every Nth line a
short `tick NNNNNNNNN` line carrying its line number, so a screen showing any recent lines shows how far it
has got. `--marks` writes a unique `MARK-TAG-k` line every EVERY seconds from AFTER seconds on and prints
`mark k LINE_NUMBER MONOTONIC_TIME` as soon as it is written (CLOCK_MONOTONIC is one clock for every process).
At the end it prints `written N`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def tick_line(number: int) -> bytes:
    return b"2026-11-28 10:30:00,000 INFO [bench] tick %09d\n" % number


def mark_line(tag: str, index: int) -> bytes:
    return f"2026-11-28 10:30:00,000 ERROR [bench] MARK-{tag}-{index} the marker line\n".encode()


class Lines:
    """Line `n` of the stream: the realistic pool over and over, every `tick_every`th line a tick."""

    def __init__(self, tick_every: int) -> None:
        from benchmarks.log_ingest import realistic_lines

        self.pool = [(line + "\n").encode() for line in realistic_lines(20_000, seed=11)]
        self.tick_every = tick_every

    def chunk(self, start: int, count: int) -> bytes:
        parts: list[bytes] = []
        n, end = start, start + count
        size = len(self.pool)
        while n < end:
            stop = min(end, (n // size + 1) * size)  # the pool wraps
            if self.tick_every:
                if n % self.tick_every == 0:
                    parts.append(tick_line(n))
                    n += 1
                    continue
                stop = min(stop, (n // self.tick_every + 1) * self.tick_every)
            parts.extend(self.pool[n % size : n % size + (stop - n)])
            n = stop
        return b"".join(parts)


def write(
    path: Path, rate: float, seconds: float, total: int, tick_every: int, marks: tuple[float, float, str] | None
) -> None:
    lines = Lines(tick_every)
    written = marked = 0
    started = time.monotonic()
    with path.open("ab", buffering=0) as out:
        while written < total:
            elapsed = time.monotonic() - started
            if rate and elapsed >= seconds:
                break
            target = min(total, int(elapsed * rate) + 1) if rate else min(total, written + 50_000)
            if marks and elapsed >= marks[0] + marked * marks[1]:
                out.write(lines.chunk(written, max(0, target - written - 1)) + mark_line(marks[2], marked))
                written = max(target, written + 1)
                print(f"mark {marked} {written - 1} {time.monotonic():.6f}", flush=True)
                marked += 1
                continue
            if target <= written:
                time.sleep(0.002)
                continue
            out.write(lines.chunk(written, target - written))
            written = target
    print(f"written {written}", flush=True)


def start(
    path: Path,
    rate: float,
    seconds: float,
    total: int,
    tick_every: int = 0,
    marks: tuple[float, float, str] | None = None,
) -> subprocess.Popen[str]:
    """The writer as a child process; its stdout (a pipe) carries the marks and the count."""
    argv = [sys.executable, __file__, str(path), str(rate), str(seconds), str(total), "--tick-every", str(tick_every)]
    if marks:
        argv += ["--marks", str(marks[0]), str(marks[1]), marks[2]]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


def written_count(output: str) -> int:
    """The `written N` line of a finished writer's output."""
    for line in output.splitlines():
        if line.startswith("written "):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("rate", type=float)
    parser.add_argument("seconds", type=float)
    parser.add_argument("total", type=int)
    parser.add_argument("--tick-every", type=int, default=0)
    parser.add_argument("--marks", nargs=3, metavar=("AFTER", "EVERY", "TAG"))
    args = parser.parse_args()
    marks = (float(args.marks[0]), float(args.marks[1]), args.marks[2]) if args.marks else None
    write(args.path, args.rate, args.seconds, args.total, args.tick_every, marks)


if __name__ == "__main__":
    main()
