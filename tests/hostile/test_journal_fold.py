"""The journal fold is total: whatever rows a journal holds, reading and folding never raise.

Rows of every kind carry generated data of every JSON shape (objects with the kind's own field names holding
wrong types, plausible values and junk), text that is not JSON (NaN, 1e400, 5,000-digit integers, 100,000
levels of nesting), invalid UTF-8, blobs and times that are not times. Each row is either folded or reported
by id (never both, never neither), the well-formed rows of the incident are all folded, and what consumes the
fold (timeline lines, SLA clocks, the post-mortem and its JSON) works on the result.
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbooks import pack_dir
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.incident import MILESTONES, SHAPES, describe_event, fold_checked, fold_more
from tessa_tui.incidents.journal import Event, Journal, Unreadable, _event
from tessa_tui.incidents.postmortem import postmortem, to_markdown
from tessa_tui.incidents.sla import incident_clocks
from tessa_tui.runbook.load import load_pack
from tests.conftest import EXPENSIVE_EXAMPLES

PACK = load_pack([pack_dir()])
SEVERITIES = TessaConfig().severities
START = datetime(2026, 1, 21, 14, 0, tzinfo=UTC)
KINDS = [*SHAPES, "integration_call", "review_finished", ""]

# Known-good rows: INC-1 declared, then worked. They must all fold whatever is mixed in.
GOOD: list[tuple[str, str, dict[str, Any]]] = [
    ("declared", "INC-1", {"severity": "SEV1", "title": "down", "runbooks": ["sev1-service-down"], "services": []}),
    ("step_ticked", "INC-1", {"runbook": "sev1-service-down", "step": "ack-pagerduty", "text": "Acknowledge"}),
    ("note", "INC-1", {"text": "looking", "section": "note"}),
    ("milestone_set", "INC-1", {"milestone": "root_cause", "at": "2026-01-21T14:04:00+00:00"}),
    ("acknowledged", "INC-1", {}),
]

STEP: dict[str, object] = {"runbook": "sev1-service-down", "step": "post-incidents-channel", "text": "Post"}
# One well-formed event per kind: generated data starts here and breaks one field at a time.
VALID: dict[str, dict[str, object]] = {
    "declared": {"severity": "SEV2", "title": "again", "runbooks": [], "services": ["api"]},
    "acknowledged": {},
    "severity_changed": {"severity": "SEV2", "previous": "SEV1", "procedure": None, "replaces": None},
    "runbook_attached": {"runbook": "service-unavailable", "title": "Service unavailable"},
    "step_ticked": STEP,
    "step_unticked": STEP,
    "action_output": {**STEP, "ok": True, "action": "slack", "status": "posted", "ticks": True, "why": "ok"},
    "note": {"text": "x", "section": "root_cause"},
    "role_assigned": {"role": "scribe", "person": "bob"},
    "milestone_set": {"milestone": "verified_resolved", "at": "2026-01-21T15:00:00+00:00"},
    "retitled": {"title": "renamed"},
    "log_pinned": {"title": "log", "excerpt": "line"},
    "db_action": {"action": "cancel", "pid": 42, "result": "ok", "reason": "stuck", "query": "select 1"},
    "resolved": {"summary": "fixed"},
    "reopened": {},
    "handoff": {"role": "commander", "person": "bob", "previous": "alice"},
    "stakeholder_update": {"text": "posted by hand"},
    "verify_check": {"service": "api", "state": "up"},
    "verified": {"how": "checks", "services": ["api"]},
}
assert set(VALID) == set(SHAPES)

NASTY_TEXT = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "9" * 5000,
    "[" * 100_000 + "]" * 100_000,
    '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"text": "x", "n": NaN}',
    '{"text": "x", "n": 1e400}',
    '{"text": "x", "n": ' + "9" * 5000 + "}",
    '{"text": "\\ud800"}',  # a lone surrogate, escaped
    "\u2028\u2029\u200b\U000e0041",
    "-rf",
    "",
    "{}",
    "null",
]
BAD_TIMES = [
    "yesterday",
    "",
    "2026-01-21T14:00:00",  # no zone
    "0001-01-01T00:00:00+05:00",  # before the epoch, and past datetime.min in UTC
    "9999-12-31T23:00:00-05:00",  # past datetime.max in UTC
    "9999-12-31T23:59:59+00:00",
    "1969-12-31T23:59:59+00:00",
    "2026-13-45T99:99:99+00:00",
    "NaN",
    "2026-01-21T14:00:00+00:00\x00",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
plausible: st.SearchStrategy[object] = st.sampled_from(
    [
        "2026-01-21T14:05:00+00:00",
        "2026-01-21T13:00:00Z",
        *BAD_TIMES,
        *MILESTONES,
        "sev1-service-down",
        "ack-pagerduty",
        "SEV1",
        "SEV9",
        "slack",
        True,
        False,
        None,
        0,
        -1,
        10**400,
        [],
        {},
        ["sev1-service-down"],
        [None],
    ]
)


@st.composite
def data_text(draw: st.DrawFn, kind: str) -> object:
    """A row's data column: mostly JSON objects with the kind's fields, sometimes anything at all."""
    choice = draw(st.integers(0, 9))
    if choice <= 5:  # a well-formed event of its kind with one of its fields broken, then maybe more changes
        obj: dict[str, object] = dict(VALID.get(kind, {})) if choice <= 4 else {}
        shape = list(SHAPES.get(kind, {})) or ["title"]
        obj[draw(st.sampled_from(shape))] = draw(plausible | json_values)
        for key in draw(st.lists(st.sampled_from([*shape, "ok", "link"]) | st.text(max_size=6), max_size=2)):
            if draw(st.booleans()) and key in obj:
                del obj[key]
            else:
                obj[key] = draw(plausible | json_values)
        return json.dumps(obj, allow_nan=True)  # NaN / Infinity are not JSON: exactly the point
    if choice == 6:
        return json.dumps(draw(json_values))
    if choice == 7:
        return draw(st.sampled_from(NASTY_TEXT))
    if choice == 8:
        return draw(st.binary(max_size=40))  # invalid UTF-8 as the text factory hands it over, or a blob
    return draw(st.text(max_size=40) | st.none() | st.integers() | st.floats())


good_at = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(8999, 1, 1), timezones=st.just(UTC))
bad_at = st.sampled_from(BAD_TIMES) | st.text(max_size=30) | st.binary(max_size=10) | st.floats() | st.integers()


def often(draw: st.DrawFn, usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], share: int = 7) -> Any:
    """`usual` share/10 of the time: a row must get past one check to reach the next."""
    return draw(usual if draw(st.integers(0, 9)) < share else rare)


@st.composite
def hostile_rows(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """Rows as SQLite hands them back (after seq 1, the good declaration): (id, incident, at, actor, kind, data)."""
    rows = []
    kinds = [k for k in KINDS if draw(st.integers(0, 2)) == 0]  # each kind as likely as the next, a third each
    for n, known in enumerate(kinds):
        kind = often(draw, st.just(known), st.text(max_size=10), 9)
        rows.append(
            (
                f"bad-{n}",
                often(draw, st.just("INC-1"), st.sampled_from(["INC-2", "REV-1"]), 9),
                often(draw, good_at.map(lambda d: d.isoformat()), bad_at | st.none(), 8),
                draw(st.text(max_size=10) | st.binary(max_size=5)),
                kind,
                draw(data_text(kind)),
            )
        )
    return rows


INSERT = "INSERT INTO events (id, incident, at, actor, kind, data) VALUES (?, ?, ?, ?, ?, ?)"
INSERT_TEXT = INSERT.replace("?)", "CAST(? AS TEXT))")


def _storable(value: object) -> object:
    """NOT NULL holds and SQLite integers are 64-bit: NULL, NaN and huge integers go in as text."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):  # SQLite stores NaN as NULL
        return "NaN"
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return str(value)
    return value


def good_rows() -> list[tuple[Any, ...]]:
    return [
        (f"good-{n}", incident, (START + timedelta(minutes=n)).isoformat(), "alice", kind, json.dumps(data))
        for n, (kind, incident, data) in enumerate(GOOD)
    ]


def interleave(good: list[tuple[Any, ...]], bad: list[tuple[Any, ...]], places: list[int]) -> list[tuple[Any, ...]]:
    """The good rows in order with the hostile ones slotted in after the declaration, seq numbers from 1."""
    rows = list(good)
    for row, place in zip(bad, places, strict=False):
        rows.insert(1 + place % len(rows), row)
    return [(seq, *row) for seq, row in enumerate(rows, start=1)]


def check_consumers(events: list[Event], incident_events: list[Event], skipped: list[Unreadable]) -> None:
    """What reads the fold: timeline lines, SLA clocks, the post-mortem as Markdown and as strict JSON."""
    incident, _ = fold_checked(incident_events)
    assert incident is not None
    for event in incident.events:
        assert isinstance(describe_event(event), str)
    for now in (START, START + timedelta(hours=2), START - timedelta(days=1)):
        for clock in incident_clocks(incident, PACK, SEVERITIES):
            assert isinstance(clock.text(now), str) and clock.level(now) in ("ok", "warn", "danger", "breach")
        report = postmortem(incident, PACK, SEVERITIES, now)
        assert isinstance(to_markdown(report), str)
        json.dumps(report, allow_nan=False)  # the export is valid JSON: no NaN, no Infinity


# Schema 2's columns as another tool or a damaged copy may hold them: a stamp and an origin of any shape.
STAMPS = st.tuples(
    st.sampled_from([None, "", "garbage", b"\xff", 12.5, "9" * 15 + ".000000.z", "0" * 15 + ".000001.node", "x" * 65]),
    st.sampled_from([None, "", "node", b"\xfe", 7, "\x1b[2J"]),
)


@given(
    bad=hostile_rows(),
    places=st.lists(st.integers(0, 100), min_size=8, max_size=8),
    stamps=st.lists(STAMPS, min_size=1, max_size=4),
)
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_reading_and_folding_never_raise_and_every_row_is_folded_or_reported(
    bad: list[tuple[Any, ...]], places: list[int], stamps: list[tuple[Any, Any]]
) -> None:
    rows = interleave(good_rows(), bad, places)
    read = [_event((*row, *stamps[n % len(stamps)])) for n, row in enumerate(rows)]
    events = [r for r in read if isinstance(r, Event)]
    unreadable = [r for r in read if isinstance(r, Unreadable)]
    assert [r.seq for r in read] == [row[0] for row in rows]
    inc1 = [e for e in events if e.incident == "INC-1"]
    incident, skipped = fold_checked(inc1)
    assert incident is not None, skipped
    folded = {e.id for e in incident.events}
    reported = {u.id for u in skipped} | {u.id for u in unreadable if u.incident == "INC-1"}
    assert {f"good-{n}" for n in range(len(GOOD))} <= folded  # the good rows all fold
    assert not folded & reported
    assert folded | reported == {r[1] for r in rows if r[2] == "INC-1"}  # every INC-1 row: folded or reported
    for u in [*skipped, *unreadable]:
        assert u.reason and "\n" not in u.reason and u.id.startswith(("bad-", "good-"))
    for other in ("INC-2", "REV-1"):  # no declaration of their own: not incidents, and no exception either
        fold_checked([e for e in events if e.incident == other])
    check_consumers(events, inc1, skipped)


@given(bad=hostile_rows(), places=st.lists(st.integers(0, 100), min_size=8, max_size=8))
@settings(
    max_examples=EXPENSIVE_EXAMPLES,  # each example writes a real SQLite file with fsync: fewer than a parser gets
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
def test_a_real_journal_file_with_hostile_rows_still_opens_and_folds(
    tmp_path_factory: Any, bad: list[tuple[Any, ...]], places: list[int]
) -> None:
    path = Path(tmp_path_factory.mktemp("hostile")) / "journal.sqlite3"
    Journal(path, actor="setup").close()
    rows = interleave(good_rows(), bad, places)
    with sqlite3.connect(path) as raw:
        for _, *values in rows:
            values = [_storable(v) for v in values]
            as_text = isinstance(values[5], bytes) and len(values[5]) % 2  # invalid UTF-8 text, else a blob
            raw.execute(INSERT_TEXT if as_text else INSERT, tuple(values))
    raw.close()
    book = IncidentBook(Journal(path, actor="reader", readonly=True), PACK, SEVERITIES)
    book.sync()
    incident = book.get("INC-1")
    assert {f"good-{n}" for n in range(len(GOOD))} <= {e.id for e in incident.events}
    reported = {u.id for u in book.unreadable()}
    assert not reported & {e.id for e in incident.events}
    notice = book.unreadable_notice()
    assert (notice is None) == (not reported)
    if notice:
        assert "\n" not in notice and notice.endswith("see `tessa-tui journal check`")


@given(
    bad=hostile_rows(),
    places=st.lists(st.integers(0, 100), min_size=8, max_size=8),
    cuts=st.lists(st.integers(1, 40), min_size=1, max_size=4),
)
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_folding_in_steps_is_folding_at_once(bad: list[tuple[Any, ...]], places: list[int], cuts: list[int]) -> None:
    """The book applies events that sort after an incident's (`fold_more`) instead of refolding it: whatever the
    events and wherever the steps fall, the incident is the one a fold of them all gives."""
    rows = interleave(good_rows(), bad, places)
    read = (_event((*row, None, None)) for row in rows)
    # In the book's order (by clock; these are unstamped: by time, then as committed), as the book folds them.
    events = sorted((r for r in read if isinstance(r, Event) and r.incident == "INC-1"), key=Event.order)
    whole, skipped = fold_checked(events)
    assert whole is not None
    first = next(n for n, e in enumerate(events) if e.id == "good-0") + 1
    incident, _ = fold_checked(events[:first])
    assert incident is not None
    at = first
    for cut in [*cuts, len(events)]:
        incident = fold_more(incident, events[at : at + cut])
        at += cut
    for name in ("status", "severity", "title", "ticks", "notes", "roles", "milestones", "severity_history"):
        assert getattr(incident, name) == getattr(whole, name), name
    assert [e.id for e in incident.events] == [e.id for e in whole.events]
    assert {u.id for u in incident.unreadable} == {u.id for u in skipped}
