"""Command palette entries that start and clear the demo platform's drills (only on a demo config)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

from textual.app import App, SystemCommand

from tessa_tui.base.errors import UserError
from tessa_tui.base.isolate import internal_reason
from tessa_tui.demo.control import send_drill
from tessa_tui.demo.drills import ALL_CLEAR, DRILLS


def drill_commands(app: App[Any], control_url: str) -> Iterator[SystemCommand]:
    """One palette command per drill, plus all clear; each reports the outcome as a toast."""

    async def send(name: str, title: str) -> None:
        try:
            active = await asyncio.to_thread(send_drill, control_url, name)
        except UserError as exc:
            app.notify(str(exc), title="Drill", severity="error", markup=False)
            return
        except Exception as exc:  # a bug: its one line in a toast (and the crash log), the console goes on
            app.notify(internal_reason(exc, f"console: drill {name}"), title="Drill", severity="error", markup=False)
            return
        running = ", ".join(active) if active else "none"
        app.notify(f"{title}\nrunning drills: {running}", title="Drill", markup=False)

    def starter(name: str, title: str) -> Callable[[], None]:
        def start() -> None:
            app.run_worker(send(name, title), group="demo-drill", exit_on_error=False)

        return start

    for drill in DRILLS:
        yield SystemCommand(f"Drill: {drill.title}", f"Demo: {drill.breaks}", starter(drill.name, drill.title))
    yield SystemCommand(
        "Drill: all clear", "Demo: stop every drill; the platform recovers", starter(ALL_CLEAR, "All clear")
    )
