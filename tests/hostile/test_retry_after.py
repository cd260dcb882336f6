"""Retry-After as platforms may send it: delta-seconds of any size, signs, fractions, HTTP dates of any year and
offset, Unicode digits and garbage. `retry_after` is total: seconds (never negative) or None, never an exception
(a superscript `²` passed `str.isdigit` and then failed `float`, which turned a rate-limited promote into an
internal error)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from tessa_tui.base.retry_after import retry_after
from tests.hostile.strategies_json import TEXT

HTTP_DATES = st.builds(
    lambda when, zone: when.strftime("%a, %d %b ") + f"{when.year:04d}" + when.strftime(" %H:%M:%S ") + zone,
    st.datetimes(),
    st.sampled_from(["GMT", "+0000", "-2359", "+2359", "UT", "EST", "XYZ", ""]),
)
DIGITS = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=8)


@given(st.one_of(TEXT, HTTP_DATES, DIGITS, st.integers().map(str), st.floats().map(str)))
@example("²")
@example("9" * 5000)
@example("Mon, 01 Jan 0001 00:00:00 +2359")
@example("Fri, 31 Dec 9999 23:59:59 -2359")
def test_any_retry_after_is_seconds_or_none(value: str) -> None:
    wait = retry_after(value, datetime(2026, 1, 21, 14, 0, tzinfo=UTC))
    assert wait is None or wait >= 0
