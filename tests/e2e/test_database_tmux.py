"""The database pane in a real terminal during a lock pile-up: the blocking tree with its root blocker first,
and the Sessions tab's keys (f states, S sort, T duration) doing what their hints say."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, require_tmux, terminal_env

pytestmark = pytest.mark.e2e

PILE_UP = """\
import asyncio, sys
import asyncpg

async def waiting(dsn: str, pid: int) -> None:
    observer = await asyncpg.connect(dsn)
    for _ in range(500):
        if await observer.fetchval("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid):
            break
        await asyncio.sleep(0.02)
    await observer.close()

async def main() -> None:
    dsn = sys.argv[1]
    setup = await asyncpg.connect(dsn)
    await setup.execute("DROP TABLE IF EXISTS tmux_piled; CREATE TABLE tmux_piled (id int)")
    await setup.close()
    names = ("tmux-holder", "tmux-migration", "tmux-reader")
    # Connected in the reverse of the order their statements start: sorting by pid and by duration differ.
    reader, migration, holder = [
        await asyncpg.connect(dsn, server_settings={"application_name": name}) for name in reversed(names)
    ]
    await holder.execute("BEGIN; SELECT count(*) FROM tmux_piled")
    waits = [asyncio.create_task(migration.execute("ALTER TABLE tmux_piled ADD COLUMN note text"))]
    await waiting(dsn, migration.get_server_pid())  # queued first, or the reader would not queue
    waits.append(asyncio.create_task(reader.execute("SELECT count(*) FROM tmux_piled")))
    await waiting(dsn, reader.get_server_pid())
    print(holder.get_server_pid(), migration.get_server_pid(), reader.get_server_pid(), flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


@pytest.fixture
def pile_up_console(tmp_path: Path, pg_dsn: str) -> Iterator[tuple[TmuxTerminal, list[int]]]:
    """A console over the tests' PostgreSQL while a holder, a queued migration and a queued reader pile up; the
    pile-up's process (and so its sessions) ends afterwards."""
    require_tmux()
    process = subprocess.Popen([sys.executable, "-c", PILE_UP, pg_dsn], stdout=subprocess.PIPE, text=True)
    config = tmp_path / "tessa.yaml"
    config.write_text(
        f"platform: Pile-up\ndatabase:\n  dsn: '{pg_dsn}'\n  activity-interval: 1s\n  long-query-threshold: 1s\n",
        encoding="utf-8",
    )
    term = TmuxTerminal(200, 50)
    try:
        pids = [int(p) for p in (process.stdout.readline() if process.stdout else "").split()]
        term.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(tmp_path), REPO)
        yield term, pids
    finally:
        term.close()
        process.kill()
        process.wait()


def _order(screen: str, names: tuple[str, ...]) -> list[str]:
    """The applications in `names` in the order their rows are drawn."""
    return [next(n for n in names if n in line) for line in screen.splitlines() if any(n in line for n in names)]


def test_the_tree_and_the_sessions_keys_in_a_terminal(pile_up_console: tuple[TmuxTerminal, list[int]]) -> None:
    term, (holder, migration, reader) = pile_up_console
    names = ("tmux-holder", "tmux-migration", "tmux-reader")
    term.wait_for(lambda s: f"waiting behind pid {holder}" in s)
    term.press("4", "z")
    screen = term.wait_for(lambda s: f"AccessShareLock on tmux_piled, behind {migration}" in s)
    tree = [line for line in screen.splitlines() if str(holder) in line.split("│")[0] or "└─" in line]
    assert "└─" not in tree[0] and str(holder) in tree[0]  # the root blocker's row comes first, unindented
    assert any(f"└─ {migration}" in line for line in tree) and any(f"└─ {reader}" in line for line in tree)
    assert "S Sort" not in screen
    term.press("Right")  # the tab row has the focus: on to Sessions
    screen = term.wait_for(lambda s: "Sessions: not idle, by duration, query time" in s and "S Sort" in s)
    term.wait_for(lambda s: _order(s, names) == list(names))  # the longest-running query first
    term.press("f")
    term.wait_for(lambda s: "Sessions: active," in s and _order(s, names) == ["tmux-migration", "tmux-reader"])
    term.press("f", "f")
    term.wait_for(lambda s: "Sessions: idle in transaction," in s and _order(s, names) == ["tmux-holder"])
    term.press("f", "f")
    term.wait_for(lambda s: "Sessions: not idle," in s)
    term.press("T")
    term.wait_for(lambda s: "transaction time" in s and "transaction seconds" in s)
    for _ in range(5):
        term.press("S")
    assert reader < migration < holder  # connected in that order: by pid is the reverse of by duration
    term.wait_for(lambda s: "by pid" in s and _order(s, names) == ["tmux-reader", "tmux-migration", "tmux-holder"])
