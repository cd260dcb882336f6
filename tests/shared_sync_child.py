"""A machine's sync process for the kill -9 test: imports once, then forks one child per `go` line that runs one
`Replicator.sync_once` on the machine's journal (what `tessa-tui journal sync` does, without a second's imports
per run), prints the child's pid, and reaps it on `reap PID`, printing its wait status.

Run as `python -m tests.shared_sync_child CONFIG` with the machine's environment."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tessa_tui.config.load import load_config
from tessa_tui.incidents.journal import Journal
from tessa_tui.incidents.journal_location import journal_file
from tessa_tui.incidents.shared.presence import Presence
from tessa_tui.incidents.shared.replicator import Replicator


def sync_once(config: Path) -> int:
    loaded = load_config(config)
    shared = loaded.config.journal.shared
    assert shared is not None
    journal = Journal(journal_file(loaded), actor="sync", shared=shared.identity())
    replicator = Replicator(journal, shared, Presence(journal.node, "sync", "child"))
    status = asyncio.run(replicator.sync_once())
    return 0 if status.mode == "live" else 1


def main() -> None:
    config = Path(sys.argv[1])
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.split()
        if command == ["go"]:
            pid = os.fork()
            if pid == 0:
                code = 3
                try:
                    code = sync_once(config)
                finally:
                    os._exit(code)
            print(pid, flush=True)
        elif command[:1] == ["reap"]:
            _, status = os.waitpid(int(command[1]), 0)
            print(status, flush=True)


if __name__ == "__main__":
    main()
