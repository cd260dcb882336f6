"""The incident journal shared through PostgreSQL (issue 20), machine to machine: the CLI pulls before and pushes
after every command, the database numbers incidents, `journal status` says where it stands; causal order with B's
clock 5 s behind; a role with INSERT and SELECT only is enough; a transaction-mode pooler is refused unreached.

"Machines" are folders of their own (config, journal file, state dir) whose commands run as processes of their
own, on a PostgreSQL the tests own, each test in a schema of its own."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from pathlib import Path

import asyncpg
import pytest

from tessa_tui.config.model import SharedJournal
from tessa_tui.incidents.shared.presence import Presence, parse
from tessa_tui.incidents.shared.remote import SharedConnection, SharedUnavailable
from tests.shared_journal_support import (
    HandClock,
    MachineFactory,
    book_view,
    fresh_schema,
    init_shared,
    owner_execute,
    shared_rows,
    with_user,
)


def test_an_event_on_a_is_in_bs_cli_and_the_database_numbers_declarations(
    pg_dsn: str, machines: MachineFactory
) -> None:
    a, b = machines("alice", pg_dsn), machines("bob", pg_dsn)
    init = a.cli("journal", "init-shared")
    assert init.returncode == 0, init.stderr
    assert "created" in init.stdout
    assert a.cli("journal", "init-shared").stdout.count("already there") == 1  # idempotent

    first = a.cli("incident", "declare", "SEV2", "chat down")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("INC-1: declared SEV2 'chat down'")
    second = b.cli("incident", "declare", "SEV3", "slow search")
    assert second.stdout.startswith("INC-2: declared SEV3 'slow search'"), second.stdout + second.stderr

    assert a.cli("incident", "note", "2", "cache hit rate fell at 14:02").returncode == 0
    assert a.cli("incident", "tick", "1", "1").returncode == 0
    shown = b.cli("incident", "show", "2")  # B has not synced since: its command pulls first
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"alice +note: cache hit rate fell at 14:02", shown.stdout), shown.stdout
    one = b.cli("incident", "show", "INC-1").stdout
    assert re.search(r" 1\. \[x\] .*alice\)", one), one
    assert "declared SEV2: chat down" in one

    listed = b.cli("incident", "list").stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["INC-2", "INC-1"]
    assert b.cli("incident", "tick", "INC-1", "2").returncode == 0
    assert re.search(r" 2\. \[x\] .*bob\)", a.cli("incident", "show", "1").stdout)

    status = b.cli("journal", "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.splitlines()[0] == "shared: live"
    assert "0 waiting to be shared" in status.stdout
    numbered = [r for r in shared_rows(pg_dsn, _schema(a.config)) if r["kind"] == "numbered"]
    assert sorted(r["data"] for r in numbered) == ['{"number": 1}', '{"number": 2}']


def _schema(config: Path) -> str:
    match = re.search(r"schema: (\w+)", config.read_text())
    assert match
    return match[1]


def test_journal_status_says_live_waiting_offline_or_local_only_with_exit_codes(
    pg_dsn: str, machines: MachineFactory
) -> None:
    alone = machines("carol", None)
    local = alone.cli("journal", "status")
    assert (local.returncode, local.stdout.split(":")[0]) == (0, "local only")

    with socket.socket() as probe:  # a port nothing listens on: the shared journal is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = machines("dave", f"postgresql://tessa@127.0.0.1:{port}/tessa")
    declared = down.cli("incident", "declare", "SEV3", "offline")
    assert declared.returncode == 0  # saved here: the [x] rule holds while the database is down
    assert re.match(r"INC-[A-Z][A-Z0-9]{5}: declared", declared.stdout)
    assert "is provisional" in declared.stdout
    assert "1 event waiting to be shared" in declared.stderr
    assert down.cli("incident", "note", "active", "still down").returncode == 0
    offline = down.cli("journal", "status")
    assert offline.returncode == 1
    assert re.match(r"shared: 2 events waiting \(offline", offline.stdout), offline.stdout
    assert "why: " in offline.stdout and "2 waiting to be shared" in offline.stdout
    assert down.cli("journal", "sync").returncode == 1

    unready = machines("erin", pg_dsn, schema=fresh_schema())  # no init-shared there
    refused = unready.cli("journal", "status")
    assert refused.returncode == 1
    assert refused.stdout.startswith("shared: refused") and "init-shared" in refused.stdout


def test_a_clock_5s_behind_keeps_causal_order_and_concurrent_changes_resolve_alike(
    pg_dsn: str, machines: MachineFactory
) -> None:
    a, b = machines("alice", pg_dsn), machines("bob", pg_dsn)
    init_shared(a)
    clock = HandClock()  # A's; B's reads 5 s less
    book_a, book_b = a.book(clock), b.book(clock.behind(5))

    declared = book_a.record(book_a.declare("SEV2", "chat down"))
    assert a.sync(book_a).mode == "live"
    incident = book_a.canonical(declared.incident)
    assert incident == "INC-1"
    clock.advance()
    tick = book_a.record(book_a.tick(incident, "1"))
    clock.advance()
    severity_a = book_a.record(book_a.change_severity(incident, "SEV1"))
    a.sync(book_a)

    clock.advance()
    b.sync(book_b)  # B sees A's tick and severity change, then answers them with a clock 5 s behind
    untick = book_b.record(book_b.tick(incident, "1", done=False))
    severity_b = book_b.record(book_b.change_severity(incident, "SEV3"))
    assert untick.hlc > tick.hlc and severity_b.hlc > severity_a.hlc
    assert untick.at >= tick.at and severity_b.at >= severity_a.at  # causal time, not B's clock
    b.sync(book_b)
    a.sync(book_a)

    for book in (book_a, book_b):
        folded = book.get(incident)
        order = [e.id for e in folded.events]
        assert order.index(untick.id) > order.index(tick.id)
        assert order.index(severity_b.id) > order.index(severity_a.id)
        assert folded.severity == "SEV3"  # the later change, though B's clock said it was earlier
        assert folded.ticks == {}  # B's untick of A's tick folds after it
    assert book_view(book_a) == book_view(book_b)

    # Concurrent, unseen by each other: B ticks a step, both see it; then A unticks and ticks it again while B
    # unticks it. The result follows the clocks (A's is 5 s ahead), the same on both, and the timeline names
    # who did each. So do two severity changes: the later by the clock wins.
    clock.advance(10)
    step = book_a.find_step(book_a.get(incident), "2")[1].id
    book_b.record(book_b.tick(incident, "2"))
    b.sync(book_b)
    a.sync(book_a)
    clock.advance()
    book_a.record(book_a.tick(incident, "2", done=False))
    again = book_a.record(book_a.tick(incident, "2"))
    sev_a = book_a.record(book_a.change_severity(incident, "SEV2"))
    clock.advance()
    withdrawn = book_b.record(book_b.tick(incident, "2", done=False))
    sev_b = book_b.record(book_b.change_severity(incident, "SEV1"))
    assert withdrawn.hlc < again.hlc and sev_b.hlc < sev_a.hlc  # B's clock reads 4 s earlier
    for _ in range(2):
        a.sync(book_a)
        b.sync(book_b)
    for book in (book_a, book_b):
        folded = book.get(incident)
        ticked = [tick for (_, ticked_step), tick in folded.ticks.items() if ticked_step == step]
        assert [t.actor for t in ticked] == ["alice"]
        assert folded.severity == "SEV2"
        who = [(e.actor, e.kind) for e in folded.events if e.data.get("step") == step]
        assert who[-4:] == [
            ("bob", "step_ticked"),
            ("bob", "step_unticked"),
            ("alice", "step_unticked"),
            ("alice", "step_ticked"),
        ]
    assert book_view(book_a) == book_view(book_b)
    timeline = b.cli("incident", "show", incident).stdout
    assert re.search(r"bob +unticked ", timeline) and re.search(r"alice +✔ ", timeline)
    for book in (book_a, book_b):
        book.journal.close()


def test_a_role_with_the_printed_grants_syncs_and_cannot_rewrite_history(pg_dsn: str, machines: MachineFactory) -> None:
    role = f"console_{uuid.uuid4().hex[:10]}"
    owner = machines("owner", pg_dsn)
    init = owner.cli("journal", "init-shared", "--role", role)
    assert init.returncode == 0, init.stderr
    grants = init.stdout.split("privileges:\n", 1)[1].replace("PASSWORD '...'", "PASSWORD 'console-pw'")
    assert set(re.findall(r"GRANT (.+?) ON", grants)) == {"USAGE", "SELECT, INSERT", "SELECT"}
    statements = "\n".join(line.split("--")[0] for line in grants.splitlines())
    assert not re.search(r"UPDATE|DELETE|TRUNCATE", statements)
    owner_execute(pg_dsn, grants)
    schema = _schema(owner.config)
    try:
        console_dsn = with_user(pg_dsn, role)
        a = machines("alice", console_dsn, schema=schema)
        b = machines("bob", console_dsn, schema=schema)
        assert a.cli("incident", "declare", "SEV2", "through the console role").stdout.startswith("INC-1: declared")
        assert b.cli("incident", "declare", "SEV3", "second").stdout.startswith("INC-2: declared")
        assert a.cli("incident", "note", "2", "least privilege").returncode == 0
        assert "least privilege" in b.cli("incident", "show", "2").stdout
        assert b.cli("journal", "status").stdout.startswith("shared: live")
        config = SharedJournal(dsn=console_dsn, schema=schema)
        assert asyncio.run(_presence_through(config)) == ("alice", "bob")
        rewrites = [f"UPDATE {schema}.events SET actor = 'mallory'", f"DELETE FROM {schema}.events"]  # noqa: S608
        for sql in rewrites:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                owner_execute(console_dsn, sql)
        for sql in [*rewrites, f"TRUNCATE {schema}.events"]:
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                owner_execute(pg_dsn, sql)  # even the owner: the trigger refuses
        assert {r["actor"] for r in shared_rows(pg_dsn, schema)} == {"alice", "bob", "tessa-tui"}
    finally:
        owner_execute(pg_dsn, f"DROP OWNED BY {role}; DROP ROLE {role}")


async def _presence_through(config: SharedJournal) -> tuple[str, str]:
    """Bob's console hears Alice's announcement, both through the console role: (who spoke, who heard)."""
    hearer, speaker = SharedConnection(config), SharedConnection(config)
    heard: asyncio.Queue[str] = asyncio.Queue()
    await hearer.connect()
    await speaker.connect()
    try:
        await hearer.listen(lambda: None, heard.put_nowait)
        await speaker.announce(Presence("n1", "alice", "laptop").payload(hello=True))
        async with asyncio.timeout(10):
            got = parse(await heard.get())
        assert got is not None and got.hello
        return got.presence.actor, "bob"
    finally:
        await hearer.close()
        await speaker.close()


POOLERS = {
    "supabase transaction pooler": (
        "postgresql://postgres.abcdefgh:S3cret-p00ler@aws-0-eu-central-1.pooler.supabase.com:6543/postgres",
        "6543",
    ),
    "pgbouncer=true": ("postgresql://app:S3cret-p00ler@127.0.0.1:{port}/app?pgbouncer=true", "pgbouncer=true"),
}


@pytest.mark.parametrize("name", list(POOLERS))
def test_a_transaction_mode_pooler_is_refused_unreached_with_its_reason(
    name: str, machines: MachineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as listener:  # where the pgbouncer DSN points: it must never be connected to
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.2)
        dsn, reason = POOLERS[name]
        dsn = dsn.format(port=listener.getsockname()[1])
        m = machines("alice", dsn)
        runs = {args: m.cli(*args) for args in [("journal", "init-shared"), ("journal", "status"), ("journal", "sync")]}
        runs[("incident", "declare")] = m.cli("incident", "declare", "SEV3", "behind a pooler")
        with pytest.raises(TimeoutError):
            listener.accept()
    init = runs[("journal", "init-shared")]
    assert init.returncode == 2
    assert re.search(rf"refused: .*{re.escape(reason)}.*LISTEN needs a session-mode connection", init.stderr)
    status = runs[("journal", "status")]
    assert status.returncode == 1 and status.stdout.startswith("shared: refused") and reason in status.stdout
    assert runs[("journal", "sync")].returncode == 1
    declare = runs[("incident", "declare")]
    assert declare.returncode == 0 and "refused" in declare.stderr  # saved here, and said why it is not shared
    for run in runs.values():
        assert "S3cret-p00ler" not in run.stdout + run.stderr
        assert "Traceback" not in run.stderr
    assert "S3cret-p00ler" not in "".join(p.read_text() for p in m.folder.rglob("*.log"))

    # In process, the connection refuses before any attempt: nothing to connect to was even looked up.
    attempts: list[str] = []
    original = asyncpg.connect

    def spy(*args: object, **kwargs: object) -> object:
        attempts.append("connect")
        return original(*args, **kwargs)

    monkeypatch.setattr(asyncpg, "connect", spy)
    with pytest.raises(SharedUnavailable) as refused:
        asyncio.run(SharedConnection(SharedJournal(dsn=dsn)).connect())
    assert attempts == [] and refused.value.permanent
    assert reason in refused.value.reason and "S3cret" not in refused.value.reason
