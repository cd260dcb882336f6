"""`tessa-tui journal --help`, read as a newcomer reads it: what the journal is, how sharing is switched on and
where to read more; what `status` and `sync` exit with, so a script can act on it."""

from __future__ import annotations

import subprocess
import sys

from tests.shared_journal_support import REPO


def _help(*args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "tessa_tui", *args, "--help"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_journal_help_says_how_to_share_it_and_what_status_and_sync_exit_with() -> None:
    top = _help("journal")
    assert "shared:\n      dsn: ${TESSA_JOURNAL_DSN}" in top  # the config, laid out as it is typed
    assert "journal init-shared` once" in top and "docs/shared-journal.md" in top
    assert "Exit 0: live, or local only; 1: offline or refused" in " ".join(_help("journal", "status").split())
    assert "Exit 0: done; 1: offline or refused" in " ".join(_help("journal", "sync").split())
    assert "(default: tessa_console)" in " ".join(_help("journal", "init-shared").split())
    assert "...." not in _help("incident")
