"""An opt-in hook for `benchmarks/soak.py`: the console's own figures, one JSON line a minute.

Off unless $TESSA_SOAK_STATS names a file; then every minute the app appends its asyncio task count (and the
most common task names, to find what grows), its thread count and its worker count. Only the event loop can
count its tasks, so /proc cannot stand in for this.
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
INTERVAL_S = 60.0


def start_soak_stats(app: App[int]) -> None:
    """Append the app's figures to $TESSA_SOAK_STATS now and every minute; nothing when it is unset."""
    path = os.environ.get(ENV_VAR)
    if not path:
        return

    def write() -> None:
        tasks = asyncio.all_tasks()
        names = Counter(_task_name(task) for task in tasks)
        line = {
            "time": time.time(),
            "tasks": len(tasks),
            "threads": threading.active_count(),
            "workers": len(app.workers),
            "top_tasks": names.most_common(8),
        }
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")

    write()
    app.set_interval(INTERVAL_S, write, name="soak stats")


def _task_name(task: asyncio.Task[object]) -> str:
    """What a task runs (its coroutine's qualified name): task names alone are mostly Task-N."""
    coro = task.get_coro()
    return getattr(coro, "__qualname__", None) or task.get_name()
