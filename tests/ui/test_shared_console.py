"""The console with a shared journal, driven by keys: an incident declared while the shared journal is down is
shown under its provisional id, and when the database numbers it the open screen shows the number, keeps
working and records on it; a DSN that points at a port that accepts and never answers stalls neither the
first frame, nor the keys, nor the header."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest

from screens.incident.incident_screen import IncidentScreen
from screens.messages import SharedChanged
from tessa_tui.cli.journal_shared import _init
from tessa_tui.config.model import SharedJournal
from tessa_tui.incidents.journal import PROVISIONAL
from tests.shared_journal_support import SilentLink, dsn_port
from tests.ui.screen_text import screen_text, wait_until
from tests.ui.test_fast_keys import SIZE, command, make_app


def _shared(dsn: str, schema: str) -> str:
    return f"  shared:\n    dsn: {dsn}\n    schema: {schema}\n    connect-timeout: 1s\n"


@pytest.mark.slow
async def test_a_screen_open_on_a_provisional_id_shows_the_number_when_it_comes(tmp_path: Path, pg_dsn: str) -> None:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    async with SilentLink(dsn_port(pg_dsn)).serving() as link:
        dsn = link.dsn(pg_dsn)
        await _init(pg_dsn, SharedJournal(dsn=dsn, schema=schema))
        link.down = True
        app = make_app(tmp_path, _shared(dsn, schema))
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: "(offline" in screen_text(app))
            await command(app, pilot, "sev2 checkout slow")
            await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
            screen = app.screen
            assert isinstance(screen, IncidentScreen)
            provisional = screen.incident_id
            assert PROVISIONAL.fullmatch(provisional), provisional
            await wait_until(pilot, lambda: f"{provisional} checkout slow" in screen_text(app))
            assert "on it: not known (shared journal offline)" in screen_text(app)  # not "nobody": it cannot hear

            link.down = False  # the database is back: the sync pushes, the database numbers it
            await wait_until(pilot, lambda: "INC-1 checkout slow" in screen_text(app), timeout=40)
            assert screen.incident.id == "INC-1"
            assert app.screen is screen
            await wait_until(pilot, lambda: f"on it: alice@{socket.gethostname()}" in screen_text(app))
            await command(app, pilot, "note numbered while open")
            await wait_until(pilot, lambda: "note: numbered while open" in screen_text(app))
            book = app.desk.book
            assert book is not None
            assert [n.text for n in book.get("INC-1").notes] == ["numbered while open"]
            assert book.get(provisional).id == "INC-1"  # the id it was shown with still reaches it


@pytest.mark.slow
async def test_a_dsn_that_accepts_and_never_answers_stalls_nothing(tmp_path: Path) -> None:
    with socket.socket() as hole:  # the kernel completes every connection; nobody ever reads or writes
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)
        dsn = f"postgresql://tessa@127.0.0.1:{hole.getsockname()[1]}/tessa"
        app = make_app(tmp_path, _shared(dsn, "tessa"))
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.desk.book is not None)
            await command(app, pilot, "sev3 search slow")  # keys work while the sync waits for an answer
            await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
            await wait_until(pilot, lambda: "search slow" in screen_text(app))
            await wait_until(
                pilot, lambda: app.desk.shared_text() == "shared: 1 event waiting (offline, never reached)"
            )
            await pilot.press("escape")
            await wait_until(pilot, lambda: "shared: 1 event waiting (offline" in screen_text(app))
            assert "no answer" in (app.desk.replicator.status().reason if app.desk.replicator else "")


async def test_a_refused_shared_journal_says_why_once_and_the_header_stays_short(tmp_path: Path, pg_dsn: str) -> None:
    """No schema in the database: refused. The reason (what to run) is too long for the header: it is a
    notification, once; the header says refused and how many events wait."""
    app = make_app(tmp_path, _shared(pg_dsn, f"t_{uuid.uuid4().hex[:16]}"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "shared: refused, 0 waiting" in screen_text(app))
        told = [n for n in app._notifications if "Shared journal refused" in n.message]
        assert len(told) == 1 and "no shared journal in schema" in told[0].message
        assert "run `tessa-tui journal init-shared`" in told[0].message and told[0].severity == "error"
        app.post_message(SharedChanged())  # the same state announced again: not said twice
        await pilot.pause()
        assert len([n for n in app._notifications if "Shared journal refused" in n.message]) == 1
