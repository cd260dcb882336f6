"""The remote log parsers under generated answers: Supabase rows and Loki entries with every field of any JSON type
(NaN and huge timestamps, booleans, deep nesting, control and format characters, markup, lone surrogates), whole
bodies of any bytes, Retry-After values of any text. Each is total: an event whose record is sanitised text with a
finite time, or nothing; a page, or a RemoteFault whose line is one sanitised line without the credential."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from tessa_tui.base.retry_after import retry_after
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.remote_logs import LokiLogs, SupabaseLogs
from tessa_tui.logs.loki_logs import LokiApi, entry_event
from tessa_tui.logs.remote_cursor import Event
from tessa_tui.logs.remote_http import MAX_RETRY_AFTER_S, RemoteFault, decode_json
from tessa_tui.logs.remote_poll import Page
from tessa_tui.logs.supabase_logs import SupabaseApi, metadata_level, row_event, timestamp_ns
from tests.hostile.strategies_json import BODIES, DEEP, JSON_VALUES, NUMBERS, SCALARS, SMALL_JSON, TEXT

TOKEN = "sbp_hostile_token_0123456789"
FIELD = st.one_of(SCALARS, SMALL_JSON)
STAMPS = st.one_of(
    NUMBERS,
    TEXT,
    st.sampled_from(["1796650000000000", "2026-12-07T10:00:00Z", "2026-12-07 10:00:00.123456", "NaN", "-1", "1e400"]),
    st.integers(10**14, 10**16),
    FIELD,
)
ROWS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"timestamp": STAMPS},
        optional={
            "id": st.one_of(TEXT, FIELD),
            "event_message": st.one_of(TEXT, FIELD, st.just("\x1b]52;c;cHduZWQ=\x07[bold red]markup[/]")),
            "metadata": st.one_of(
                FIELD,
                st.lists(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "level": st.one_of(TEXT, FIELD),
                            "parsed": st.lists(st.fixed_dictionaries({}, optional={"error_severity": FIELD})),
                            "response": st.lists(st.fixed_dictionaries({}, optional={"status_code": NUMBERS})),
                        },
                    ),
                    max_size=3,
                ),
            ),
        },
    ),
)
ENTRIES = st.one_of(
    JSON_VALUES,
    st.lists(st.one_of(TEXT, FIELD, st.sampled_from(["1796650000000000000", "99999999999999999999999"])), max_size=3),
)


def supabase() -> SupabaseApi:
    return SupabaseApi("platform", SupabaseLogs(project_ref="a" * 20, token=TOKEN, limit=10), frozenset())


def loki() -> LokiApi:
    return LokiApi("loki", LokiLogs(url="http://127.0.0.1:1", query='{a="b"}', token=TOKEN, limit=10), frozenset())


def assert_clean(event: Event | None) -> None:
    if event is None:
        return
    record = event.record
    assert record.when is not None and math.isfinite(record.when)
    assert event.at_ns > 0 and isinstance(event.key, str) and event.key
    for text in (record.full, record.summary, record.time_of_day):
        assert sanitize(text) == text  # nothing left for a terminal to execute
    assert "\n" not in record.summary


@given(ROWS)
def test_a_supabase_row_is_an_event_of_clean_text_or_nothing(row: object) -> None:
    assert_clean(row_event(row, "platform"))


@given(STAMPS)
def test_a_timestamp_is_nanoseconds_in_range_or_nothing(value: object) -> None:
    at = timestamp_ns(value)
    assert at is None or 10**17 <= at <= 7_258_118_400 * 10**9


@given(st.one_of(FIELD, JSON_VALUES, DEEP.map(decode_json).map(lambda pair: pair[0])))
def test_a_level_from_any_metadata(metadata: object) -> None:
    assert metadata_level(metadata) in {"trace", "debug", "info", "warn", "error", "fatal", "unknown"}


@given(ENTRIES, st.dictionaries(TEXT, FIELD, max_size=4))
def test_a_loki_entry_is_an_event_of_clean_text_or_nothing(value: object, labels: dict[str, object]) -> None:
    assert_clean(entry_event(value, labels, "sig", "loki"))


@given(BODIES)
def test_any_supabase_body_is_a_page_or_a_clean_fault(body: bytes) -> None:
    outcome = _read(supabase(), decode_json(body)[0])
    if isinstance(outcome, str):
        assert sanitize(outcome) == outcome and TOKEN not in outcome and len(outcome) <= 300
        return
    for event in outcome.events:
        assert_clean(event)


@given(
    st.one_of(
        BODIES.map(lambda b: decode_json(b)[0]),
        st.builds(lambda s: {"status": "success", "data": {"resultType": "streams", "result": s}}, JSON_VALUES),
    )
)
def test_any_loki_body_is_a_page_or_a_clean_fault(body: object) -> None:
    outcome = _read(loki(), body)
    if isinstance(outcome, str):
        assert sanitize(outcome) == outcome and TOKEN not in outcome and len(outcome) <= 300
        return
    for event in outcome.events:
        assert_clean(event)


def _read(api: SupabaseApi | LokiApi, body: object) -> Page | str:
    """The page, or the fault's line."""
    try:
        return api.read_page(body)
    except RemoteFault as fault:
        return fault.line


@given(st.one_of(TEXT, st.sampled_from(["120", "99999999999999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "-5", "1.5"])))
def test_retry_after_is_a_bounded_wait_or_nothing(value: str) -> None:
    wait = retry_after(value, at_most=MAX_RETRY_AFTER_S)  # as the remote sources read it
    assert wait is None or wait >= 0
    if wait is not None and value.strip().isdigit():
        assert wait <= max(MAX_RETRY_AFTER_S, float(value.strip()[:9] or 0))
