"""The shared journal's rows and presence announcements are other machines' text (issue 20): rows another tool
INSERTed straight into the shared table (as its owner, within the table's CHECK) never crash a pull or the fold,
are reported, and never stop the good rows; presence payloads never raise and come out sanitised and capped."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tessa_tui.base.sanitize import sanitize
from tessa_tui.incidents.shared.presence import MAX_PAYLOAD, Presence, parse
from tessa_tui.incidents.shared.schema import MAX_DATA
from tests.hostile.strategies_json import HOSTILE_CHARS
from tests.shared_journal_support import (
    HandClock,
    MachineFactory,
    book_view,
    init_shared,
    local_ids,
    owner_execute,
)

ESCAPES = "\x1b[31mmallory\x1b]0;pwned\x07\x9b2J\u202e"
NOTE = {"text": "fine", "section": "note"}


def _row(
    n: int, incident: str, kind: str, data: Any, *, hlc: str = "", at: str = "", actor: str = "tool"
) -> tuple[str, ...]:
    text = data if isinstance(data, str) else json.dumps(data)
    later = datetime.now(UTC) + timedelta(minutes=1)  # after the test's declarations: the tool's rows fold after
    stamp = hlc or f"{int(later.timestamp() * 1000) + n:015d}.000000.tool"
    return (f"hostile-{n}", incident, at or later.isoformat(), actor, kind, text, stamp, "tool")


def test_rows_another_tool_wrote_never_stop_a_pull_the_fold_or_the_good_rows(
    pg_dsn: str, machines: MachineFactory
) -> None:
    a, b = machines("alice", pg_dsn), machines("bob", pg_dsn)
    schema = re.findall(r"schema: (\w+)", a.config.read_text())[0]
    init_shared(a)
    clock = HandClock()
    book_a = a.book(clock)
    book_a.record(book_a.declare("SEV2", "chat down"))
    a.sync(book_a)
    offline = book_a.record(book_a.declare("SEV3", "declared before the tool's rows"))  # not pushed yet
    provisional = offline.incident
    huge = "x" * (MAX_DATA - 100)
    hostile = [
        _row(1, "INC-1", "note", {"text": "garbage stamp", "section": "note"}, hlc="not-a-stamp"),
        _row(2, "INC-1", "note", "{not json"),
        _row(3, "INC-1", "note", {"text": huge, "section": "note"}),
        _row(4, "INC-1", "note", {"text": ESCAPES, "section": "note"}, actor=ESCAPES),
        _row(5, "INC-1\x1b[2J\x07", "note", NOTE),
        _row(6, provisional, "numbered", {"number": "7"}),
        _row(7, provisional, "numbered", {"number": -3}),
        _row(8, provisional, "numbered", {"number": 1.5}),
        _row(9, provisional, "numbered", {"number": 10**12}),
        _row(10, provisional, "numbered", [1]),
        _row(11, "INC-1", "declared", {"severity": "SEV4", "title": "hijacked"}, hlc=f"{0:015d}.000000.tool"),
        _row(12, "INC-1", "declared", {"severity": "SEV1", "title": "second declaration"}),
        _row(13, "INC-1", "note", NOTE, at="yesterday"),
        _row(14, "INC-1", "step_ticked", {"runbook": ["not", "text"], "step": 3}),
        _row(15, "INC-1", "note", '{"text": 1e999}'),
        _row(16, "INC-1", "note", "[" * 100_000 + "]" * 100_000),
    ]
    owner_execute(
        pg_dsn,
        f"INSERT INTO {schema}.events (id, incident, at, actor, kind, data, hlc, origin) "  # noqa: S608 - a test's
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
        "$8::text[])",
        *[list(column) for column in zip(*hostile, strict=True)],
    )
    book_a.record(book_a.note("INC-1", "a good row after the tool's"))
    assert a.sync(book_a).mode == "live"
    book_b = b.book(HandClock())
    assert b.sync(book_b).mode == "live"
    assert a.sync(book_a).mode == "live"

    for book in (book_a, book_b):
        assert set(local_ids(book)) >= {f"hostile-{n}" for n in range(1, 17)} | {offline.id}
        incident = book.get("INC-1")
        assert (incident.title, incident.severity, incident.declared_by) == ("chat down", "SEV2", "alice")
        assert [n.text for n in incident.notes if n.actor == "alice"] == ["a good row after the tool's"]
        assert {"garbage stamp", huge, ESCAPES} <= {n.text for n in incident.notes}  # sanitised when shown
        # The tool's fake numberings of a provisional id did not take its number: the database gave it INC-2.
        assert book.get(provisional).id == "INC-2" and book.canonical(provisional) == "INC-2"
        reported = {u.id for u in book.unreadable()}
        assert {"hostile-2", "hostile-11", "hostile-12", "hostile-13", "hostile-14"} <= reported
        assert {"hostile-15", "hostile-16"} <= reported
    assert book_view(book_a) == book_view(book_b)
    numbered = [
        json.loads(r[0])["number"] for r in book_b.journal.rows("SELECT data FROM events WHERE id LIKE 'numbered-%'")
    ]
    assert sorted(numbered) == [1, 2]

    shown = b.cli("incident", "show", "INC-1")
    assert shown.returncode == 0 and "a good row after the tool's" in shown.stdout
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", shown.stdout)  # no escape reaches the terminal
    assert "could not be read" in shown.stderr and "journal check" in shown.stderr
    check = b.cli("journal", "check")
    assert check.returncode == 1
    for n in (2, 13, 15, 16):
        assert f"id hostile-{n} " in check.stdout
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", check.stdout)
    listed = b.cli("incident", "list")
    assert listed.returncode == 0 and {"INC-1", "INC-2"} <= set(re.findall(r"^(INC-\S+)", listed.stdout, re.M))
    for book in (book_a, book_b):
        book.journal.close()


PRESENCE_FIELDS = ("node", "actor", "host", "incident")
hostile_text = st.one_of(
    st.text(max_size=100),
    st.lists(st.one_of(HOSTILE_CHARS, st.characters()), max_size=120).map("".join),
    st.text(max_size=5000),
)
values = st.one_of(
    hostile_text,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
announcements = st.fixed_dictionaries(
    {},
    optional={
        "v": st.one_of(st.just(1), values),
        **{name: values for name in PRESENCE_FIELDS},
        **{flag: st.one_of(st.booleans(), values) for flag in ("readonly", "hello", "bye")},
    },
)


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, allow_nan=True)


@given(
    st.one_of(
        announcements.map(_json),
        announcements.map(lambda body: _json({**body, "v": 1})),
        hostile_text,
        st.just("[" * 50_000),
        st.just('{"v": 1, "node": "' + "n" * MAX_PAYLOAD + '"}'),
        st.binary(max_size=50),
        st.integers(),
        st.none(),
    )
)
def test_a_presence_payload_never_raises_and_comes_out_sanitised_and_capped(payload: object) -> None:
    heard = parse(payload)
    if heard is None:
        return
    presence = heard.presence
    for name in PRESENCE_FIELDS:
        value = getattr(presence, name)
        assert isinstance(value, str)
        assert sanitize(value) == value  # nothing invisible, nothing a terminal would execute
        assert len(value) <= 80 * 10  # 80 characters, each shown as at most a 10-character escape
    assert presence.node and presence.actor and presence.host
    assert all(isinstance(flag, bool) for flag in (presence.readonly, heard.hello, heard.bye))


@given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=80), st.booleans())
def test_an_announcement_round_trips_with_its_text_shown_safely(actor: str, host: str, readonly: bool) -> None:
    mine = Presence("node1", actor, host, readonly, "INC-1")
    heard = parse(mine.payload(hello=True))
    assert heard is not None and heard.hello and not heard.bye
    assert heard.presence == Presence("node1", sanitize(actor), sanitize(host), readonly, "INC-1")
