"""The ingest path's throughput in lines per CPU-second (time.process_time): `digest` with no filter, level counts
included, on log_ingest.realistic_lines (mixed JSON, logfmt, plain, access, syslog, tracebacks), with one secret
registered, and on JSON lines and plain lines alone. The best of --runs runs each (the CPU time of a busy machine
still varies).

    .venv/bin/python benchmarks/log_parse_rate.py [--lines 200000] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.log_ingest import realistic_lines
from tessa_tui.base import secret_registry
from tessa_tui.logs.ingest import digest
from tessa_tui.logs.parse import LogParser

BATCH = 5000


def rate(lines: list[str], runs: int) -> float:
    best = 0.0
    for _ in range(runs):
        parser = LogParser(source="app")
        started = time.process_time()
        for start in range(0, len(lines), BATCH):
            digest(parser, lines[start : start + BATCH], "following", None)
        best = max(best, len(lines) / (time.process_time() - started))
    return best


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--lines", type=int, default=200_000)
    options.add_argument("--runs", type=int, default=3)
    args = options.parse_args()
    mixed = realistic_lines(args.lines)
    json_lines = [line for line in realistic_lines(args.lines * 2) if line.startswith("{")][: args.lines]
    plain = [line for line in realistic_lines(args.lines * 5, seed=3) if line[:4] == "2026"][: args.lines]
    figures = {"mixed": rate(mixed, args.runs), "json": rate(json_lines, args.runs), "plain": rate(plain, args.runs)}
    secret_registry.register("s3cr3t-t0ken-value-42")
    figures["mixed, one secret"] = rate(mixed, args.runs)
    for name, value in figures.items():
        print(f"{name:>18}: {value:>9,.0f} lines per CPU-second")


if __name__ == "__main__":
    main()
