"""An opt-in hook for `benchmarks/soak.py`: the console's own figures, one JSON line a minute.

Off unless $TESSA_SOAK_STATS names a file; then every minute the app appends its asyncio task count (and the
tasks by coroutine, to find what grows), its thread count and its worker count. Only the event loop can count
its tasks, so /proc cannot stand in for this. $TESSA_SOAK_TRACEMALLOC=N (frames) also traces allocations and
adds what grew most since the fifth line (a diagnosis run: tracing slows the console).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections import Counter

from textual.app import App

ENV_VAR = "TESSA_SOAK_STATS"
TRACE_VAR = "TESSA_SOAK_TRACEMALLOC"
INTERVAL_S = 60.0
BASELINE_LINE = 5  # allocations are compared with the fifth minute's: start-up and the first flood are done


def start_soak_stats(app: App[int]) -> None:
    """Append the app's figures to $TESSA_SOAK_STATS now and every minute; nothing when it is unset."""
    path = os.environ.get(ENV_VAR)
    if not path:
        return
    frames = int(os.environ.get(TRACE_VAR) or 0)
    tracer = _Tracer(frames) if frames else None
    written = 0

    def write() -> None:
        nonlocal written
        tasks = asyncio.all_tasks()
        line: dict[str, object] = {
            "time": time.time(),
            "tasks": len(tasks),
            "threads": threading.active_count(),
            "workers": len(app.workers),
            "tasks_by_coroutine": dict(Counter(_task_name(task) for task in tasks).most_common()),
        }
        if tracer is not None:
            line["grew"] = tracer.growth(baseline=written == BASELINE_LINE)
        written += 1
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")

    write()
    app.set_interval(INTERVAL_S, write, name="soak stats")


def _task_name(task: asyncio.Task[object]) -> str:
    """What a task runs (its coroutine's qualified name): task names alone are mostly Task-N."""
    coro = task.get_coro()
    return getattr(coro, "__qualname__", None) or task.get_name()


class _Tracer:
    """tracemalloc from the first line on; the biggest growths since the baseline snapshot."""

    def __init__(self, frames: int) -> None:
        import tracemalloc

        self.tracemalloc = tracemalloc
        self.baseline: tracemalloc.Snapshot | None = None
        self.baseline_bytes = 0
        tracemalloc.start(frames)

    def growth(self, *, baseline: bool, top: int = 12) -> list[str]:
        snapshot = self.tracemalloc.take_snapshot()
        traced = self.tracemalloc.get_traced_memory()[0]
        if baseline:
            self.baseline, self.baseline_bytes = snapshot, traced
        if self.baseline is None:
            return []
        stats = snapshot.compare_to(self.baseline, "traceback")[:top]
        return [f"traced: {traced / 2**20:.1f} MiB now, {self.baseline_bytes / 2**20:.1f} MiB at the baseline"] + [
            f"{stat.size_diff / 1024:+.0f} KiB {stat.count_diff:+d} blocks: "
            + " < ".join(f"{_short(f.filename)}:{f.lineno}" for f in reversed(stat.traceback))
            for stat in stats
        ]


def _short(filename: str) -> str:
    """A frame's file from its package down (.../site-packages/textual/app.py -> textual/app.py)."""
    for marker in ("/site-packages/", "/screens/", "/tessa_tui/", "/lib/python3."):
        if marker in filename:
            rest = filename.split(marker, 1)[1]
            return rest if marker == "/site-packages/" else marker.strip("/") + "/" + rest
    return filename
