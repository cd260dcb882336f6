"""The live ring's merge by time: batches from several sources, each in time order, interleave by time; a full
ring keeps its bound; a record without a time stays where it arrived."""

from __future__ import annotations

from collections import deque

from hypothesis import given
from hypothesis import strategies as st

from screens.widgets.log_view import _merge_into
from tessa_tui.logs.parse import WHEN, Row


def row(when: float | None, name: str = "") -> Row:
    return ("info", "", name, "", when, "src")


@given(st.lists(st.lists(st.integers(min_value=0, max_value=10_000), max_size=30), max_size=8), st.integers(1, 60))
def test_batches_interleave_by_time_within_the_bound(batches: list[list[int]], bound: int) -> None:
    ring: deque[Row] = deque(maxlen=bound)
    everything: list[int] = []
    for batch in batches:
        _merge_into(ring, [row(float(t)) for t in sorted(batch)])
        everything += batch
    times = [r[WHEN] for r in ring]
    assert times == sorted(times) and len(ring) == min(bound, len(everything))  # type: ignore[type-var]


def test_a_record_without_a_time_stays_where_it_arrived() -> None:
    ring: deque[Row] = deque([row(1.0, "a"), row(3.0, "b")], maxlen=10)
    _merge_into(ring, [row(None, "no time"), row(2.0, "c")])
    assert [r[2] for r in ring] == ["a", "b", "no time", "c"]  # nothing goes above a record of unknown time
    _merge_into(ring, [row(1.5, "d")])
    assert [r[2] for r in ring] == ["a", "b", "no time", "d", "c"]
