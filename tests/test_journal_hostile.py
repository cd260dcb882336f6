"""A journal under hostile rows, read-only files and wrong clocks: one fault stays one fault, nothing is written.

Real journal files, rows inserted with sqlite3 the way another tool (or a damaged copy) would, the real CLI,
the real console (Pilot), and a real unprivileged user (`nobody` through setpriv) for the read-only file.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from runbooks import pack_dir
from screens.app import TessaApp
from tessa_tui.base.errors import UserError
from tessa_tui.cli.main import main
from tessa_tui.config.load import load_config
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import Journal
from tessa_tui.runbook.load import load_pack
from tests.incident_fixtures import START, ManualClock
from tests.ui.screen_text import wait_until

REPO = Path(__file__).resolve().parents[1]
GOOD_TIME = "2026-01-21T14:05:00+00:00"

# Rows another writer could leave, each a different way of being unreadable: (kind, at, data as SQL value).
CORRUPT_ROWS: dict[str, tuple[str, object, object]] = {
    "data not JSON": ("note", GOOD_TIME, "{not json"),
    "data a JSON list": ("note", GOOD_TIME, "[1, 2]"),
    "a field of the wrong type": ("note", GOOD_TIME, '{"text": {"a": 1}}'),
    "a required field missing": ("step_ticked", GOOD_TIME, '{"runbook": "sev1-service-down"}'),
    "a milestone that is none": ("milestone_set", GOOD_TIME, '{"milestone": "lunch", "at": "2026-01-21T14:06:00Z"}'),
    "a milestone time that is none": ("milestone_set", GOOD_TIME, '{"milestone": "root_cause", "at": "soon"}'),
    "an 'ok' that is no flag": ("action_output", GOOD_TIME, '{"runbook": "r", "step": "s", "ok": "maybe"}'),
    "NaN in the data": ("note", GOOD_TIME, '{"text": "x", "n": NaN}'),
    "a number past float": ("note", GOOD_TIME, '{"text": "x", "n": 1e400}'),
    "an integer of 5,000 digits": ("note", GOOD_TIME, '{"text": "x", "n": ' + "9" * 5000 + "}"),
    "nesting 100,000 deep": ("note", GOOD_TIME, '{"text": "x", "n": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "a time that is none": ("note", "yesterday", '{"text": "x"}'),
    "a time without a zone": ("note", "2026-01-21T14:05:00", '{"text": "x"}'),
    "a time at the end of time": ("note", "9999-12-31T23:59:59+00:00", '{"text": "x"}'),
    "a time that is a number": ("note", 1e400, '{"text": "x"}'),
    "invalid UTF-8 text": ("note", GOOD_TIME, b'{"text": "\xff\xfe"}'),
    "a blob": ("note", GOOD_TIME, sqlite3.Binary(b"\x00\x01\x02")),
    "2 MB of data": ("note", GOOD_TIME, '{"text": "' + "x" * 2_000_000 + '"}'),
    "a second declaration": ("declared", GOOD_TIME, '{"severity": "SEV3", "title": "again"}'),
}


INSERT = "INSERT INTO events (id, incident, at, actor, kind, data) VALUES (?, ?, ?, 'mallory', ?, ?)"
INSERT_TEXT = INSERT.replace("?)", "CAST(? AS TEXT))")


def insert_row(
    path: Path, kind: str, at: object, data: object, *, event_id: str = "bad-row", incident: str = "INC-1"
) -> None:
    """A row as another tool would write it: straight INSERT, no validation (the triggers allow INSERT)."""
    # Bytes go in as TEXT (invalid UTF-8 in a text column); sqlite3.Binary stays a BLOB.
    insert = INSERT_TEXT if isinstance(data, bytes) else INSERT
    with sqlite3.connect(path) as raw:
        raw.execute(insert, (event_id, incident, at, kind, data))
    raw.close()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "tessa.yaml"
    path.write_text(f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n", encoding="utf-8")
    return path


def run(config: Path, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--config", str(config), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def seeded(config: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """INC-1 declared and acknowledged through the CLI, a note after."""
    assert run(config, "incident", "declare", "SEV1", "Frontend down", capsys=capsys)[0] == 0
    assert run(config, "incident", "ack", "1", capsys=capsys)[0] == 0
    return config.parent / "journal.sqlite3"


@pytest.mark.parametrize("case", CORRUPT_ROWS)
def test_one_corrupt_row_is_one_line_and_everything_else_works(
    config: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    journal = seeded(config, capsys)
    insert_row(journal, *CORRUPT_ROWS[case])
    notice = "tessa-tui: warning: 1 journal event could not be read: id bad-row; see `tessa-tui journal check`\n"
    for argv in (("incident", "list"), ("incident", "show", "1"), ("incident", "export", "1", "--format", "json")):
        code, out, err = run(config, *argv, capsys=capsys)
        assert (code, err) == (0, notice), argv
        assert "INC-1" in out and "Frontend down" in out
    code, out, err = run(config, "incident", "note", "1", "still works", capsys=capsys)  # writes go on too
    assert (code, err) == (0, notice) and "note added" in out
    code, out, err = run(config, "journal", "check", capsys=capsys)
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"journal {journal}: 4 events, 1 unreadable"
    assert len(lines) == 2 and lines[1].startswith("  id bad-row  incident INC-1  kind ")


def test_a_clean_journal_checks_clean_and_the_check_writes_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = seeded(config, capsys)
    at_rest(journal)
    before = snapshot(journal.parent)
    assert run(config, "journal", "check", capsys=capsys) == (0, f"journal {journal}: 2 events, all readable\n", "")
    assert snapshot(journal.parent) == before
    assert run(config, "incident", "list", capsys=capsys)[2] == ""  # no warning when nothing is wrong


def test_rows_before_a_declaration_do_not_hide_the_incident(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A row for INC-1 that comes before INC-1's declaration used to make the fold skip INC-1 for good."""
    journal = config.parent / "journal.sqlite3"
    Journal(journal, actor="setup").close()
    insert_row(journal, "note", GOOD_TIME, '{"text": "early"}', event_id="early-row")
    insert_row(journal, "declared", GOOD_TIME, '{"severity": "SEV2", "title": "chat down"}', event_id="decl")
    code, out, err = run(config, "incident", "list", capsys=capsys)
    assert code == 0 and "INC-1" in out and "chat down" in out and "id early-row" in err
    assert "before INC-1 was declared" in run(config, "journal", "check", capsys=capsys)[1]


def test_a_row_squatting_the_next_incident_id_is_not_merged(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = seeded(config, capsys)
    insert_row(journal, "declared", GOOD_TIME, '{"severity": "SEV3", "title": "squatter"}', incident="INC-2")
    insert_row(journal, "note", GOOD_TIME, '{"text": "n"}', event_id="n", incident="INC-3")
    code, out, _ = run(config, "incident", "declare", "SEV2", "mine", capsys=capsys)
    assert code == 0 and out.startswith("INC-4: declared SEV2 'mine'")


async def test_the_console_starts_on_a_corrupt_journal_and_says_so_once(config: Path) -> None:
    journal = config.parent / "journal.sqlite3"
    book = IncidentBook(Journal(journal, actor="alice"), load_pack([pack_dir()]), load_config(config).config.severities)
    book.record(book.declare("SEV1", "Frontend down"))
    insert_row(journal, *CORRUPT_ROWS["data not JSON"])
    app = TessaApp(load_config(config), live=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        notice = "1 journal event could not be read: id bad-row; see `tessa-tui journal check`"
        await wait_until(pilot, lambda: any(n.message == notice for n in app._notifications))
        assert app.desk.book is not None and "INC-1" in app.desk.book.incidents  # started, and folded the rest
        insert_row(journal, *CORRUPT_ROWS["a time that is none"], event_id="later-bad")  # another process
        await wait_until(pilot, lambda: any("2 journal events" in n.message for n in app._notifications))
        assert sum("could not be read" in n.message for n in app._notifications) == 2  # once per new row


# --readonly: every write command refused before anything is written, flag before or after the subcommand.

WRITE_COMMANDS = [
    ("declare", "SEV2", "x"),
    ("ack", "1"),
    ("tick", "1", "1"),
    ("note", "1", "x"),
    ("milestone", "1", "root-cause"),
    ("severity", "1", "SEV2"),
    ("attach", "1", "service-unavailable"),
    ("role", "1", "scribe", "bob"),
    ("resolve", "1"),
    ("reopen", "1"),
]


def at_rest(journal: Path) -> None:
    """Close every connection the in-process runs left, then checkpoint: the files stop changing."""
    gc.collect()
    Journal(journal, actor="x").close()


def snapshot(folder: Path) -> dict[str, str]:
    """The journal's files and a digest of their bytes: "wrote nothing" means this does not change. SQLite's
    -shm is shared memory for readers and writers alike (a reader may create it), not the journal's content."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.endswith("-shm")
    }


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("command", WRITE_COMMANDS, ids=[c[0] for c in WRITE_COMMANDS])
def test_readonly_refuses_every_write_command(
    config: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...], where: str
) -> None:
    journal = config.parent / "journal.sqlite3"
    assert run(config, "incident", "declare", "SEV1", "down", capsys=capsys)[0] == 0
    at_rest(journal)
    before = snapshot(config.parent)
    argv = ["--readonly", "incident", *command] if where == "before" else ["incident", *command, "--readonly"]
    code, out, err = run(config, *argv, capsys=capsys)
    assert (code, out) == (2, "")
    assert err == f"tessa-tui: error: journal {journal} is read-only: --readonly was given; nothing recorded\n"
    assert snapshot(config.parent) == before
    assert run(config, "--readonly", "incident", "list", capsys=capsys)[0] == 0  # reading is fine


# A journal the user cannot write: as `nobody`, a real unprivileged user (root is exempt from file modes).


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder `nobody` can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="tessa-ro-", dir="/var/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def as_nobody(*argv: str) -> subprocess.CompletedProcess[str]:
    """The CLI as user nobody when we are root (else as ourselves: the modes already bind us)."""
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    env = {"PATH": os.environ["PATH"], "HOME": "/nonexistent", "TZ": "UTC", "XDG_STATE_HOME": "/nonexistent"}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "tessa_tui", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0, reason="needs setpriv to drop root")
@pytest.mark.parametrize("layout", ["file and folder read-only", "file read-only, wal beside it"])
def test_a_journal_the_user_cannot_write_reads_and_refuses_writes(shared_folder: Path, layout: str) -> None:
    journal = shared_folder / "journal.sqlite3"
    book = IncidentBook(Journal(journal, actor="alice"), load_pack([pack_dir()]), TessaConfig().severities)
    incident = book.record(book.declare("SEV1", "Frontend down")).incident
    book.record(book.note(incident, "first"))
    if layout == "file and folder read-only":
        book.journal.close()  # checkpointed: no -wal or -shm, and none can be created
    journal.chmod(0o444)
    shared_folder.chmod(0o555 if layout == "file and folder read-only" else 0o777)
    config = shared_folder / "tessa.yaml"
    shared_folder.chmod(0o777)
    config.write_text(f"journal:\n  path: {journal}\n", encoding="utf-8")
    config.chmod(0o644)
    shared_folder.chmod(0o555 if layout == "file and folder read-only" else 0o777)
    before = snapshot(shared_folder)

    listed = as_nobody("--config", str(config), "incident", "list")
    assert (listed.returncode, listed.stderr) == (0, "") and "Frontend down" in listed.stdout
    shown = as_nobody("--config", str(config), "incident", "show", "1")
    assert shown.returncode == 0 and "note: first" in shown.stdout
    note = as_nobody("--config", str(config), "incident", "note", "1", "second")
    assert (note.returncode, note.stdout) == (2, "")
    assert note.stderr.startswith(f"tessa-tui: error: journal {journal} is read-only: ")
    assert note.stderr.endswith("; nothing recorded\n") and note.stderr.count("\n") == 1
    check = as_nobody("--config", str(config), "journal", "check")
    assert check.returncode == 0 and "2 events, all readable" in check.stdout
    if layout == "file and folder read-only":
        assert snapshot(shared_folder) == before  # not even SQLite's -wal / -shm
    shared_folder.chmod(0o755)
    assert [e.kind for e in Journal(journal, actor="check", readonly=True).events_since(0)] == ["declared", "note"]


# Clock skew: refused at the command; rows already skewed make the clocks suspect, never "met".


def test_acknowledging_before_detection_is_refused(make_book: Callable[..., IncidentBook], clock: ManualClock) -> None:
    book = make_book()
    incident = book.record(book.declare("SEV1", "down")).incident
    clock.now = START - timedelta(hours=2)  # this machine's clock is two hours behind the one that declared
    with pytest.raises(UserError, match=r"On-call acknowledged at 12:00:00 would be before detected .*check this"):
        book.acknowledge(incident)
    assert [e.kind for e in book.journal.events_since(0)] == ["declared"]


def test_an_acknowledgement_recorded_before_detection_is_suspect_never_met(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The row another machine with a bad clock wrote: 2 h before detection, "met, 2h to spare" before."""
    assert run(config, "incident", "declare", "SEV1", "down", capsys=capsys)[0] == 0
    journal = config.parent / "journal.sqlite3"
    declared_at = Journal(journal, actor="x").events_since(0)[0].at
    early = (declared_at - timedelta(hours=2)).isoformat()
    insert_row(journal, "acknowledged", early, "{}", event_id="skewed-ack")
    code, out, err = run(config, "incident", "show", "1", capsys=capsys)
    assert (code, err) == (0, "")
    assert "clock Response (SEV1): suspect: acknowledged before detection" in out
    assert "met" not in out.replace("milestones", "")
    code, markdown, _ = run(config, "incident", "export", "1", capsys=capsys)
    assert code == 0 and "- Response (SEV1): suspect: acknowledged before detection" in markdown
    assert "to spare" not in markdown


def test_a_note_quoting_a_secret_is_kept_masked_in_the_file(
    make_book: Callable[..., IncidentBook], tmp_path: Path
) -> None:
    """A responder pastes a command line with the token in it: the journal (WAL included) never holds it."""
    from tessa_tui.base import secret_registry

    token = "tk_live_9f8e7d6c5b4a"
    secret_registry.register(token)
    book = make_book()
    incident = book.record(book.declare("SEV2", "API down")).incident
    saved = book.record(book.note(incident, f"ran: curl -H 'Authorization: Bearer {token}' /v1/things"))
    assert token not in saved.data["text"] and "Bearer ****" in saved.data["text"]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("journal.sqlite3*"))
    assert token.encode() not in stored and b"Bearer ****" in stored


def test_an_actor_name_that_is_not_valid_utf8_is_recorded_visibly(make_book: Callable[..., IncidentBook]) -> None:
    """`$USER` decoded with surrogateescape (bytes that are not UTF-8) used to fail every write with a raw
    UnicodeEncodeError from SQLite: an internal error for a user's name."""
    book = make_book(actor="ops\udcff")
    event = book.record(book.declare("SEV3", "slow"))
    assert event.actor == "ops\\udcff"
    assert make_book().get(event.incident).title == "slow"
