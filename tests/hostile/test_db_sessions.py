"""The sessions' readings and the rates are total over whatever a server (or a hostile row) gives them: any
blocked_by text, waits in a cycle, counters that go back, odd clocks, any sort or filter name."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tessa_tui.database.rates import DatabaseRates
from tessa_tui.database.sessions import (
    SESSION_COLUMNS,
    blockers_of,
    blocking_tree,
    connections,
    long_queries,
    session_view,
    xmin_holder,
)
from tessa_tui.database.snapshot import Section, format_cell

TEXT = st.text(max_size=40)
NUMBER = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**63), 2**63))


@st.composite
def session_rows(draw: st.DrawFn) -> Section:
    pids = draw(st.lists(st.integers(1, 40), unique=True, max_size=25))
    rows = []
    for pid in pids:
        blocked_by = draw(
            st.one_of(
                TEXT,
                st.sampled_from(["²", "1,²", " 3 ,", "-1"]),
                st.lists(st.sampled_from([*pids, 99]), max_size=3).map(_join),
            )
        )
        rows.append(
            (
                pid,
                draw(TEXT),
                draw(TEXT),
                draw(TEXT),
                draw(TEXT),
                draw(st.sampled_from(["active", "idle", "idle in transaction", "", None])),
                draw(TEXT),
                draw(NUMBER),
                draw(NUMBER),
                draw(NUMBER),
                draw(st.one_of(st.none(), TEXT)),
                draw(st.one_of(st.none(), TEXT)),
                draw(st.one_of(st.none(), st.integers(0, 2**31))),
                blocked_by,
                draw(TEXT),
            )
        )
    return Section("sessions", "Sessions", SESSION_COLUMNS, tuple(rows))


def _join(pids: list[int]) -> str:
    return ",".join(map(str, pids))


@given(session_rows(), st.text(max_size=12), st.text(max_size=12), st.text(max_size=12))
def test_every_reading_of_any_sessions_is_total(sessions: Section, sort: str, duration: str, states: str) -> None:
    tree = blocking_tree(sessions)
    assert len({row[1] for row in tree.rows}) == len(tree.rows)  # nobody twice, even in a cycle
    waiting = {row[0] for row in sessions.rows if blockers_of(row[13])}
    assert waiting <= {row[1] for row in tree.rows} or len(tree.rows) == 100
    assert sum(n for _, n in connections(sessions).rows) == len(sessions.rows)
    long_queries(sessions, 1.0)
    view = session_view(sessions, sort=sort, duration=duration, states=states)
    assert len(view.rows) <= len(sessions.rows)
    xmin_holder(sessions)
    for row in view.rows:
        for column, value in zip(view.columns, row, strict=True):
            format_cell(value, column)


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                name: st.one_of(st.none(), st.integers(0, 2**62))
                for name in ("xact_commit", "xact_rollback", "blks_read", "blks_hit", "temp_files", "temp_bytes")
            }
            | {
                "deadlocks": st.integers(0, 10),
                "conflicts": st.integers(0, 10),
                "server_epoch": st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e12),
                "stats_reset": st.sampled_from([None, datetime(2026, 1, 1, tzinfo=UTC)]),
            }
        ),
        min_size=1,
        max_size=6,
    ),
    st.tuples(st.integers(0, 5), st.integers(0, 5)),
)
def test_rates_never_go_negative_or_non_finite(reads: list[dict[str, object]], own: tuple[int, int]) -> None:
    rates = DatabaseRates()
    for read in reads:
        section = rates.section(read, own, datetime(2026, 1, 1, tzinfo=UTC))
        for _, last_poll, _, count, _, _ in section.rows:
            assert last_poll is None or (math.isfinite(last_poll) and last_poll >= 0)
            assert count is None or count >= 0
