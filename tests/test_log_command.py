"""Command log sources: lines from stdout and stderr, restart with backoff, floods in slices, no orphans."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from tessa_tui.logs.command_source import BACKOFF_START_S, CommandFollower

HANG_GUARD_S = 30  # how long to wait for lines or a status before failing: a bound, never a speed assertion


async def collect(follower: CommandFollower, until: float, want: int = 10**9) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + until
    while time.monotonic() < deadline and len(lines) < want:
        lines += await follower.poll()
        await asyncio.sleep(0.02)
    return lines


async def test_stdout_and_stderr_lines_then_a_restart_with_backoff() -> None:
    script = "import sys; print('out line', flush=True); print('err line', file=sys.stderr, flush=True)"
    follower = CommandFollower([sys.executable, "-c", script])
    try:
        lines = await collect(follower, until=HANG_GUARD_S, want=2)
        assert sorted(lines) == ["err line", "out line"]
        deadline = time.monotonic() + HANG_GUARD_S
        while "exited" not in follower.status and time.monotonic() < deadline:
            await follower.poll()
            await asyncio.sleep(0.02)
        assert follower.status == f"exited with status 0; restarting in {BACKOFF_START_S:g}s"
        again = await collect(follower, until=HANG_GUARD_S, want=2)  # restarted after the backoff
        assert sorted(again) == ["err line", "out line"]
    finally:
        await follower.close()


async def test_a_missing_program_is_a_status_not_a_crash() -> None:
    follower = CommandFollower(["/nonexistent/log-tool", "--follow"])
    await follower.poll()
    assert follower.status.startswith("cannot start: No such file or directory; restarting in")


async def test_a_flood_is_read_in_slices_and_a_huge_line_is_cut() -> None:
    script = "import sys; sys.stdout.write('x' * 3_000_000 + '\\n'); [print(i) for i in range(200_000)]"
    follower = CommandFollower([sys.executable, "-c", script])
    try:
        first = await collect(follower, until=HANG_GUARD_S, want=1)
        assert first and len(first[0]) == 1024 * 1024  # cut at MAX_LINE
        lines = await collect(follower, until=HANG_GUARD_S, want=200_000 + 1 - len(first))
        assert (first + lines)[-1] == "199999"
    finally:
        await follower.close()


async def test_closing_kills_the_whole_process_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"sleep 999 & echo $! > {pids}; echo started; sleep 999"
    follower = CommandFollower(["sh", "-c", script])
    await collect(follower, until=HANG_GUARD_S, want=1)
    child = int(pids.read_text())
    leader = follower._process.pid  # type: ignore[union-attr]
    await follower.close()
    for pid in (leader, child):
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"process {pid} survived close()")
