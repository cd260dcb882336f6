"""A log source that is a command's output (e.g. `supabase functions logs`, `kubectl logs -f`).

The command runs in its own process group, stdout and stderr merged; its lines are read in bounded slices
so a flood cannot stall the loop; when it exits it is restarted with backoff (1 s doubling to 60 s, reset
after a minute of running); closing kills the whole group, grandchildren included.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Sequence

from tessa_tui.logs.follow import LineCutter, decode_lines

READ_SLICE = 256 * 1024
BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 60.0
STABLE_S = 60.0  # a command that ran this long before exiting starts again from the shortest backoff


class CommandFollower:
    """`await poll()` returns the complete lines that arrived since the last call; `status` says how it runs."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.status = "starting"
        self._process: asyncio.subprocess.Process | None = None
        self._cutter = LineCutter()
        self._backoff = BACKOFF_START_S
        self._started = 0.0
        self._restart_at = 0.0
        self.behind = False
        """The last poll stopped at its budget with more output waiting."""

    async def poll(self) -> list[str]:
        """Lines read now (never waits for output); starts or restarts the command when it is due."""
        process = self._process
        if process is None:
            if time.monotonic() >= self._restart_at:
                await self._start()
            return []
        assert process.stdout is not None
        lines: list[bytes] = []
        budget = READ_SLICE * 16
        while budget > 0:
            try:
                chunk = await asyncio.wait_for(process.stdout.read(READ_SLICE), timeout=0.01)
            except TimeoutError:
                break
            if not chunk:  # end of output: the command exited
                lines += self._flush()
                await self._exited()
                break
            budget -= len(chunk)
            lines += self._cutter.split(chunk)
        self.behind = budget <= 0
        return decode_lines(lines)

    def _flush(self) -> list[bytes]:
        rest = self._cutter.rest()
        return [rest] if rest else []

    async def _start(self) -> None:
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group: closing kills grandchildren too
            )
        except OSError as exc:
            self._schedule_restart(f"cannot start: {exc.strerror or exc}")
            return
        self._started = time.monotonic()
        self.status = f"running (pid {self._process.pid})"

    async def _exited(self) -> None:
        process, self._process = self._process, None
        code = await process.wait() if process else None
        self._kill_group(process)  # children it left behind go with it
        if time.monotonic() - self._started >= STABLE_S:
            self._backoff = BACKOFF_START_S
        self._schedule_restart(f"exited with status {code}")

    def _schedule_restart(self, why: str) -> None:
        self.status = f"{why}; restarting in {self._backoff:g}s"
        self._restart_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, BACKOFF_MAX_S)

    async def close(self) -> None:
        """Stop the command and everything it started."""
        process, self._process = self._process, None
        if process is None:
            return
        self._kill_group(process)
        with contextlib.suppress(ProcessLookupError, TimeoutError):
            await asyncio.wait_for(process.wait(), timeout=2)

    @staticmethod
    def _kill_group(process: asyncio.subprocess.Process | None) -> None:
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
